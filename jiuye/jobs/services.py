"""Writes of the jobs desk: employers, vacancies, developed posts, wishes and referrals.

Same conventions as ``jiuye.registry.services``: keyword-only ``<entity>_<action>(*, user, …)``,
one transaction, one audit event of this module (details name records by database id, never an
ID or phone number), history rows naming the user, objects fetched through ``for_user``
(``PermissionDenied`` outside the user's scope) and ``ValidationFailed`` — a message per field,
nothing written — when the input is wrong.

A hire is recorded by ``jiuye.casework.services.employment_record`` and a referral by
``service_record`` (职业介绍), the services casework uses, so the standards see them exactly as
if entered there (those services write their own audit events too).
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Q

from jiuye.casework.services import employment_record
from jiuye.divisions.models import Division
from jiuye.jobs import models as j
from jiuye.jobs.creditcode import credit_code_valid
from jiuye.jobs.occupations import classification, normalize_code, normalize_text, resolve_codes
from jiuye.registry import models as m
from jiuye.registry import vocab
from jiuye.registry.rules.parse import INT_RANGE, CellError, parse_int
from jiuye.registry.rules.problems import Problem
from jiuye.registry.services import (
    BLANK,
    ValidationFailed,
    audit,
    community_for_user,
    date_value,
    history_save,
    raise_if,
    scoped,
    service_record,
    today,
)

__all__ = [
    "ValidationFailed",
    "employer_create",
    "employer_update",
    "employer_agreement_add",
    "employer_demand_add",
    "vacancy_create",
    "vacancy_update",
    "vacancy_close",
    "post_create",
    "post_assign",
    "post_release",
    "subsidy_add",
    "wish_save",
    "referral_create",
    "referral_interview",
    "referral_hire",
    "referral_reject",
    "referral_check",
]

# Tables and columns as the forms label them (``ValidationFailed.errors`` is keyed by the column).
EMPLOYER, AGREEMENT, DEMAND, VACANCY, POST, TENURE, SUBSIDY, WISH, REFERRAL = (
    "辖区单位", "协议与结对", "用工需求", "空岗信息", "开发岗位", "在岗人员", "岗位补贴", "求职意愿", "推荐")


def _not_in_list(values) -> str:
    return f"取值不在列表中 / value not in the list ({'、'.join(values)})"


def _text(value) -> str:
    return "" if value is None else str(value).strip()


class _Form:
    """Collects cleaned values and problems of one table's fields."""

    def __init__(self, table: str):
        self.table = table
        self.problems: list[Problem] = []

    def fail(self, column: str | None, message: str) -> None:
        self.problems.append(Problem(self.table, None, column, message))

    def text(self, value, column: str, *, required: bool = False) -> str:
        text = _text(value)
        if required and not text:
            self.fail(column, BLANK)
        return text

    def date(self, value, column: str, *, required: bool = True, fact: bool = False) -> dt.date | None:
        """A date; a ``fact`` (something done: signed, referred, hired …) may not lie after today."""
        return date_value(value, self.table, column, self.problems, required=required, fact=fact)

    def integer(self, value, column: str, *, required: bool = False, minimum: int = 0,
                maximum: int | None = None) -> int | None:
        try:
            number = parse_int(value if value is not None else "")
        except CellError as exc:
            self.fail(column, str(exc))
            return None
        if number is None:
            if required:
                self.fail(column, BLANK)
            return None
        if maximum is None:  # what an integer column stores (PostgreSQL integer)
            maximum = INT_RANGE[1]
        if number < minimum or number > maximum:
            bound = f"{minimum}–{maximum}"
            self.fail(column, f"超出范围 / out of range ({bound}): {number}")
            return None
        return number

    def choice(self, value, column: str, values, *, required: bool = False) -> str:
        text = self.text(value, column, required=required)
        if text and text not in values:
            self.fail(column, _not_in_list(values))
            return ""
        return text

    def amount(self, value, column: str) -> Decimal | None:
        text = _text(value)
        if not text:
            return None
        try:
            amount = Decimal(text)
        except InvalidOperation:
            self.fail(column, f"不是金额 / not an amount: {text}")
            return None
        if amount < 0 or amount != amount.quantize(Decimal("0.01")):
            self.fail(column, f"金额须为非负且最多两位小数 / a non-negative amount in yuan and fen: {text}")
            return None
        return amount

    def occupation(self, code, text, column: str, *, required: bool = True) -> str:
        """A GB/T 6565 code: the one given, or the first found in ``text`` (title, wish …)."""
        code_text = _text(code)
        if code_text:
            try:
                normalized = normalize_code(code_text)
            except ValueError as exc:
                self.fail(column, str(exc))
                return ""
            tree = classification()
            # 大类 and 中类 are complete in the shipped data; finer codes may be missing from it.
            if tree.get(normalized) is None and tree.get(normalized[:4]) is None:
                self.fail(column, f"职业分类中没有此代码 / no such occupation: {normalized}")
                return ""
            return normalized
        found = resolve_codes(text) if _text(text) else []
        if found:
            return found[0]
        if required:
            self.fail(column, "无法识别职业，请填写职业代码 / occupation not recognised: give its GB/T 6565 code")
        return ""

    def division(self, value, column: str) -> str:
        code = _text(value)
        if code and not Division.objects.filter(code=code).exists():
            self.fail(column, f"区划不存在 / no such division: {code}")
            return ""
        return code

    def period(self, start, end, end_column: str) -> None:
        if start and end and end < start:
            self.fail(end_column, "结束日期早于开始日期 / ends before it starts")

    def done(self) -> None:
        raise_if(self.problems)


