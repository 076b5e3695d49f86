"""Dashboards above the community, read from saved evaluations (never evaluated live).

``dashboard_refresh`` runs one city-wide ``evaluate(as_of, rollups=True)`` and saves
it as an :class:`EvaluationSnapshot` with ``division_code ""``; the nightly job calls
it, and the dashboard view calls it lazily when the current month has no snapshot yet.
``dashboard_backfill`` saves the missing month ends before a date (for the trend).
``dashboard_data`` reads the latest snapshot (and one per month for the trend) and
restricts every figure to the user's scope by community-code prefix; it reads only
the parts of the saved JSON it needs (the rollups, and the communities under the
prefix, filtered by the database), so it answers in milliseconds for a whole city.
"""

import calendar
import datetime as dt
import json

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection

from jiuye.dbrouters import read_connection, replica_reads
from jiuye.divisions.models import Division
from jiuye.registry.scoping import scope_prefix
from jiuye.standards.models import EvaluationSnapshot
from jiuye.standards.snapshots import snapshot_save


def evaluate(*args, **kwargs) -> dict:
    """``jiuye.standards.evaluate.evaluate``, imported on first use: it loads pandas, which the
    command line does not need to start (``python -m bench.startup``)."""
    from jiuye.standards.evaluate import evaluate as run

    return run(*args, **kwargs)


STANDARDS = ("s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8")
LEVELS = {0: "city", 6: "district", 9: "street", 12: "community"}
CHILD_LENGTH = {0: 6, 6: 9, 9: 12}


# -- dates --------------------------------------------------------------------------


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def is_month_end(day: dt.date) -> bool:
    return day == month_end(day)


def month_ends(as_of: dt.date, months: int) -> list[dt.date]:
    """The last ``months`` month ends on or before ``as_of``, oldest first."""
    last = as_of if is_month_end(as_of) else as_of.replace(day=1) - dt.timedelta(days=1)
    ends = []
    for _ in range(max(0, months)):
        ends.append(last)
        last = last.replace(day=1) - dt.timedelta(days=1)
    return ends[::-1]


# -- writing snapshots --------------------------------------------------------------


def city_snapshots():
    """Saved city-wide evaluations that carry rollups (the dashboards' source).

    The ``has_key`` test reads each row's whole JSON: the pages' queries filter on the
    columns only (``_city_rows``) and test the few rows they pick (``_has_rollups``).
    """
    return EvaluationSnapshot.objects.filter(division_code="", result__has_key="rollups")


def _city_rows():
    return EvaluationSnapshot.objects.filter(division_code="")


def _has_rollups(pk: int) -> bool:
    return EvaluationSnapshot.objects.filter(pk=pk, result__has_key="rollups").exists()


def dashboard_refresh(*, as_of: dt.date | None = None, user=None) -> EvaluationSnapshot:
    """Evaluate every community of the city as of ``as_of`` (rollups included) and save it."""
    as_of = as_of or dt.date.today()
    result = evaluate(as_of, rollups=True)
    return snapshot_save(result=result, division_code="", user=user)


def dashboard_backfill(*, months: int, as_of: dt.date | None = None, user=None) -> list[EvaluationSnapshot]:
    """Save the city-wide evaluation of each of the last ``months`` month ends that has none."""
    as_of = as_of or dt.date.today()
    ends = month_ends(as_of, months)
    have = set(city_snapshots().filter(as_of__in=ends).values_list("as_of", flat=True))
    return [dashboard_refresh(as_of=day, user=user) for day in ends if day not in have]


def dashboard_ensure(*, today: dt.date | None = None, user=None) -> EvaluationSnapshot | None:
    """Save today's city-wide evaluation when the current month has no snapshot yet."""
    today = today or dt.date.today()
    newest = (_city_rows().filter(as_of__gte=today.replace(day=1), as_of__lte=today)
              .order_by("-as_of", "-id").values_list("pk", flat=True)[:3])
    if any(_has_rollups(pk) for pk in newest):
        return None
    return dashboard_refresh(as_of=today, user=user)


