"""Shipped reference data: the city, its districts and counties with their target groups,
and the development zones. Loaded (idempotently) after every ``jiuye migrate``."""

import csv
from pathlib import Path

from django.conf import settings

DATA = Path(__file__).resolve().parent / "data" / "chongqing-districts.csv"

# The 2007 notice puts the economic and high-tech development zones in group A.
ZONES = [("Z01", "重庆经济技术开发区", "A"), ("Z02", "重庆高新技术产业开发区", "A")]


def seed_divisions(**kwargs) -> None:
    from jiuye.divisions.models import Division, Level

    city, _ = Division.objects.update_or_create(
        code=settings.JIUYE_CITY_CODE,
        defaults={"name": settings.JIUYE_CITY_NAME, "level": Level.CITY, "parent": None},
    )
    with DATA.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            Division.objects.update_or_create(
                code=row["code"],
                defaults={"name": row["name"], "level": Level.DISTRICT, "parent": city, "group": row["group"]},
            )
    for code, name, group in ZONES:
        Division.objects.get_or_create(
            code=code, defaults={"name": name, "level": Level.ZONE, "parent": city, "group": group}
        )
