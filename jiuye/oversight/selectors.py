"""Reads of the oversight workflow, always restricted to the user's scope (scoped managers)."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from jiuye.accounts.models import Role
from jiuye.divisions.models import Division, Level
from jiuye.oversight.models import (
    OPEN_STATUSES,
    Certification,
    CertificationStatus,
    CertificationStep,
    Filing,
    Recheck,
    RecheckStatus,
    Recommendation,
    RecommendationLevel,
    Subsidy,
    SubsidyKind,
)
from jiuye.oversight.subsidies import KIND_LABELS
from jiuye.registry.scoping import scope_prefix

# A community that passed three years running (certified, then passed each re-check)
# is eligible for national demonstration status.
DEMONSTRATION_YEARS = 3

OUTSIDE_SCOPE = "不在您的管辖范围内 / outside your scope"


def _year_end(year: int) -> dt.date:
    return dt.date(int(year), 12, 31)


def certified_in_year(queryset, year: int):
    """Certifications in force at the end of ``year``: accepted by then, not revoked by then."""
    end = _year_end(year)
    return queryset.filter(certified_on__lte=end).filter(
        Q(status=CertificationStatus.CERTIFIED) | Q(status=CertificationStatus.REVOKED, revoked_on__gt=end)
    )


# -- certifications ------------------------------------------------------------------------------


def certifications_for_user(user, *, status: str | None = None, community_code: str | None = None) -> QuerySet:
    """Every certification (any status) the user may see, newest application first per community."""
    queryset = Certification.objects.for_user(user).select_related("community", "snapshot", "applied_by")
    if status:
        queryset = queryset.filter(status=status)
    if community_code:
        queryset = queryset.filter(community__code=community_code)
    return queryset


def certification_detail(user, pk) -> Certification | None:
    """One certification with its steps, evidence, re-checks, recommendations and subsidies, or None."""
    try:
        return (
            Certification.objects.for_user(user)
            .select_related("community", "snapshot", "applied_by", "reviewed_by", "accepted_by", "revoked_by")
            .prefetch_related("steps__user", "evidence", "rechecks", "recommendations", "subsidies")
            .get(pk=pk)
        )
    except (Certification.DoesNotExist, ValueError, TypeError):
        return None


def certification_steps(user, certification) -> QuerySet:
    """Who did what, when and why, in order."""
    return CertificationStep.objects.for_user(user).filter(
        certification_id=getattr(certification, "pk", certification)
    ).select_related("user", "snapshot")


def certifications_pending(user) -> QuerySet:
    """What waits for this user: the street's applications to review, the district's to accept,
    the community's own applications still under way."""
    queryset = certifications_for_user(user)
    role = getattr(user, "role", "")
    if role == Role.STREET:
        return queryset.filter(status=CertificationStatus.APPLIED)
    if role == Role.DISTRICT:
        return queryset.filter(status=CertificationStatus.REVIEWED)
    if role == Role.COMMUNITY:
        return queryset.filter(status__in=[CertificationStatus.APPLIED, CertificationStatus.REVIEWED])
    return queryset.none()


def certification_allowed_actions(user, certification: Certification) -> set[str]:
    """The workflow actions this user may take on ``certification`` now (as the services decide):
    ``review``, ``accept``, ``revoke``, ``recommend_district``, ``recommend_city``, ``subsidy``."""
    prefix = scope_prefix(user) if user is not None else None
    code = certification.community.code
    if prefix is None or not code.startswith(prefix):
        return set()
    role = getattr(user, "role", "")
    status = certification.status
    actions = set()
    if role == Role.STREET and status == CertificationStatus.APPLIED:
        actions.add("review")
    if role == Role.DISTRICT:
        if status == CertificationStatus.REVIEWED:
            actions.add("accept")
        if status == CertificationStatus.CERTIFIED:
            actions |= {"revoke", "recommend_district", "subsidy"}
    if role == Role.CITY and status == CertificationStatus.CERTIFIED:
        actions.add("recommend_city")
    return actions


