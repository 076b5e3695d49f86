"""Writes on the register for the community worker's desk (web views and the API).

Every service is ``<entity>_<action>(*, user, …)``: one transaction, one audit event,
single-record writes through the ORM so that django-simple-history names the user.
The user acts only on what ``Model.objects.for_user(user)`` shows them
(``PermissionDenied`` otherwise). The rows a service is about to write are checked
first, as exchange-format rows, by ``ledger_validate``: exactly the importer's
checks (``jiuye.registry.rules.checks``), against what is stored. Any problem raises
``ValidationFailed`` and nothing is written. Writes that start or end a clock of the
standards (an unemployment registration and its guidance deadline, an employment that
may eliminate a zero-employment case) are casework's (``jiuye.casework.services``), built
on the helpers here.

Audit details and exception messages never carry an ID or phone number in clear:
persons are named by database id and masked ID number.
"""

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from jiuye.audit.services import audit_event_record
from jiuye.divisions.models import Division, Level
from jiuye.divisions.revisions import register_changed
from jiuye.registry import models as m
from jiuye.registry.crypto import lookup_hash
from jiuye.registry.rules import idnumber
from jiuye.registry.rules.checks import csv_cell, ledger_validate
from jiuye.registry.rules.mapping import PLAIN_FIELDS, from_model, row_hash, to_model
from jiuye.registry.rules.parse import CellError, parse_cell, parse_date
from jiuye.registry.rules.problems import Problem
from jiuye.registry.rules.schema import HAPPENED_DATES, TABLE_BY_NAME

DAY = dt.timedelta(days=1)
NON_FIELD = "__all__"
OUTSIDE_SCOPE = "不在您的管辖范围内 / outside your scope"
BLANK = "必填项为空 / required value is blank"
NUL_MESSAGE = "不能含空字符（NUL，\\x00）/ must not contain a NUL character (\\x00)"


class ValidationFailed(Exception):
    """The rows a service would write have problems; nothing was written.

    ``problems`` are the importer's ``Problem`` objects; ``errors`` maps each column
    (exchange column name, or the field's Chinese label for casework models;
    ``"__all__"`` where no column applies) to its Chinese / English message, for a
    form to show beside the field.
    """

    def __init__(self, problems):
        self.problems = list(problems)
        errors: dict[str, str] = {}
        for problem in self.problems:
            key = problem.column or NON_FIELD
            if key not in errors:
                errors[key] = problem.message
            elif problem.message not in errors[key].split("；"):
                errors[key] = f"{errors[key]}；{problem.message}"
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


# -- helpers shared with jiuye.casework.services ----------------------------------------


def scoped(model, user, obj, *, lock: bool = False):
    """``obj`` (an instance or a pk) as the user may see it, fresh from the database.

    ``lock`` takes a row lock (PostgreSQL) so that concurrent writes on one person
    are validated one after the other.
    """
    pk = getattr(obj, "pk", obj)
    queryset = model.objects.for_user(user)
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    try:
        return queryset.get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        raise PermissionDenied(OUTSIDE_SCOPE) from None


def community_for_user(user, community) -> Division:
    """The community (a ``Division`` or its code) if it lies within the user's scope.

    Divisions have no scoped manager; the scope rule is ``scope_prefix``, the one the
    evaluation pages use, which is ``ScopedQuerySet.for_user``'s rule on codes.
    """
    from jiuye.registry.scoping import scope_prefix

    code = getattr(community, "code", community)
    prefix = scope_prefix(user) if user is not None else None
    if prefix is None or not isinstance(code, str) or not code.startswith(prefix):
        raise PermissionDenied(OUTSIDE_SCOPE)
    try:
        return Division.objects.get(code=code, level=Level.COMMUNITY)
    except Division.DoesNotExist:
        raise PermissionDenied(OUTSIDE_SCOPE) from None


def history_save(instance, user, reason: str) -> None:
    """Save one record so that its history row names the user and the action."""
    instance._history_user = user if user is not None and getattr(user, "pk", None) else None
    instance._change_reason = reason
    instance.save()