def _apply(instance, values: dict) -> list[str]:
    """Set ``values`` on ``instance``; the names of the fields that changed."""
    changed = []
    for field, value in values.items():
        if getattr(instance, field) != value:
            setattr(instance, field, value)
            changed.append(field)
    return changed


# -- employers ---------------------------------------------------------------------------------------

_EMPLOYER_FIELDS = ("name", "credit_code", "industry", "address", "contact_name", "contact_phone", "note")


def _employer_values(form: _Form, values: dict, current: j.Employer | None) -> dict:
    result = {
        "name": form.text(values.get("name"), "单位名称", required=True),
        "industry": form.text(values.get("industry"), "行业"),
        "address": form.text(values.get("address"), "地址"),
        "contact_name": form.text(values.get("contact_name"), "联系人"),
        "contact_phone": form.text(values.get("contact_phone"), "联系电话"),
        "note": form.text(values.get("note"), "备注"),
    }
    code = normalize_text(values.get("credit_code")).upper()
    if code and not credit_code_valid(code):
        form.fail("统一社会信用代码", "统一社会信用代码无效（长度、字符或校验码） / invalid unified social credit code")
    elif code:
        taken = j.Employer.objects.filter(credit_code=code)
        if current is not None:
            taken = taken.exclude(pk=current.pk)
        if taken.exists():
            form.fail("统一社会信用代码", "该统一社会信用代码已登记 / this credit code is already registered")
    result["credit_code"] = code
    return result


@transaction.atomic
def employer_create(*, user, community, name, credit_code="", industry="", address="", contact_name="",
                    contact_phone="", note="") -> j.Employer:
    """A new employer (辖区单位) of a community in the user's scope."""
    community = community_for_user(user, community)
    form = _Form(EMPLOYER)
    values = _employer_values(form, dict(name=name, credit_code=credit_code, industry=industry, address=address,
                                         contact_name=contact_name, contact_phone=contact_phone, note=note), None)
    form.done()
    employer = j.Employer(community=community, **values)
    history_save(employer, user, "employer.create")
    audit(user, "employer.create", f"employer:{employer.pk}", community.code, employer=employer.pk, name=employer.name)
    return employer


