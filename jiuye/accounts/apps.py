from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "jiuye.accounts"
    verbose_name = "用户 / Accounts"

    def ready(self) -> None:
        from jiuye import checks  # noqa: F401 - registers the system checks
        from jiuye.accounts import auditing  # noqa: F401 - audits logins (signal receivers)
