from django.apps import AppConfig
from django.db.models.signals import post_migrate


class StandardsConfig(AppConfig):
    name = "jiuye.standards"
    verbose_name = "创建标准 / Standards"

    def ready(self) -> None:
        post_migrate.connect(_seed, sender=self)


def _seed(sender, **kwargs) -> None:
    from jiuye.standards.parameters import seed_parameters

    seed_parameters()