def audit(user, action: str, target: str, community_code: str, **detail) -> None:
    """The audit event of a write to the register (registry, casework, jobs services), in its
    transaction; the community's cached pages are out of date from now on."""
    audit_event_record(user=user, action=action, target=target, division_code=community_code, detail=detail)
    register_changed(community_code)


def person_ref(person) -> dict:
    """How audit details name a person: database id and masked ID number."""
    return {"person": person.pk, "id": idnumber.mask(person.id_number)}


def date_value(value, table: str, column: str, problems: list, *, required: bool = True,
               fact: bool | None = None) -> dt.date | None:
    """A date given as a ``date`` or ``YYYY-MM-DD`` text; a problem on ``column`` otherwise.

    A fact's date (``fact``; by default the columns of ``FACT_DATES``) may not lie after today.
    """
    try:
        parsed = parse_date(csv_cell(value))
    except CellError as exc:
        problems.append(Problem(table, None, column, str(exc)))
        return None
    if parsed is None and required:
        problems.append(Problem(table, None, column, BLANK))
    if fact or (fact is None and is_fact(table, column)):
        not_after_today(parsed, table, column, problems)
    return parsed


# -- facts that have happened -----------------------------------------------------------------
#
# A form or API write may not record a fact dated after today: the exchange columns of
# ``HAPPENED_DATES`` (birth, residence, status and 低保 starts, registrations, services) and
# casework's own records where the date says something was done (a cancellation, a training
# or benefit that started, a recognition, a visit made). Ends may be planned (a residence or
# 低保 end, a course's last day), and so may follow-up visits and assistance plans. The import
# only warns about dates after its day. Every service goes through ``date_value`` (a date
# argument) or ``future_problems`` (the rows it writes), so the rule is here only.

FACT_DATES: dict[str, tuple[str, ...]] = {
    **HAPPENED_DATES,
    "失业登记": (*HAPPENED_DATES.get("失业登记", ()), "注销日期"),
    "培训": ("开始日期",),
    "政策享受": ("开始日期",),
    "零就业家庭": ("认定日期",),
    "回访": ("回访日期",),
}


def today() -> dt.date:
    """Today where the register is kept (``TIME_ZONE``, Asia/Shanghai), not the server's clock zone."""
    return timezone.localdate()


def future_message(day: dt.date) -> str:
    now = today()
    return (f"日期 {day} 晚于今天（{now}）：尚未发生的事不能登记 / {day} is after today ({now}): "
            f"a fact that has not happened yet cannot be recorded")


def is_fact(table: str, column: str | None) -> bool:
    return column in FACT_DATES.get(table, ())


def not_after_today(day, table: str, column: str | None, problems: list) -> None:
    """A problem on ``column`` if ``day`` (a date of something that happened) is after today."""
    if isinstance(day, dt.date) and day > today():
        problems.append(Problem(table, None, column, future_message(day)))


def _parsed_date(table: str, column: str, value):
    try:
        return parse_cell(TABLE_BY_NAME[table].column(column), csv_cell(value)) if table in TABLE_BY_NAME \
            else parse_date(csv_cell(value))
    except (CellError, ValueError, TypeError, StopIteration):
        return None  # not a date: the register's checks say so


def future_problems(table: str, row: dict, stored: dict | None = None) -> list[Problem]:
    """The fact dates of ``row`` (a row this write stores) that lie after today.

    With ``stored`` (the record as it is stored, for an edit), only the dates the edit
    itself writes count: a date left as it was is not checked again.
    """
    problems: list = []
    for column in FACT_DATES.get(table, ()):
        if column not in row:
            continue
        day = _parsed_date(table, column, row[column])
        if stored is not None and column in stored and day == _parsed_date(table, column, stored[column]):
            continue
        not_after_today(day, table, column, problems)
    return problems


# -- changes a write makes to current episodes (what the worker confirms) -------------------------


