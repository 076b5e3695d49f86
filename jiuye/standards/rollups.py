"""Street, district and city rollups, and each district (or development zone)
against its group's target share for the year of D (standards.md "Above the community")."""

from collections import defaultdict
from fractions import Fraction

from django.conf import settings

from jiuye.divisions.models import Division, Level
from jiuye.standards.parameters import district_target_share, ratio


def _line(code: str, name: str, evaluated: int, passing: int) -> dict:
    return {
        "code": code,
        "name": name,
        "evaluated": evaluated,
        "passing": passing,
        "share": round(passing / evaluated, 6) if evaluated else None,
    }


def rollup(result: dict, params: dict, ctx) -> dict:
    year = int(result["as_of"][:4])
    names = dict(Division.objects.exclude(level=Level.COMMUNITY).values_list("code", "name"))
    zones = {z.pk: z for z in Division.objects.filter(level=Level.ZONE)}
    zone_codes = {z.code for z in zones.values()}
    groups = dict(Division.objects.filter(level__in=[Level.DISTRICT, Level.ZONE]).values_list("code", "group"))
    zone_of = dict(zip(ctx.communities["code"], ctx.communities["zone_id"], strict=True))
    streets: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    districts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    city = [0, 0]
    for community in result["communities"]:
        passed = int(community["pass"])
        code = community["code"]
        zone_id = zone_of.get(code)
        unit = zones[zone_id].code if zone_id in zones else code[:6]
        for bucket in (streets[code[:9]], districts[unit], city):
            bucket[0] += 1
            bucket[1] += passed
    district_lines = []
    for code, (evaluated, passing) in sorted(districts.items()):
        line = _line(code, names.get(code, code), evaluated, passing)
        # standards.md: a development zone counts as group A (its own group, where one is set).
        group = groups.get(code, "") or ("A" if code in zone_codes else "")
        target = district_target_share(params, group, year) if group else None
        line["group"] = group
        line["target_share"] = target
        line["meets_target"] = (
            None if target is None or not evaluated else Fraction(passing, evaluated) >= ratio(target)
        )
        district_lines.append(line)
    city_code = settings.JIUYE_CITY_CODE
    return {
        "streets": [_line(c, names.get(c, c), e, p) for c, (e, p) in sorted(streets.items())],
        "districts": district_lines,
        "city": _line(city_code, names.get(city_code, city_code), city[0], city[1]),
    }