def certified_communities(*, user, year: int | None = None) -> QuerySet:
    """Certified communities in the user's scope: now (``year`` None), or in force at the end of ``year``.

    A QuerySet of ``Certification`` (``.community``, ``.certified_on``, ``.snapshot``),
    ordered by community code.
    """
    queryset = Certification.objects.for_user(user).select_related("community", "community__zone", "snapshot")
    if year is None:
        queryset = queryset.filter(status=CertificationStatus.CERTIFIED)
    else:
        queryset = certified_in_year(queryset, int(year))
    return queryset.order_by("community__code")


# -- re-checks -------------------------------------------------------------------------------------


def rechecks_for_user(user, *, year: int | None = None, status: str | None = None) -> QuerySet:
    queryset = Recheck.objects.for_user(user).select_related("community", "certification", "snapshot")
    if year is not None:
        queryset = queryset.filter(year=int(year))
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-year", "community__code")


def rechecks_due(user, as_of: dt.date | None = None) -> list[Recheck]:
    """Flagged re-checks of communities still certified, soonest due first; ``.overdue`` as of ``as_of``."""
    from django.utils import timezone

    as_of = as_of or timezone.localdate()
    rows = list(
        Recheck.objects.for_user(user).select_related("community", "certification")
        .filter(status=RecheckStatus.FLAGGED, certification__status=CertificationStatus.CERTIFIED)
        .order_by("due_on", "community__code")
    )
    for row in rows:
        row.overdue = row.due_on is not None and row.due_on < as_of
    return rows


