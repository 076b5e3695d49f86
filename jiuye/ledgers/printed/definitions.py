"""The ten ledgers (十类台账) of a community: columns, filters and row builders.

Each builder receives a :class:`LedgerQuery` (user, division, D, parsed filters) and
returns the ledger's rows as dicts keyed by column key, already sorted; the
selector (``jiuye.ledgers.selectors.ledger_rows``) numbers them, adds the community
column above community level and masks ID and phone numbers.

Everything is read set-wise: a handful of queries per ledger, each through the
scoped manager (``objects.for_user(user)``), plus the standards' context
(``load_context``) where the ledger needs status at D, working age, spells or
zero-employment episodes. Loops only format rows already fetched.
"""

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from dateutil.relativedelta import relativedelta
from django.db.models import Q

from jiuye.casework.models import BENEFIT_KINDS, TRAINING_RESULTS, PolicyBenefit, Training
from jiuye.divisions.models import Division
from jiuye.registry import vocab
from jiuye.registry.models import Person, ServiceRecord, StatusEpisode, UnemploymentRegistration
from jiuye.standards.context import (
    UNEMPLOYED,
    Context,
    load_context,
    period_start,
    resident_at,
    shared_context,
    status_at_d,
    working_age_at,
)
from jiuye.standards.dates import add_months, from_day
from jiuye.standards.parameters import load_parameters

UNKNOWN_STATUS = "未知"
STATUS_FILTER_CHOICES = (*vocab.STATUS, UNKNOWN_STATUS)
RELATION_RANK = {r: i for i, r in enumerate(vocab.RELATION)}
FILTER_KEYS = ("q", "status", "category", "date_from", "date_to")

GROUP_ZERO = "零就业家庭"
GROUP_DIBAO = "低保"
GROUP_4050 = "4050人员"
GROUP_DISABLED = "残疾人"
GROUP_LONG_TERM = "长期失业"
HARDSHIP_GROUPS = (GROUP_ZERO, GROUP_DIBAO, GROUP_4050, GROUP_DISABLED, GROUP_LONG_TERM)

TRAINING_SERVICE_TYPES = ("技能培训", "培训推荐")
TRAINING_COURSE = "培训项目"
POLICY_SERVICE_TYPES = ("政策宣传", "政策咨询")
PUBLIC_JOB_FORM = "公益性岗位"
PUBLIC_JOB_SERVICE = "公益性岗位安置"
PUBLIC_JOB_HELD = "公益性岗位在岗"
REGISTERED, NOT_REGISTERED = "已登记", "未登记"


class LedgerError(ValueError):
    """A bad slug or filter value (pages show the message; 中文 / English)."""


# -- definitions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    kind: str = "text"  # text, date, id, phone, int, money
    width: float | None = None  # print width in characters (None: from the content)
    wrap: bool = False


@dataclass(frozen=True)
class Ledger:
    number: int
    slug: str
    zh: str
    en: str
    columns: tuple[Column, ...]
    build: Callable[["LedgerQuery"], list[dict]]
    # Filters the ledger understands: key → allowed values (None: free value).
    filters: Mapping[str, tuple[str, ...] | None] = field(default_factory=dict)
    # What the date range applies to ("" when the ledger has none).
    date_range_zh: str = ""
    date_range_en: str = ""
    # Ledgers of events in a period default to P, the 12 months ending at D.
    uses_period: bool = False
    note_zh: str = ""
    note_en: str = ""

    @property
    def headers_zh(self) -> list[str]:
        return [c.zh for c in self.columns]

    @property
    def headers_en(self) -> list[str]:
        return [c.en for c in self.columns]


NO = Column("no", "序号", "No.", "int", 5)
COMMUNITY = Column("community", "社区", "Community", width=14)


def _c(key, zh, en, kind="text", width=None, wrap=False) -> Column:
    return Column(key, zh, en, kind, width, wrap)