@transaction.atomic
def employer_update(*, user, employer, **values) -> j.Employer:
    """Change an employer's fields given in ``values`` (and ``community``, within the user's scope)."""
    employer = scoped(j.Employer, user, employer, lock=True)
    unknown = set(values) - set(_EMPLOYER_FIELDS) - {"community"}
    if unknown:
        raise TypeError(f"unknown employer fields: {sorted(unknown)}")
    community = community_for_user(user, values.pop("community")) if "community" in values else employer.community
    form = _Form(EMPLOYER)
    merged = {f: getattr(employer, f) for f in _EMPLOYER_FIELDS} | values
    cleaned = _employer_values(form, merged, employer)
    form.done()
    changed = _apply(employer, cleaned)
    if community.pk != employer.community_id:
        employer.community = community
        changed.append("community")
    if not changed:
        return employer
    history_save(employer, user, "employer.update")
    audit(user, "employer.update", f"employer:{employer.pk}", community.code, employer=employer.pk, changed=changed)
    return employer


@transaction.atomic
def employer_agreement_add(*, user, employer, kind, signed_on, end=None, content="") -> j.EmployerAgreement:
    """An agreement signed with (签协议) or a pairing with (结对子) the employer."""
    employer = scoped(j.Employer, user, employer)
    form = _Form(AGREEMENT)
    kind = form.choice(kind, "类型", j.AGREEMENT_KINDS, required=True)
    signed_on = form.date(signed_on, "签订日期", fact=True)
    end = form.date(end, "截止日期", required=False)
    form.period(signed_on, end, "截止日期")
    form.done()
    agreement = j.EmployerAgreement(employer=employer, kind=kind, signed_on=signed_on, end=end, content=_text(content))
    history_save(agreement, user, "employer.agreement")
    audit(user, "employer.agreement", f"agreement:{agreement.pk}", employer.community.code, employer=employer.pk,
          agreement=agreement.pk, kind=kind, signed_on=signed_on.isoformat())
    return agreement


@transaction.atomic
def employer_demand_add(*, user, employer, occupation, count, date, note="") -> j.EmployerDemand:
    """A row of the employer's demand ledger: ``occupation`` is a code or the job as written (保洁 …)."""
    employer = scoped(j.Employer, user, employer)
    form = _Form(DEMAND)
    text = _text(occupation)
    code = form.occupation(text if _looks_like_code(text) else "", text, "职业代码")
    count = form.integer(count, "人数", required=True, minimum=1)
    date = form.date(date, "登记日期", fact=True)
    form.done()
    demand = j.EmployerDemand(employer=employer, occupation_code=code, occupation_text=text, count=count, date=date,
                              note=_text(note))
    history_save(demand, user, "employer.demand")
    audit(user, "employer.demand", f"demand:{demand.pk}", employer.community.code, employer=employer.pk,
          demand=demand.pk, occupation=code, count=count)
    return demand


def _looks_like_code(text: str) -> bool:
    try:
        normalize_code(text)
    except ValueError:
        return False
    return True


# -- vacancies ----------------------------------------------------------------------------------------

_VACANCY_FIELDS = ("title", "occupation_code", "count", "wage_min", "wage_max", "hours", "hours_note", "location_code",
                   "address", "education_min", "age_min", "age_max", "skills", "certificates", "opened_on",
                   "closed_on", "source", "note")