@dataclass(frozen=True)
class EpisodeChange:
    """A stored record that a write would end, replace or cancel.

    ``kind``: ``ends`` (a status episode ends on ``end``), ``replaced`` (the episode starting
    on the write's day is replaced by ``new_status``), ``cancelled`` (an unemployment
    registration is cancelled on ``end``).
    """

    kind: str
    record: str  # "status" or "registration"
    pk: int
    status: str  # the episode's status (a registration: "")
    start: dt.date  # the episode's start, the registration's day
    end: dt.date | None  # the episode's or registration's end after the write
    detail: str  # the employer, else the form of employment or unemployment reason; a cancellation's reason
    new_status: str = ""
    employer: str = ""  # the episode's employer (when it has one)
    new_detail: str = ""  # the replacing episode's employer, form of employment or reason

    @property
    def old_label(self) -> str:
        return f"{self.status}（{self.detail}）" if self.detail else self.status

    @property
    def new_label(self) -> str:
        return f"{self.new_status}（{self.new_detail}）" if self.new_detail else self.new_status

    @property
    def message(self) -> str:
        """中文 / English, for the API and the audit trail (pages render the parts in one language)."""
        at = f"，{self.detail}" if self.detail else ""
        at_en = (f" at {self.detail}" if self.employer else f" ({self.detail})") if self.detail else ""
        if self.kind == "ends":
            return (f"{self.status}（自 {self.start} 起{at}）于 {self.end} 结束 / "
                    f"{self.status} since {self.start}{at_en} ends on {self.end}")
        if self.kind == "replaced":
            return (f"自 {self.start} 起的{self.old_label}改为{self.new_label} / "
                    f"{self.old_label} from {self.start} is replaced by {self.new_label}")
        return (f"{self.start} 的失业登记于 {self.end} 注销（{self.detail}）/ "
                f"the unemployment registration of {self.start} is cancelled on {self.end} ({self.detail})")


def changes_token(changes) -> str:
    """A short fingerprint of the changes shown to the worker (a confirmation is for exactly these)."""
    text = "|".join(f"{c.kind},{c.record},{c.pk},{c.start},{c.end},{c.new_status}" for c in changes)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


class ConfirmationRequired(Exception):
    """The write would end or change current episodes and was not confirmed; nothing was written.

    ``changes`` (``EpisodeChange``) say what would change; confirming means calling the
    service again with ``confirm=token`` (exactly these changes) or ``confirm=True``.
    """

    def __init__(self, changes):
        self.changes = list(changes)
        self.token = changes_token(self.changes)
        super().__init__("须确认对当前记录的更改 / confirm the changes to current records: "
                         + "; ".join(c.message for c in self.changes))


def confirm_check(changes, confirm) -> None:
    """Go on if nothing current changes, or the caller confirmed (``True``, or the token of exactly
    these changes); ``ConfirmationRequired`` otherwise."""
    if not changes or confirm is True:
        return
    if isinstance(confirm, str) and confirm and hmac.compare_digest(confirm, changes_token(changes)):
        return
    raise ConfirmationRequired(changes)


def _episode_detail(episode) -> str:
    return episode.employer_name or episode.employment_form or episode.unemployment_reason


def raise_if(problems) -> None:
    if problems:
        raise ValidationFailed(problems)


def date_or_fail(value, table: str, column: str) -> dt.date:
    problems: list = []
    result = date_value(value, table, column, problems)
    raise_if(problems)
    return result


def _clean(values: dict) -> dict:
    return {str(column).strip(): csv_cell(value) for column, value in (values or {}).items()}


def _model_row(table: str, instance, **references) -> dict:
    """A stored record as an exchange row (every column, in the schema's order)."""
    row = dict(references)
    for column, field in PLAIN_FIELDS[table]:
        row[column] = csv_cell(from_model(column, getattr(instance, field)))
    return {c: row[c] for c in TABLE_BY_NAME[table].column_names if c in row}


def _fields(table: str, row: dict) -> dict:
    """Model field values of a validated row's plain columns (those given)."""
    schema = TABLE_BY_NAME[table]
    return {
        field: to_model(column, parse_cell(schema.column(column), csv_cell(row[column])))
        for column, field in PLAIN_FIELDS[table]
        if column in row
    }


def validate(tables: dict, extra=()) -> None:
    problems = list(extra) + ledger_validate(tables)
    raise_if(problems)


# -- households ---------------------------------------------------------------------------