NAME = _c("name", "姓名", "Name", width=9)
SEX = _c("sex", "性别", "Sex", width=5)
ID_NUMBER = _c("id_number", "身份证号", "ID number", "id", 20)
AGE = _c("age", "年龄", "Age", "int", 5)
HOUSEHOLD = _c("household", "家庭编号", "Household")
ADDRESS = _c("address", "住址", "Address", width=18, wrap=True)
HUKOU = _c("hukou", "户口性质", "Hukou", width=8)
RELATION = _c("relation", "与户主关系", "Relation to head", width=10)
EDUCATION = _c("education", "文化程度", "Education", width=9)
SKILLS = _c("skills", "技能", "Skills", width=16, wrap=True)
CATEGORIES = _c("categories", "人员类别", "Categories", width=12, wrap=True)
STATUS = _c("status", "就业状态", "Status at date", width=10)
FORM = _c("employment_form", "就业形式", "Form of employment", width=10)
EMPLOYER = _c("employer", "单位名称", "Employer", width=16, wrap=True)
PHONE = _c("phone", "联系电话", "Phone", "phone", 13)
HANDLER = _c("handler", "经办人", "Handled by", width=8)
NOTE = _c("note", "备注", "Note", width=20, wrap=True)


# -- the query -------------------------------------------------------------------------------


@dataclass
class Filters:
    q: str = ""
    status: str = ""
    category: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def active(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in ("", None)}


