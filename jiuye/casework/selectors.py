"""Reads for the community worker's desk: today's queue, most urgent first, and what was done today.

Everything is computed set-wise for the worker's scope with the standards engine's
context, so the queue and the standards always agree on the facts. Each item says what
to do now and leaves the queue when it is done (``docs/decisions.md``, "Casework"):

- ``guidance``: an active registration with no vocational guidance since it was made —
  "give guidance by <deadline>", or "give guidance now (late)" once the deadline has
  passed; it leaves when a guidance is recorded, the registration is cancelled or the
  person is employed (the standing page keeps S4's failure of a late guidance);
- ``zero``: a zero-employment household — recognise it (认定) with a plan, then help a
  member into work; it leaves when the household is no longer zero-employment;
- ``long_term``: a registered unemployed person within two months of a year unemployed
  (or past it) — refer to a job or training; it leaves with an active-preparation service
  dated since the two months began, or when they stop being registered unemployed;
- ``inactive``: S7's unemployed without an active-preparation service in 90 days — it
  leaves with such a service;
- ``follow_up``: a follow-up visit due within the week — it leaves when marked done;
- ``dibao``: a 低保 member able to work and not working — it leaves with any service in
  the last 30 days (it comes back 30 days later) or when they work;
- ``placement``: a member of a zero-employment or 低保 household not working while a
  public-welfare or community post is free — it leaves when they work.

"Done today" is what the worker's own changes of today took off the queue: the queue as
it stood this morning (the register with today's changes by this worker set back, from
the records' history) less the queue now, for the persons and households those changes
touched.
"""

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.utils import timezone

from jiuye.casework.models import FollowUp, ZeroEmploymentCase
from jiuye.divisions.revisions import cached
from jiuye.registry import models as m
from jiuye.registry.rules import idnumber
from jiuye.registry.scoping import scope_prefix
from jiuye.standards.context import EMPLOYED, NOT_WILLING, UNEMPLOYED, UNKNOWN, shared_context, status_at_d
from jiuye.standards.dates import OPEN, add_months, from_day, to_day
from jiuye.standards.parameters import load_parameters
from jiuye.standards.rules import s2, s3, s4, s7
from jiuye.standards.zero_employment import zero_employment_on

HORIZON_DAYS = 7  # guidance deadlines and follow-ups this close are shown
LONG_TERM_WARNING_DAYS = 62  # "nearly a year unemployed" this long before the year is up
DIBAO_CONTACT_DAYS = 30  # a 低保 member not working is contacted once a month
ORDER = {"guidance": 0, "zero": 1, "placement": 2, "follow_up": 3, "long_term": 4, "inactive": 5, "dibao": 6}


@dataclass
class QueueItem:
    kind: str  # guidance, zero, long_term, inactive, follow_up, dibao, placement
    urgency: int  # days left (negative: overdue); smaller is more urgent
    title: str
    detail: str
    person_id: int | None = None
    household_id: int | None = None
    key: tuple = ()  # the same item from one day to the next (kind and what it is about)
    due: dt.date | None = None  # the day it is due by (guidance, zero, long_term, follow_up)
    since: dt.date | None = None  # registered on, zero-employment since, unemployed since, last service
    follow_up_id: int | None = None
    recognized: bool = False  # zero: the household's case is recognised (认定)
    reasons: list = field(default_factory=list)  # placement: "zero", "dibao"
    free_posts: int = 0  # placement

    @property
    def days_overdue(self) -> int:
        return -self.urgency

    @property
    def late(self) -> bool:
        return self.urgency < 0