def _vacancy_values(form: _Form, values: dict) -> dict:
    result = {
        "title": form.text(values.get("title"), "岗位名称", required=True),
        "count": form.integer(values.get("count"), "招聘人数", required=True, minimum=1),
        "wage_min": form.integer(values.get("wage_min"), "月薪下限（元）"),
        "wage_max": form.integer(values.get("wage_max"), "月薪上限（元）"),
        "hours": form.choice(values.get("hours"), "工时", j.HOURS),
        "hours_note": form.text(values.get("hours_note"), "工作时间"),
        "location_code": form.division(values.get("location_code"), "工作地点区划"),
        "address": form.text(values.get("address"), "工作地址"),
        "education_min": form.choice(values.get("education_min"), "最低学历", vocab.EDUCATION),
        "age_min": form.integer(values.get("age_min"), "最低年龄", minimum=14, maximum=80),
        "age_max": form.integer(values.get("age_max"), "最高年龄", minimum=14, maximum=80),
        "skills": form.text(values.get("skills"), "技能要求"),
        "certificates": form.text(values.get("certificates"), "必备证书"),
        "opened_on": form.date(values.get("opened_on"), "发布日期"),
        "closed_on": form.date(values.get("closed_on"), "截止日期", required=False),
        "source": form.choice(values.get("source"), "来源", j.VACANCY_SOURCES),
        "note": form.text(values.get("note"), "备注"),
    }
    result["occupation_code"] = form.occupation(values.get("occupation_code"), result["title"], "职业代码")
    if result["wage_min"] is not None and result["wage_max"] is not None and result["wage_max"] < result["wage_min"]:
        form.fail("月薪上限（元）", "上限低于下限 / the maximum is below the minimum")
    if result["age_min"] is not None and result["age_max"] is not None and result["age_max"] < result["age_min"]:
        form.fail("最高年龄", "上限低于下限 / the maximum is below the minimum")
    form.period(result["opened_on"], result["closed_on"], "截止日期")
    return result


def _employer_of(user, employer, community, form: _Form):
    if employer is None or employer == "":
        return None
    employer = scoped(j.Employer, user, employer)
    if employer.community_id != community.pk:
        form.fail("单位", "单位不属于该社区 / the employer belongs to another community")
    return employer


@transaction.atomic
def vacancy_create(*, user, community, title, opened_on, occupation_code="", count=1, wage_min=None, wage_max=None,
                   hours="", hours_note="", location_code="", address="", education_min="", age_min=None,
                   age_max=None, skills="", certificates="", closed_on=None, source="", employer=None, demand=None,
                   note="") -> j.Vacancy:
    """A vacancy (空岗信息) of a community; without a code the occupation is read from the title."""
    community = community_for_user(user, community)
    form = _Form(VACANCY)
    values = _vacancy_values(form, dict(
        title=title, occupation_code=occupation_code, count=count, wage_min=wage_min, wage_max=wage_max, hours=hours,
        hours_note=hours_note, location_code=location_code, address=address, education_min=education_min,
        age_min=age_min, age_max=age_max, skills=skills, certificates=certificates, opened_on=opened_on,
        closed_on=closed_on, source=source, note=note))
    employer = _employer_of(user, employer, community, form)
    if demand not in (None, ""):
        demand = scoped(j.EmployerDemand, user, demand)
        if employer is None:
            employer = demand.employer
        elif demand.employer_id != employer.pk:
            form.fail("用工需求", "用工需求不属于该单位 / the demand is another employer's")
    else:
        demand = None
    form.done()
    values["location_code"] = values["location_code"] or community.code
    if not values["source"] and employer is not None:
        values["source"] = "辖区单位"
    vacancy = j.Vacancy(community=community, employer=employer, demand=demand, **values)
    history_save(vacancy, user, "vacancy.create")
    audit(user, "vacancy.create", f"vacancy:{vacancy.pk}", community.code, vacancy=vacancy.pk,
          employer=employer.pk if employer else None, occupation=vacancy.occupation_code, count=vacancy.count)
    return vacancy


