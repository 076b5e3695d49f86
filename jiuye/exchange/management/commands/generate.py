import time
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiuye.exchange.generate import generate_register


def positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Write a synthetic register (the ten exchange-format CSV files) into OUT; "
        "same arguments, same bytes. 生成模拟台账"
    )
    requires_system_checks = []  # no database, no models

    def add_arguments(self, parser):
        parser.add_argument(
            "out", type=Path, help="output folder (created if missing; the ten files are overwritten)"
        )
        parser.add_argument("--communities", type=positive_int, required=True, help="number of communities")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--persons-per-community",
            type=positive_int,
            default=2500,
            help="persons per community (default 2500)",
        )
        parser.add_argument(
            "--as-of",
            type=date.fromisoformat,
            default=date(2026, 6, 30),
            help="YYYY-MM-DD (default 2026-06-30)",
        )

    def handle(
        self,
        *args,
        out: Path,
        communities: int,
        seed: int,
        persons_per_community: int,
        as_of: date,
        **options,
    ):
        if out.exists() and not out.is_dir():
            raise CommandError(f"不是文件夹 / not a folder: {out}")

        def progress(message: str) -> None:
            self.stderr.write(message)

        started = time.monotonic()
        counts = generate_register(
            out,
            communities=communities,
            seed=seed,
            persons_per_community=persons_per_community,
            as_of=as_of,
            progress=progress,
        )
        summary = ", ".join(f"{table} {count}" for table, count in counts.items())
        self.stdout.write(f"生成完成 / generated {out} in {time.monotonic() - started:.1f}s: {summary}")
