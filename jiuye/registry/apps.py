from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "jiuye.registry"
    verbose_name = "登记 / Register"
