from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiuye.divisions.codes import community_prefix
from jiuye.exchange.exporter import ledger_export
from jiuye.exchange.progress import ProgressLine


class Command(BaseCommand):
    help = "Export the register in the exchange format: a folder of CSV files or an .xlsx workbook. 导出台账"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--division", help="district (6), street (9) or community (12 digits) code")
        parser.add_argument("--progress", action="store_true",
                            help="a progress line on stderr even when it is not a terminal")

    def handle(self, *args, path: Path, division=None, progress=False, **options):
        try:
            prefix = community_prefix(division) if division else ""
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        line = ProgressLine(self.stderr, progress or self.stderr.isatty())
        try:
            counts = ledger_export(path=path, prefix=prefix, progress=line)
        finally:
            line.end()
        self.stdout.write("导出完成 / exported: " + ", ".join(f"{t} {n}" for t, n in counts.items()))
