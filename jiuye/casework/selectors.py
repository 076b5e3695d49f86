"""Reads for the community worker's desk: today's queue, most urgent first.

Everything is computed set-wise for the worker's scope with the standards engine's
context, so the queue and the standards always agree.
"""

import datetime as dt
from dataclasses import dataclass

from jiuye.casework.models import FollowUp
from jiuye.registry import models as m
from jiuye.registry.rules import idnumber
from jiuye.registry.scoping import scope_prefix
from jiuye.standards.parameters import load_parameters


@dataclass
class QueueItem:
    kind: str  # guidance, zero, long_term, inactive, follow_up, dibao
    urgency: int  # days left (negative: overdue); smaller is more urgent
    title: str
    detail: str
    person_id: int | None = None
    household_id: int | None = None

    @property
    def days_overdue(self) -> int:
        return -self.urgency


def today_queue(user, today: dt.date | None = None, horizon_days: int = 7) -> list[QueueItem]:
    # The standards engine and pandas: loaded on first use, not at start-up.
    from jiuye.standards.context import UNEMPLOYED, load_context, status_at_d
    from jiuye.standards.dates import add_months, from_day
    from jiuye.standards.rules import s2, s3, s4, s7

    today = today or dt.date.today()
    prefix = scope_prefix(user)
    if prefix is None:
        return []
    params = load_parameters()
    ctx = load_context(today, params, prefix)
    items: list[QueueItem] = []

    # Registrations whose guidance deadline is near or missed (S4).
    reg = s4.frame(ctx)
    open_reg = reg[~reg["on_time"]]
    for row in open_reg.itertuples(index=False):
        days_left = int(row.deadline) - ctx.D
        if days_left <= horizon_days:
            items.append(QueueItem("guidance", days_left, "", f"{from_day(row.registered)}→{from_day(row.deadline)}",
                                   person_id=int(row.person)))

    # Zero-employment households and their days left of the one-month limit (S2).
    current, _, _ = s2.frames(ctx)
    for row in current.itertuples(index=False):
        items.append(QueueItem("zero", int(row.deadline) - ctx.D, "", f"{from_day(row.start)}→{from_day(row.deadline)}",
                               household_id=int(row.hh)))

    # Unemployed persons nearing one year (S5 window, two months ahead).
    status, spell = status_at_d(ctx)
    long_limit = add_months(spell.copy(), params["s5_long_term_months"])
    nearing = (status == UNEMPLOYED) & (spell < 10**7) & (long_limit - ctx.D <= 62)
    ids = ctx.persons.index.to_numpy()
    for pid, limit in zip(ids[nearing].tolist(), long_limit[nearing].tolist(), strict=True):
        items.append(QueueItem("long_term", int(limit) - ctx.D, "", f"→{from_day(limit)}", person_id=pid))

    # Unemployed without an active service in the window (S7).
    mk = s7.masks(ctx)
    for pid in ids[mk["due"] & ~mk["active"]].tolist():
        items.append(QueueItem("inactive", 0, "", "", person_id=pid))

    # 低保 members able to work and not working (S3).
    for pid in ids[s3.masks(ctx)["not_working"]].tolist():
        items.append(QueueItem("dibao", horizon_days, "", "", person_id=pid))

    # Urgent persons (zero-employment or 低保 households) while a public-welfare or community post is free.
    from jiuye.jobs.selectors import free_posts, urgent_persons

    free = sum(p.free for p in free_posts(user, on=today))
    if free:
        for urgent in urgent_persons(user, on=today):
            items.append(QueueItem("placement", 0, "", f"{'、'.join(urgent.reasons)} · {free}",
                                   person_id=urgent.person.pk))

    # Follow-up visits due.
    for f in FollowUp.objects.for_user(user).filter(done_on=None, due__lte=today + dt.timedelta(days=horizon_days)):
        items.append(QueueItem("follow_up", (f.due - today).days, "", f.reason, person_id=f.person_id,
                               household_id=f.household_id))

    person_ids = {i.person_id for i in items if i.person_id}
    hh_ids = {i.household_id for i in items if i.household_id}
    people = {p.pk: p for p in m.Person.objects.for_user(user).filter(pk__in=person_ids)}
    households = {h.pk: h for h in m.Household.objects.for_user(user).filter(pk__in=hh_ids)}
    visible = []
    for item in items:
        if item.person_id:
            person = people.get(item.person_id)
            if person is None:
                continue
            item.title = f"{person.name}（{idnumber.mask(person.id_number)}）"
        elif item.household_id:
            household = households.get(item.household_id)
            if household is None:
                continue
            item.title = f"{household.code} {household.address}"
        visible.append(item)
    order = {"guidance": 0, "zero": 1, "placement": 2, "follow_up": 3, "long_term": 4, "inactive": 5, "dibao": 6}
    visible.sort(key=lambda i: (i.urgency, order[i.kind]))
    return visible


def zero_employment_board(user, today: dt.date) -> dict:
    """Households zero-employment today with days left of the limit, and this year's eliminated cases.

    Detection is the standards engine's; cases (认定, 帮扶, 消除) are synced first, so a
    household appears here the day the data makes it one.
    """
    from jiuye.casework.models import ZeroEmploymentCase
    from jiuye.casework.services import zero_employment_sync
    from jiuye.divisions.models import Division, Level
    from jiuye.standards.context import load_context
    from jiuye.standards.dates import from_day
    from jiuye.standards.rules import s2

    prefix = scope_prefix(user)
    if prefix is None:
        return {"current": [], "eliminated": []}
    if len(prefix) == 12:  # a community's own page syncs at once; wider scopes rely on the nightly run
        for community in Division.objects.filter(level=Level.COMMUNITY, code=prefix):
            zero_employment_sync(user=None, community=community, as_of=today)
    params = load_parameters()
    ctx = load_context(today, params, prefix)
    current, _, _ = s2.frames(ctx)
    cases = {(c.household_id, c.detected_on): c for c in ZeroEmploymentCase.objects.for_user(user)
             .filter(eliminated_on__isnull=True).select_related("household")}
    households = {h.pk: h for h in m.Household.objects.for_user(user).filter(pk__in=current["hh"].tolist())}
    rows = []
    for row in current.itertuples(index=False):
        household = households.get(int(row.hh))
        if household is None:
            continue
        start = from_day(row.start)
        rows.append({"household": household, "since": start, "deadline": from_day(row.deadline),
                     "days_left": int(row.deadline) - ctx.D, "case": cases.get((household.pk, start))})
    rows.sort(key=lambda r: r["days_left"])
    year_start = dt.date(today.year, 1, 1)
    eliminated = (ZeroEmploymentCase.objects.for_user(user).filter(eliminated_on__gte=year_start)
                  .select_related("household").order_by("-eliminated_on"))
    return {"current": rows, "eliminated": list(eliminated)}
