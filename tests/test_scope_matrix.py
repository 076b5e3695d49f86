"""Every URL of jiuye against every kind of user: nobody reads or writes across scopes.

The worked example holds two communities of one street, 甲 (A, 500103001001) and 乙
(B, 500103001002), plus 丙 of another street. On top of the register each community
gets casework, employers, vacancies, referrals and posts; A is also certified (with
evidence, a recommendation, a subsidy, a re-check) and has a zero-employment case.

``PAGES`` says, for each named URL pattern, how to fill it with an object of A and what
each actor gets, for GET and for POST:

- ``anon``: redirected to the login page, except the public pages (which show no
  personal data);
- ``b`` (worker of B) and ``far`` (street user of another street): refused (403/404) on
  A's objects, and never a trace of A's data in any response, GET or POST; A's rows are
  byte for byte the same after all their requests;
- ``a`` (worker of A) and ``street`` (the street holding A and B): the page works.

A URL pattern the table does not know fails ``test_every_url_pattern_is_in_the_matrix``.
Django's admin is checked generically (only superusers get in), the REST API generically
from its OpenAPI schema (each path and method).
"""

import dataclasses
import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from jiuye.accounts.models import User
from jiuye.accounts.services import user_add
from jiuye.casework import services as cs
from jiuye.casework.flows import FLOWS
from jiuye.casework.models import ZeroEmploymentCase
from jiuye.divisions.models import Division
from jiuye.jobs import matching
from jiuye.jobs import services as js
from jiuye.ledgers.printed import LEDGERS
from jiuye.oversight import services as os_
from jiuye.oversight.models import Recheck, RecheckStatus
from jiuye.registry import models as m
from jiuye.tasks import runner
from jiuye.tasks import services as tasks
from tests.conftest import EXAMPLE, run_jiuye

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
A, B = "500103001001", "500103001002"
STREET, FAR_STREET, DISTRICT = "500103001", "500105002", "500103"
PASSWORD = "Gongzuo-2026!x"
D = dt.date(2026, 6, 30)
NOW = dt.date(2026, 7, 15)
TODAY = NOW.isoformat()

# What may never reach anyone outside A: its residents' names, addresses, jobs data, name and code.
A_PEOPLE = ["张建国", "李秀英", "张小龙", "王芳", "王德福", "刘婷", "刘洋", "刘志强", "陈勇", "赵磊"]
A_MARKERS = [*A_PEOPLE, "民族路", "示例甲社区", A, "甲社区超市", "甲社区收银员", "甲社区公益岗"]
# Personal data of anyone (the public pages show counts only).
ALL_PEOPLE = [*A_PEOPLE, "孙伟", "周丽", "吴刚", "郑军", "冯桂英", "何平", "何静", "何明", "民族路", "邹容路"]

REFUSED = {403, 404}


def on(day: dt.date, hour: int = 10):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=TZ), tick=False)


# -- the scenario ------------------------------------------------------------------------------------------


