from django.core.management.base import BaseCommand, CommandError

from jiuye.api.services import TokenError, token_create, token_revoke


class Command(BaseCommand):
    help = ("API tokens (Authorization: Bearer TOKEN). API 令牌: `jiuye token create NAME` prints a new token; "
            "`jiuye token revoke NAME [--token TOKEN]` withdraws the user's tokens (or one).")
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token for an active user; prints only the token")
        create.add_argument("username")
        revoke = sub.add_parser("revoke", help="withdraw all the user's tokens, or only --token")
        revoke.add_argument("username")
        revoke.add_argument("--token", help="withdraw only this token")

    def handle(self, *args, action=None, username=None, token=None, **options):
        try:
            if action == "create":
                self.stdout.write(token_create(username=username))
                return
            count = token_revoke(username=username, token=token)
        except TokenError as exc:
            raise CommandError(str(exc), returncode=2) from None
        self.stdout.write(f"已撤销 {count} 个令牌 / {count} token(s) revoked")