def _date(value, key: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise LedgerError(f"日期格式应为 YYYY-MM-DD / {key} must be a date YYYY-MM-DD: {value!r}") from None


def parse_filters(ledger: Ledger, filters) -> Filters:
    """Filters from a dict (or a QueryDict); blank values are no filter.

    Unknown keys and values outside a ledger's lists are errors; a filter this
    ledger does not offer is ignored (one filter form may serve every ledger).
    """
    if not filters:
        return Filters()
    unknown = sorted(set(filters) - set(FILTER_KEYS))
    if unknown:
        raise LedgerError(f"未知筛选条件 / unknown filter: {', '.join(unknown)}")
    result = Filters()
    for key in FILTER_KEYS:
        if key not in ledger.filters:
            continue
        value = filters.get(key)
        if key.startswith("date"):
            setattr(result, key, _date(value, key))
            continue
        value = "" if value is None else str(value).strip()
        choices = ledger.filters[key]
        if value and choices is not None and value not in choices:
            raise LedgerError(f"筛选值不在列表中 / {key} must be one of {'、'.join(choices)}: {value!r}")
        setattr(result, key, value)
    if result.date_from and result.date_to and result.date_from > result.date_to:
        raise LedgerError("起始日期晚于截止日期 / date_from is after date_to")
    return result


@dataclass
class LedgerQuery:
    user: object
    division: Division
    as_of: dt.date
    filters: Filters
    uses_period: bool = False
    shared: bool = False  # the screen page: the context the pages share (standards.context.shared_context)
    # Reads shared by the ledgers of one division built one after the other (the nightly run and
    # the preparation after an import compute all ten): each read once (``_shared_read``).
    memo: dict | None = None

    @cached_property
    def params(self) -> dict:
        return load_parameters()

    @property
    def code(self) -> str:
        return self.division.code

    @cached_property
    def ctx(self) -> Context:
        from jiuye.divisions.codes import community_prefix

        load = shared_context if self.shared else load_context
        return load(self.as_of, self.params, prefix=community_prefix(self.code))

    @property
    def period(self) -> tuple[dt.date, dt.date]:
        """The period of services and events: P, or the filters' date range in ledgers whose date
        range is the period; never after D."""
        start, end = period_start(self.as_of, self.params), self.as_of
        if self.uses_period:
            start = self.filters.date_from or start
            end = min(self.filters.date_to or end, end)
        return start, end

    def scoped(self, model):
        """The model's rows under the division, through the user's scope."""
        return model.objects.for_user(self.user).in_division(self.code)


# -- shared reads ----------------------------------------------------------------------------

_PERSON_FIELDS = {
    "pid": "id",
    "name": "name",
    "sex": "sex",
    "id_number": "id_number",
    "birth": "birth_date",
    "household": "household__code",
    "relation": "relation",
    "education": "education",
    "hukou": "household__hukou",
    "address": "household__address",
    "categories": "categories",
    "phone": "phone",
    "skills": "skills",
    "community": "household__community__name",
    "community_code": "household__community__code",
}
_IN_LIMIT = 2000  # above this many ids, read the division's persons and pick in Python


def _age(on: dt.date, birth: dt.date) -> int:
    """Whole years from ``birth`` to ``on``, as ``relativedelta(on, birth).years`` counts them (born
    on 29 February: a year older on 28 February of a common year), without its cost per row."""
    anniversary_day = min(birth.day, calendar.monthrange(on.year, birth.month)[1])
    return on.year - birth.year - ((on.month, on.day) < (birth.month, anniversary_day))


def _shared_read(req: LedgerQuery, key, read):
    """``read()``, once for the ledgers that share ``req.memo`` (every ledger's reads are of the
    same division, date and user; a name search is never shared)."""
    if req.memo is None or req.filters.q:
        return read()
    key = (key, req.code, req.as_of)
    if key not in req.memo:
        req.memo[key] = read()
    return req.memo[key]


def _people(req: LedgerQuery, ids) -> dict[int, dict]:
    """Details of the persons ``ids`` (scoped; filtered by the name filter): pid → dict."""
    ids = {int(i) for i in ids}
    if not ids:
        return {}
    if req.memo is not None and not req.filters.q:  # the division's persons read once, each row a copy
        everyone = _shared_read(req, "people", lambda: _people_read(req, None))
        return {pid: dict(everyone[pid]) for pid in everyone if pid in ids}
    return _people_read(req, ids)


def _people_read(req: LedgerQuery, ids: set[int] | None) -> dict[int, dict]:
    qs = req.scoped(Person)
    if req.filters.q:
        qs = qs.filter(name__icontains=req.filters.q)
    if ids is not None and len(ids) <= _IN_LIMIT:
        qs = qs.filter(pk__in=sorted(ids))
    keys = list(_PERSON_FIELDS)
    result = {}
    for values in qs.values_list(*_PERSON_FIELDS.values()).iterator(chunk_size=5000):
        row = dict(zip(keys, values, strict=True))
        if ids is not None and row["pid"] not in ids:
            continue
        row["category_list"] = [c for c in (row["categories"] or "").replace("；", ";").split(";") if c]
        row["categories"] = "、".join(row["category_list"])
        row["age"] = _age(req.as_of, row["birth"]) if row["birth"] else None
        result[row["pid"]] = row
    return result


def _covering_status(req: LedgerQuery) -> dict[int, dict]:
    """The status episode covering D of each person of the division: pid → dict."""
    return _shared_read(req, "status", lambda: _covering_status_read(req))


def _covering_status_read(req: LedgerQuery) -> dict[int, dict]:
    D = req.as_of
    qs = req.scoped(StatusEpisode).filter(start__lte=D).filter(Q(end__isnull=True) | Q(end__gte=D))
    return {
        pid: {"status": s, "employment_form": f, "employer": e, "reason": r}
        for pid, s, f, e, r in qs.values_list(
            "person_id", "status", "employment_form", "employer_name", "unemployment_reason"
        )
    }


def _active_registrations(req: LedgerQuery) -> dict[int, dt.date]:
    """Registration active at D (``[登记日期, 注销日期)``): pid → latest 登记日期."""
    return _shared_read(req, "registrations", lambda: _active_registrations_read(req))


def _active_registrations_read(req: LedgerQuery) -> dict[int, dt.date]:
    D = req.as_of
    qs = (
        req.scoped(UnemploymentRegistration)
        .filter(registered_on__lte=D)
        .filter(Q(cancelled_on__isnull=True) | Q(cancelled_on__gt=D))
    )
    result: dict[int, dt.date] = {}
    for pid, registered in qs.values_list("person_id", "registered_on"):
        if pid not in result or registered > result[pid]:
            result[pid] = registered
    return result


def _services_between(req: LedgerQuery, start: dt.date, end: dt.date) -> dict[int, list[tuple[dt.date, str]]]:
    """Services of the division's persons dated in [start, end]: pid → [(date, type)] by date."""
    return _shared_read(req, ("services", start, end), lambda: _services_between_read(req, start, end))


def _services_between_read(req: LedgerQuery, start: dt.date, end: dt.date) -> dict[int, list[tuple[dt.date, str]]]:
    qs = req.scoped(ServiceRecord).filter(date__gte=start, date__lte=end).order_by("date", "service_type")
    result: dict[int, list] = defaultdict(list)
    for pid, date, kind in qs.values_list("person_id", "date", "service_type"):
        result[pid].append((date, kind))
    return result


def _last_service(req: LedgerQuery) -> dict[int, dt.date]:
    return _shared_read(req, "last-service", lambda: _last_service_read(req))


def _last_service_read(req: LedgerQuery) -> dict[int, dt.date]:
    from django.db.models import Max

    qs = req.scoped(ServiceRecord).filter(date__lte=req.as_of).values("person_id").annotate(last=Max("date"))
    return {r["person_id"]: r["last"] for r in qs}


def _person_sort(row: dict):
    return (
        row.get("community_code") or "",
        row.get("household") or "",
        RELATION_RANK.get(row.get("relation") or "", len(RELATION_RANK)),
        row.get("birth") or dt.date.min,
        row.get("id_number") or "",
    )


def _residents(req: LedgerQuery, mask: np.ndarray | None = None) -> np.ndarray:
    """Ids of the persons resident at D (and in ``mask``)."""
    ctx = req.ctx
    keep = resident_at(ctx, ctx.D)
    if mask is not None:
        keep = keep & mask
    return ctx.persons.index.to_numpy()[keep]


def _categories_mask(ctx: Context, category: str) -> np.ndarray:
    return ctx.persons["categories"].fillna("").str.contains(category, regex=False).to_numpy()


def _person_rows(req: LedgerQuery, ids, *, by_status: bool = True, by_category: bool = True) -> list[dict]:
    """Person rows (details, status at D) of ``ids``, filtered by name, and by status at D and
    人员类别 unless the ledger gives those filters another meaning."""
    people = _people(req, ids)
    status = _covering_status(req)
    rows = []
    for pid, row in people.items():
        episode = status.get(pid, {})
        row["status"] = episode.get("status") or UNKNOWN_STATUS
        if row["status"] == vocab.EMPLOYED:
            row["employment_form"] = episode.get("employment_form", "")
            row["employer"] = episode.get("employer", "")
        row["reason"] = episode.get("reason", "")
        if by_category and req.filters.category and req.filters.category not in row["category_list"]:
            continue
        if by_status and req.filters.status and row["status"] != req.filters.status:
            continue
        rows.append(row)
    rows.sort(key=_person_sort)
    return rows


# -- 1 劳动力资源台账 ----------------------------------------------------------------------------


def labour_force(req: LedgerQuery) -> list[dict]:
    """Every resident of working age at D, with status, education, skills and categories."""
    ctx = req.ctx
    return _person_rows(req, _residents(req, working_age_at(ctx, ctx.D)))


# -- 2 下岗失业人员台账 --------------------------------------------------------------------------


def unemployed(req: LedgerQuery) -> list[dict]:
    """Residents 失业 at D: spell start, months, reason, registration, latest service."""
    ctx = req.ctx
    status, spell = status_at_d(ctx)
    mask = status == UNEMPLOYED
    ids = _residents(req, mask)
    spell_of = dict(zip(ctx.persons.index.to_numpy()[mask], spell[mask], strict=True))
    registered = _active_registrations(req)
    last = _last_service(req)
    long_term_day = add_months(np.array([ctx.D]), -req.params["s5_long_term_months"])[0]
    start_from, start_to = req.filters.date_from, req.filters.date_to
    rows = []
    for row in _person_rows(req, ids, by_status=False):
        pid = row["pid"]
        start_day = spell_of.get(pid)
        start = from_day(start_day) if start_day is not None else None
        if start_from and (start is None or start < start_from):
            continue
        if start_to and (start is None or start > start_to):
            continue
        reg = registered.get(pid)
        if req.filters.status == REGISTERED and reg is None:
            continue
        if req.filters.status == NOT_REGISTERED and reg is not None:
            continue
        delta = relativedelta(req.as_of, start) if start else None
        row.update(
            spell_start=start,
            months=delta.years * 12 + delta.months if delta else None,
            long_term="是" if start_day is not None and start_day <= long_term_day else "否",
            registered_on=reg,
            registration=REGISTERED if reg else NOT_REGISTERED,
            last_service=last.get(pid),
        )
        rows.append(row)
    return rows


# -- 3 困难群体台账 ------------------------------------------------------------------------------


def hardship_groups(req: LedgerQuery) -> list[dict]:
    """Members of zero-employment and 低保 households, 4050 persons, 残疾人, long-term unemployed.

    One row per resident at D, with every group they belong to.
    """
    from jiuye.standards import zero_employment

    ctx = req.ctx
    p = ctx.persons
    D = ctx.D
    ids = p.index.to_numpy()
    hh = p["hh"].to_numpy()
    resident = resident_at(ctx, D)

    ep = zero_employment.episodes(ctx)
    ep = ep[(ep["start"] <= D) & (D < ep["eliminated"])]
    ze_start = dict(zip(ep["hh"].to_numpy(), ep["start"].to_numpy(), strict=True))
    dibao = ctx.dibao[(ctx.dibao["start"] <= D) & (D <= ctx.dibao["end"])]
    dibao_start = dibao.groupby("hh")["start"].min().to_dict()

    age_years = np.where(p["male"].to_numpy(dtype=bool), req.params["hardship_age_men"], req.params["hardship_age_women"])
    status, spell = status_at_d(ctx)
    groups = {
        GROUP_ZERO: np.isin(hh, list(ze_start)),
        GROUP_DIBAO: np.isin(hh, list(dibao_start)),
        GROUP_4050: working_age_at(ctx, D) & (D >= add_months(p["birth"].to_numpy(), age_years * 12)),
        GROUP_DISABLED: _categories_mask(ctx, "残疾人"),
        GROUP_LONG_TERM: (status == UNEMPLOYED)
        & (spell <= add_months(np.array([D]), -req.params["hardship_long_term_months"])[0]),
    }
    any_group = np.zeros(len(ids), dtype=bool)
    for mask in groups.values():
        any_group |= mask
    keep = resident & any_group
    member_groups = {
        int(pid): [name for name, mask in groups.items() if mask[i]]
        for i, pid in zip(np.flatnonzero(keep), ids[keep], strict=True)
    }
    hh_of = dict(zip(ids[keep], hh[keep], strict=True))
    wanted = req.filters.category
    rows = []
    for row in _person_rows(req, member_groups, by_category=False):
        pid = row["pid"]
        names = member_groups[pid]
        if wanted and wanted not in names:
            continue
        household = hh_of[pid]
        row.update(
            group="、".join(names),
            zero_since=from_day(ze_start[household]) if household in ze_start else None,
            dibao_since=from_day(dibao_start[household]) if household in dibao_start else None,
        )
        rows.append(row)
    return rows


# -- 4 登记失业高校毕业生台账 -------------------------------------------------------------------


def graduates(req: LedgerQuery) -> list[dict]:
    """Residents with 人员类别 高校毕业生 whose unemployment registration is active at D."""
    ctx = req.ctx
    registered = _active_registrations(req)
    mask = _categories_mask(ctx, "高校毕业生") & np.isin(ctx.persons.index.to_numpy(), list(registered))
    status, spell = status_at_d(ctx)
    spell_of = dict(zip(ctx.persons.index.to_numpy(), spell, strict=True))
    start, end = req.period
    services = _services_between(req, start, end)
    last = _last_service(req)
    rows = []
    for row in _person_rows(req, _residents(req, mask)):
        pid = row["pid"]
        reg = registered[pid]
        if req.filters.date_from and reg < req.filters.date_from:
            continue
        if req.filters.date_to and reg > req.filters.date_to:
            continue
        row.update(
            registered_on=reg,
            spell_start=from_day(spell_of[pid]) if row["status"] == vocab.UNEMPLOYED else None,
            services=len(services.get(pid, [])),
            last_service=last.get(pid),
        )
        rows.append(row)
    return rows


# -- 5 复转军人台账 ------------------------------------------------------------------------------


def veterans(req: LedgerQuery) -> list[dict]:
    """Residents with 人员类别 复转军人: status, employment and registration at D."""
    ctx = req.ctx
    registered = _active_registrations(req)
    rows = _person_rows(req, _residents(req, _categories_mask(ctx, "复转军人")))
    for row in rows:
        row["registered_on"] = registered.get(row["pid"])
    return rows


# -- 6 农民工台账 --------------------------------------------------------------------------------


def migrant_workers(req: LedgerQuery) -> list[dict]:
    """Residents with 人员类别 农民工 and their services in the period (P by default)."""
    ctx = req.ctx
    start, end = req.period
    services = _services_between(req, start, end)
    rows = _person_rows(req, _residents(req, _categories_mask(ctx, "农民工")))
    for row in rows:
        given = services.get(row["pid"], [])
        row.update(
            services=len(given),
            last_service=given[-1][0] if given else None,
            service_types="、".join(dict.fromkeys(kind for _, kind in given)),
        )
    return rows


# -- event ledgers ---------------------------------------------------------------------------

_EVENT_PERSON = {
    "pid": "person_id",
    "name": "person__name",
    "sex": "person__sex",
    "id_number": "person__id_number",
    "household": "person__household__code",
    "address": "person__household__address",
    "phone": "person__phone",
    "community": "person__household__community__name",
    "community_code": "person__household__community__code",
}


def _event_rows(req: LedgerQuery, qs, fields: dict[str, str]) -> list[dict]:
    if req.filters.q:
        qs = qs.filter(person__name__icontains=req.filters.q)
    columns = {**_EVENT_PERSON, **fields}
    keys = list(columns)
    return [dict(zip(keys, values, strict=True)) for values in qs.values_list(*columns.values())]


def _event_sort(row: dict):
    return (row.get("date") or dt.date.min, row.get("community_code") or "", row.get("household") or "",
            row.get("name") or "", row.get("kind") or "")


def _services_rows(req: LedgerQuery, types, *, exclude_ids=None) -> list[dict]:
    start, end = req.period
    if req.memo is not None and not req.filters.q:  # the period's services read once, each row a copy
        every = _shared_read(req, ("service-rows", start, end), lambda: _event_rows(
            req, req.scoped(ServiceRecord).filter(date__gte=start, date__lte=end),
            {"date": "date", "kind": "service_type", "handler": "handler", "note": "note", "service_pk": "id"}))
        excluded = set(exclude_ids.values_list("service_id", flat=True)) if exclude_ids is not None else set()
        return [{k: v for k, v in row.items() if k != "service_pk"} for row in every
                if (types is None or row["kind"] in types) and row["service_pk"] not in excluded]
    qs = req.scoped(ServiceRecord).filter(date__gte=start, date__lte=end)
    if types is not None:
        qs = qs.filter(service_type__in=types)
    if exclude_ids is not None:
        qs = qs.exclude(pk__in=exclude_ids)
    return _event_rows(req, qs, {"date": "date", "kind": "service_type", "handler": "handler", "note": "note"})


def _in_category(rows: list[dict], category: str) -> list[dict]:
    return [r for r in rows if r["kind"] == category] if category else rows


# -- 7 培训台账 ----------------------------------------------------------------------------------


def trainings(req: LedgerQuery) -> list[dict]:
    """Casework trainings overlapping the period and 技能培训/培训推荐 services in it.

    A service a training row already records (``Training.service``) is listed once, as the training.
    """
    start, end = req.period
    qs = req.scoped(Training).filter(start__lte=end).filter(Q(end__isnull=True) | Q(end__gte=start))
    if req.filters.status:
        qs = qs.filter(result=req.filters.status)
    rows = _event_rows(
        req,
        qs,
        {"date": "start", "end": "end", "course": "course", "provider": "provider", "result": "result",
         "certificate": "certificate", "service_handler": "service__handler", "note": "service__note"},
    )
    for row in rows:
        row["kind"] = TRAINING_COURSE
        row["handler"] = row.pop("service_handler") or ""
        row["note"] = row["note"] or ""
    if not req.filters.status:
        linked = req.scoped(Training).filter(service__isnull=False).values("service_id")
        rows += _services_rows(req, TRAINING_SERVICE_TYPES, exclude_ids=linked)
    rows = _in_category(rows, req.filters.category)
    rows.sort(key=_event_sort)
    return rows


# -- 8 就业服务台账 ------------------------------------------------------------------------------


def services(req: LedgerQuery) -> list[dict]:
    """Every service in the period (P by default), by date."""
    rows = _services_rows(req, [req.filters.category] if req.filters.category else None)
    rows.sort(key=_event_sort)
    return rows


# -- 9 政策落实台账 ------------------------------------------------------------------------------


def policies(req: LedgerQuery) -> list[dict]:
    """Policy benefits (政策享受) overlapping the period and 政策宣传/政策咨询 services in it."""
    start, end = req.period
    qs = req.scoped(PolicyBenefit).filter(start__lte=end).filter(Q(end__isnull=True) | Q(end__gte=start))
    rows = _event_rows(req, qs, {"date": "start", "end": "end", "kind": "kind", "amount": "amount", "note": "note"})
    rows += _services_rows(req, POLICY_SERVICE_TYPES)
    rows = _in_category(rows, req.filters.category)
    rows.sort(key=_event_sort)
    return rows


# -- 10 岗位开发与用工需求台账 -------------------------------------------------------------------


def job_development(req: LedgerQuery) -> list[dict]:
    """Persons in 公益性岗位 during the period and 公益性岗位安置 services in it.

    Employers and vacancies (用工需求) arrive with the jobs module; until then only these rows.
    """
    start, end = req.period
    qs = (
        req.scoped(StatusEpisode)
        .filter(status=vocab.EMPLOYED, employment_form=PUBLIC_JOB_FORM, start__lte=end)
        .filter(Q(end__isnull=True) | Q(end__gte=start))
    )
    rows = _event_rows(req, qs, {"date": "start", "end": "end", "employer": "employer_name"})
    for row in rows:
        row["kind"] = PUBLIC_JOB_HELD
    rows += _services_rows(req, [PUBLIC_JOB_SERVICE])
    rows = _in_category(rows, req.filters.category)
    rows.sort(key=_event_sort)
    return rows


# -- the registry ----------------------------------------------------------------------------

_PERSON_FILTERS = {"q": None, "status": STATUS_FILTER_CHOICES, "category": vocab.CATEGORY}
_EVENT_FILTERS = {"q": None, "date_from": None, "date_to": None}

LEDGERS: tuple[Ledger, ...] = (
    Ledger(
        1, "labour-force", "劳动力资源台账", "Labour-force resources",
        (NO, NAME, SEX, ID_NUMBER, AGE, HOUSEHOLD, RELATION, HUKOU, ADDRESS, EDUCATION, SKILLS, CATEGORIES,
         STATUS, FORM, EMPLOYER, PHONE),
        labour_force,
        _PERSON_FILTERS,
    ),
    Ledger(
        2, "unemployed", "下岗失业人员台账", "Laid-off and unemployed persons",
        (NO, NAME, SEX, ID_NUMBER, AGE, EDUCATION, HOUSEHOLD, ADDRESS, CATEGORIES,
         _c("spell_start", "失业开始日期", "Unemployed since", "date", 12),
         _c("months", "失业月数", "Months unemployed", "int", 8),
         _c("reason", "失业原因", "Reason", width=12),
         _c("long_term", "长期失业", "Long-term", width=8),
         _c("registration", "失业登记", "Registration", width=8),
         _c("registered_on", "登记日期", "Registered on", "date", 12),
         _c("last_service", "最近服务日期", "Latest service", "date", 12),
         PHONE),
        unemployed,
        {"q": None, "status": (REGISTERED, NOT_REGISTERED), "category": vocab.CATEGORY, "date_from": None,
         "date_to": None},
        date_range_zh="失业开始日期", date_range_en="start of the unemployment spell",
    ),
    Ledger(
        3, "hardship", "困难群体台账", "Hardship groups",
        (NO, _c("group", "群体类别", "Group", width=14, wrap=True), HOUSEHOLD, HUKOU, ADDRESS, NAME, SEX, ID_NUMBER,
         AGE, RELATION, STATUS, CATEGORIES,
         _c("zero_since", "零就业起始日期", "Zero-employment since", "date", 12),
         _c("dibao_since", "低保起始日期", "低保 since", "date", 12),
         PHONE),
        hardship_groups,
        {"q": None, "status": STATUS_FILTER_CHOICES, "category": HARDSHIP_GROUPS},
    ),
    Ledger(
        4, "graduates", "登记失业高校毕业生台账", "Registered unemployed graduates",
        (NO, NAME, SEX, ID_NUMBER, AGE, EDUCATION, SKILLS, HOUSEHOLD, ADDRESS,
         _c("registered_on", "登记日期", "Registered on", "date", 12),
         STATUS,
         _c("spell_start", "失业开始日期", "Unemployed since", "date", 12),
         _c("services", "期内服务次数", "Services in period", "int", 8),
         _c("last_service", "最近服务日期", "Latest service", "date", 12),
         PHONE),
        graduates,
        {"q": None, "status": STATUS_FILTER_CHOICES, "date_from": None, "date_to": None},
        date_range_zh="登记日期", date_range_en="registration date",
    ),
    Ledger(
        5, "veterans", "复转军人台账", "Demobilised and retired servicemen",
        (NO, NAME, SEX, ID_NUMBER, AGE, EDUCATION, SKILLS, CATEGORIES, HOUSEHOLD, ADDRESS, STATUS, FORM, EMPLOYER,
         _c("registered_on", "失业登记日期", "Registered unemployed on", "date", 12),
         PHONE),
        veterans,
        {"q": None, "status": STATUS_FILTER_CHOICES},
    ),
    Ledger(
        6, "migrant-workers", "农民工台账", "Migrant workers",
        (NO, NAME, SEX, ID_NUMBER, AGE, EDUCATION, SKILLS, HOUSEHOLD, HUKOU, ADDRESS, STATUS, FORM, EMPLOYER,
         _c("services", "期内服务次数", "Services in period", "int", 8),
         _c("last_service", "最近服务日期", "Latest service", "date", 12),
         _c("service_types", "服务类型", "Services given", width=16, wrap=True),
         PHONE),
        migrant_workers,
        {"q": None, "status": STATUS_FILTER_CHOICES, "date_from": None, "date_to": None},
        date_range_zh="服务日期", date_range_en="service date", uses_period=True,
    ),
    Ledger(
        7, "training", "培训台账", "Training",
        (NO, _c("date", "开始日期", "Start", "date", 12), _c("end", "结束日期", "End", "date", 12), NAME, SEX,
         ID_NUMBER, HOUSEHOLD, _c("kind", "类别", "Kind", width=10),
         _c("course", "培训项目", "Course", width=16, wrap=True),
         _c("provider", "培训机构", "Provider", width=16, wrap=True),
         _c("result", "培训结果", "Result", width=8),
         _c("certificate", "证书", "Certificate", width=14, wrap=True),
         HANDLER, NOTE),
        trainings,
        {**_EVENT_FILTERS, "status": TRAINING_RESULTS, "category": (TRAINING_COURSE, *TRAINING_SERVICE_TYPES)},
        date_range_zh="培训或服务日期", date_range_en="training or service date", uses_period=True,
    ),
    Ledger(
        8, "services", "就业服务台账", "Employment services",
        (NO, _c("date", "服务日期", "Date", "date", 12), NAME, SEX, ID_NUMBER, HOUSEHOLD, ADDRESS,
         _c("kind", "服务类型", "Service", width=12), HANDLER, NOTE, PHONE),
        services,
        {**_EVENT_FILTERS, "category": vocab.SERVICE_TYPE},
        date_range_zh="服务日期", date_range_en="service date", uses_period=True,
    ),
    Ledger(
        9, "policies", "政策落实台账", "Policy implementation",
        (NO, _c("date", "日期", "Date", "date", 12), _c("end", "结束日期", "End", "date", 12), NAME, SEX,
         ID_NUMBER, HOUSEHOLD, _c("kind", "政策或服务类型", "Policy or service", width=14),
         _c("amount", "金额（元）", "Amount (yuan)", "money", 12), HANDLER, NOTE),
        policies,
        {**_EVENT_FILTERS, "category": (*BENEFIT_KINDS, *POLICY_SERVICE_TYPES)},
        date_range_zh="享受或服务日期", date_range_en="benefit or service date", uses_period=True,
    ),
    Ledger(
        10, "job-development", "岗位开发与用工需求台账", "Job development and labour demand",
        (NO, _c("kind", "类别", "Kind", width=14), NAME, SEX, ID_NUMBER, HOUSEHOLD,
         _c("employer", "用人单位", "Employer", width=16, wrap=True),
         _c("date", "开始日期", "Start", "date", 12), _c("end", "结束日期", "End", "date", 12), HANDLER, NOTE),
        job_development,
        {**_EVENT_FILTERS, "category": (PUBLIC_JOB_HELD, PUBLIC_JOB_SERVICE)},
        date_range_zh="在岗或服务日期", date_range_en="date in post or of the service", uses_period=True,
        note_zh="注：本台账暂列公益性岗位安置人员及安置服务；用人单位、岗位空缺等用工需求信息将随岗位模块提供。",
        note_en="Note: for now this ledger lists persons placed in public-welfare posts (公益性岗位) and placement "
        "services; employers and vacancies arrive with the jobs module.",
    ),
)

BY_SLUG: dict[str, Ledger] = {ledger.slug: ledger for ledger in LEDGERS}


def get_ledger(slug: str) -> Ledger:
    try:
        return BY_SLUG[slug]
    except KeyError:
        raise LedgerError(f"未知台账 / unknown ledger: {slug!r} ({', '.join(BY_SLUG)})") from None