def _evidence():
    from openpyxl import Workbook

    out = io.BytesIO()
    book = Workbook()
    book.active["A1"] = "组织建设"
    book.save(out)
    return {
        "s6": SimpleUploadedFile("s6.pdf", b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n", "application/pdf"),
        "s7": SimpleUploadedFile("s7.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png"),
        "s8": SimpleUploadedFile("s8.xlsx", out.getvalue()),
    }


def _jobs(user, code: str, tag: str, person: m.Person) -> dict:
    employer = js.employer_create(user=user, community=code, name=f"{tag}超市")
    js.employer_agreement_add(user=user, employer=employer, kind="结对子", signed_on="2026-01-01")
    js.employer_demand_add(user=user, employer=employer, occupation="保洁", count=1, date=D)
    vacancy = js.vacancy_create(user=user, community=code, title=f"{tag}收银员", employer=employer,
                                opened_on=dt.date(2026, 6, 1), count=3)
    js.wish_save(user=user, person=person, desired="收银", updated_on=D)
    referral = js.referral_create(user=user, vacancy=vacancy, person=person, referred_on=D)
    post = js.post_create(user=user, community=code, kind="公益性岗位", title=f"{tag}公益岗", opened_on="2026-01-01")
    return {"employer": employer, "vacancy": vacancy, "referral": referral, "post": post}


@dataclass
class World:
    users: dict
    person: m.Person  # 张建国 (A1, employed)
    household: m.Household
    a: dict  # A's jobs objects
    b: dict  # B's jobs objects
    zero_case: ZeroEmploymentCase
    certification: object
    evidence: object
    recheck: Recheck
    job: object  # A's worker's finished export
    follow_up: object = None  # a follow-up visit of 张建国 due on NOW
    clients: dict = field(default_factory=dict)


def build_world() -> World:
    assert run_jiuye("import", str(EXAMPLE)).code == 0
    matching.invalidate_cache()
    users = {
        "a": user_add(username="worker_jia", role="community", scope_code=A, password=PASSWORD),
        "b": user_add(username="worker_yi", role="community", scope_code=B, password=PASSWORD),
        "street": user_add(username="street_jiefangbei", role="street", scope_code=STREET, password=PASSWORD),
        "far": user_add(username="street_guanyinqiao", role="street", scope_code=FAR_STREET, password=PASSWORD),
        "district": user_add(username="district_yuzhong", role="district", scope_code=DISTRICT, password=PASSWORD),
        "admin": User.objects.create_superuser("root_admin", password=PASSWORD),
    }
    # A staff member without superuser rights: Django's admin must refuse them too.
    users["staff"] = user_add(username="staff_jia", role="community", scope_code=A, password=PASSWORD)
    users["staff"].is_staff = True
    users["staff"].save()
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=users["staff"], name="staff", confirmed=True)
    a, b, district = users["a"], users["b"], users["district"]
    person = m.Person.objects.get(name="张建国")
    with on(D):
        certification = os_.certification_apply(user=a, community=A, evidence=_evidence())
    with on(dt.date(2026, 7, 2)):
        os_.certification_review(user=users["street"], certification=certification, approve=True)
    with on(dt.date(2026, 7, 10)):
        certification = os_.certification_accept(user=district, certification=certification, accept=True)
        os_.recommendation_add(user=district, certification=certification, year=2026, level="district",
                               reason="甲社区推荐")
        os_.subsidy_grant(user=district, certification=certification, kind="first", amount="10000", year=2026)
        os_.filing_submit(user=district, district_code=DISTRICT, year=2026)
    recheck = Recheck.objects.create(
        certification=certification, community=certification.community, year=2026, as_of=NOW,
        snapshot=certification.snapshot, status=RecheckStatus.FLAGGED, failed=["s1"], due_on=dt.date(2026, 10, 15))
    with on(dt.date(2026, 7, 14)):
        a_jobs = _jobs(a, A, "甲社区", m.Person.objects.get(name="刘婷"))
        b_jobs = _jobs(b, B, "乙社区", m.Person.objects.get(name="何明"))
        # 赵磊 (A4, alone in his household) loses his job: A has a zero-employment household, as B has.
        cs.registration_create(user=a, person=m.Person.objects.get(name="赵磊"), registered_on=dt.date(2026, 7, 1),
                               unemployment_reason="辞职")
        cs.zero_employment_sync(user=a, community=A, as_of=dt.date(2026, 7, 14))
        cs.zero_employment_sync(user=b, community=B, as_of=dt.date(2026, 7, 14))
        follow_up = cs.follow_up_schedule(user=a, person=person, due=NOW, reason="回访就业情况")
    zero_case = ZeroEmploymentCase.objects.in_division(A).get()
    with on(dt.date(2026, 7, 14)):
        job = runner.job_run(tasks.job_start(user=a, kind="export", params={"format": "xlsx"}).pk)
    assert job.state == "done", job.message
    assert ZeroEmploymentCase.objects.in_division(B).exists()
    return World(users=users, person=person, household=person.household, a=a_jobs, b=b_jobs,
                 zero_case=zero_case, certification=certification, evidence=certification.evidence.first(),
                 recheck=recheck, job=job, follow_up=follow_up)


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for the module, inside a transaction rolled back at its end (each test in a savepoint)."""
    if not EXAMPLE.exists():
        pytest.skip("../shared/spec/examples/basic not found beside the checkout")
    media = tmp_path_factory.mktemp("media")
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # seven users
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=fast), \
            transaction.atomic():
        built = build_world()
        with on(NOW):
            yield built
        transaction.set_rollback(True)


@pytest.fixture
def world(shared_world, db):
    return dataclasses.replace(shared_world, clients={})


def a_state() -> dict:
    """Every row of A in every scoped model (plus its division and users), to compare before and after."""
    state = {}
    for model in apps.get_models():
        if getattr(model, "scope_lookup", None) and hasattr(model.objects, "in_division"):
            rows = model.objects.in_division(A).order_by("pk").values_list()
            state[model._meta.label] = [repr(row) for row in rows]
    state["division"] = [repr(r) for r in Division.objects.filter(code=A).values_list()]
    state["users"] = [repr(r) for r in User.objects.filter(scope__code=A).order_by("pk").values_list(
        "pk", "username", "password", "is_active", "is_staff", "is_superuser", "role", "scope")]
    return state


# -- URL patterns --------------------------------------------------------------------------------------------


@dataclass
class Route:
    name: str  # namespace:name, or the route itself when unnamed
    parts: list  # the pattern objects from the root down
    namespace: str

    @property
    def route(self) -> str:
        return "".join(str(p.pattern) for p in self.parts)

    def params(self) -> list[str]:
        names = []
        for part in self.parts:
            names += re.findall(r"<(?:\w+:)?(\w+)>", str(part.pattern)) if _is_route(part) else list(
                part.pattern.regex.groupindex)
        return names

    def fill(self, kwargs: dict) -> str:
        path = ""
        for part in self.parts:
            text = str(part.pattern)
            if _is_route(part):
                text = re.sub(r"<(?:\w+:)?(\w+)>", lambda g: str(kwargs[g.group(1)]), text)
            else:
                text = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda g: str(kwargs[g.group(1)]), text)
                text = text.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\", "")
            path += text
        return "/" + path


def _is_route(part) -> bool:
    from django.urls.resolvers import RoutePattern

    return isinstance(part.pattern, RoutePattern)


def routes() -> list[Route]:
    found = []

    def walk(patterns, parents, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, [*parents, pattern], pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern):
                parts = [*parents, pattern]
                name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
                found.append(Route(name or "".join(str(p.pattern) for p in parts), parts, namespace or ""))

    walk(get_resolver().url_patterns, [], "")
    return found


def is_api(route: Route) -> bool:
    return route.route.startswith("api/")


# -- the table -----------------------------------------------------------------------------------------------

OK = {200}
WRITE_OK = {200, 302, 400}
ONLY_POST = {405}


@dataclass
class V:
    """One request to make: path kwargs, query string, POST data, and the statuses each actor may get.

    ``mine``: the URL (path or query) points at A's data, so ``b`` and ``far`` must be refused.
    Otherwise it is a page of one's own scope: they get it (``theirs``), without A's data.
    ``get``/``post``: statuses for ``a`` (and ``street`` unless ``street_get``/``street_post``).
    ``public``: no login needed, and no personal data of anyone in the response.
    """

    kwargs: dict = field(default_factory=dict)
    query: dict = field(default_factory=dict)
    data: dict | Callable = field(default_factory=dict)  # a callable for uploads (a fresh file each time)
    headers: dict = field(default_factory=dict)
    mine: bool = True
    get: set = field(default_factory=lambda: OK)
    post: set = field(default_factory=lambda: WRITE_OK)
    street_get: set | None = None
    street_post: set | None = None
    theirs_get: set | None = None  # b / far on a page of their own scope (default: as a / as street)
    theirs_post: set | None = None
    override: dict = field(default_factory=dict)  # "actor METHOD" -> statuses, for the odd case
    public: bool = False
    shows_a: bool = True  # a's GET shows A's data (the proof that b's absence of it means something)
    label: str = ""

    def expected(self, actor: str, method: str) -> set:
        if f"{actor} {method}" in self.override:
            return self.override[f"{actor} {method}"]
        if self.public and actor == "anon":
            return self.get if method == "GET" else self.post
        if actor == "anon":
            return {302}
        if actor in ("b", "far"):
            if self.mine and not self.public:
                allowed = self.get if method == "GET" else self.post
                return REFUSED | ({405} & allowed)
            chosen = self.theirs_get if method == "GET" else self.theirs_post
            if chosen is not None:
                return chosen
            actor = "street" if actor == "far" else "a"  # the same role on their own scope
        if actor == "street":
            chosen = self.street_get if method == "GET" else self.street_post
            if chosen is not None:
                return chosen
        return self.get if method == "GET" else self.post


def _person_values(person: m.Person, **changes) -> dict:
    from jiuye.registry.forms import PersonForm

    base = PersonForm.initial_for(person).get("base", "")  # the version the editor started from
    return {"base": base, "name": person.name, "sex": person.sex, "birth_date": person.birth_date.isoformat(),
            "residence_start": person.residence_start.isoformat(), "education": person.education} | changes


def _new_person() -> dict:
    from tests.ledger_builders import make_id

    return {"id_number": make_id("50010319990101012"), "name": "新居民", "sex": "男", "birth_date": "1999-01-01",
            "residence_start": "2020-01-01"}


def _upload_a_rename() -> dict:
    """An exchange-format 人员.csv renaming A's 张建国: whoever uploads it must be inside A."""
    header = "身份证号,姓名,性别,出生日期,家庭编号,与户主关系,文化程度,居住起始日期,居住终止日期,人员类别,退休年龄类别,联系电话,技能"
    row = "500103198003150119,张改名,男,1980-03-15,A1,户主,大专,2005-01-01,,,,,"
    return {"files": SimpleUploadedFile("人员.csv", f"{header}\r\n{row}\r\n".encode(), "text/csv")}


