"""System checks shown by `jiuye migrate`, `jiuye runserver` and `jiuye check`."""

from django.conf import settings
from django.core.checks import Warning as CheckWarning
from django.core.checks import register


@register()
def development_mode(app_configs, **kwargs):
    if getattr(settings, "DEVELOPMENT_MODE", False):
        return [
            CheckWarning(
                "开发模式：密钥为 ./var 下自动生成的本地密钥，切勿用于生产 / development mode: a local secret "
                f"under {settings.VAR_DIR} is used; set JIUYE_PRODUCTION=1 and the keys for production",
                id="jiuye.W001",
            )
        ]
    return []
