"""Dashboards above the community, as of any date, read from saved evaluations.

``dashboard_refresh`` runs one city-wide ``evaluate(as_of, rollups=True)`` and saves
it as an :class:`EvaluationSnapshot` with ``division_code ""``; the nightly job calls
it, and the dashboard view calls it when the current month has no snapshot yet.
``dashboard_fill`` saves the evaluations of given past month ends (the trend's
background job). ``dashboard_data`` reads one snapshot (and one per month end for the
trend) and restricts every figure to the user's scope by community-code prefix; it
reads only the parts of the saved JSON it needs (the rollups, and the communities
under the prefix, filtered and counted by the database), so it answers in
milliseconds for a whole city.

As of a past date (``dashboard_as_of``): an evaluation saved for that very day that
covers the scope (the city's, or the scope's own or a division above it: ``--save``,
the nightly run, a certification, a re-check) is shown; otherwise the day is
evaluated from the register for the scope alone and marked as recomputed (not saved).
"""

import calendar
import datetime as dt
import json

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

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
    return dashboard_fill(days=month_ends(as_of, months), user=user)


def dashboard_fill(*, days, user=None, progress=None) -> list[EvaluationSnapshot]:
    """Save the city-wide evaluation (with rollups) of each of ``days`` that has none yet.

    ``progress(message, done=, total=)`` is told of each day (the background job's bar).
    """
    days = sorted(set(days))
    have = set(city_snapshots().filter(as_of__in=days).values_list("as_of", flat=True))
    todo = [day for day in days if day not in have]
    made = []
    for i, day in enumerate(todo):
        if progress:
            progress(f"评估 / evaluating {day.isoformat()}", done=i, total=len(todo))
        made.append(dashboard_refresh(as_of=day, user=user))
    return made


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


def _communities_sql(columns: str, marks: str, *, group: bool = False) -> str:
    table = EvaluationSnapshot._meta.db_table
    if connection.vendor == "postgresql":
        sql = (f"SELECT s.id, {columns} FROM {table} s CROSS JOIN LATERAL jsonb_array_elements(s.result -> "
               f"'communities') e WHERE s.id IN ({marks}) AND (e.value ->> 'code') LIKE %s")
    else:
        sql = (f"SELECT s.id, {columns} FROM {table} s, json_each(s.result, '$.communities') e "
               f"WHERE s.id IN ({marks}) AND json_extract(e.value, '$.code') LIKE %s")
    return sql + (" GROUP BY s.id" if group else "")


def community_rows(snapshot_ids: list[int], prefix: str, *, full: bool = True) -> list[tuple[int, dict]]:
    """(snapshot id, community) of the communities under ``prefix``, filtered in SQL.

    ``full``: the community object as saved; otherwise only code, name, pass, each
    standard's pass and S1's figures (the same shape, fewer keys), extracted in SQL.
    """
    if not snapshot_ids:
        return []
    marks = ", ".join(["%s"] * len(snapshot_ids))
    postgres = connection.vendor == "postgresql"
    if full:
        columns = "e.value"
    elif postgres:
        columns = ", ".join(f"e.value #>> '{{{','.join(path)}}}'" for _, path in COMPACT_FIELDS)
    else:
        columns = ", ".join(f"json_extract(e.value, '$.{'.'.join(path)}')" for _, path in COMPACT_FIELDS)
    with read_connection().cursor() as cursor:  # the replica, for the dashboards
        cursor.execute(_communities_sql(columns, marks), [*snapshot_ids, prefix + "%"])
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


def community_counts(snapshot_ids: list[int], prefix: str) -> dict[int, tuple[int, int]]:
    """(evaluated, passing) of the communities under ``prefix`` in each snapshot, counted in SQL."""
    if not snapshot_ids:
        return {}
    marks = ", ".join(["%s"] * len(snapshot_ids))
    if connection.vendor == "postgresql":
        passed = "SUM(CASE WHEN (e.value ->> 'pass') = 'true' THEN 1 ELSE 0 END)"
    else:
        passed = "SUM(CASE WHEN json_extract(e.value, '$.pass') THEN 1 ELSE 0 END)"
    with read_connection().cursor() as cursor:
        cursor.execute(_communities_sql(f"COUNT(*), {passed}", marks, group=True), [*snapshot_ids, prefix + "%"])
        return {sid: (int(evaluated), int(passing or 0)) for sid, evaluated, passing in cursor.fetchall()}


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


# -- which saved evaluation -----------------------------------------------------------


def covering_codes(prefix: str) -> list[str]:
    """The ``division_code`` of saved evaluations that hold every community under ``prefix``:
    the city's, and the prefix's own division and those above it."""
    return ["", settings.JIUYE_CITY_CODE, *(prefix[:n] for n in (6, 9, 12) if len(prefix) >= n)]