@transaction.atomic
def vacancy_update(*, user, vacancy, **values) -> j.Vacancy:
    """Change the vacancy's fields given in ``values`` (or its ``employer``)."""
    vacancy = scoped(j.Vacancy, user, vacancy, lock=True)
    unknown = set(values) - set(_VACANCY_FIELDS) - {"employer"}
    if unknown:
        raise TypeError(f"unknown vacancy fields: {sorted(unknown)}")
    form = _Form(VACANCY)
    employer = vacancy.employer
    if "employer" in values:
        employer = _employer_of(user, values.pop("employer"), vacancy.community, form)
    merged = {f: getattr(vacancy, f) for f in _VACANCY_FIELDS} | values
    if "title" in values and "occupation_code" not in values:
        merged["occupation_code"] = ""  # read the occupation from the new title
    cleaned = _vacancy_values(form, merged)
    filled = _filled(vacancy)
    if cleaned["count"] is not None and cleaned["count"] < filled:
        form.fail("招聘人数", f"已录用 {filled} 人 / {filled} already hired")
    form.done()
    cleaned["location_code"] = cleaned["location_code"] or vacancy.community.code
    changed = _apply(vacancy, cleaned)
    if (employer.pk if employer else None) != vacancy.employer_id:
        vacancy.employer = employer
        changed.append("employer")
    if not changed:
        return vacancy
    history_save(vacancy, user, "vacancy.update")
    audit(user, "vacancy.update", f"vacancy:{vacancy.pk}", vacancy.community.code, vacancy=vacancy.pk, changed=changed)
    return vacancy


@transaction.atomic
def vacancy_close(*, user, vacancy, closed_on) -> j.Vacancy:
    """Close the vacancy: it is open up to and including ``closed_on``."""
    vacancy = scoped(j.Vacancy, user, vacancy, lock=True)
    form = _Form(VACANCY)
    closed_on = form.date(closed_on, "截止日期")
    form.period(vacancy.opened_on, closed_on, "截止日期")
    form.done()
    vacancy.closed_on = closed_on
    history_save(vacancy, user, "vacancy.close")
    audit(user, "vacancy.close", f"vacancy:{vacancy.pk}", vacancy.community.code, vacancy=vacancy.pk,
          closed_on=closed_on.isoformat())
    return vacancy


def _filled(vacancy, exclude=None) -> int:
    hires = j.Referral.objects.filter(vacancy=vacancy, outcome=j.HIRED)
    if exclude is not None:
        hires = hires.exclude(pk=exclude.pk)
    return hires.count()


# -- developed posts ------------------------------------------------------------------------------------


@transaction.atomic
def post_create(*, user, community, kind, title, opened_on, occupation_code="", slots=1, closed_on=None,
                employer_name="", funding="", note="") -> j.DevelopedPost:
    """A community-service or public-welfare post (公益性岗位) the community developed."""
    community = community_for_user(user, community)
    form = _Form(POST)
    kind = form.choice(kind, "类型", j.POST_KINDS, required=True)
    title = form.text(title, "岗位名称", required=True)
    code = form.occupation(occupation_code, title, "职业代码", required=False)
    slots = form.integer(slots, "岗位数", required=True, minimum=1)
    opened_on = form.date(opened_on, "开发日期", fact=True)
    closed_on = form.date(closed_on, "撤销日期", required=False)
    form.period(opened_on, closed_on, "撤销日期")
    form.done()
    post = j.DevelopedPost(community=community, kind=kind, title=title, occupation_code=code, slots=slots,
                           opened_on=opened_on, closed_on=closed_on, employer_name=_text(employer_name),
                           funding=_text(funding), note=_text(note))
    history_save(post, user, "post.create")
    audit(user, "post.create", f"post:{post.pk}", community.code, post=post.pk, kind=kind, slots=slots)
    return post