FLOW_DATA = {
    "register": {"date": TODAY, "reason": "辞职"},
    "guidance": {"date": TODAY},
    "referral": {"date": TODAY},
    "training": {"course": "电工", "start": TODAY},
    "outreach": {"kind": "政策宣传", "date": TODAY},
    "benefit": {"kind": "社会保险补贴", "amount": "100", "start": TODAY},
    "visit": {"date": TODAY},
    "employment": {"start": TODAY, "form": "单位就业"},
    "cancel": {"date": TODAY, "reason": "已就业"},
    "status": {"status": "失业", "start": TODAY, "reason": "辞职"},
}
REFERRAL_STEPS = ("interview", "hire", "reject", "check3", "check6")


# The street above A and B: its ledgers and reports hold A's rows, so a worker of either may not ask for it.
ABOVE = {"a GET": REFUSED, "a POST": REFUSED}


def _ledger_variants(w):
    out = []
    for ledger in LEDGERS:
        out.append(V({"slug": ledger.slug}, {"division": A, "as_of": TODAY}, shows_a=False, label="A's division"))
        out.append(V({"slug": ledger.slug}, {"division": STREET, "as_of": TODAY}, shows_a=False, override=ABOVE,
                     label="the street above"))
        out.append(V({"slug": ledger.slug}, {"as_of": TODAY}, mine=False, shows_a=False, label="own scope"))
    return out


def _xlsx_variants(w):
    return [dataclasses.replace(v, shows_a=False) for v in _ledger_variants(w)]


