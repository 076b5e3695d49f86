from django.apps import AppConfig
from django.db.models.signals import post_migrate


class DivisionsConfig(AppConfig):
    name = "jiuye.divisions"
    verbose_name = "区划 / Divisions"

    def ready(self) -> None:

        post_migrate.connect(_seed, sender=self)


def _seed(sender, using="default", **kwargs) -> None:
    from jiuye.divisions.seed import seed_divisions

    seed_divisions()