@transaction.atomic
def post_assign(*, user, post, person, start, record_employment=True, handler="") -> j.PostTenure:
    """The person takes up the post from ``start``.

    With ``record_employment`` the person is employed from ``start`` through
    ``employment_record`` (就业形式 公益性岗位 for a public-welfare post, 单位就业 otherwise), and a
    public-welfare placement is also a 公益性岗位安置 service record.
    """
    post = scoped(j.DevelopedPost, user, post, lock=True)
    person = scoped(m.Person, user, person)
    form = _Form(TENURE)
    start = form.date(start, "上岗日期", fact=True)
    if start:
        if start < post.opened_on or (post.closed_on is not None and start > post.closed_on):
            form.fail("上岗日期", "岗位当日未开放 / the post is not open on that day")
        holders = post.tenures.filter(Q(end=None) | Q(end__gte=start))
        if holders.filter(person=person).exists():
            form.fail("人员", "此人已在该岗位 / the person already holds this post")
        elif holders.count() >= post.slots:
            form.fail("上岗日期", "岗位已满 / no free slot on that day")
    form.done()
    episode = None
    if record_employment:
        form_of_employment = "公益性岗位" if post.kind == j.PUBLIC_WELFARE else "单位就业"
        episode = employment_record(user=user, person=person, start=start, employment_form=form_of_employment,
                                    employer_name=post.employer_name or post.community.name)
        if post.kind == j.PUBLIC_WELFARE:
            service_record(user=user, person=person, date=start, service_type="公益性岗位安置", handler=handler,
                           note=f"开发岗位#{post.pk} {post.title}")
    tenure = j.PostTenure(post=post, person=person, start=start, employment=episode)
    history_save(tenure, user, "post.assign")
    audit(user, "post.assign", f"tenure:{tenure.pk}", post.community.code, post=post.pk, tenure=tenure.pk,
          person=person.pk, start=start.isoformat(), employment=episode.pk if episode else None)
    return tenure


@transaction.atomic
def post_release(*, user, tenure, end, reason="") -> j.PostTenure:
    """The holder leaves the post; ``end`` is their last day on it (their status is not changed here)."""
    tenure = scoped(j.PostTenure, user, tenure, lock=True)
    form = _Form(TENURE)
    end = form.date(end, "离岗日期")
    form.period(tenure.start, end, "离岗日期")
    if tenure.end is not None:
        form.fail("离岗日期", f"已于 {tenure.end} 离岗 / already left on {tenure.end}")
    form.done()
    tenure.end, tenure.end_reason = end, _text(reason)
    history_save(tenure, user, "post.release")
    audit(user, "post.release", f"tenure:{tenure.pk}", tenure.post.community.code, post=tenure.post_id,
          tenure=tenure.pk, person=tenure.person_id, end=end.isoformat())
    return tenure


@transaction.atomic
def subsidy_add(*, user, tenure, kind, start, end, monthly_amount=None, note="") -> j.SubsidyPeriod:
    """A subsidy period of a tenure; it lies within the tenure and overlaps no other of its kind."""
    tenure = scoped(j.PostTenure, user, tenure)
    form = _Form(SUBSIDY)
    kind = form.choice(kind, "补贴类型", j.SUBSIDY_KINDS, required=True)
    start = form.date(start, "开始日期")
    end = form.date(end, "结束日期")
    amount = form.amount(monthly_amount, "月补贴（元）")
    form.period(start, end, "结束日期")
    if start and end:
        if start < tenure.start or (tenure.end is not None and end > tenure.end):
            form.fail("开始日期", "补贴期须在在岗期间内 / the period must lie within the tenure")
        if tenure.subsidies.filter(kind=kind, start__lte=end, end__gte=start).exists():
            form.fail("开始日期", "与已有补贴期重叠 / overlaps another period of this kind")
    form.done()
    subsidy = j.SubsidyPeriod(tenure=tenure, kind=kind, start=start, end=end, monthly_amount=amount, note=_text(note))
    history_save(subsidy, user, "post.subsidy")
    audit(user, "post.subsidy", f"subsidy:{subsidy.pk}", tenure.post.community.code, tenure=tenure.pk,
          subsidy=subsidy.pk, kind=kind, start=start.isoformat(), end=end.isoformat())
    return subsidy


# -- job seekers' wishes -----------------------------------------------------------------------------------