PAGES = {
    # the worker's desk
    "home": lambda w: [V(mine=False, street_get={302}, street_post={302}, post=OK)],
    "deadline": lambda w: [V(query={"date": TODAY}, mine=False, post=OK, shows_a=False)],
    "zero_board": lambda w: [V(mine=False, post=OK)],
    "follow_up_done": lambda w: [V({"pk": w.follow_up.pk}, get=ONLY_POST, post={302}, shows_a=False)],
    "zero_recognize": lambda w: [V({"pk": w.zero_case.pk}, data={"date": TODAY, "plan": "一对一"}, get=ONLY_POST,
                                   post={302}, shows_a=False)],
    "zero_action": lambda w: [V({"pk": w.zero_case.pk}, data={"date": TODAY, "action": "推荐岗位"}, get=ONLY_POST,
                                post={302}, shows_a=False)],
    "flow": lambda w: [V({"pk": w.person.pk, "name": name}, data=FLOW_DATA[name], label=name) for name in FLOWS],
    # the register
    "standing": lambda w: [V(mine=False, post=OK)],
    "standing_community": lambda w: [V({"code": A}, post=OK),
                                     V({"code": STREET}, get=REFUSED, post=REFUSED, shows_a=False, label="street")],
    "search": lambda w: [
        V(query={"q": "建国"}, mine=False, post=OK),
        V(query={"q": "zjg"}, headers={"HX-Request": "true"}, mine=False, post=OK, label="htmx"),
        # An ID number is searched in the POST body (never in a URL); b and far find nothing of A by it.
        V(data={"q": w.person.id_number}, mine=False, post=OK, shows_a=False, label="by ID number"),
    ],
    "person": lambda w: [V({"pk": w.person.pk}, post=OK)],
    "person_edit": lambda w: [V({"pk": w.person.pk}, data=lambda: _person_values(w.person, skills="电工证"))],
    "person_reveal": lambda w: [V({"pk": w.person.pk}, data={"reason": "核对身份"}, get=ONLY_POST, post={403})],
    "person_jobs": lambda w: [V({"pk": w.person.pk}, data={"desired": "保洁"})],
    "household": lambda w: [V({"pk": w.household.pk}, post=OK)],
    "person_add": lambda w: [V({"household_pk": w.household.pk}, data=_new_person())],
    "household_new": lambda w: [V(data={"code": "A9", "address": "民族路9号", "hukou": "城镇"}, mine=False,
                                  shows_a=False, street_get={403}, street_post={403})],
    # jobs
    "vacancies": lambda w: [V(query={"q": "收银"}, mine=False, post=OK),
                            V(query={"all": "1"}, mine=False, post=OK, label="all")],
    "vacancy_new": lambda w: [V(data={"title": "保洁员", "count": "1", "opened_on": TODAY}, mine=False, shows_a=False,
                                street_get={403}, street_post={403})],
    "vacancy": lambda w: [V({"pk": w.a["vacancy"].pk}, post=OK)],
    "refer": lambda w: [
        V({"pk": w.a["vacancy"].pk, "person_pk": w.person.pk}, get=ONLY_POST, post={302}, shows_a=False),
        # B's own vacancy, A's resident: B may not refer A's people; A may not see B's vacancy.
        V({"pk": w.b["vacancy"].pk, "person_pk": w.person.pk}, get=ONLY_POST, post=REFUSED, street_post={302},
          shows_a=False, label="B's vacancy, A's person"),
    ],
    "referrals": lambda w: [V(mine=False, post=OK)],
    "referral_step": lambda w: [V({"pk": w.a["referral"].pk, "step": step}, data={"date": TODAY, "reason": "不合适"},
                                  get=ONLY_POST, post={302}, shows_a=False, label=step) for step in REFERRAL_STEPS],
    "employers": lambda w: [V(data={"name": "新单位"}, mine=False, street_post={403})],
    "employer": lambda w: [
        V({"pk": w.a["employer"].pk}, data={"form": "agreement", "a-kind": "结对子", "a-signed_on": TODAY}),
        V({"pk": w.a["employer"].pk}, data={"form": "demand", "d-occupation": "保洁", "d-count": "1",
                                            "d-date": TODAY}, label="demand"),
    ],
    "posts": lambda w: [V(data={"kind": "公益性岗位", "title": "新公益岗", "slots": "1", "opened_on": TODAY},
                          mine=False, street_post={403})],
    "post": lambda w: [
        V({"pk": w.a["post"].pk}, data={"person": str(w.person.pk), "start": TODAY}, post={302}),
        V({"pk": w.b["post"].pk}, data={"person": str(w.person.pk), "start": TODAY}, get=REFUSED, post=REFUSED,
          street_get=OK, street_post={302}, mine=False, theirs_post=REFUSED,
          override={"b GET": OK, "far GET": REFUSED},
          shows_a=False, label="B's post, A's person"),
    ],
    # the ten ledgers
    "ledgers": lambda w: [V(mine=False, post=OK, shows_a=False)],
    "ledger": _ledger_variants,
    "ledger_xlsx": _xlsx_variants,
    # imports, exports and their background jobs (a job is its user's own)
    "ledger_import": lambda w: [V(data=_upload_a_rename, mine=False, post={302}, shows_a=False, street_post={302})],
    "ledger_export": lambda w: [V(data={"format": "xlsx"}, mine=False, post={302}, shows_a=False)],
    "job_list": lambda w: [V(mine=False, post=OK)],
    "job_detail": lambda w: [V({"pk": w.job.pk}, post=OK, street_get=REFUSED, street_post=REFUSED)],
    "job_progress": lambda w: [V({"pk": w.job.pk}, post=OK, shows_a=False, street_get=REFUSED,
                                 street_post=REFUSED)],
    "job_download": lambda w: [V({"pk": w.job.pk}, post=OK, street_get=REFUSED, street_post=REFUSED)],
    # a preview's decision: its user's alone (w.job is an export, no preview: refused to everyone)
    "import_confirm": lambda w: [V({"pk": w.job.pk}, get=ONLY_POST, post=REFUSED, shows_a=False)],
    "import_cancel": lambda w: [V({"pk": w.job.pk}, get=ONLY_POST, post=REFUSED, shows_a=False)],
    # oversight
    "oversight_dashboard": lambda w: [V(mine=False, post=OK)],
    "oversight_dashboard_code": lambda w: [V({"code": A}, post=OK),
                                           V({"code": STREET}, post=OK, override=ABOVE, label="the street above")],
    "certification_list": lambda w: [V(mine=False, post=OK)],
    "certification_apply": lambda w: [V(data={"note": "申请", "snapshot": str(w.certification.snapshot_id)},
                                        mine=False, post={400}, street_get={403}, street_post={403}, shows_a=False)],
    "certification_detail": lambda w: [V({"pk": w.certification.pk}, post=OK)],
    "certification_review": lambda w: [V({"pk": w.certification.pk}, data={"decision": "approve"}, get=ONLY_POST,
                                         post={302, 403}, shows_a=False)],
    "certification_accept": lambda w: [V({"pk": w.certification.pk}, data={"decision": "accept"}, get=ONLY_POST,
                                         post={302, 403}, shows_a=False)],
    "certification_revoke": lambda w: [V({"pk": w.certification.pk}, data={"reason": "撤销"}, get=ONLY_POST,
                                         post={302, 403}, shows_a=False)],
    "evidence_download": lambda w: [V({"pk": w.certification.pk, "evidence_pk": w.evidence.pk}, post=OK,
                                      shows_a=False)],
    "recheck_list": lambda w: [V(mine=False, post={403})],
    "recheck_clear": lambda w: [V({"pk": w.recheck.pk}, get=ONLY_POST, post={302, 403}, shows_a=False)],
    "filing": lambda w: [V(mine=False, get={403}, post={403}, shows_a=False)],
    "filing_recommend": lambda w: [V(data={"certification": str(w.certification.pk), "year": "2026"},
                                     get=ONLY_POST, post={302, 403}, shows_a=False)],
    "filing_submit": lambda w: [V(data={"year": "2026"}, mine=False, get=ONLY_POST, post={302, 403},
                                  shows_a=False)],
    "filing_xlsx": lambda w: [V({"district_code": DISTRICT, "year": 2026}, get={403}, post={403}, shows_a=False)],
    "filing_pdf": lambda w: [V({"district_code": DISTRICT, "year": 2026}, get={403}, post={403}, shows_a=False)],
    "subsidy_ledger": lambda w: [V(query={"district": DISTRICT, "year": "2026"}, mine=False, post=OK,
                                   theirs_get={200, 403}, theirs_post={200, 403})],
    "subsidy_grant": lambda w: [V(data={"certification": str(w.certification.pk), "kind": "yearly",
                                        "amount": "3000", "year": "2026"}, get=ONLY_POST, post={302, 403},
                                  shows_a=False)],
    "subsidy_ledger_xlsx": lambda w: [V({"district_code": DISTRICT, "year": 2026}, mine=False, post=OK,
                                        theirs_get={200, 403}, theirs_post={200, 403})],
    "report_index": lambda w: [V(mine=False, post=OK, shows_a=False)],
    "report_monthly": lambda w: [
        V(query={"code": A, "month": "2026-06"}, get=OK, post=ONLY_POST),
        V(query={"code": STREET, "month": "2026-06"}, get=OK, post=ONLY_POST, override={"a GET": REFUSED},
          label="street"),
        V(query={"month": "2026-06"}, mine=False, post=ONLY_POST, shows_a=False, label="own scope"),
    ],
    "report_yearly": lambda w: [
        V(query={"code": A, "year": "2026"}, get=OK, post=ONLY_POST),
        V(query={"code": STREET, "year": "2026"}, get=OK, post=ONLY_POST, override={"a GET": REFUSED},
          label="street"),
        V(query={"year": "2026"}, mine=False, post=ONLY_POST, shows_a=False, label="own scope"),
    ],
    # accounts and the audit log
    "password_change": lambda w: [V(data={"old_password": "wrong", "new_password1": "x", "new_password2": "y"},
                                    mine=False, post=OK, shows_a=False)],
    "password_change_done": lambda w: [V(mine=False, post=ONLY_POST, shows_a=False)],
    "otp_verify": lambda w: [V(data={"token": "000000"}, mine=False, get={302}, post={302}, shows_a=False)],
    "otp_setup": lambda w: [V(data={"token": "000000"}, mine=False, post=OK, shows_a=False)],
    "audit_search": lambda w: [V(query={"division": A}, mine=False, get={403}, post=ONLY_POST, shows_a=False)],
    # public
    "notice": lambda w: [V({"code": A}, public=True, post=ONLY_POST)],
    "notice_poster": lambda w: [V({"code": A}, public=True, get={200, 503}, post=ONLY_POST, shows_a=False)],
    # what a board prints beside its figures: the community's contact (its worker only), the district's line
    "notice_edit": lambda w: [
        V({"code": A}, data={"contact_name": "钱老师", "station_phone": "023-63891234"}, post={302},
          street_get={403}, street_post={403}),
        V({"code": DISTRICT}, data={"phone": "023-63890000"}, get={403}, post={403}, shows_a=False,
          label="the district's supervision line"),
    ],
    "login": lambda w: [V(public=True, post=OK)],
    "logout": lambda w: [V(public=True, get=ONLY_POST, post={302})],
    "set_language": lambda w: [V(data={"language": "zh-hans", "next": "/"}, public=True, get={200, 204, 302},
                                 post={302})],
}


