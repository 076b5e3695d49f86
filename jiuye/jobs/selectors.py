"""Reads of the jobs desk, always through the scoped managers (``for_user``).

Lists return querysets (annotated where a count is needed) for the pages to paginate;
details return dicts; a record outside the user's scope raises ``PermissionDenied``.
Matching lives in ``jiuye.jobs.matching``.
"""

from __future__ import annotations  # NumPy is imported where it is used, not at start-up

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, F, Q

from jiuye.jobs import models as j
from jiuye.jobs.occupations import classification, normalize_code
from jiuye.jobs.services import check_due
from jiuye.registry import models as m
from jiuye.registry.services import scoped

if TYPE_CHECKING:
    import numpy as np


def _open_on(on: dt.date, opened="opened_on", closed="closed_on") -> Q:
    return Q(**{f"{opened}__lte": on}) & (Q(**{closed: None}) | Q(**{f"{closed}__gte": on}))


def _in(queryset, community):
    return queryset.in_division(getattr(community, "code", community)) if community else queryset


# -- employers ---------------------------------------------------------------------------------------


def employer_list(user, *, community=None, query: str = ""):
    """Employers the user can see (optionally of one division), by name, credit code or industry."""
    employers = _in(j.Employer.objects.for_user(user), community).select_related("community")
    query = (query or "").strip()
    if query:
        employers = employers.filter(Q(name__contains=query) | Q(credit_code=query.upper()) |
                                     Q(industry__contains=query))
    return employers.annotate(vacancy_count=Count("vacancies", distinct=True))


def employer_detail(user, pk) -> dict:
    employer = scoped(j.Employer, user, pk)
    return {
        "employer": employer,
        "agreements": list(employer.agreements.all()),
        "demands": list(employer.demands.all()),
        "vacancies": list(_with_filled(employer.vacancies.all())),
        "history": list(employer.history.select_related("history_user").order_by("-history_date")[:50]),
    }


# -- vacancies ---------------------------------------------------------------------------------------


def _with_filled(vacancies):
    return vacancies.annotate(filled=Count("referrals", filter=Q(referrals__outcome=j.HIRED))) \
        .annotate(free=F("count") - F("filled"))


def vacancy_list(user, *, on: dt.date | None = None, open_only: bool = False, community=None, occupation: str = "",
                 query: str = "", employer=None):
    """Vacancies the user can see, with ``filled`` and ``free`` counts.

    ``open_only``: open on ``on`` (default today) with a free place; ``occupation``: a code
    prefix (a group and everything in it).
    """
    vacancies = _in(j.Vacancy.objects.for_user(user), community).select_related("community", "employer")
    if open_only:
        vacancies = vacancies.filter(_open_on(on or dt.date.today()))
    if occupation:
        code = normalize_code(occupation)
        vacancies = vacancies.filter(Q(occupation_code=code) | Q(occupation_code__startswith=code + "-"))
    if employer is not None:
        vacancies = vacancies.filter(employer=getattr(employer, "pk", employer))
    query = (query or "").strip()
    if query:
        vacancies = vacancies.filter(Q(title__contains=query) | Q(skills__contains=query) |
                                     Q(employer__name__contains=query))
    vacancies = _with_filled(vacancies)
    if open_only:
        vacancies = vacancies.filter(free__gt=0)
    return vacancies


def vacancy_filled(vacancy) -> int:
    return j.Referral.objects.filter(vacancy=vacancy, outcome=j.HIRED).count()


def vacancy_detail(user, pk) -> dict:
    """The vacancy, its occupation's path in the classification, counts, and the referrals the user may see."""
    vacancy = scoped(j.Vacancy, user, pk)
    filled = vacancy_filled(vacancy)
    return {
        "vacancy": vacancy,
        "occupation": classification().path(vacancy.occupation_code),
        "filled": filled,
        "free": vacancy.count - filled,
        "referrals": list(j.Referral.objects.for_user(user).filter(vacancy=vacancy)
                          .select_related("person", "person__household")),
        "history": list(vacancy.history.select_related("history_user").order_by("-history_date")[:50]),
    }


# -- developed posts ---------------------------------------------------------------------------------


@dataclass
class FreePost:
    post: j.DevelopedPost
    holders: int
    free: int


