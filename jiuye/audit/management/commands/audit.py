import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date

from jiuye.audit.models import AuditEvent
from jiuye.audit.selectors import audit_events_filter
from jiuye.audit.services import audit_event_record


def _date(value: str | None):
    if not value:
        return None
    day = parse_date(value)
    if day is None:
        raise CommandError(f"日期格式应为 YYYY-MM-DD / dates are YYYY-MM-DD: {value}")
    return day


class Command(BaseCommand):
    help = (
        "Search the audit log (read-only), newest first: one event per line, tab-separated "
        "(time, actor, action, target, division code, detail as JSON). 查询审计日志"
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--actor", default="", help="the actor's name contains this")
        parser.add_argument("--action", default="", help="the action starts with this (login finds login.failed)")
        parser.add_argument("--target", default="", help="the target contains this")
        parser.add_argument("--division", default="", help="the division code starts with this")
        parser.add_argument("--since", help="from this day (YYYY-MM-DD, local time)")
        parser.add_argument("--until", help="to this day, inclusive")
        parser.add_argument("--limit", type=int, default=100, help="at most this many events (default 100)")

    def handle(self, *args, actor, action, target, division, since, until, limit, **options):
        filters = {"actor": actor, "action": action, "target": target, "division": division,
                   "since": _date(since), "until": _date(until)}
        events = list(audit_events_filter(AuditEvent.objects.all(), **filters)[: max(limit, 0)])
        for e in events:
            at = timezone.localtime(e.at).isoformat(timespec="seconds")
            detail = json.dumps(e.detail, ensure_ascii=False, sort_keys=True)
            self.stdout.write("\t".join([at, e.actor, e.action, e.target, e.division_code, detail]))
        audit_event_record(action="audit.view", target="audit",
                           detail={"filters": {k: str(v) for k, v in filters.items() if v}, "cli": True})