# -- making the requests -------------------------------------------------------------------------------------


def body_text(response) -> str:
    """What a person would read in the response: HTML/JSON/text, or every cell of a workbook."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return file_text(content)


def file_text(content: bytes) -> str:
    """Text of a download: every cell of a workbook, every file of a zip (CSV exports), or the bytes."""
    if content[:2] == b"PK":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True)
        except Exception:  # noqa: BLE001 - not a workbook: a zip of CSV files
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                return "\n".join(archive.read(n).decode("utf-8-sig", errors="replace") for n in archive.namelist())
        cells = [str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row
                 if v is not None]
        return "\n".join([*cells, *(ws.title for ws in book.worksheets)])
    return content.decode("utf-8", errors="replace")


def client_for(world, actor: str) -> Client:
    """The actor's client, logged in (again, after a page logged it out: logout, password change)."""
    client = world.clients.setdefault(actor, Client())
    if actor == "anon":
        client.cookies.clear()
    elif client.session.get("_auth_user_id") != str(world.users[actor].pk):
        client.force_login(world.users[actor])
    return client


def request(client, method: str, path: str, v: V):
    url = path + ("?" + urlencode(v.query) if v.query else "")
    if method == "GET":
        return client.get(url, headers=v.headers)
    return client.post(url, data=v.data() if callable(v.data) else v.data, headers=v.headers)


