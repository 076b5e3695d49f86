from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "jiuye.oversight"
    verbose_name = "督查 / Oversight"
