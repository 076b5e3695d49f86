from django.apps import AppConfig


class LedgersConfig(AppConfig):
    name = "jiuye.ledgers"
    verbose_name = "台账 / Ledgers"