def sweep(world, actor: str, on_commit, methods=("GET", "POST")) -> list[str]:
    """Every page for one actor; returns the failures, one line each."""
    failures = []
    by_name = {r.name: r for r in routes() if not r.namespace == "admin" and not is_api(r)}
    for name, make in PAGES.items():
        route = by_name[name]
        for v in make(world):
            path = route.fill(v.kwargs)
            for method in methods:
                client = client_for(world, actor)
                where = f"{actor} {method} {path}{'?' + urlencode(v.query) if v.query else ''} ({name} {v.label})"
                try:
                    with on_commit(execute=True):  # background jobs run (eagerly) as after a real request
                        response = request(client, method, path, v)
                except Exception as exc:  # a crash is a failure too
                    failures.append(f"{where}: raised {exc.__class__.__name__}: {exc}")
                    continue
                expected = v.expected(actor, method)
                status = response.status_code
                if status not in expected:
                    failures.append(f"{where}: status {status}, expected {sorted(expected)}")
                if actor == "anon" and not v.public and status == 302 and not response["Location"].startswith(
                        "/login/"):
                    failures.append(f"{where}: redirected to {response['Location']}, not to the login page")
                text = body_text(response)
                if actor in ("anon", "b", "far") or v.public:
                    # Public pages: nobody's personal data, not even a login name (but one's own, in the menu).
                    names = [u.username for who, u in world.users.items() if who != actor]
                    markers = [*ALL_PEOPLE, *names] if v.public else A_MARKERS
                    leaked = [marker for marker in markers if marker in text]
                    if leaked:
                        failures.append(f"{where}: shows {leaked}")
                if (actor == "a" and method == "GET" and status == 200 and v.shows_a and v.mine
                        and not any(marker in text for marker in A_MARKERS)):
                    failures.append(f"{where}: A's own page shows nothing of A (is the table right?)")
    return failures


def test_every_url_pattern_is_in_the_matrix():
    """A new URL pattern must be added to PAGES (how to fill it, who gets what)."""
    found = {r.name: r for r in routes() if r.namespace != "admin" and not is_api(r)}
    unknown = sorted(set(found) - set(PAGES))
    assert not unknown, f"URL patterns missing from tests/test_scope_matrix.py PAGES: {unknown}"
    stale = sorted(set(PAGES) - set(found))
    assert not stale, f"PAGES names no URL pattern any more: {stale}"
    for route in routes():
        if route.namespace == "admin":
            assert set(route.params()) <= set(ADMIN_PARAMS), f"admin URL with unknown parameters: {route.route}"


@pytest.mark.parametrize("actor", ["b", "far", "anon"])
def test_outsiders_get_nothing_of_a_and_change_nothing(world, actor, django_capture_on_commit_callbacks):
    before = a_state()
    failures = sweep(world, actor, django_capture_on_commit_callbacks)
    assert not failures, "\n".join(failures)
    assert a_state() == before, f"{actor}'s requests changed A's data"


@pytest.mark.parametrize("actor", ["a", "street"])
def test_insiders_get_their_pages(world, actor, django_capture_on_commit_callbacks):
    failures = sweep(world, actor, django_capture_on_commit_callbacks)
    assert not failures, "\n".join(failures)