def snapshot_at(as_of: dt.date, *, create: bool = False, user=None) -> EvaluationSnapshot | None:
    """The city-wide snapshot saved for exactly ``as_of`` (the newest), saving one if asked."""
    found = city_snapshots().filter(as_of=as_of).order_by("-id").only("id", "as_of").first()
    if found is None and create:
        found = dashboard_refresh(as_of=as_of, user=user)
    return found


# -- reading ------------------------------------------------------------------------


# The fields the dashboards read of each community, extracted by the database (no JSON
# parsing of whole community objects in Python): (name, JSON path).
COMPACT_FIELDS = (
    ("code", ("code",)), ("name", ("name",)), ("pass", ("pass",)),
    *((key, ("standards", key, "pass")) for key in STANDARDS),
    ("s1_numerator", ("standards", "s1", "numerator")), ("s1_denominator", ("standards", "s1", "denominator")),
)


def _truth(value) -> bool:
    return value in (True, 1, "true", "1")


def _number(value):
    return None if value is None else int(value)


def community_rows(snapshot_ids: list[int], prefix: str, *, full: bool = True) -> list[tuple[int, dict]]:
    """(snapshot id, community) of the communities under ``prefix``, filtered in SQL.

    ``full``: the community object as saved; otherwise only code, name, pass, each
    standard's pass and S1's figures (the same shape, fewer keys), extracted in SQL.
    """
    if not snapshot_ids:
        return []
    table = EvaluationSnapshot._meta.db_table
    marks = ", ".join(["%s"] * len(snapshot_ids))
    like = prefix + "%"
    postgres = connection.vendor == "postgresql"
    if full:
        columns = "e.value"
    elif postgres:
        columns = ", ".join(f"e.value #>> '{{{','.join(path)}}}'" for _, path in COMPACT_FIELDS)
    else:
        columns = ", ".join(f"json_extract(e.value, '$.{'.'.join(path)}')" for _, path in COMPACT_FIELDS)
    if postgres:
        sql = (
            f"SELECT s.id, {columns} FROM {table} s CROSS JOIN LATERAL jsonb_array_elements(s.result -> 'communities') e "
            f"WHERE s.id IN ({marks}) AND (e.value ->> 'code') LIKE %s"
        )
    else:
        sql = (
            f"SELECT s.id, {columns} FROM {table} s, json_each(s.result, '$.communities') e "
            f"WHERE s.id IN ({marks}) AND json_extract(e.value, '$.code') LIKE %s"
        )
    with read_connection().cursor() as cursor:  # the replica, for the dashboards
        cursor.execute(sql, [*snapshot_ids, like])
        rows = cursor.fetchall()
    out = []
    for sid, *values in rows:
        if full:
            value = values[0]
            if isinstance(value, (str, bytes)):
                value = json.loads(value)
        else:
            f = dict(zip((name for name, _ in COMPACT_FIELDS), values, strict=True))
            standards = {key: {"pass": _truth(f[key])} for key in STANDARDS}
            standards["s1"].update(numerator=_number(f["s1_numerator"]), denominator=_number(f["s1_denominator"]))
            value = {"code": f["code"], "name": f["name"], "pass": _truth(f["pass"]), "standards": standards}
        out.append((sid, value))
    out.sort(key=lambda row: (row[0], row[1]["code"]))
    return out


def _share(passing: int, evaluated: int) -> float | None:
    return round(passing / evaluated, 6) if evaluated else None


def _line(code: str, name: str, evaluated: int, passing: int, **extra) -> dict:
    return {"code": code, "name": name, "evaluated": evaluated, "passing": passing,
            "share": _share(passing, evaluated), **extra}


