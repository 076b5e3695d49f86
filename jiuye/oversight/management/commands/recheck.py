"""``jiuye recheck --year Y [--as-of D]``: the year's re-check (复查) of every certified community."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from jiuye.oversight.models import OversightError
from jiuye.oversight.services import recheck_run


class Command(BaseCommand):
    help = ("Re-check every community certified before the year: flag those that no longer pass, with a due "
            "date; clear flagged ones that pass again. 年度复查")
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="the year of the re-check")
        parser.add_argument("--as-of", dest="as_of",
                            help="YYYY-MM-DD within the year (default: today, or 31 December of a past year)")

    def handle(self, *args, year=None, as_of=None, **options):
        day = None
        if as_of:
            try:
                day = dt.date.fromisoformat(as_of)
            except ValueError:
                raise CommandError(f"日期格式应为 YYYY-MM-DD / --as-of must be YYYY-MM-DD: {as_of}") from None
        try:
            summary = recheck_run(user=None, year=year, as_of=day)
        except OversightError as exc:
            raise CommandError(str(exc)) from None
        snapshot = f"，评估快照 #{summary['snapshot']}" if summary["snapshot"] else ""
        self.stdout.write(
            f"{summary['year']} 年复查（评估日期 {summary['as_of']}{snapshot}）：已验收社区 {summary['checked']} 个，"
            f"合格 {len(summary['passed'])}，不合格 {len(summary['flagged'])}，整改后合格 {len(summary['cleared'])}，"
            f"此前已复查 {len(summary['unchanged'])} / re-checked {summary['checked']}: passed "
            f"{len(summary['passed'])}, flagged {len(summary['flagged'])}, cleared {len(summary['cleared'])}, "
            f"unchanged {len(summary['unchanged'])}"
        )
        for line in summary["flagged"]:
            failed = "、".join(f.upper() for f in line["failed"])
            self.stdout.write(f"  不合格 / flagged  {line['code']} {line['name']}：{failed}，整改期限 / due {line['due_on']}")
        for line in summary["cleared"]:
            self.stdout.write(f"  整改后合格 / cleared  {line['code']} {line['name']}：{line['cleared_on']}")