def post_list(user, *, kind: str | None = None, on: dt.date | None = None, community=None):
    """Developed posts the user can see; with ``on``: open that day, annotated ``holders``
    (tenures not ended before it) and ``free``."""
    posts = _in(j.DevelopedPost.objects.for_user(user), community).select_related("community")
    if kind:
        posts = posts.filter(kind=kind)
    if on is not None:
        posts = posts.filter(_open_on(on)).annotate(
            holders=Count("tenures", filter=Q(tenures__end=None) | Q(tenures__end__gte=on))
        ).annotate(free=F("slots") - F("holders"))
    return posts


def post_detail(user, pk) -> dict:
    post = scoped(j.DevelopedPost, user, pk)
    tenures = list(post.tenures.select_related("person").prefetch_related("subsidies"))
    return {"post": post, "tenures": tenures}


def free_posts(user, *, on: dt.date | None = None, kinds=j.POST_KINDS, community=None) -> list[FreePost]:
    """Developed posts open on ``on`` (default today) with a free slot: public-welfare posts
    first, then by community and the oldest post first."""
    on = on or dt.date.today()
    posts = post_list(user, on=on, community=community).filter(kind__in=kinds, free__gt=0)
    ordered = sorted(posts, key=lambda p: (p.kind != j.PUBLIC_WELFARE, p.community.code, p.opened_on, p.pk))
    return [FreePost(p, p.holders, p.free) for p in ordered]


def post_holders(user, *, on: dt.date | None = None):
    """Tenures current on ``on`` (default today) of the posts the user can see."""
    on = on or dt.date.today()
    return j.PostTenure.objects.for_user(user).filter(_open_on(on, "start", "end")) \
        .select_related("post", "person").prefetch_related("subsidies")


# -- wishes --------------------------------------------------------------------------------------------


def wish_for(user, person) -> j.JobSeekerProfile | None:
    person = scoped(m.Person, user, person)
    return j.JobSeekerProfile.objects.filter(person=person).first()


def wish_list(user, *, occupation: str = ""):
    """Job seekers' wishes the user can see; ``occupation``: wishes naming a code in that group."""
    profiles = j.JobSeekerProfile.objects.for_user(user).select_related("person", "person__household")
    if occupation:
        code = normalize_code(occupation)
        profiles = profiles.filter(Q(desired_codes__contains=code + "-") | Q(desired_codes__contains=code + ";") |
                                   Q(desired_codes__endswith=code))
    return profiles


# -- referrals -------------------------------------------------------------------------------------------


def referral_list(user, *, vacancy=None, person=None, stage: str | None = None):
    """Referrals the user can see (of persons in their scope), newest first."""
    referrals = j.Referral.objects.for_user(user).select_related("vacancy", "person", "person__household")
    if vacancy is not None:
        referrals = referrals.filter(vacancy=getattr(vacancy, "pk", vacancy))
    if person is not None:
        referrals = referrals.filter(person=getattr(person, "pk", person))
    if stage:
        return [r for r in referrals if r.stage == stage]
    return referrals


def referral_funnel(user, *, since: dt.date | None = None, until: dt.date | None = None) -> dict:
    """Counts of each step of the funnel for referrals made in [since, until]."""
    referrals = j.Referral.objects.for_user(user)
    if since:
        referrals = referrals.filter(referred_on__gte=since)
    if until:
        referrals = referrals.filter(referred_on__lte=until)
    return referrals.aggregate(
        referred=Count("id"),
        interviewed=Count("id", filter=~Q(interview_on=None)),
        hired=Count("id", filter=Q(outcome=j.HIRED)),
        not_hired=Count("id", filter=Q(outcome=j.NOT_HIRED)),
        pending=Count("id", filter=Q(outcome="")),
        in_work_3m=Count("id", filter=Q(check3_in_work=True)),
        left_by_3m=Count("id", filter=Q(check3_in_work=False)),
        in_work_6m=Count("id", filter=Q(check6_in_work=True)),
        left_by_6m=Count("id", filter=Q(check6_in_work=False)),
    )


@dataclass
class CheckDue:
    referral: j.Referral
    months: int
    due: dt.date