def _household_code(value) -> str:
    return parse_cell(TABLE_BY_NAME["家庭"].column("家庭编号"), csv_cell(value))


@transaction.atomic
def household_create(*, user, community, values: dict) -> m.Household:
    """A new household (values keyed 家庭编号, 住址, 户口性质) in a community of the user's scope."""
    community = community_for_user(user, community)
    row = {**_clean(values), "社区代码": community.code}
    code = _household_code(row.get("家庭编号"))
    extra = []
    # 家庭编号 is unique in the deployment: an existing one (anywhere) cannot be created again.
    if code and m.Household.objects.filter(code=code).exists():
        extra.append(Problem("家庭", None, "家庭编号", "家庭编号已存在 / this household number already exists"))
    validate({"家庭": [row]}, extra)
    household = m.Household(code=code, community=community, **_fields("家庭", row))
    history_save(household, user, "household.create")
    audit(user, "household.create", f"household:{household.pk}", community.code, household=household.pk,
          code=household.code)
    return household


@transaction.atomic
def household_update(*, user, household, values: dict) -> m.Household:
    """Change a household's 住址, 户口性质, 家庭编号 or 社区代码 (within the user's scope)."""
    household = scoped(m.Household, user, household, lock=True)
    old_code, old_community = household.code, household.community
    row = {**_model_row("家庭", household, 家庭编号=old_code, 社区代码=old_community.code), **_clean(values)}
    extra = []
    code = _household_code(row.get("家庭编号"))
    if code and code != old_code and m.Household.objects.filter(code=code).exists():
        extra.append(Problem("家庭", None, "家庭编号", "家庭编号已存在 / this household number already exists"))
    community = old_community
    community_code = str(row.get("社区代码", "")).strip()
    if community_code and community_code != old_community.code:
        try:
            community = community_for_user(user, community_code)
        except PermissionDenied:
            extra.append(Problem("家庭", None, "社区代码", f"社区不存在或不在管辖范围内 / community does not exist "
                                                         f"or is outside your scope: {community_code}"))
    validate({"家庭": [row]}, extra)
    fields = _fields("家庭", row)
    changed = [c for c, f in PLAIN_FIELDS["家庭"] if getattr(household, f) != fields[f]]
    changed += ["家庭编号"] if code != old_code else []
    changed += ["社区代码"] if community.pk != old_community.pk else []
    if not changed:
        return household
    for field, value in fields.items():
        setattr(household, field, value)
    household.code, household.community = code, community
    history_save(household, user, "household.update")
    audit(user, "household.update", f"household:{household.pk}", community.code, household=household.pk,
          code=household.code, changed=changed, previous_community=old_community.code)
    return household


# -- persons ----------------------------------------------------------------------------------


@transaction.atomic
def person_create(*, user, household, values: dict) -> m.Person:
    """A new person of ``household``; ``values`` keyed by the 人员 columns (its 家庭编号 is the household's)."""
    household = scoped(m.Household, user, household)
    row = {**_clean(values), "家庭编号": household.code}
    id_number = idnumber.normalize(str(row.get("身份证号", "")))
    extra = []
    # The ID is unique in the deployment; the importer would take a stored one as an update.
    if id_number and m.Person.objects.with_id_number(id_number).exists():
        extra.append(Problem("人员", None, "身份证号", "身份证号已登记 / this ID number is already registered"))
    validate({"人员": [row]}, extra + future_problems("人员", row))
    person = m.Person(id_number=id_number, household=household, **_fields("人员", row))
    history_save(person, user, "person.create")
    audit(user, "person.create", f"person:{person.pk}", household.community.code, **person_ref(person),
          household=household.pk)
    return person


class EditConflict(Exception):
    """The person was changed by someone else since the editor loaded it (no lost update)."""

    def __init__(self, person, changes: list[dict], by: str, at):
        super().__init__("此人已被他人修改 / this person was changed by someone else")
        self.person, self.changes, self.by, self.at = person, changes, by, at


_SENSITIVE = {"身份证号": idnumber.mask, "联系电话": idnumber.mask_phone}