def _covering(prefix: str):
    return EvaluationSnapshot.objects.filter(division_code__in=covering_codes(prefix))


def _wants_rollups(prefix: str) -> bool:
    return len(prefix) < 9  # the city and a district show the districts against their target


def _pick(prefix: str, candidates: list[EvaluationSnapshot]) -> EvaluationSnapshot | None:
    """The newest day's snapshot, one with rollups first where the page shows them."""
    if not candidates:
        return None
    newest = [c for c in candidates if c.as_of == candidates[0].as_of]
    if _wants_rollups(prefix):
        with_rollups = next((c for c in newest if _has_rollups(c.pk)), None)
        if with_rollups is not None:
            return with_rollups
    return newest[0]


SNAPSHOT_FIELDS = ("id", "as_of", "created_at", "division_code")


def saved_for(prefix: str, day: dt.date) -> EvaluationSnapshot | None:
    """The evaluation saved for exactly ``day`` that covers ``prefix`` (the newest), or None."""
    return _pick(prefix, list(_covering(prefix).filter(as_of=day).order_by("-id").only(*SNAPSHOT_FIELDS)[:5]))


def latest_covering(prefix: str, as_of: dt.date | None = None) -> EvaluationSnapshot | None:
    """The newest evaluation saved on or before ``as_of`` that covers ``prefix``."""
    qs = _covering(prefix)
    if as_of is not None:
        qs = qs.filter(as_of__lte=as_of)
    return _pick(prefix, list(qs.order_by("-as_of", "-id").only(*SNAPSHOT_FIELDS)[:5]))


def latest_snapshot(as_of: dt.date | None = None) -> EvaluationSnapshot | None:
    """The newest city-wide snapshot with rollups on or before ``as_of``."""
    qs = city_snapshots()
    if as_of is not None:
        qs = qs.filter(as_of__lte=as_of)
    return qs.order_by("-as_of", "-id").only(*SNAPSHOT_FIELDS).first()


def _saved_on(snapshot: EvaluationSnapshot) -> dt.date:
    return timezone.localdate(snapshot.created_at)


# -- the figures ------------------------------------------------------------------------


def _assemble(prefix: str, as_of: dt.date, communities: list[dict], rollups: dict | None,
              warnings: list | None) -> dict:
    """The dashboard of the communities under ``prefix`` (as saved or as just evaluated)."""
    level = LEVELS[len(prefix)]
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
                 if line["code"].startswith(prefix) or (not prefix)] if _wants_rollups(prefix) else []
    scope_name = _scope_name(prefix, communities)
    return {
        "as_of": as_of.isoformat(),
        "level": level,
        "code": prefix or settings.JIUYE_CITY_CODE,
        "prefix": prefix,
        "name": scope_name,
        "summary": _line(prefix or settings.JIUYE_CITY_CODE, scope_name, evaluated, passing),
        "standards": standards,
        "weakest": weakest,
        "children": children,
        "districts": districts,
        "warnings": warnings or [],
        "community": communities[0] if level == "community" and communities else None,
        "_communities": communities,
    }


def _from_snapshot(prefix: str, snapshot: EvaluationSnapshot) -> dict:
    rollups, warnings = EvaluationSnapshot.objects.filter(pk=snapshot.pk).values_list(
        "result__rollups", "result__warnings").get()
    communities = [c for _, c in community_rows([snapshot.pk], prefix, full=len(prefix) == 12)]
    data = _assemble(prefix, snapshot.as_of, communities, rollups, warnings)
    saved_on = _saved_on(snapshot)
    data.update(snapshot=snapshot.pk, source="saved", saved_on=saved_on.isoformat(),
                saved_later=saved_on > snapshot.as_of)
    return data


def _from_result(prefix: str, result: dict) -> dict:
    communities = [c for c in result["communities"] if c["code"].startswith(prefix)]
    data = _assemble(prefix, dt.date.fromisoformat(result["as_of"]), communities, result.get("rollups"),
                     result.get("warnings"))
    data.update(snapshot=None, source="recomputed", saved_on=None, saved_later=False)
    return data


def _point(day: dt.date, evaluated: int, passing: int, *, snapshot=None, saved_on=None, recomputed=False,
           standards_met=None) -> dict:
    point = {"as_of": day.isoformat(), "month_end": is_month_end(day), "evaluated": evaluated, "passing": passing,
             "share": _share(passing, evaluated), "snapshot": snapshot,
             "saved_on": saved_on.isoformat() if saved_on else None,
             "recomputed": recomputed or bool(saved_on and saved_on > day)}
    if standards_met is not None:
        point["standards_met"] = standards_met
    return point


def _met(community: dict) -> int:
    return sum(1 for key in STANDARDS if community["standards"][key]["pass"])


