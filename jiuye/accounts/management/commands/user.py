import sys

from django.core.management.base import BaseCommand, CommandError

from jiuye.accounts.models import Role
from jiuye.accounts.services import UserError, user_add


class Command(BaseCommand):
    help = "Manage users: `jiuye user add NAME --role ROLE --scope CODE` (password: first line of stdin). 用户管理"
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="add a user; the password is read from the first line of standard input")
        add.add_argument("name")
        add.add_argument("--role", required=True, choices=Role.values)
        add.add_argument("--scope", required=True, help="division code: 12 (community), 9 (street), 6 (district) digits, or the city code")

    def handle(self, *args, action=None, name=None, role=None, scope=None, **options):
        password = sys.stdin.readline().rstrip("\r\n")
        try:
            user = user_add(username=name, role=role, scope_code=scope, password=password)
        except UserError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"已创建用户 / user created: {user.username} ({user.role}, {user.scope.code})")