@transaction.atomic
def wish_save(*, user, person, desired="", desired_codes=None, wage_min=None, area_code="", hours="",
              training_wish="", certificates="", note="", updated_on=None) -> j.JobSeekerProfile:
    """Record (or replace) the person's job wishes (求职意愿).

    ``desired`` is free text as the person said it (保洁、保安 …), read into occupation codes
    through the synonyms; ``desired_codes`` adds codes given directly.
    """
    person = scoped(m.Person, user, person, lock=True)
    form = _Form(WISH)
    desired = _text(desired)
    codes = resolve_codes(desired) if desired else []
    for code in desired_codes or ():
        code = form.occupation(code, "", "意向职业代码")
        if code and code not in codes:
            codes.append(code)
    if desired and not codes:
        form.fail("意向岗位（原文）", "无法识别职业，请填写职业代码 / occupation not recognised: give its code")
    values = {
        "desired_text": desired,
        "desired_codes": ";".join(codes),
        "wage_min": form.integer(wage_min, "期望月薪（元）"),
        "area_code": form.division(area_code, "意向区域"),
        "hours": form.choice(hours, "工时意向", j.WISH_HOURS),
        "training_wish": form.text(training_wish, "培训意愿"),
        "certificates": form.text(certificates, "持有证书"),
        "note": form.text(note, "备注"),
        "updated_on": form.date(updated_on or today(), "登记日期", fact=True),
    }
    form.done()
    profile = j.JobSeekerProfile.objects.filter(person=person).first() or j.JobSeekerProfile(person=person)
    created = profile.pk is None
    changed = _apply(profile, values)
    if not changed and not created:
        return profile
    history_save(profile, user, "wish.save")
    audit(user, "wish.save", f"wish:{profile.pk}", person.household.community.code, person=person.pk,
          wish=profile.pk, occupations=codes, created=created)
    return profile


# -- referrals -----------------------------------------------------------------------------------------------


@transaction.atomic
def referral_create(*, user, vacancy, person, referred_on, handler="", note="") -> j.Referral:
    """Refer the person to an open vacancy; also a 职业介绍 service record of that day."""
    vacancy = scoped(j.Vacancy, user, vacancy, lock=True)
    person = scoped(m.Person, user, person)
    form = _Form(REFERRAL)
    referred_on = form.date(referred_on, "推荐日期", fact=True)
    if referred_on:
        if referred_on < vacancy.opened_on or (vacancy.closed_on is not None and referred_on > vacancy.closed_on):
            form.fail("推荐日期", "空岗当日未开放 / the vacancy is not open on that day")
        if _filled(vacancy) >= vacancy.count:
            form.fail("空岗", "空岗已招满 / the vacancy is filled")
        if j.Referral.objects.filter(vacancy=vacancy, person=person, outcome="").exists():
            form.fail("人员", "此人已推荐至该空岗、尚无结果 / already referred, no outcome yet")
    form.done()
    service = service_record(user=user, person=person, date=referred_on, service_type="职业介绍", handler=_text(handler),
                             note=f"推荐至空岗#{vacancy.pk} {vacancy.title}")
    referral = j.Referral(vacancy=vacancy, person=person, referred_on=referred_on, handler=_text(handler),
                          note=_text(note), service=service, created_by=user if getattr(user, "pk", None) else None)
    history_save(referral, user, "referral.create")
    audit(user, "referral.create", f"referral:{referral.pk}", person.household.community.code, referral=referral.pk,
          vacancy=vacancy.pk, person=person.pk, referred_on=referred_on.isoformat(), service=service.pk)
    return referral


def _pending(user, referral, form: _Form) -> j.Referral:
    referral = scoped(j.Referral, user, referral, lock=True)
    if referral.outcome:
        form.fail("结果", f"已有结果：{referral.outcome} / the referral already has an outcome")
    return referral


@transaction.atomic
def referral_interview(*, user, referral, interview_on) -> j.Referral:
    form = _Form(REFERRAL)
    referral = _pending(user, referral, form)
    interview_on = form.date(interview_on, "面试日期", fact=True)
    if interview_on and interview_on < referral.referred_on:
        form.fail("面试日期", "早于推荐日期 / before the referral")
    form.done()
    referral.interview_on = interview_on
    history_save(referral, user, "referral.interview")
    audit(user, "referral.interview", f"referral:{referral.pk}", referral.person.household.community.code,
          referral=referral.pk, interview_on=interview_on.isoformat())
    return referral