def _trend(prefix: str, data: dict, months: int) -> tuple[list[dict], list[dt.date]]:
    """The page's own day after one point per month end of the ``months`` up to it, each from the
    evaluation saved for that very day that covers the scope. Returns (points, month ends without one)."""
    as_of = dt.date.fromisoformat(data["as_of"])
    ends = [day for day in month_ends(as_of, months) if day != as_of]  # a month end itself: the last
    chosen: dict[dt.date, tuple[int, dt.date]] = {}
    for sid, day, created in (_covering(prefix).filter(as_of__in=ends).order_by("id")
                              .values_list("id", "as_of", "created_at")):
        chosen[day] = (sid, timezone.localdate(created))  # ascending: the newest wins
    ids = [sid for sid, _ in chosen.values()]
    points = []
    if len(prefix) == 12:
        by_id = dict(community_rows(ids, prefix, full=False))
        for day in ends:
            if day in chosen and chosen[day][0] in by_id:
                sid, saved_on = chosen[day]
                community = by_id[sid]
                points.append(_point(day, 1, int(community["pass"]), snapshot=sid, saved_on=saved_on,
                                     standards_met=_met(community)))
    else:
        counts = community_counts(ids, prefix)
        for day in ends:
            if day in chosen and chosen[day][0] in counts:
                sid, saved_on = chosen[day]
                points.append(_point(day, *counts[sid], snapshot=sid, saved_on=saved_on))
    current = _point(as_of, data["summary"]["evaluated"], data["summary"]["passing"], snapshot=data["snapshot"],
                     saved_on=dt.date.fromisoformat(data["saved_on"]) if data["saved_on"] else None,
                     recomputed=data["source"] == "recomputed",
                     standards_met=_met(data["community"]) if data["community"] else None)
    points.append(current)
    missing = [day for day in ends if day not in chosen]
    return points, missing


def _finish(prefix: str, data: dict, months: int, include_communities: bool) -> dict:
    communities = data.pop("_communities")
    data["trend"], data["missing"] = _trend(prefix, data, months) if months else ([], [])
    if include_communities:
        data["communities"] = [
            {"code": c["code"], "name": c["name"], "pass": c["pass"],
             "standards": {key.upper(): c["standards"][key]["pass"] for key in STANDARDS},
             "s1": c["standards"]["s1"]}
            for c in communities
        ]
    return data


def dashboard_data(*, user, code: str | None = None, months: int = 12, as_of: dt.date | None = None,
                   snapshot: EvaluationSnapshot | None = None, include_communities: bool = False) -> dict | None:
    """The dashboard of ``code`` (default: the user's scope) from a saved evaluation.

    ``snapshot`` a given one; otherwise the newest saved on or before ``as_of`` that covers
    the scope. None when nothing has been saved yet. The trend has the ``months`` month ends
    up to the snapshot's day (those saved; ``data["missing"]`` lists the others).
    Everything is restricted to the scope's prefix.
    """
    prefix = resolve_scope(user, code)
    if snapshot is None:
        snapshot = latest_covering(prefix, as_of)
    if snapshot is None:
        return None
    return _finish(prefix, _from_snapshot(prefix, snapshot), months, include_communities)


def dashboard_as_of(*, user, code: str | None = None, as_of: dt.date, months: int = 12) -> dict:
    """The dashboard as of a past day: the evaluation saved for that very day if one covers the
    scope, otherwise the scope evaluated from the register as of that day (not saved)."""
    prefix = resolve_scope(user, code)
    snapshot = saved_for(prefix, as_of)
    if snapshot is not None:
        return _finish(prefix, _from_snapshot(prefix, snapshot), months, False)
    result = evaluate(as_of, prefix=prefix, rollups=True)
    return _finish(prefix, _from_result(prefix, result), months, False)


def _scope_name(prefix: str, communities: list[dict]) -> str:
    if not prefix:
        return settings.JIUYE_CITY_NAME
    if len(prefix) == 12 and communities:
        return communities[0]["name"]
    name = Division.objects.filter(code=prefix).values_list("name", flat=True).first()
    return name or prefix


def dashboard_for_view(*, user, code: str | None = None, months: int = 12, today: dt.date | None = None,
                       as_of: dt.date | None = None) -> dict | None:
    """What the page shows. Today (no ``as_of``, or today's): this month's evaluation is saved
    first if there is none yet, then the newest saved is read. A past day: ``dashboard_as_of``.
    A day after today is a ValueError."""
    resolve_scope(user, code)  # refuse before any work
    today = today or dt.date.today()
    if as_of is not None and as_of > today:
        raise ValueError(f"{as_of} 晚于今天 / {as_of} is after today")
    if as_of is not None and as_of < today:
        with replica_reads():  # saved evaluations and the register: a replica a little behind is fine
            return dashboard_as_of(user=user, code=code, as_of=as_of, months=months)
    dashboard_ensure(today=today, user=user)
    with replica_reads():
        return dashboard_data(user=user, code=code, months=months, as_of=today)