def person_snapshot(person) -> dict:
    """What an editor starts from: the version and the 人员 row, ID and phone as keyed hashes
    (the snapshot travels in the page, signed)."""
    row = _person_text_row(person)
    for column in _SENSITIVE:
        row[column] = lookup_hash(row.get(column, ""))
    return {"version": person.version, "row": row}


def _person_text_row(person) -> dict:
    row = _model_row("人员", person, 身份证号=person.id_number, 家庭编号=person.household.code)
    return {column: "" if value is None else str(value) for column, value in row.items()}


def _conflict(person, base: dict, values: dict) -> EditConflict:
    """The other change: each column stored differently from the editor's starting point."""
    now = _person_text_row(person)
    yours = {column: "" if value is None else str(value) for column, value in _clean(values).items()}
    changes = []
    for column, value in now.items():
        before = base.get("row", {}).get(column)
        if column in _SENSITIVE:
            if lookup_hash(value) != before:
                mask = _SENSITIVE[column]
                changes.append({"column": column, "before": "", "now": mask(value),
                                "yours": mask(yours[column]) if column in yours else ""})
        elif value != before:
            changes.append({"column": column, "before": before, "now": value, "yours": yours.get(column, "")})
    last = person.history.order_by("-history_date").select_related("history_user").first()
    by = (last.history_user.get_username() if last and last.history_user else "") or "导入 / import"
    return EditConflict(person, changes, by, last.history_date if last else None)


@transaction.atomic
def person_update(*, user, person, values: dict, base: dict | None = None) -> m.Person:
    """Change a person's 人员 columns given in ``values`` (the others keep their stored values).

    A new 家庭编号 must be a household of the user's scope. A corrected 身份证号 must be
    free, and the person's stored status episodes are checked again under it. A date the
    edit changes may not be a fact after today (one left as stored is not checked again).
    With ``base`` (``person_snapshot`` when the editor loaded the person, or
    ``{"version": n}`` from an API ``If-Match``), a person changed since is refused with
    ``EditConflict`` showing the other change. Every page and API edit passes it (a form
    without one is refused as stale by the page); ``None`` is for in-process callers only.
    """
    person = scoped(m.Person, user, person, lock=True)
    if base is not None and base.get("version") != person.version:
        raise _conflict(person, base, values)
    old_id, household = person.id_number, person.household
    stored = _model_row("人员", person, 身份证号=old_id, 家庭编号=household.code)
    row = {**stored, **_clean(values)}
    new_id = idnumber.normalize(str(row.get("身份证号", "")))
    row["身份证号"] = new_id
    extra = []
    household_code = str(row.get("家庭编号", "")).strip()
    if household_code and household_code != household.code:
        household = m.Household.objects.for_user(user).filter(code=household_code).select_related("community").first()
        if household is None:
            extra.append(Problem("人员", None, "家庭编号", f"家庭不存在或不在管辖范围内 / household does not exist "
                                                         f"or is outside your scope: {household_code}"))
    extra += future_problems("人员", row, stored)  # only the dates this edit changes
    tables = {"人员": [row]}
    if new_id != old_id:
        if m.Person.objects.with_id_number(new_id).exists():
            extra.append(Problem("人员", None, "身份证号", "身份证号已登记 / this ID number is already registered"))
        tables["就业状态"] = [_model_row("就业状态", e, 身份证号=new_id) for e in person.statuses.all()]
    problems = ledger_validate(tables)
    # Problems of the carried status rows come from the (new) birth date.
    problems = [Problem("人员", None, "出生日期", p.message) if p.table == "就业状态" else p for p in problems]
    raise_if(extra + problems)
    fields = _fields("人员", row)
    changed = [c for c, f in PLAIN_FIELDS["人员"] if getattr(person, f) != fields[f]]
    changed += ["身份证号"] if new_id != old_id else []
    changed += ["家庭编号"] if household.pk != person.household_id else []
    if not changed:
        return person
    for field, value in fields.items():
        setattr(person, field, value)
    person.id_number, person.household = new_id, household
    person.version += 1
    history_save(person, user, "person.update")
    detail = {**person_ref(person), "changed": changed}
    if new_id != old_id:
        detail["previous_id"] = idnumber.mask(old_id)
    audit(user, "person.update", f"person:{person.pk}", household.community.code, **detail)
    return person


