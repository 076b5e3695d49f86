from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "jiuye.casework"
    verbose_name = "帮扶 / Casework"