@transaction.atomic
def referral_hire(*, user, referral, start, decided_on=None, employment_form="单位就业") -> j.Referral:
    """The person was hired and works from ``start``: recorded by ``employment_record`` as casework does."""
    form = _Form(REFERRAL)
    referral = _pending(user, referral, form)
    start = form.date(start, "上岗日期", fact=True)
    decided_on = form.date(decided_on, "结果日期", required=False, fact=True) or start
    employment_form = form.choice(employment_form, "就业形式", vocab.EMPLOYMENT_FORM, required=True)
    if start and start < referral.referred_on:
        form.fail("上岗日期", "早于推荐日期 / before the referral")
    vacancy = j.Vacancy.objects.select_for_update().get(pk=referral.vacancy_id)
    if _filled(vacancy, exclude=referral) >= vacancy.count:
        form.fail("空岗", "空岗已招满 / the vacancy is filled")
    form.done()
    employer_name = vacancy.employer.name if vacancy.employer_id else ""
    episode = employment_record(user=user, person=referral.person, start=start, employment_form=employment_form,
                                employer_name=employer_name)
    referral.outcome, referral.decided_on, referral.hired_start, referral.employment = j.HIRED, decided_on, start, episode
    history_save(referral, user, "referral.hire")
    audit(user, "referral.hire", f"referral:{referral.pk}", referral.person.household.community.code,
          referral=referral.pk, vacancy=vacancy.pk, person=referral.person_id, start=start.isoformat(),
          employment=episode.pk)
    return referral


@transaction.atomic
def referral_reject(*, user, referral, decided_on, reason) -> j.Referral:
    """The person was not hired, for ``reason``."""
    form = _Form(REFERRAL)
    referral = _pending(user, referral, form)
    decided_on = form.date(decided_on, "结果日期", fact=True)
    reason = form.text(reason, "未录用原因", required=True)
    if decided_on and decided_on < referral.referred_on:
        form.fail("结果日期", "早于推荐日期 / before the referral")
    form.done()
    referral.outcome, referral.decided_on, referral.reason = j.NOT_HIRED, decided_on, reason
    history_save(referral, user, "referral.reject")
    audit(user, "referral.reject", f"referral:{referral.pk}", referral.person.household.community.code,
          referral=referral.pk, decided_on=decided_on.isoformat())
    return referral


def check_due(referral: j.Referral, months: int) -> dt.date | None:
    """The day a hired person should still be in work, ``months`` after starting."""
    if referral.hired_start is None:
        return None
    return referral.hired_start + relativedelta(months=months)


@transaction.atomic
def referral_check(*, user, referral, months, checked_on, in_work=None) -> j.Referral:
    """The 3- or 6-month check of a hire: is the person still in work?

    ``in_work`` None: read it from the register (status 就业 on the due day, or on
    ``checked_on`` if that is earlier).
    """
    referral = scoped(j.Referral, user, referral, lock=True)
    form = _Form(REFERRAL)
    if months not in (3, 6):
        form.fail("回访", "只有 3 个月和 6 个月回访 / checks are at 3 and 6 months")
    if referral.outcome != j.HIRED:
        form.fail("结果", "未录用，无需回访 / only hires are checked")
    checked_on = form.date(checked_on, f"{months}个月回访日期", fact=True)
    if checked_on and referral.hired_start and checked_on < referral.hired_start:
        form.fail(f"{months}个月回访日期", "早于上岗日期 / before the start")
    form.done()
    if in_work is None:
        day = min(check_due(referral, months), checked_on)
        in_work = m.StatusEpisode.objects.filter(person_id=referral.person_id, status=vocab.EMPLOYED, start__lte=day) \
            .filter(Q(end=None) | Q(end__gte=day)).exists()
    setattr(referral, f"check{months}_on", checked_on)
    setattr(referral, f"check{months}_in_work", bool(in_work))
    history_save(referral, user, "referral.check")
    audit(user, "referral.check", f"referral:{referral.pk}", referral.person.household.community.code,
          referral=referral.pk, months=months, checked_on=checked_on.isoformat(), in_work=bool(in_work))
    return referral