# -- status episodes ------------------------------------------------------------------------


@dataclass
class StatusPlan:
    rows: list[dict]  # exchange rows to validate: the episode cut short (if any), then the new one
    cut: m.StatusEpisode | None  # the episode covering ``start`` that starts before it
    replaced: m.StatusEpisode | None  # the episode starting on ``start`` itself (same key: replaced)
    new_row: dict


def status_plan(person, status: str, start: dt.date, *, employment_form="", employer_name="",
                 unemployment_reason="") -> StatusPlan:
    episodes = list(person.statuses.all())
    covering = next((e for e in episodes if e.start <= start and (e.end is None or start <= e.end)), None)
    replaced = next((e for e in episodes if e.start == start), None)
    rows, cut = [], None
    if covering is not None and covering.start < start:
        cut = covering
        rows.append({**_model_row("就业状态", covering, 身份证号=person.id_number), "结束日期": start - DAY})
    new_row = {
        "身份证号": person.id_number,
        "状态": csv_cell(status),
        "开始日期": start,
        "结束日期": "",
        "就业形式": csv_cell(employment_form),
        "单位名称": csv_cell(employer_name),
        "失业原因": csv_cell(unemployment_reason),
    }
    rows.append(new_row)
    return StatusPlan(rows, cut, replaced, new_row)


def status_changes(plan: StatusPlan) -> list[EpisodeChange]:
    """What the plan ends or replaces among the stored episodes (computed without writing)."""
    new_status = plan.new_row["状态"]
    changes = []
    if plan.cut is not None:
        cut = plan.cut
        changes.append(EpisodeChange("ends", "status", cut.pk, cut.status, cut.start, plan.rows[0]["结束日期"],
                                     _episode_detail(cut), new_status, cut.employer_name))
    replaced = plan.replaced
    if replaced is not None:
        same = (replaced.status, replaced.end, replaced.employment_form, replaced.employer_name,
                replaced.unemployment_reason) == (new_status, None, plan.new_row["就业形式"], plan.new_row["单位名称"],
                                                  plan.new_row["失业原因"])
        if not same:
            new_detail = plan.new_row["单位名称"] or plan.new_row["就业形式"] or plan.new_row["失业原因"]
            changes.append(EpisodeChange("replaced", "status", replaced.pk, replaced.status, replaced.start,
                                         replaced.end, _episode_detail(replaced), new_status, replaced.employer_name,
                                         new_detail))
    return changes


def status_apply(plan: StatusPlan, person, user, reason: str) -> m.StatusEpisode:
    if plan.cut is not None:
        plan.cut.end = plan.rows[0]["结束日期"]
        history_save(plan.cut, user, reason)
    episode = plan.replaced or m.StatusEpisode(person=person)
    for field, value in _fields("就业状态", plan.new_row).items():
        setattr(episode, field, value)
    history_save(episode, user, reason)
    return episode


def status_on(person, day: dt.date) -> m.StatusEpisode | None:
    return next((e for e in person.statuses.all() if e.start <= day and (e.end is None or day <= e.end)), None)


@transaction.atomic
def status_change(*, user, person, status, start, employment_form="", employer_name="",
                  unemployment_reason="", confirm=True) -> m.StatusEpisode:
    """The person's status is ``status`` from ``start`` on (an open episode).

    The episode covering ``start`` that began earlier ends on start − 1 day; an
    episode beginning on ``start`` itself has the same key and is replaced, as a
    re-import would. Overlaps with later episodes, a start before birth or after today,
    a value not in its list … are rejected as the importer rejects them.

    Ending or replacing an episode needs ``confirm`` (see ``confirm_check``): the pages and
    the API pass what the worker confirmed, so an unconfirmed change raises
    ``ConfirmationRequired`` with the changes and writes nothing. The episode returned
    carries ``changes``, what was ended or replaced.
    """
    person = scoped(m.Person, user, person, lock=True)
    start = date_or_fail(start, "就业状态", "开始日期")
    plan = status_plan(person, status, start, employment_form=employment_form, employer_name=employer_name,
                        unemployment_reason=unemployment_reason)
    validate({"就业状态": plan.rows})
    changes = status_changes(plan)
    confirm_check(changes, confirm)
    episode = status_apply(plan, person, user, "status.change")
    audit(user, "status.change", f"person:{person.pk}", person.household.community.code, **person_ref(person),
          status=episode.status, start=start.isoformat(), episode=episode.pk,
          ended=plan.cut.pk if plan.cut else None, replaced=plan.replaced is not None)
    episode.changes = changes
    return episode