@dataclass
class Desk:
    items: list[QueueItem]
    done: list[QueueItem]


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _items(ctx, *, follow_ups, free: int, cases: dict) -> list[QueueItem]:
    """The queue on the context's day, before names are put on it."""
    D, params = ctx.D, ctx.params
    items: list[QueueItem] = []
    status, spell = status_at_d(ctx)
    ids = ctx.persons.index.to_numpy()
    status_of = pd.Series(status, index=ids)
    sv = ctx.services

    # Guidance: active registrations with no guidance since they were made (S4's registrations).
    reg = s4.frame(ctx)
    open_reg = reg[reg["guidance"].isna() & (reg["cancelled"] > D)]
    for row in open_reg.itertuples(index=False):
        if status_of.get(int(row.person), UNKNOWN) == EMPLOYED:
            continue
        days_left = int(row.deadline) - D
        if days_left <= HORIZON_DAYS:
            items.append(QueueItem("guidance", days_left, "", f"{from_day(row.registered)}→{from_day(row.deadline)}",
                                   person_id=int(row.person),
                                   key=("guidance", int(row.id)), due=from_day(row.deadline),
                                   since=from_day(row.registered)))

    # Zero-employment households and their days left of the one-month limit (S2).
    current, _, _ = s2.frames(ctx)
    for row in current.itertuples(index=False):
        start = from_day(row.start)
        case = cases.get(int(row.hh))
        items.append(QueueItem("zero", int(row.deadline) - D, "", f"{start}→{from_day(row.deadline)}",
                               household_id=int(row.hh),
                               key=("zero", int(row.hh), int(row.start)), due=from_day(row.deadline), since=start,
                               recognized=bool(case and case.recognized_on)))

    # Registered unemployed nearing a year (S5), until an active-preparation service since the warning.
    r = ctx.registrations
    registered = np.isin(ids, r[(r["registered"] <= D) & (D < r["cancelled"])]["person"].unique())
    limit = add_months(spell.copy(), params["s5_long_term_months"])
    warned = (status == UNEMPLOYED) & registered & (spell < OPEN) & (limit - D <= LONG_TERM_WARNING_DAYS)
    active = sv[sv["type"].isin(params["s7_active_service_types"])]
    last_active = active.groupby("person")["date"].max()
    last = last_active.reindex(ids).fillna(-(10**9)).to_numpy(dtype=np.int64)
    acted = last >= limit - LONG_TERM_WARNING_DAYS
    for pid, day, start in zip(ids[warned & ~acted].tolist(), limit[warned & ~acted].tolist(),
                               spell[warned & ~acted].tolist(), strict=True):
        items.append(QueueItem("long_term", int(day) - D, "", f"→{from_day(day)}", person_id=pid,
                               key=("long_term", pid, int(start)),
                               due=from_day(day), since=from_day(start)))

    # Unemployed without an active-preparation service in the window (S7); overdue since it fell due.
    mk = s7.masks(ctx)
    inactive = mk["due"] & ~mk["active"]
    due_from = np.maximum(spell + params["s7_active_after_days"], last + params["s7_active_window_days"])
    for pid, day, seen in zip(ids[inactive].tolist(), due_from[inactive].tolist(), last[inactive].tolist(),
                              strict=True):
        items.append(QueueItem("inactive", min(0, int(day) - D), "", "", person_id=pid, key=("inactive", pid),
                               since=from_day(seen) if seen > 0 else None))

    # 低保 members able to work and not working (S3), unless contacted in the last 30 days.
    contacted = np.isin(ids, sv[sv["date"] > D - DIBAO_CONTACT_DAYS]["person"].unique())
    for pid in ids[s3.masks(ctx)["not_working"] & ~contacted].tolist():
        items.append(QueueItem("dibao", HORIZON_DAYS, "", "", person_id=pid, key=("dibao", pid)))

    # Members of zero-employment or 低保 households not working, while a post is free.
    if free:
        households = ctx.persons["hh"].to_numpy()
        zero = zero_employment_on(ctx, households, np.full(len(households), D, dtype=np.int64))
        d = ctx.dibao
        dibao = np.isin(households, d[(d["start"] <= D) & (D <= d["end"])]["hh"].unique())
        from jiuye.standards.context import resident_at, working_age_at

        not_working = np.isin(status, [UNEMPLOYED, NOT_WILLING, UNKNOWN])
        urgent = (zero | dibao) & not_working & resident_at(ctx, D) & working_age_at(ctx, D)
        for pid, z, b in zip(ids[urgent].tolist(), zero[urgent].tolist(), dibao[urgent].tolist(), strict=True):
            reasons = (["zero"] if z else []) + (["dibao"] if b else [])
            names = {"zero": "零就业家庭成员", "dibao": "低保家庭成员"}  # the API's detail, as before
            items.append(QueueItem("placement", 0, "", f"{'、'.join(names[r] for r in reasons)} · {free}",
                                   person_id=pid, key=("placement", pid), free_posts=free, reasons=reasons))

    # Follow-up visits due within the week.
    today = from_day(D)
    for f in follow_ups:
        if f.due <= today + dt.timedelta(days=HORIZON_DAYS):
            items.append(QueueItem("follow_up", (f.due - today).days, "", f.reason, person_id=f.person_id,
                                   household_id=f.household_id, key=("follow_up", f.pk), due=f.due, follow_up_id=f.pk))
    return items