def test_web_import_and_export_stay_in_scope(world, django_capture_on_commit_callbacks):
    """B's upload touching A's resident is rejected whole; B's export holds B's residents and none of A's."""
    from jiuye.tasks.models import Job

    b = client_for(world, "b")
    before = a_state()
    with django_capture_on_commit_callbacks(execute=True):
        response = b.post("/ledgers/import/", _upload_a_rename())
    assert response.status_code == 302
    job = Job.objects.for_user(world.users["b"]).get(kind="import")
    assert job.state == "failed" and job.error_count == 1
    assert "outside your scope" in job.errors[0][3] and "张建国" not in str(job.errors)
    assert a_state() == before
    page = b.get(response["Location"]).content.decode()
    assert "不在您的管辖范围" in page and "张改名" not in page  # the page's language: its Chinese half

    for kind in ("xlsx", "csv"):
        with django_capture_on_commit_callbacks(execute=True):
            response = b.post("/ledgers/export/", {"format": kind})
        job = Job.objects.for_user(world.users["b"]).filter(kind="export").latest("pk")
        assert response["Location"] == f"/ledgers/jobs/{job.pk}/" and job.state == "done", job.message
        text = body_text(b.get(f"/ledgers/jobs/{job.pk}/download/"))
        assert "孙伟" in text and "邹容路" in text, kind
        assert [marker for marker in A_MARKERS if marker in text] == [], kind
        # Nobody else downloads it, not even the street above.
        assert client_for(world, "street").get(f"/ledgers/jobs/{job.pk}/download/").status_code == 404

    # A's own worker may change A's resident the same way.
    a = client_for(world, "a")
    with django_capture_on_commit_callbacks(execute=True):
        a.post("/ledgers/import/", _upload_a_rename())
    preview = Job.objects.for_user(world.users["a"]).get(kind="import")
    assert preview.state == "done" and not m.Person.objects.filter(name="张改名").exists()  # a preview first
    with django_capture_on_commit_callbacks(execute=True):
        a.post(f"/ledgers/jobs/{preview.pk}/confirm/")
    assert Job.objects.for_user(world.users["a"]).filter(kind="import").latest("pk").state == "done"
    assert m.Person.objects.filter(name="张改名").exists()


# -- Django's admin ---------------------------------------------------------------------------------------

ADMIN_PARAMS = ("object_id", "pk", "id", "app_label", "content_type_id", "url")


def _admin_kwargs(route: Route, world) -> dict:
    from django.contrib.contenttypes.models import ContentType

    kwargs = {}
    match = re.match(r"admin/(\w+)/(\w+)/", route.route)
    for key in {"object_id", "pk", "id"} & set(route.params()):
        if match:  # an object of A (or A's worker), else any row of the model
            model = apps.get_model(match.group(1), match.group(2))
            rows = model.objects.in_division(A) if getattr(model, "scope_lookup", None) else model.objects.all()
            if model is User:
                rows = rows.filter(pk=world.users["a"].pk)
            obj = rows.order_by("pk").first()
            kwargs[key] = obj.pk if obj is not None else 1
        else:  # view_on_site
            kwargs[key] = world.person.pk
    if "content_type_id" in route.params():
        kwargs["content_type_id"] = ContentType.objects.get_for_model(m.Person).pk
    if "app_label" in route.params():
        kwargs["app_label"] = "registry"
    if "url" in route.params():
        kwargs["url"] = "registry/nothing/"
    return kwargs


def test_admin_is_for_superusers_only(world):
    """Every admin URL, GET and POST: everyone but a superuser is refused (even staff), and learns nothing."""
    before = a_state()
    failures = []
    admin_routes = [r for r in routes() if r.namespace == "admin"]
    assert len(admin_routes) > 50  # every registered model's pages
    for route in admin_routes:
        path = route.fill(_admin_kwargs(route, world))
        for actor in ("anon", "b", "street", "staff"):  # has_permission does not look at the scope
            for method in ("GET", "POST"):
                client = client_for(world, actor)
                response = client.get(path) if method == "GET" else client.post(path, {"name": "改名"})
                status, where = response.status_code, f"{actor} {method} {path}"
                refused = status in (403, 404) or (status == 302 and response["Location"].startswith("/admin/login/"))
                login_page = route.name == "admin:login" and status == 200
                logout = route.name == "admin:logout" and status in (302, 405)
                if not (refused or login_page or logout):
                    failures.append(f"{where}: status {status} {response.get('Location', '')}")
                leaked = [marker for marker in A_MARKERS if marker in body_text(response)]
                if leaked:
                    failures.append(f"{where}: shows {leaked}")
        response = client_for(world, "admin").get(path)
        if response.status_code >= 500:
            failures.append(f"admin GET {path}: status {response.status_code}")
    assert not failures, "\n".join(failures)
    assert a_state() == before
    root = client_for(world, "admin")
    assert "张建国" in root.get(f"/admin/registry/person/{world.person.pk}/change/").content.decode()


# -- the REST API, from its OpenAPI schema --------------------------------------------------------------------

API_SCHEMA = "/api/v1/openapi.json"
# Path parameters by the collection they follow: an object of A.
API_OBJECTS = {
    "persons": lambda w: w.person.pk,
    "households": lambda w: w.household.pk,
    "vacancies": lambda w: w.a["vacancy"].pk,
    "employers": lambda w: w.a["employer"].pk,
    "referrals": lambda w: w.a["referral"].pk,
    "communities": lambda w: A,
}
# Query parameters pointing at A (the others are left out).
API_QUERY = {
    "community": lambda w: A,
    "person": lambda w: w.person.pk,
    "vacancy": lambda w: w.a["vacancy"].pk,
    "q": lambda w: "建国",
}
API_OUTSIDE_THE_SCHEMA = {"api:schema", r"api/v1/^.*/$"}  # the schema itself; the JSON 404 for anything else


def api_schema(client) -> dict:
    pytest.importorskip("jiuye.api.urls", reason="the REST API (jiuye/api) has not landed yet")
    response = client.get(API_SCHEMA, HTTP_ACCEPT="application/json")
    if response.status_code == 404:
        pytest.skip(f"{API_SCHEMA} is not served yet")
    assert response.status_code == 200
    return response.json()


