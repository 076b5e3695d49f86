import json

from django.core.management.base import BaseCommand, CommandError

from jiuye.standards.parameters import DEFAULTS, load_parameters
from jiuye.standards.services import policy_parameter_set


class Command(BaseCommand):
    help = "Show or change the policy parameters (thresholds and windows). 政策参数"
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("show", help="print the parameters in force as JSON")
        set_ = sub.add_parser("set", help="set one parameter: KEY JSON-VALUE")
        set_.add_argument("key")
        set_.add_argument("value", help='a JSON value, e.g. 6 or 0.9 or \'["职业指导"]\'')

    def handle(self, *args, action=None, key=None, value=None, **options):
        if action == "show":
            self.stdout.write(json.dumps(load_parameters(), ensure_ascii=False, indent=2))
            return
        if key not in DEFAULTS:
            raise CommandError(f"未知参数 / unknown parameter: {key} ({', '.join(sorted(DEFAULTS))})")
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as exc:
            raise CommandError(f"值须为 JSON / the value must be JSON: {exc}") from None
        try:
            policy_parameter_set(key=key, value=parsed)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{key} = {json.dumps(parsed, ensure_ascii=False)}")