def resolve_scope(user, code: str | None = None) -> str:
    """The community-code prefix of ``code`` (default: the user's scope), checked against the scope.

    Raises PermissionDenied when the user may not see it, ValueError when ``code`` is no division code.
    """
    prefix = scope_prefix(user)
    if prefix is None:
        raise PermissionDenied("no scope / 没有管辖范围")
    if not code:
        return prefix
    code = code.strip()
    if code == settings.JIUYE_CITY_CODE:
        wanted = ""
    elif code.isdigit() and len(code) in (6, 9, 12):
        wanted = code
    else:
        raise ValueError(f"区划代码须为 6、9 或 12 位数字 / division code must have 6, 9 or 12 digits: {code!r}")
    if not wanted.startswith(prefix):
        raise PermissionDenied("outside your scope / 超出管辖范围")
    return wanted


def _trend_points(prefix: str, latest: EvaluationSnapshot, months: int) -> list[dict]:
    """One point per month: the month-end snapshot (or, failing that, the month's latest), up to ``latest``."""
    start = month_ends(latest.as_of, months)[0].replace(day=1) if months > 1 else latest.as_of.replace(day=1)
    candidates = (
        _city_rows().filter(as_of__gte=start, as_of__lte=latest.as_of)
        .order_by("as_of", "id").values_list("id", "as_of")
    )
    chosen: dict[tuple[int, int], tuple[int, dt.date]] = {}
    for sid, day in candidates:
        chosen[(day.year, day.month)] = (sid, day)  # ascending: the month end (or the month's latest) wins
    current = (latest.as_of.year, latest.as_of.month)
    chosen[current] = (latest.pk, latest.as_of)
    picks = sorted(chosen.values(), key=lambda pick: pick[1])[-months:]
    ids = [sid for sid, _ in picks]
    points = []
    if len(prefix) == 12:
        by_id = dict(community_rows(ids, prefix, full=False))
        for sid, day in picks:
            community = by_id.get(sid)
            if community is None:
                continue
            met = sum(1 for key in STANDARDS if community["standards"][key]["pass"])
            points.append({"as_of": day.isoformat(), "month_end": is_month_end(day), "evaluated": 1,
                           "passing": int(community["pass"]), "share": float(community["pass"]),
                           "standards_met": met, "snapshot": sid})
        return points
    if prefix:
        rows = EvaluationSnapshot.objects.filter(pk__in=ids).values_list("id", "result__rollups__streets")
        lines_by_id = dict(rows)
    else:
        lines_by_id = {sid: city and [city] for sid, city in
                       EvaluationSnapshot.objects.filter(pk__in=ids).values_list("id", "result__rollups__city")}
    for sid, day in picks:
        if lines_by_id.get(sid) is None:  # saved without rollups: no point
            continue
        lines = [line for line in lines_by_id[sid] if line["code"].startswith(prefix)]
        evaluated = sum(line["evaluated"] for line in lines)
        passing = sum(line["passing"] for line in lines)
        points.append({"as_of": day.isoformat(), "month_end": is_month_end(day), "evaluated": evaluated,
                       "passing": passing, "share": _share(passing, evaluated), "snapshot": sid})
    return points


def _latest_candidates(as_of: dt.date | None, limit: int = 5):
    qs = _city_rows()
    if as_of is not None:
        qs = qs.filter(as_of__lte=as_of)
    return list(qs.order_by("-as_of", "-id").only("id", "as_of", "created_at")[:limit])


def latest_snapshot(as_of: dt.date | None = None) -> EvaluationSnapshot | None:
    """The newest city-wide snapshot with rollups on or before ``as_of``."""
    found = next((s for s in _latest_candidates(as_of) if _has_rollups(s.pk)), None)
    if found is None:  # more than a few saved without rollups: look further
        found = city_snapshots().filter(**({"as_of__lte": as_of} if as_of else {})).order_by(
            "-as_of", "-id").only("id", "as_of", "created_at").first()
    return found


