from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "jiuye.accounts"
    verbose_name = "用户 / Accounts"
