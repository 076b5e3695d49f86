import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from jiuye.exchange.importer import ledger_import
from jiuye.exchange.progress import ProgressLine


class Command(BaseCommand):
    help = "Import an exchange-format folder of CSV files or an .xlsx workbook (all or nothing). 导入台账"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--progress", action="store_true",
                            help="a progress line on stderr even when it is not a terminal")

    def handle(self, *args, path: Path, progress=False, **options):
        line = ProgressLine(self.stderr, progress or self.stderr.isatty())
        try:
            result = ledger_import(path=path, progress=line)
        finally:
            line.end()
        for warning in result.warnings:
            self.stderr.write(f"warning\t{warning}")
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(problem.line())
            self.stderr.write(
                f"导入失败，未写入任何数据 / import rejected, nothing written: {len(result.problems)} problem(s)"
            )
            sys.exit(2)
        summary = ", ".join(f"{t} +{c['added']} ~{c['changed']}" for t, c in result.counts.items())
        self.stdout.write(f"导入完成 / imported: {summary}")