def _shortfall(entry: dict, params: dict) -> list[dict]:
    """Each standard the community fails, with its figures and, for S1, how many more residents in
    work would meet it (the worker sees how near the community is)."""
    from fractions import Fraction

    from jiuye.standards.parameters import ratio

    rows = []
    for key, value in entry["standards"].items():
        if value["pass"]:
            continue
        row = {"key": key.upper(), "numerator": value.get("numerator"), "denominator": value.get("denominator"),
               "value": value.get("value"), "more_needed": None}
        if key == "s1" and value.get("denominator"):
            threshold = ratio(params.get("s1_min_rate", 0.95))
            needed = -(-Fraction(threshold) * value["denominator"] // 1) - value["numerator"]
            row["more_needed"] = max(int(needed), 1)
            row["threshold"] = float(threshold)
        rows.append(row)
    return rows


def certification_eligibility(user, today: dt.date) -> dict:
    """Whether the user's community may apply for certification now, checked before any evidence is
    asked for: no application under way, and a passing evaluation to rest on (today's, evaluated
    now, or a saved one at most ``certification_snapshot_max_age_days`` old).

    ``today``: the evaluation as of today (not saved: the application saves it); ``saved``: the
    newest saved evaluation covering the community, ``fresh`` when young enough; ``open``: the
    certification under way or in force; ``eligible``: every check passes.
    """
    from jiuye.oversight.dashboards import community_rows, latest_covering
    from jiuye.oversight.subsidies import oversight_parameters
    from jiuye.standards.evaluate import evaluate

    code = user.scope_code
    open_ = (Certification.objects.for_user(user).filter(community__code=code,
                                                         status__in=[s.value for s in OPEN_STATUSES])
             .order_by("-applied_at").first())
    result = evaluate(today, prefix=code)
    entry = next((c for c in result["communities"] if c["code"] == code), None)
    now = {"as_of": result["as_of"], "pass": bool(entry and entry["pass"]),
           "shortfall": _shortfall(entry, result["parameters"]) if entry else [],
           "standards": entry["standards"] if entry else {}}
    max_age = int(oversight_parameters()["certification_snapshot_max_age_days"])
    saved = None
    snapshot = latest_covering(code, today)
    if snapshot is not None:
        found = next((c for _, c in community_rows([snapshot.pk], code, full=False)), None)
        if found is not None:
            saved = {"snapshot": snapshot.pk, "as_of": snapshot.as_of.isoformat(), "pass": found["pass"],
                     "fresh": (today - snapshot.as_of).days <= max_age,
                     "standards": found["standards"]}
    resting = now["pass"] or bool(saved and saved["pass"] and saved["fresh"])
    return {"code": code, "open": open_, "today": now, "saved": saved, "max_age": max_age,
            "evaluated": entry is not None, "passing": resting, "eligible": open_ is None and resting}


def recheck_overview(user, *, year: int, today: dt.date) -> dict:
    """The year's re-check as a district reads it: every community it covers (certified before
    ``year`` and still certified) with its result or "not re-checked yet", plus the re-checks of
    the year whose certification was revoked since, and the counts of each outcome."""
    year = int(year)
    due = list(Certification.objects.for_user(user).select_related("community")
               .filter(status=CertificationStatus.CERTIFIED, certified_on__year__lt=year)
               .order_by("community__code"))
    rechecks = {r.certification_id: r for r in rechecks_for_user(user, year=year)}
    rows = []
    for certification in due:
        recheck = rechecks.pop(certification.pk, None)
        rows.append({"certification": certification, "community": certification.community, "recheck": recheck})
    for recheck in rechecks.values():  # re-checked, then revoked
        rows.append({"certification": recheck.certification, "community": recheck.community, "recheck": recheck})
    rows.sort(key=lambda row: row["community"].code)
    counts = {"due": len(due), "checked": 0, "not_checked": 0, RecheckStatus.PASSED.value: 0,
              RecheckStatus.FLAGGED.value: 0, RecheckStatus.CLEARED.value: 0, "overdue": 0}
    for row in rows:
        recheck = row["recheck"]
        row["overdue"] = bool(recheck and recheck.status == RecheckStatus.FLAGGED and recheck.due_on
                              and recheck.due_on < today)
        if recheck is None:
            counts["not_checked"] += 1
            continue
        counts["checked"] += 1
        counts[recheck.status] += 1
        counts["overdue"] += row["overdue"]
    return {"year": year, "rows": rows, "counts": counts}


def passed_years(certification_ids) -> dict[int, set[int]]:
    """The years each certification passed: the year it was accepted, and each re-check passed."""
    years: dict[int, set[int]] = defaultdict(set)
    ids = list(certification_ids)
    for pk, certified_on in Certification.objects.filter(pk__in=ids).values_list("pk", "certified_on"):
        if certified_on is not None:
            years[pk].add(certified_on.year)
    for pk, year in Recheck.objects.filter(certification_id__in=ids, status=RecheckStatus.PASSED).values_list(
            "certification_id", "year"):
        years[pk].add(year)
    return years


def demonstration_eligible(*, user, year: int) -> list[Certification]:
    """Communities eligible for national demonstration status in ``year``: certified in force at the
    end of ``year`` and passing in each of the three years ending with it (accepted that year or
    passed that year's re-check; a re-check passed only after rectification does not count).

    Each ``Certification`` carries ``.passed_years`` (sorted list).
    """
    year = int(year)
    certifications = list(certified_communities(user=user, year=year))
    years = passed_years(c.pk for c in certifications)
    needed = set(range(year - DEMONSTRATION_YEARS + 1, year + 1))
    eligible = []
    for certification in certifications:
        if needed <= years.get(certification.pk, set()):
            certification.passed_years = sorted(years[certification.pk])
            eligible.append(certification)
    return eligible


# -- recommendations ---------------------------------------------------------------------------------


def recommendations_for_user(user, *, year: int | None = None, level: str | None = None) -> QuerySet:
    queryset = Recommendation.objects.for_user(user).select_related("community", "certification", "created_by")
    if year is not None:
        queryset = queryset.filter(year=int(year))
    if level:
        queryset = queryset.filter(level=level)
    return queryset


# -- filing overview ---------------------------------------------------------------------------------


def filing_overview(*, user, year: int) -> list[dict]:
    """For the city (or a district: its own line): each district's certified communities in ``year``,
    recommendations, model communities and its latest submitted filing."""
    prefix = scope_prefix(user)
    if prefix is None or len(prefix) > 6 or getattr(user, "role", "") not in (Role.DISTRICT, Role.CITY, ""):
        raise PermissionDenied(OUTSIDE_SCOPE)
    year = int(year)
    districts = Division.objects.filter(level=Level.DISTRICT, code__startswith=prefix).order_by("code")
    totals: dict[str, dict] = defaultdict(lambda: {"communities": 0, "certified": 0, "first_certified": 0,
                                                   "recommended": 0, "model": 0})
    for code in Division.objects.filter(level=Level.COMMUNITY, code__startswith=prefix).values_list("code", flat=True):
        totals[code[:6]]["communities"] += 1
    for code, certified_on in certified_in_year(Certification.objects.for_user(user), year).values_list(
            "community__code", "certified_on"):
        totals[code[:6]]["certified"] += 1
        totals[code[:6]]["first_certified"] += certified_on.year == year
    for code, level in Recommendation.objects.for_user(user).filter(year=year).values_list("community__code", "level"):
        totals[code[:6]]["recommended" if level == RecommendationLevel.DISTRICT else "model"] += 1
    latest: dict[str, Filing] = {}
    for filing in Filing.objects.for_user(user).filter(year=year).select_related("district", "submitted_by"):
        latest.setdefault(filing.district.code, filing)
    lines = []
    for district in districts:
        line = {"code": district.code, "name": district.name, "group": district.group, **totals[district.code]}
        line["share"] = round(line["certified"] / line["communities"], 6) if line["communities"] else None
        filing = latest.get(district.code)
        line["submitted_at"] = filing.submitted_at if filing else None
        line["submitted_by"] = filing.submitted_by.get_username() if filing and filing.submitted_by else None
        lines.append(line)
    return lines


# -- subsidies -----------------------------------------------------------------------------------------


KIND_ORDER = {SubsidyKind.FIRST: 0, SubsidyKind.STREET: 1, SubsidyKind.YEARLY: 2}


def subsidy_ledger(*, user, district_code: str, year: int) -> list[dict]:
    """The district's subsidies of ``year`` (补贴台账), one dict per grant, by street and community.

    The city and the district itself see every row; a street or community user sees
    the rows of their own scope within the district.
    """
    district_code = (district_code or "").strip()
    if len(district_code) != 6 or not district_code.isdigit():
        raise ValueError(f"区县代码须为 6 位数字 / the district code must have 6 digits: {district_code!r}")
    prefix = scope_prefix(user)
    if prefix is None or not (district_code.startswith(prefix) or prefix.startswith(district_code)):
        raise PermissionDenied(OUTSIDE_SCOPE)
    names = dict(Division.objects.filter(code__startswith=district_code).values_list("code", "name"))
    rows = []
    queryset = (Subsidy.objects.for_user(user).filter(community__code__startswith=district_code, year=int(year))
                .select_related("community", "granted_by"))
    for subsidy in queryset:
        code = subsidy.community.code
        rows.append({
            "id": subsidy.pk,
            "year": subsidy.year,
            "kind": subsidy.kind,
            "kind_label": KIND_LABELS[subsidy.kind],
            "district_code": district_code,
            "street_code": code[:9],
            "street_name": names.get(code[:9], ""),
            "community_code": code,
            "community_name": subsidy.community.name,
            "recipient_code": subsidy.recipient_code,
            "recipient_name": names.get(subsidy.recipient_code, ""),
            "amount": subsidy.amount,
            "granted_on": _local_date(subsidy.granted_at),
            "granted_by": subsidy.granted_by.get_username() if subsidy.granted_by else "",
            "certification": subsidy.certification_id,
            "note": subsidy.note,
        })
    rows.sort(key=lambda r: (r["street_code"], r["community_code"], KIND_ORDER[r["kind"]], r["id"]))
    return rows


def _local_date(moment) -> dt.date:
    from django.utils import timezone

    return timezone.localdate(moment)


def subsidy_totals(rows: list[dict]) -> dict:
    """Totals of a ledger: per kind, per recipient, overall (Decimal yuan) and the number of grants."""
    by_kind = {kind: Decimal("0.00") for kind in SubsidyKind.values}
    by_recipient: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for row in rows:
        by_kind[row["kind"]] += row["amount"]
        by_recipient[row["recipient_code"]] += row["amount"]
    return {"by_kind": by_kind, "by_recipient": dict(sorted(by_recipient.items())),
            "total": sum(by_kind.values(), Decimal("0.00")), "count": len(rows)}