def _with_spells(statuses: pd.DataFrame) -> pd.DataFrame:
    """Status episodes marked with their spells again, as ``load_context`` marks them."""
    from jiuye.standards import context

    return context._with_spells(statuses.drop(columns=["spell_start"], errors="ignore"))


def _changed_today(model, user, start: dt.datetime, reopen: str | None = None) -> tuple[dict, dict, set[int]]:
    """For each record ``user`` changed today: its version at the start of the day (absent: it did
    not exist) and now (absent: deleted); and the persons those records are about.

    An import writes no history rows, so a record imported earlier and changed today has no
    version before today in its history: its morning version is today's first with the field
    the casework services change (``reopen``: a registration's 注销日期, a status episode's
    结束日期) set back to blank, which is what those services find and close."""
    today_rows = list(model.history.filter(history_date__gte=start, history_user_id=user.pk)
                      .order_by("history_date", "history_id"))
    if not today_rows:
        return {}, {}, set()
    pks = {h.id for h in today_rows}
    earlier = {}
    for h in model.history.filter(id__in=pks, history_date__lt=start).order_by("history_date", "history_id"):
        earlier[h.id] = h
    before = {pk: h for pk, h in earlier.items() if h.history_type != "-"}  # deleted before today: gone
    for h in today_rows:
        if h.id not in earlier and h.id not in before and h.history_type != "+":
            if reopen:
                setattr(h, reopen, None)
            before[h.id] = h
    now = {r.pk: r for r in model.objects.filter(pk__in=pks)}
    return before, now, {h.person_id for h in today_rows if h.person_id}


def _morning(ctx, user, today: dt.date):
    """The context as it stood at the start of ``today``: the services, registrations and status
    episodes ``user`` changed today set back to their versions of the morning. Returns (context,
    open follow-ups of the morning, persons touched, households touched, posts filled today)."""
    import copy

    from jiuye.jobs.models import PostTenure
    from jiuye.standards.context import STATUS_CODES

    start = _start_of(today)
    morning = copy.copy(ctx)
    morning.cache = {}
    persons: set[int] = set()
    D = ctx.D

    before, now, touched = _changed_today(m.ServiceRecord, user, start)
    if touched:
        persons |= touched
        sv = ctx.services.copy()
        earliest = min(ctx.p_start, D - ctx.params["s7_active_window_days"] + 1)  # as load_context reads them
        for record in now.values():
            hit = sv.index[(sv["person"] == record.person_id) & (sv["type"] == record.service_type)
                           & (sv["date"] == to_day(record.date))]
            sv = sv.drop(hit[:1])
        old = [{"person": h.person_id, "type": h.service_type, "date": to_day(h.date)} for h in before.values()
               if earliest <= to_day(h.date) <= D]
        morning.services = pd.concat([sv, pd.DataFrame(old, columns=sv.columns)], ignore_index=True) if old else sv

    before, now, touched = _changed_today(m.UnemploymentRegistration, user, start, reopen="cancelled_on")
    if touched:
        persons |= touched
        rg = ctx.registrations[~ctx.registrations["id"].isin(list(now) + list(before))]
        old = [{"id": h.id, "person": h.person_id, "registered": to_day(h.registered_on),
                "cancelled": OPEN if h.cancelled_on is None else to_day(h.cancelled_on)}
               for h in before.values() if h.registered_on <= today]
        morning.registrations = pd.concat([rg, pd.DataFrame(old, columns=rg.columns)], ignore_index=True) \
            if old else rg

    before, now, touched = _changed_today(m.StatusEpisode, user, start, reopen="end")
    if touched:
        persons |= touched
        st = ctx.statuses.drop(columns=["spell_start"])
        for record in now.values():
            st = st[~((st["person"] == record.person_id) & (st["start"] == to_day(record.start)))]
        old = [{"person": h.person_id, "status": STATUS_CODES.get(h.status, UNKNOWN), "start": to_day(h.start),
                "end": OPEN if h.end is None else to_day(h.end)} for h in before.values() if h.start <= today]
        if old:
            st = pd.concat([st, pd.DataFrame(old, columns=st.columns)], ignore_index=True)
        morning.statuses = _with_spells(st)

    follow_ups = list(FollowUp.objects.for_user(user).filter(done_on=None))
    changed = FollowUp.history.filter(history_date__gte=_start_of(today), history_user_id=user.pk)
    pks = set(changed.values_list("id", flat=True))
    if pks:
        last = {}
        for h in FollowUp.history.filter(id__in=pks, history_date__lt=start).order_by("history_date", "history_id"):
            last[h.id] = h
        was_open = {pk for pk, h in last.items() if h.history_type != "-" and h.done_on is None}
        follow_ups += list(FollowUp.objects.for_user(user).filter(pk__in=was_open).exclude(done_on=None))

    filled = PostTenure.history.filter(history_date__gte=start, history_user_id=user.pk, history_type="+")
    filled_persons = list(filled.values_list("person_id", flat=True))
    persons |= set(filled_persons)
    households = set(m.Person.objects.filter(pk__in=persons).values_list("household_id", flat=True))
    return morning, follow_ups, persons, households, len(filled_persons)


