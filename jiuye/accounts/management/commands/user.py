import sys

from django.core.management.base import BaseCommand, CommandError

from jiuye.accounts.models import Role
from jiuye.accounts.services import UserError, otp_reset, user_add, user_unlock


class Command(BaseCommand):
    help = (
        "Manage users: `jiuye user add NAME --role ROLE --scope CODE` (password: first line of stdin); "
        "`jiuye user otp-reset NAME` removes a lost second-factor device; "
        "`jiuye user unlock NAME` lifts a lockout after failed logins. 用户管理"
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="add a user; the password is read from the first line of standard input")
        add.add_argument("name")
        add.add_argument("--role", required=True, choices=Role.values)
        add.add_argument("--scope", required=True, help="division code: 12 (community), 9 (street), 6 (district) digits, or the city code")
        reset = sub.add_parser("otp-reset", help="remove a user's second-factor (TOTP) devices; they enrol again at the next login")
        reset.add_argument("name")
        unlock = sub.add_parser("unlock", help="lift the lockout after repeated failed logins, from every address")
        unlock.add_argument("name")

    def handle(self, *args, action=None, name=None, role=None, scope=None, **options):
        try:
            if action == "otp-reset":
                removed = otp_reset(username=name)
                self.stdout.write(f"已重置动态口令 / second factor reset: {name} ({removed} device(s) removed)")
                return
            if action == "unlock":
                user_unlock(username=name)
                self.stdout.write(f"已解除登录锁定 / login lockout lifted: {name}")
                return
            password = sys.stdin.readline().rstrip("\r\n")
            user = user_add(username=name, role=role, scope_code=scope, password=password)
        except UserError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"已创建用户 / user created: {user.username} ({user.role}, {user.scope.code})")