def dashboard_data(*, user, code: str | None = None, months: int = 12, as_of: dt.date | None = None,
                   snapshot: EvaluationSnapshot | None = None, include_communities: bool = False) -> dict | None:
    """The dashboard of ``code`` (default: the user's scope) from the latest saved evaluation.

    ``as_of`` picks the latest snapshot on or before that day; ``snapshot`` a given one.
    None when nothing has been saved yet. Everything is restricted to the scope's prefix.
    """
    prefix = resolve_scope(user, code)
    # The newest snapshot carrying rollups, tested on the row read anyway (no scan of older rows).
    latest = rollups = warnings = None
    for candidate in [snapshot] if snapshot else _latest_candidates(as_of):
        rollups, warnings = EvaluationSnapshot.objects.filter(pk=candidate.pk).values_list(
            "result__rollups", "result__warnings").get()
        if rollups is not None:
            latest = candidate
            break
    if latest is None and not snapshot:
        latest = latest_snapshot(as_of)
        if latest is not None:
            rollups, warnings = EvaluationSnapshot.objects.filter(pk=latest.pk).values_list(
                "result__rollups", "result__warnings").get()
    if latest is None:
        return None
    level = LEVELS[len(prefix)]
    communities = [c for _, c in community_rows([latest.pk], prefix, full=len(prefix) == 12)]

    evaluated = len(communities)
    passing = sum(1 for c in communities if c["pass"])
    standards = []
    for key in STANDARDS:
        ok = sum(1 for c in communities if c["standards"][key]["pass"])
        standards.append({"key": key.upper(), "passing": ok, "failing": evaluated - ok,
                          "share": _share(ok, evaluated)})
    failing = [s for s in standards if s["failing"]]
    weakest = min(failing, key=lambda s: (s["share"], s["key"])) if failing else None

    children = []
    if len(prefix) in CHILD_LENGTH:
        length = CHILD_LENGTH[len(prefix)]
        groups: dict[str, list[dict]] = {}
        for c in communities:
            groups.setdefault(c["code"][:length], []).append(c)
        names = {c["code"]: c["name"] for c in communities}
        if length < 12:
            names.update(Division.objects.filter(code__in=list(groups)).values_list("code", "name"))
        for child_code, members in sorted(groups.items()):
            fails = {key.upper(): sum(1 for c in members if not c["standards"][key]["pass"]) for key in STANDARDS}
            children.append(_line(child_code, names.get(child_code, child_code), len(members),
                                  sum(1 for c in members if c["pass"]), failing_by_standard=fails,
                                  level=LEVELS[length]))

    districts = [line for line in (rollups or {}).get("districts", [])
                 if line["code"].startswith(prefix) or (not prefix)]
    scope_name = _scope_name(prefix, communities)
    data = {
        "as_of": latest.as_of.isoformat(),
        "snapshot": latest.pk,
        "level": level,
        "code": prefix or settings.JIUYE_CITY_CODE,
        "prefix": prefix,
        "name": scope_name,
        "summary": _line(prefix or settings.JIUYE_CITY_CODE, scope_name, evaluated, passing),
        "standards": standards,
        "weakest": weakest,
        "children": children,
        "districts": districts,
        "trend": _trend_points(prefix, latest, months),
        "warnings": warnings or [],
        "community": communities[0] if level == "community" and communities else None,
    }
    if include_communities:
        data["communities"] = [
            {"code": c["code"], "name": c["name"], "pass": c["pass"],
             "standards": {key.upper(): c["standards"][key]["pass"] for key in STANDARDS},
             "s1": c["standards"]["s1"]}
            for c in communities
        ]
    return data


def _scope_name(prefix: str, communities: list[dict]) -> str:
    if not prefix:
        return settings.JIUYE_CITY_NAME
    if len(prefix) == 12 and communities:
        return communities[0]["name"]
    name = Division.objects.filter(code=prefix).values_list("name", flat=True).first()
    return name or prefix


def dashboard_for_view(*, user, code: str | None = None, months: int = 12, today: dt.date | None = None) -> dict | None:
    """What the page shows: saves this month's evaluation first if there is none yet."""
    resolve_scope(user, code)  # refuse before any work
    dashboard_ensure(today=today, user=user)
    with replica_reads():  # saved evaluations: a replica a little behind is fine
        return dashboard_data(user=user, code=code, months=months, as_of=today)