def _named(user, items: list[QueueItem]) -> list[QueueItem]:
    """Put names on the items the user may see (persons: name and masked ID; households: number
    and address); items of anyone else are dropped."""
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
    visible.sort(key=lambda i: (i.urgency, ORDER[i.kind], i.title))
    return visible


def _free_posts(user, today: dt.date) -> int:
    from jiuye.jobs.selectors import free_posts

    return sum(p.free for p in free_posts(user, on=today))


def _cases(user) -> dict:
    return {c.household_id: c for c in ZeroEmploymentCase.objects.for_user(user).filter(eliminated_on__isnull=True)}


def _changed_anything_today(user, today: dt.date) -> bool:
    """Has ``user`` changed anything the queue reads since the start of ``today``?"""
    from jiuye.jobs.models import PostTenure

    start = _start_of(today)
    return any(model.history.filter(history_date__gte=start, history_user_id=user.pk).exists()
               for model in (m.ServiceRecord, m.UnemploymentRegistration, m.StatusEpisode, FollowUp, PostTenure))


def _done_items(user, today: dt.date, prefix: str, now: list[QueueItem]) -> list[QueueItem]:
    """The items this worker's changes of today took off the queue, before names are put on them:
    the queue of the morning (the register with their changes of today set back) less the queue now."""
    if not _changed_anything_today(user, today):
        return []
    ctx = shared_context(today, load_parameters(), prefix)
    morning, follow_ups, persons, households, filled = _morning(ctx, user, today)
    before = _items(morning, follow_ups=follow_ups, free=_free_posts(user, today) + filled, cases=_cases(user))
    keys = {i.key for i in now}
    return [i for i in before if i.key not in keys and (
        (i.person_id in persons) or (i.household_id in households) or i.kind == "follow_up")]


def desk_today(user, today: dt.date | None = None) -> Desk:
    """The queue now and the items this worker's changes of today took off it.

    The queue is computed once per scope, day and revision of the register (the same for every
    worker of the scope, and for the API's Today); what was done today once per worker too; names
    and masked IDs are put on what is shown after the cache."""
    today = today or dt.date.today()
    prefix = scope_prefix(user)
    if prefix is None:
        return Desk([], [])
    now = _scope_queue(user, today, prefix)
    return Desk(_named(user, now), _named(user, _done(user, today, prefix, now)))


def _done(user, today: dt.date, prefix: str, now: list[QueueItem] | None = None) -> list[QueueItem]:
    return cached("done", prefix, today, lambda: _done_items(user, today, prefix, now or _scope_queue(user, today, prefix)),
                  user.pk)


def desk_viewer(user, today: dt.date | None = None) -> str:
    """Whose Today page this is, as far as what it shows goes: any worker of the scope with the
    same role who did nothing today sees the same page; one who did sees their own."""
    today = today or dt.date.today()
    prefix = scope_prefix(user)
    if prefix is not None and _done(user, today, prefix):
        return f"worker-{user.pk}"
    return f"role-{getattr(user, 'role', '')}-{int(user.is_superuser)}"


