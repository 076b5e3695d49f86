import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from jiuye.exchange.importer import LINES_SHOWN, ledger_import
from jiuye.exchange.progress import ProgressLine


class Command(BaseCommand):
    help = ("Import an exchange-format folder of CSV files or an .xlsx workbook (all or nothing); "
            "--dry-run checks it and says what would change, writing nothing. 导入台账")
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--progress", action="store_true",
                            help="a progress line on stderr even when it is not a terminal")
        parser.add_argument("--dry-run", action="store_true",
                            help="check everything and write nothing: per table the rows that would be added, "
                                 "changed and left as they are, and the warnings")

    def handle(self, *args, path: Path, progress=False, dry_run=False, **options):
        line = ProgressLine(self.stderr, progress or self.stderr.isatty())
        try:
            result = ledger_import(path=path, progress=line, dry_run=dry_run)
        finally:
            line.end()
        if not result.ok:
            self.lines(result.problems, lambda p: p.line(),
                       "另有 {} 个问题未列出 / {} more problems not listed")
            self.stderr.write(
                f"导入失败，未写入任何数据 / import rejected, nothing written: {len(result.problems)} problem(s)"
            )
            sys.exit(2)
        self.lines(result.notices, lambda w: w.warning_line(),
                   "另有 {} 条警告未列出 / {} more warnings not listed")
        if dry_run:
            self.dry_run_report(result)
            return
        summary = ", ".join(f"{t} +{c['added']} ~{c['changed']}" for t, c in result.counts.items())
        self.stdout.write(f"导入完成 / imported: {summary}")

    def lines(self, items, line, more: str) -> None:
        """At most ``LINES_SHOWN`` lines on stderr, then one saying how many more there are."""
        for item in items[:LINES_SHOWN]:
            self.stderr.write(line(item))
        if len(items) > LINES_SHOWN:
            rest = len(items) - LINES_SHOWN
            self.stderr.write(more.format(rest, rest))

    def dry_run_report(self, result) -> None:
        """Per table: added, changed, left as they are; a few changed rows column by column."""
        self.stdout.write("预演，未写入任何数据 / dry run, nothing written")
        for table, counts in result.preview.items():
            self.stdout.write(
                f"{table}\t新增 {counts['added']} / added\t修改 {counts['changed']} / changed"
                f"\t不变 {counts['unchanged']} / unchanged"
            )
            for sample in counts["sample"]:
                changes = "; ".join(f"{c['column']}: {c['before'] or '（空）'} → {c['after'] or '（空）'}"
                                    for c in sample["changes"])
                self.stdout.write(f"  第 {sample['row']} 行 / row {sample['row']} {sample['key']}: {changes}")
        summary = ", ".join(f"{t} +{c['added']} ~{c['changed']} ={c['unchanged']}" for t, c in result.preview.items())
        self.stdout.write(f"预演 / dry run: {summary}")
