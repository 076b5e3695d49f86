from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "jiuye.exchange"
    verbose_name = "交换格式 / Exchange format"