def _queue_items(user, today: dt.date, prefix: str) -> list[QueueItem]:
    ctx = shared_context(today, load_parameters(), prefix)
    return _items(ctx, follow_ups=list(FollowUp.objects.for_user(user).filter(done_on=None)),
                  free=_free_posts(user, today), cases=_cases(user))


def _scope_queue(user, today: dt.date, prefix: str) -> list[QueueItem]:
    """The queue of the scope, before names are put on it: what any user of its role there sees."""
    return cached("queue", prefix, today, lambda: _queue_items(user, today, prefix),
                  getattr(user, "role", ""), user.is_superuser)


def today_queue(user, today: dt.date | None = None, horizon_days: int = HORIZON_DAYS) -> list[QueueItem]:
    """Today's queue of ``user`` (the Today page, the API, the morning digest)."""
    today = today or dt.date.today()
    prefix = scope_prefix(user)
    if prefix is None:
        return []
    return _named(user, _scope_queue(user, today, prefix))


def _zero_current(prefix: str, today: dt.date) -> list[tuple[int, dt.date, dt.date, int]]:
    """The households of a scope zero-employment today (household, since, deadline, days left),
    once per day and revision of the register."""
    from jiuye.standards.dates import from_day
    from jiuye.standards.rules import s2

    def current_households() -> list[tuple[int, dt.date, dt.date, int]]:
        ctx = shared_context(today, load_parameters(), prefix)
        current, _, _ = s2.frames(ctx)
        return [(int(row.hh), from_day(row.start), from_day(row.deadline), int(row.deadline) - ctx.D)
                for row in current.itertuples(index=False)]

    return cached("zero", prefix, today, current_households)


def desk_pages_warm(*, community: str, today: dt.date) -> None:
    """Compute a community's cached desk pages of the day before anyone opens them (the nightly
    run, after the community's zero-employment sync): the board, the standing and community
    pages (in the site's language) and each of its workers' Today. A first view of the morning
    then reads them from the cache, unless the register changed since."""
    from django.conf import settings
    from django.utils import translation

    from jiuye.accounts.models import User
    from jiuye.standards.selectors import standing_warm

    with translation.override(settings.LANGUAGE_CODE):
        _zero_current(community, today)
        standing_warm(community, today)
        for user in User.objects.filter(is_active=True, scope__code=community).select_related("scope"):
            if scope_prefix(user) == community:
                desk_today(user, today)  # the community's queue, and what each worker did today


def zero_employment_board(user, today: dt.date) -> dict:
    """Households zero-employment today with days left of the limit, and this year's eliminated cases.

    Detection is the standards engine's; cases (认定, 帮扶, 消除) are synced first (a community
    worker's page, as that worker), so a household appears here the day the data makes it one.
    """
    from jiuye.casework.services import zero_employment_sync_when_changed
    from jiuye.divisions.models import Division, Level
    prefix = scope_prefix(user)
    if prefix is None:
        return {"current": [], "eliminated": []}
    if len(prefix) == 12:  # a community's own page syncs at once; wider scopes rely on the nightly run
        for community in Division.objects.filter(level=Level.COMMUNITY, code=prefix):
            zero_employment_sync_when_changed(user=user, community=community, as_of=today)

    current = _zero_current(prefix, today)
    cases = {(c.household_id, c.detected_on): c for c in ZeroEmploymentCase.objects.for_user(user)
             .filter(eliminated_on__isnull=True)}
    households = {h.pk: h for h in m.Household.objects.for_user(user).filter(pk__in=[c[0] for c in current])}
    rows = []
    for hh, start, deadline, days_left in current:
        household = households.get(hh)
        if household is None:
            continue
        rows.append({"household": household, "since": start, "deadline": deadline,
                     "days_left": days_left, "case": cases.get((household.pk, start))})
    rows.sort(key=lambda r: r["days_left"])
    year_start = dt.date(today.year, 1, 1)
    eliminated = (ZeroEmploymentCase.objects.for_user(user).filter(eliminated_on__gte=year_start)
                  .select_related("household").order_by("-eliminated_on"))
    return {"current": rows, "eliminated": list(eliminated)}
