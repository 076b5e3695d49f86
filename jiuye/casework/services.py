"""Writes of the community worker's casework: unemployment registration (which starts S4's
guidance deadline), employment (which closes the registration and may eliminate a
zero-employment case), training, policy, visits, zero-employment cases and follow-ups.

Same conventions as ``jiuye.registry.services``: keyword-only ``<entity>_<action>``,
one transaction, one audit event, history rows naming the user, objects fetched
through ``for_user`` (``PermissionDenied`` otherwise), ``ValidationFailed`` with a
message per field and nothing written when the input is wrong. A service given to
a person is also a ``ServiceRecord`` (what the standards read), validated as a
服务记录 row by the importer's checks.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from jiuye.casework.models import (
    BENEFIT_KINDS,
    TRAINING_RESULTS,
    AssistanceAction,
    FollowUp,
    PolicyBenefit,
    Training,
    ZeroEmploymentCase,
)
from jiuye.divisions.models import Division, Level
from jiuye.registry import models as m
from jiuye.registry import vocab
from jiuye.registry.rules.checks import ledger_validate
from jiuye.registry.rules.problems import Problem
from jiuye.registry.services import (
    BLANK,
    EpisodeChange,
    audit,
    community_for_user,
    confirm_check,
    date_or_fail,
    date_value,
    future_problems,
    history_save,
    person_ref,
    raise_if,
    registration_row,
    scoped,
    service_row,
    service_save,
    status_apply,
    status_changes,
    status_on,
    status_plan,
    validate,
)

OUTREACH_KINDS = ("政策宣传", "政策咨询")


def _not_in_list(values) -> str:
    return f"取值不在列表中 / value not in the list ({'、'.join(values)})"


def _text(value) -> str:
    return "" if value is None else str(value).strip()


# -- unemployment registration and employment --------------------------------------------


@transaction.atomic
def registration_create(*, user, person, registered_on, unemployment_reason="",
                        confirm=True) -> m.UnemploymentRegistration:
    """Register the person as unemployed on ``registered_on`` (not after today).

    If their status that day is not 失业, it becomes 失业 from that day (as
    ``status_change`` does; ``unemployment_reason`` is the episode's 失业原因).
    Refused when the person is already registered that day, or has a registration
    still active on it. Ending the episode that covers the day (a job) needs ``confirm``
    as in ``status_change``; the registration returned carries ``changes``.
    """
    from jiuye.standards.rules.s4 import guidance_deadline  # loads pandas: not at start-up

    person = scoped(m.Person, user, person, lock=True)
    registered_on = date_or_fail(registered_on, "失业登记", "登记日期")
    extra = []
    for other in person.registrations.all():
        if other.registered_on == registered_on:
            extra.append(Problem("失业登记", None, "登记日期", "该日已有失业登记 / already registered on this day"))
        elif other.registered_on < registered_on and (other.cancelled_on is None or other.cancelled_on > registered_on):
            extra.append(Problem("失业登记", None, "登记日期", f"已于 {other.registered_on} 登记失业且尚未注销 / "
                                                             f"already registered since {other.registered_on}"))
    tables = {"失业登记": [registration_row(person, 登记日期=registered_on)]}
    plan = None
    current = status_on(person, registered_on)
    if current is None or current.status != vocab.UNEMPLOYED:
        plan = status_plan(person, vocab.UNEMPLOYED, registered_on, unemployment_reason=unemployment_reason)
        tables["就业状态"] = plan.rows
    # The new status episode starts on the registration day: its problems are the 登记日期's.
    problems = [
        Problem("失业登记", None, "登记日期", p.message) if (p.table, p.column) == ("就业状态", "开始日期") else p
        for p in ledger_validate(tables)
    ]
    raise_if(extra + problems)
    changes = status_changes(plan) if plan else []
    confirm_check(changes, confirm)
    episode = status_apply(plan, person, user, "registration.create") if plan else None
    registration = m.UnemploymentRegistration(person=person, registered_on=registered_on)
    history_save(registration, user, "registration.create")
    audit(user, "registration.create", f"registration:{registration.pk}", person.household.community.code,
          **person_ref(person), registration=registration.pk, registered_on=registered_on.isoformat(),
          status_changed=episode is not None, guidance_deadline=guidance_deadline(registered_on).isoformat(),
          ended=[c.pk for c in changes])
    registration.changes = changes
    return registration


@transaction.atomic
def employment_record(*, user, person, start, employment_form, employer_name="", confirm=True) -> m.StatusEpisode:
    """The person is employed (就业) from ``start`` (not after today), in one step.

    The episode covering ``start`` (normally 失业) ends on start − 1 day; every
    registration still active (registered on or before ``start``, not cancelled) is
    cancelled on ``start`` with reason 已就业; then an open zero-employment case of
    the household is marked eliminated if the household no longer is one. Ending an
    episode or cancelling a registration needs ``confirm`` as in ``status_change``; the
    episode returned carries ``changes``.
    """
    person = scoped(m.Person, user, person, lock=True)
    start = date_or_fail(start, "就业状态", "开始日期")
    plan = status_plan(person, vocab.EMPLOYED, start, employment_form=employment_form, employer_name=employer_name)
    active = [r for r in person.registrations.all() if r.cancelled_on is None and r.registered_on <= start]
    cancel_rows = [registration_row(person, r, 注销日期=start, 注销原因="已就业") for r in active]
    validate({"就业状态": plan.rows, "失业登记": cancel_rows})
    changes = status_changes(plan) + [
        EpisodeChange("cancelled", "registration", r.pk, "", r.registered_on, start, "已就业") for r in active]
    confirm_check(changes, confirm)
    episode = status_apply(plan, person, user, "employment.record")
    for registration in active:
        registration.cancelled_on, registration.cancel_reason = start, "已就业"
        history_save(registration, user, "employment.record")

    community = person.household.community
    zero = zero_cases_refresh(community=community, as_of=start, user=user, households=[person.household_id],
                              create=False, reason="employment.record")
    audit(user, "employment.record", f"person:{person.pk}", community.code, **person_ref(person),
          episode=episode.pk, start=start.isoformat(), employment_form=episode.employment_form,
          ended=plan.cut.pk if plan.cut else None, registrations_cancelled=[r.pk for r in active],
          zero_cases_eliminated=zero["eliminated_ids"])
    episode.changes = changes
    return episode


# -- services, training, benefits ---------------------------------------------------------


def _service(*, user, person, date, service_type, handler="", note="", action: str) -> m.ServiceRecord:
    """One service of a given type: validated as a 服务记录 row, stored once, audited once."""
    person = scoped(m.Person, user, person)
    row = service_row(person, date, service_type, handler, note)
    raise_if(future_problems("服务记录", row) + ledger_validate({"服务记录": [row]}))
    record, created = service_save(person, row, user, action)
    if created:
        audit(user, action, f"service:{record.pk}", person.household.community.code, **person_ref(person),
              service=record.pk, date=record.date.isoformat(), service_type=record.service_type)
    return record


# -- services to a person -------------------------------------------------------------------


@transaction.atomic
def policy_outreach(*, user, person, date, kind, handler="", note="") -> m.ServiceRecord:
    """Policy publicity or consultation (政策宣传 / 政策咨询) given to the person (S6 outreach)."""
    if _text(kind) not in OUTREACH_KINDS:
        raise_if([Problem("服务记录", None, "服务类型", _not_in_list(OUTREACH_KINDS))])
    return _service(user=user, person=person, date=date, service_type=_text(kind), handler=handler, note=note,
                    action="policy.outreach")


@transaction.atomic
def home_visit(*, user, person, date, note="", handler="") -> m.ServiceRecord:
    """A home visit (上门走访)."""
    return _service(user=user, person=person, date=date, service_type="上门走访", handler=handler, note=note,
                    action="visit.record")


@transaction.atomic
def guidance_record(*, user, person, date, handler="", note="") -> m.ServiceRecord:
    """Vocational guidance (职业指导): what S4 looks for after a registration."""
    return _service(user=user, person=person, date=date, service_type="职业指导", handler=handler, note=note,
                    action="guidance.record")


@transaction.atomic
def referral_record(*, user, person, date, handler="", note="") -> m.ServiceRecord:
    """Job referral (职业介绍)."""
    return _service(user=user, person=person, date=date, service_type="职业介绍", handler=handler, note=note,
                    action="referral.record")


@transaction.atomic
def training_record(*, user, person, course, start, end=None, result="", certificate="", provider="") -> Training:
    """A training course of the person, with its 技能培训 service dated ``start`` (备注 = the course)."""
    person = scoped(m.Person, user, person)
    problems: list = []
    course = _text(course)
    if not course:
        problems.append(Problem("培训", None, "培训项目", BLANK))
    start = date_value(start, "培训", "开始日期", problems)
    end = date_value(end, "培训", "结束日期", problems, required=False)
    if start and end and end < start:
        problems.append(Problem("培训", None, "结束日期", "结束日期早于开始日期 / ends before it starts"))
    result = _text(result)
    if result and result not in TRAINING_RESULTS:
        problems.append(Problem("培训", None, "培训结果", _not_in_list(TRAINING_RESULTS)))
    row = service_row(person, start, "技能培训", "", course)
    if start and course:
        problems += ledger_validate({"服务记录": [row]})
    raise_if(problems)
    service, _ = service_save(person, row, user, "training.record")
    training = Training(person=person, course=course, provider=_text(provider), start=start, end=end, result=result,
                        certificate=_text(certificate), service=service)
    history_save(training, user, "training.record")
    audit(user, "training.record", f"training:{training.pk}", person.household.community.code, **person_ref(person),
          training=training.pk, service=service.pk, start=start.isoformat())
    return training


@transaction.atomic
def benefit_grant(*, user, person, kind, amount, start, end=None, note="") -> PolicyBenefit:
    """A policy benefit the person enjoys (税收减免, 社会保险补贴 …), ``amount`` in yuan or None."""
    person = scoped(m.Person, user, person)
    problems: list = []
    kind = _text(kind)
    if kind not in BENEFIT_KINDS:
        problems.append(Problem("政策享受", None, "政策类型", BLANK if not kind else _not_in_list(BENEFIT_KINDS)))
    value = None
    if amount is not None and _text(amount) != "":
        try:
            value = Decimal(_text(amount))
        except InvalidOperation:
            value = None
            problems.append(Problem("政策享受", None, "金额（元）", f"不是有效金额 / not an amount: {_text(amount)!r}"))
        else:
            if not value.is_finite() or value < 0:
                problems.append(Problem("政策享受", None, "金额（元）", "金额须为非负数 / the amount must not be negative"))
            elif value.as_tuple().exponent < -2 or value >= Decimal(10) ** 10:
                problems.append(Problem("政策享受", None, "金额（元）",
                                        "金额至多两位小数、十位整数 / at most 10 digits and 2 decimals"))
    start = date_value(start, "政策享受", "开始日期", problems)
    end = date_value(end, "政策享受", "结束日期", problems, required=False)
    if start and end and end < start:
        problems.append(Problem("政策享受", None, "结束日期", "结束日期早于开始日期 / ends before it starts"))
    raise_if(problems)
    benefit = PolicyBenefit(person=person, kind=kind, amount=value, start=start, end=end, note=_text(note))
    history_save(benefit, user, "benefit.grant")
    audit(user, "benefit.grant", f"benefit:{benefit.pk}", person.household.community.code, **person_ref(person),
          benefit=benefit.pk, kind=kind, amount=None if value is None else str(value), start=start.isoformat())
    return benefit


# -- zero-employment households ------------------------------------------------------------------


def zero_cases_refresh(*, community, as_of: dt.date, user=None, households=None, create: bool = True,
                       reason: str = "zero_employment.sync", shared: bool = False) -> dict:
    """Bring the community's zero-employment cases in line with the register as of ``as_of``.

    Set-wise: the standards' own episode detection (``zero_employment.episodes``)
    over the whole community. An open case (detected on or before ``as_of``) is
    matched to the episode covering its 出现日期: when that episode has ended by
    ``as_of`` the case's 消除日期 is the episode's first day after the run; when no
    episode covers it any more (the register was corrected) and the household is not
    zero-employment at ``as_of``, the case is closed on ``as_of``. With ``create``,
    each household zero-employment at ``as_of`` gets a case for its episode unless it
    has one detected within that episode. ``households`` (pks) restricts both.
    No audit event here: callers write theirs. Returns counts (and eliminated ids).
    ``shared``: the register as the pages read it (``standards.context.shared_context``), for a
    sync that runs before any write of its transaction, on the desk's views.
    """
    from jiuye.standards.context import load_context, shared_context
    from jiuye.standards.dates import from_day, to_day
    from jiuye.standards.parameters import load_parameters
    from jiuye.standards.zero_employment import episodes

    ctx = (shared_context if shared else load_context)(as_of, load_parameters(), prefix=community.code)
    ep = episodes(ctx)
    if households is not None:
        ep = ep[ep["hh"].isin(list(households))]
    by_household: dict[int, list[tuple[int, int]]] = {}
    for hh, start, eliminated in zip(ep["hh"].tolist(), ep["start"].tolist(), ep["eliminated"].tolist(), strict=True):
        by_household.setdefault(int(hh), []).append((int(start), int(eliminated)))
    current = {hh: spans[-1] for hh, spans in by_household.items() if spans[-1][1] > ctx.D}

    cases = ZeroEmploymentCase.objects.for_user(user) if user is not None else ZeroEmploymentCase.objects.all()
    cases = cases.in_division(community.code)
    if households is not None:
        cases = cases.filter(household_id__in=list(households))
    cases = list(cases.filter(detected_on__lte=as_of).select_for_update(of=("self",)).order_by("pk"))

    eliminated_ids = []
    for case in cases:
        if case.eliminated_on is not None:
            continue
        day = to_day(case.detected_on)
        span = next((s for s in by_household.get(case.household_id, []) if s[0] <= day < s[1]), None)
        if span is not None:
            if span[1] > ctx.D:
                continue  # still zero-employment
            case.eliminated_on = from_day(span[1])
        elif case.household_id in current:
            continue  # zero-employment in an episode that no longer starts where the case says
        else:
            case.eliminated_on = as_of
        history_save(case, user, reason)
        eliminated_ids.append(case.pk)

    created = 0
    if create:
        known = {}
        for case in cases:
            known.setdefault(case.household_id, []).append(to_day(case.detected_on))
        for hh, (start, _) in sorted(current.items()):
            if any(start <= d <= ctx.D for d in known.get(hh, [])):
                continue
            case = ZeroEmploymentCase(household_id=hh, detected_on=from_day(start))
            try:
                with transaction.atomic():
                    history_save(case, user, reason)
            except IntegrityError:  # created meanwhile by a concurrent sync
                continue
            created += 1
    return {"created": created, "eliminated": len(eliminated_ids), "eliminated_ids": eliminated_ids}


@transaction.atomic
def zero_employment_sync(*, user=None, community, as_of: dt.date, shared: bool = False) -> dict:
    """Open a case for each household zero-employment at ``as_of`` and close the cases that ended.

    ``user`` None: a scheduled job, for any community (given as a ``Division`` or its
    code). Returns ``{"created": n, "eliminated": n}``; audited only when it opened or closed a case.
    """
    problems: list = []
    as_of = date_value(as_of, "零就业家庭", "日期", problems)
    raise_if(problems)
    if user is not None:
        community = community_for_user(user, community)
    else:
        code = getattr(community, "code", community)
        community = Division.objects.get(code=code, level=Level.COMMUNITY)
    counts = zero_cases_refresh(community=community, as_of=as_of, user=user, shared=shared)
    result = {"created": counts["created"], "eliminated": counts["eliminated"]}
    if counts["created"] or counts["eliminated"]:  # a sync that changed nothing is no event
        audit(user, "zero_employment.sync", f"community:{community.code}", community.code, as_of=as_of.isoformat(),
              **result, eliminated_cases=counts["eliminated_ids"])
    return result


def zero_employment_sync_when_changed(*, user=None, community, as_of: dt.date) -> dict | None:
    """``zero_employment_sync`` unless it already ran today on the register as it is now (the
    desk's pages sync on each view: most views change nothing and need not load the community
    again). Returns its counts, or None when it was not needed."""
    from django.core.cache import caches

    from jiuye.divisions.revisions import CACHE, TIMEOUT, revision

    code = getattr(community, "code", community)
    key = f"synced:{code}:{as_of.isoformat()}:{revision(code)}"  # read before the sync reads the register
    if caches[CACHE].get(key):
        return None
    result = zero_employment_sync(user=user, community=community, as_of=as_of, shared=True)
    if not (result["created"] or result["eliminated"]):  # a change moved the revision on: the next view syncs
        caches[CACHE].set(key, True, TIMEOUT)
    return result


@transaction.atomic
def zero_employment_recognize(*, user, case, recognized_on, plan="") -> ZeroEmploymentCase:
    """Recognition (认定) of a zero-employment household, with its one-to-one assistance plan."""
    case = scoped(ZeroEmploymentCase, user, case, lock=True)
    problems: list = []
    recognized_on = date_value(recognized_on, "零就业家庭", "认定日期", problems)
    if recognized_on and recognized_on < case.detected_on:
        problems.append(Problem("零就业家庭", None, "认定日期", f"认定日期早于出现日期 {case.detected_on} / "
                                                         f"recognized before the episode started"))
    raise_if(problems)
    case.recognized_on, case.plan = recognized_on, _text(plan)
    history_save(case, user, "zero_employment.recognize")
    audit(user, "zero_employment.recognize", f"zero_case:{case.pk}", case.household.community.code, case=case.pk,
          household=case.household_id, recognized_on=recognized_on.isoformat())
    return case


@transaction.atomic
def assistance_action_add(*, user, case, date, action, handler="") -> AssistanceAction:
    """An assistance measure (帮扶措施) taken for a zero-employment household."""
    case = scoped(ZeroEmploymentCase, user, case)
    problems: list = []
    date = date_value(date, "帮扶措施", "日期", problems)
    if date and date < case.detected_on:
        problems.append(Problem("帮扶措施", None, "日期", f"早于出现日期 {case.detected_on} / before the episode started"))
    action = _text(action)
    if not action:
        problems.append(Problem("帮扶措施", None, "帮扶措施", BLANK))
    raise_if(problems)
    item = AssistanceAction(case=case, date=date, action=action, handler=_text(handler))
    history_save(item, user, "assistance_action.add")
    audit(user, "assistance_action.add", f"zero_case:{case.pk}", case.household.community.code, case=case.pk,
          action_id=item.pk, date=date.isoformat())
    return item


# -- follow-ups -----------------------------------------------------------------------------------


@transaction.atomic
def follow_up_schedule(*, user, person=None, household=None, due, reason="") -> FollowUp:
    """A follow-up visit due on ``due``, for a person, a household, or a person of that household."""
    problems: list = []
    if person is None and household is None:
        problems.append(Problem("回访", None, None, "须指定人员或家庭 / a person or a household is required"))
    person = scoped(m.Person, user, person) if person is not None else None
    household = scoped(m.Household, user, household) if household is not None else None
    if person is not None and household is not None and person.household_id != household.pk:
        problems.append(Problem("回访", None, "家庭", "该人员不属于此家庭 / the person is not of this household"))
    due = date_value(due, "回访", "应回访日期", problems)
    raise_if(problems)
    community = (household or person.household).community
    follow_up = FollowUp(person=person, household=household, community=community, due=due, reason=_text(reason),
                         created_by=user if getattr(user, "pk", None) else None)
    history_save(follow_up, user, "follow_up.schedule")
    audit(user, "follow_up.schedule", f"follow_up:{follow_up.pk}", community.code, follow_up=follow_up.pk,
          person=person.pk if person else None, household=household.pk if household else None, due=due.isoformat())
    return follow_up


@transaction.atomic
def follow_up_done(*, user, follow_up, done_on) -> FollowUp:
    """The follow-up visit took place on ``done_on``."""
    follow_up = scoped(FollowUp, user, follow_up, lock=True)
    problems: list = []
    done_on = date_value(done_on, "回访", "回访日期", problems)
    if follow_up.done_on is not None:
        problems.append(Problem("回访", None, "回访日期", f"已于 {follow_up.done_on} 回访 / already done on {follow_up.done_on}"))
    raise_if(problems)
    follow_up.done_on = done_on
    history_save(follow_up, user, "follow_up.done")
    audit(user, "follow_up.done", f"follow_up:{follow_up.pk}", follow_up.community.code, follow_up=follow_up.pk,
          done_on=done_on.isoformat())
    return follow_up