def checks_due(user, *, on: dt.date | None = None) -> list[CheckDue]:
    """The 3- and 6-month checks of hires that are due on or before ``on`` and not done, oldest first."""
    on = on or dt.date.today()
    hires = j.Referral.objects.for_user(user).filter(outcome=j.HIRED).filter(Q(check3_on=None) | Q(check6_on=None)) \
        .select_related("person", "vacancy")
    due = []
    for referral in hires:
        for months in (3, 6):
            day = check_due(referral, months)
            if getattr(referral, f"check{months}_on") is None and day is not None and day <= on:
                due.append(CheckDue(referral, months, day))
    return sorted(due, key=lambda c: (c.due, c.referral.pk))


# -- immediate placement ------------------------------------------------------------------------------


@dataclass
class Placement:
    person: m.Person
    on: dt.date
    urgent: bool
    reasons: list[str] = field(default_factory=list)
    posts: list[FreePost] = field(default_factory=list)


def _urgency(ctx, households: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(zero-employment, 低保) of households on the context's day."""
    import numpy as np

    from jiuye.standards.zero_employment import zero_employment_on

    day = np.full(len(households), ctx.D, dtype=np.int64)
    zero = zero_employment_on(ctx, households, day)
    d = ctx.dibao
    dibao_households = d[(d["start"] <= ctx.D) & (ctx.D <= d["end"])]["hh"].unique()
    return zero, np.isin(households, dibao_households)


def _reasons(zero: bool, dibao: bool) -> list[str]:
    return (["零就业家庭成员"] if zero else []) + (["低保家庭成员"] if dibao else [])


def immediate_placement(user, person, *, on: dt.date | None = None) -> Placement:
    """For a member of a zero-employment or 低保 household on ``on`` (default today): the
    public-welfare and community-service posts free that day, that the user can fill.
    Anyone else is not urgent and gets no posts."""
    import numpy as np

    from jiuye.standards.context import load_context
    from jiuye.standards.parameters import load_parameters

    on = on or dt.date.today()
    person = scoped(m.Person, user, person)
    ctx = load_context(on, load_parameters(), person.household.community.code)
    zero, dibao = _urgency(ctx, np.array([person.household_id], dtype=np.int64))
    reasons = _reasons(bool(zero[0]), bool(dibao[0]))
    placement = Placement(person=person, on=on, urgent=bool(reasons), reasons=reasons)
    if placement.urgent:
        placement.posts = free_posts(user, on=on)
    return placement


@dataclass
class UrgentPerson:
    person: m.Person
    reasons: list[str]
    status: str


def urgent_persons(user, *, on: dt.date | None = None) -> list[UrgentPerson]:
    """Working-age residents not in work (失业, 无就业意愿 or no status) of zero-employment or
    低保 households on ``on``: the people immediate placement is for."""
    import numpy as np

    from jiuye.registry import vocab
    from jiuye.registry.scoping import scope_prefix
    from jiuye.standards.context import (
        STATUS_CODES,
        UNKNOWN,
        load_context,
        resident_at,
        status_at_d,
        working_age_at,
    )
    from jiuye.standards.parameters import load_parameters

    on = on or dt.date.today()
    prefix = scope_prefix(user)
    if prefix is None:
        return []
    ctx = load_context(on, load_parameters(), prefix)
    households = ctx.persons["hh"].to_numpy()
    zero, dibao = _urgency(ctx, households)
    status, _ = status_at_d(ctx)
    not_working = np.isin(status, [STATUS_CODES[vocab.UNEMPLOYED], STATUS_CODES[vocab.NOT_WILLING], UNKNOWN])
    mask = (zero | dibao) & not_working & resident_at(ctx, ctx.D) & working_age_at(ctx, ctx.D)
    ids = ctx.persons.index.to_numpy()[mask]
    people = m.Person.objects.for_user(user).select_related("household").in_bulk(ids.tolist())
    names = {code: name for name, code in STATUS_CODES.items()}
    result = []
    for pid, z, d, s in zip(ids.tolist(), zero[mask], dibao[mask], status[mask], strict=True):
        if pid in people:
            result.append(UrgentPerson(people[pid], _reasons(bool(z), bool(d)), names.get(int(s), "未登记")))
    return sorted(result, key=lambda u: (u.person.household.code, u.person.pk))