def _template(text: str) -> str:
    """A path with every parameter as {} (route converters, regex groups, OpenAPI braces)."""
    text = re.sub(r"<(?:\w+:)?\w+>|\(\?P<\w+>[^)]*\)|\{\w+\}", "{}", text)
    return "/" + text.replace("^", "").replace("$", "").lstrip("/")


def _ref(spec: dict, node: dict) -> dict:
    while isinstance(node, dict) and "$ref" in node:
        target = spec
        for key in node["$ref"].lstrip("#/").split("/"):
            target = target[key]
        node = target
    return node


def _example(spec: dict, node: dict):
    """A plausible value for a JSON schema: required fields only, dates today."""
    node = _ref(spec, node)
    for combined in ("allOf", "oneOf", "anyOf"):
        if combined in node:
            return _example(spec, node[combined][0])
    if node.get("enum"):
        return next(v for v in node["enum"] if v is not None)
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        return {k: _example(spec, v) for k, v in node.get("properties", {}).items() if k in node.get("required", [])}
    if kind == "array":
        return []
    if kind in ("integer", "number"):
        return 1
    if kind == "boolean":
        return False
    return {"date": TODAY, "date-time": f"{TODAY}T10:00:00+08:00"}.get(node.get("format"), "核对")


@dataclass
class ApiCall:
    method: str
    template: str
    path: str
    query: dict
    body: dict | None
    on_a: bool  # the path names an object of A


def api_calls(spec: dict, world) -> tuple[list[ApiCall], list[str]]:
    calls, unknown = [], []
    for template, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            params = operation.get("parameters", [])
            path, on_a = template, False
            for param in (p for p in params if p["in"] == "path"):
                before = template.split("{" + param["name"] + "}")[0].rstrip("/").rsplit("/", 1)[-1]
                if before not in API_OBJECTS:
                    unknown.append(f"{method.upper()} {template}: no object of A for {{{param['name']}}}")
                    continue
                path, on_a = path.replace("{" + param["name"] + "}", str(API_OBJECTS[before](world))), True
            query = {p["name"]: API_QUERY[p["name"]](world) for p in params
                     if p["in"] == "query" and p["name"] in API_QUERY}
            body = None
            if "requestBody" in operation:
                content = operation["requestBody"].get("content", {})
                body = _example(spec, content.get("application/json", {}).get("schema", {}))
            calls.append(ApiCall(method.upper(), template, path, query, body, on_a))
    return calls, unknown


def test_every_api_route_is_in_the_schema(client):
    """Every URL pattern under /api/ is an operation of the OpenAPI schema, so the matrix below covers it."""
    spec = api_schema(client)
    documented = {_template(path) for path in spec["paths"]}
    missing = [r.name for r in routes() if is_api(r) and r.name not in API_OUTSIDE_THE_SCHEMA
               and _template(r.route) not in documented]
    assert not missing, f"API URL patterns missing from {API_SCHEMA}: {missing}"


def test_api_scope_matrix(world):
    """Each operation of the schema, for each actor: 401 without a token, 404 outside the scope (and
    no data of A anywhere), 200/201/400 inside it; nothing of A changes by an outsider's call."""
    from knox.models import AuthToken

    spec = api_schema(world.clients.setdefault("anon", Client()))
    calls, unknown = api_calls(spec, world)
    assert not unknown, "\n".join(unknown)
    assert any(c.on_a for c in calls) and any(c.method != "GET" for c in calls)
    headers = {actor: {"Authorization": f"Bearer {AuthToken.objects.create(world.users[actor])[1]}"}
               for actor in ("a", "b", "street", "far")}
    headers["anon"] = {}
    failures = []
    # Outsiders first (A's rows must not move), then the insiders (who may write).
    for actor in ("anon", "b", "far", "a", "street"):
        before = a_state()
        for call in calls:
            client = Client()
            url = call.path + ("?" + urlencode(call.query) if call.query else "")
            kwargs = {"headers": dict(headers[actor])}
            if call.method == "PATCH":  # an edit sends the version it read (If-Match: the read's ETag)
                etag = client.get(call.path, headers=headers[actor]).get("ETag")
                if etag:
                    kwargs["headers"]["If-Match"] = etag
            if call.body is not None:
                kwargs.update(data=json.dumps(call.body), content_type="application/json")
            try:
                response = getattr(client, call.method.lower())(url, **kwargs)
            except Exception as exc:
                failures.append(f"{actor} {call.method} {url}: raised {exc.__class__.__name__}: {exc}")
                continue
            status = response.status_code
            if actor == "anon":
                expected = {401}
            elif actor in ("b", "far"):
                expected = {404} if call.on_a else ({200, 400, 403, 404} if call.query else {200})
            elif call.method in ("GET", "PATCH") or call.template.endswith("/search/"):
                expected = {200} if call.method == "GET" else {200, 400}
            else:  # a write; 409: it would end a current episode and was not confirmed
                expected = {201, 400, 409}
            where = f"{actor} {call.method} {url}"
            if status not in expected:
                failures.append(f"{where}: status {status}, expected {sorted(expected)}: {response.content[:200]}")
            if actor in ("anon", "b", "far"):
                leaked = [marker for marker in A_MARKERS if marker in body_text(response)]
                if leaked:
                    failures.append(f"{where}: shows {leaked}")
        if actor in ("anon", "b", "far") and a_state() != before:
            failures.append(f"{actor}'s API calls changed A's data")
    assert not failures, "\n".join(failures)