# -- unemployment registrations ---------------------------------------------------------------


def registration_row(person, registration=None, **values) -> dict:
    row = {"身份证号": person.id_number, "登记日期": "", "注销日期": "", "注销原因": ""}
    if registration is not None:
        row.update(_model_row("失业登记", registration))
    row.update(values)
    return row


@transaction.atomic
def registration_cancel(*, user, registration, cancelled_on, reason) -> m.UnemploymentRegistration:
    """Cancel (注销) an active registration on ``cancelled_on`` (the day itself no longer counts)."""
    registration = scoped(m.UnemploymentRegistration, user, registration, lock=True)
    person = registration.person
    cancelled_on = date_or_fail(cancelled_on, "失业登记", "注销日期")
    extra = []
    if registration.cancelled_on is not None:
        extra.append(Problem("失业登记", None, "注销日期", f"已于 {registration.cancelled_on} 注销 / "
                                                         f"already cancelled on {registration.cancelled_on}"))
    row = registration_row(person, registration, 注销日期=cancelled_on, 注销原因=csv_cell(reason))
    validate({"失业登记": [row]}, extra)
    fields = _fields("失业登记", row)
    registration.cancelled_on, registration.cancel_reason = fields["cancelled_on"], fields["cancel_reason"]
    history_save(registration, user, "registration.cancel")
    audit(user, "registration.cancel", f"registration:{registration.pk}", person.household.community.code,
          **person_ref(person), registration=registration.pk, cancelled_on=cancelled_on.isoformat(),
          reason=registration.cancel_reason)
    return registration


# -- services ---------------------------------------------------------------------------------


def service_row(person, date, service_type, handler="", note="") -> dict:
    """A 服务记录 exchange row of the person."""
    return {
        "身份证号": person.id_number,
        "服务日期": csv_cell(date),
        "服务类型": csv_cell(service_type),
        "经办人": csv_cell(handler),
        "备注": csv_cell(note),
    }


def service_hash(row: dict) -> str:
    """The key of a 服务记录 row exactly as the importer computes it (parsed values, column order)."""
    schema = TABLE_BY_NAME["服务记录"]
    return row_hash([parse_cell(schema.column(c), csv_cell(row.get(c))) if c in row else None for c in schema.column_names])


def service_save(person, row: dict, user, reason: str) -> tuple[m.ServiceRecord, bool]:
    """Store a validated 服务记录 row; an identical record already stored is the same fact.

    Returns the record and whether it was written now.
    """
    digest = service_hash(row)
    existing = person.services.filter(row_hash=digest).first()
    if existing is not None:
        return existing, False
    record = m.ServiceRecord(person=person, row_hash=digest, **_fields("服务记录", row))
    try:
        with transaction.atomic():
            history_save(record, user, reason)
    except IntegrityError:  # written by a concurrent identical request
        return person.services.get(row_hash=digest), False
    return record, True


@transaction.atomic
def service_record(*, user, person, date, service_type, handler="", note="") -> m.ServiceRecord:
    """A service given to the person. Recording an identical one again writes nothing."""
    person = scoped(m.Person, user, person)
    row = service_row(person, date, service_type, handler, note)
    validate({"服务记录": [row]}, future_problems("服务记录", row))
    record, created = service_save(person, row, user, "service.record")
    if created:
        audit(user, "service.record", f"service:{record.pk}", person.household.community.code, **person_ref(person),
              service=record.pk, date=record.date.isoformat(), service_type=record.service_type)
    return record
