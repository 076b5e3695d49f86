"""The community worker's desk: write services on the register and casework, as a worker
sees them — the same rows as an import, the same checks, one audit event, history
naming the worker, nothing outside the worker's community."""

import csv
import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from jiuye.accounts.services import user_add
from jiuye.audit.models import AuditEvent
from jiuye.casework import services as cw
from jiuye.casework.models import AssistanceAction, FollowUp, PolicyBenefit, Training, ZeroEmploymentCase
from jiuye.exchange.importer import ledger_import
from jiuye.registry import models as m
from jiuye.registry import services as rs
from jiuye.registry.crypto import lookup_hash
from jiuye.registry.rules.checks import ledger_validate
from jiuye.registry.services import ValidationFailed
from jiuye.standards.evaluate import evaluate
from jiuye.standards.rules.s4 import guidance_deadline
from tests.ledger_builders import make_id

pytestmark = pytest.mark.django_db

PASSWORD = "Gongzuo-2026!x"
A = "500103001001"  # 示例甲社区: households A1–A4
B = "500103001002"  # 示例乙社区: households B1–B4
ZHANG = "500103198003150119"  # 张建国, A1, 就业 since 2005-03-01
LI = "500103198207200122"  # 李秀英, A1
SUN = "500103198802100118"  # 孙伟, B1 (alone, 城镇), 失业 since 2026-05-01, registered 2026-05-06
D = dt.date(2026, 6, 30)
ID_RE = re.compile(r"\d{17}[\dX]")

MODELS = [m.Household, m.Person, m.StatusEpisode, m.UnemploymentRegistration, m.ServiceRecord, Training,
          PolicyBenefit, ZeroEmploymentCase, AssistanceAction, FollowUp, AuditEvent]


@pytest.fixture
def example(jiuye, example_dir):
    assert jiuye("import", str(example_dir)).code == 0
    return example_dir


@pytest.fixture
def worker(example):
    return user_add(username="worker_a", role="community", scope_code=A, password=PASSWORD)


@pytest.fixture
def worker_b(example):
    return user_add(username="worker_b", role="community", scope_code=B, password=PASSWORD)


def person(id_number):
    return m.Person.objects.with_id_number(id_number).get()


def community(result, code=A):
    return next(c for c in result["communities"] if c["code"] == code)


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def statuses(id_number):
    return [(s.status, s.start, s.end) for s in m.StatusEpisode.objects.filter(person__id_hash=lookup_hash(id_number))]


def import_rows(tmp_path, tables: dict[str, list[dict]]):
    folder = tmp_path / "rows"
    folder.mkdir()
    for table, rows in tables.items():
        with (folder / f"{table}.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    result = ledger_import(path=folder)
    assert result.ok, result.problems


def events(action):
    return list(AuditEvent.objects.filter(action=action))


def assert_no_clear_ids():
    for event in AuditEvent.objects.all():
        text = json.dumps(event.detail, ensure_ascii=False) + event.target
        assert not ID_RE.search(text), (event.action, text)


# -- registration, as the evaluation sees it ----------------------------------------------------


def test_registration_makes_unemployed_exactly_as_an_import_would(worker, tmp_path):
    before = community(evaluate(D))["standards"]
    with transaction.atomic():
        registration = cw.registration_create(user=worker, person=person(ZHANG), registered_on=dt.date(2026, 6, 1),
                                              unemployment_reason="辞职")
        assert registration.registered_on == dt.date(2026, 6, 1) and registration.cancelled_on is None
        assert statuses(ZHANG) == [("就业", dt.date(2005, 3, 1), dt.date(2026, 5, 31)), ("失业", dt.date(2026, 6, 1), None)]
        via_service = evaluate(D)
        transaction.set_rollback(True)
    assert statuses(ZHANG) == [("就业", dt.date(2005, 3, 1), None)]

    import_rows(tmp_path, {
        "就业状态": [
            {"身份证号": ZHANG, "状态": "就业", "开始日期": "2005-03-01", "结束日期": "2026-05-31", "就业形式": "单位就业",
             "单位名称": "重庆某公司", "失业原因": ""},
            {"身份证号": ZHANG, "状态": "失业", "开始日期": "2026-06-01", "结束日期": "", "就业形式": "", "单位名称": "",
             "失业原因": "辞职"},
        ],
        "失业登记": [{"身份证号": ZHANG, "登记日期": "2026-06-01", "注销日期": "", "注销原因": ""}],
    })
    via_import = evaluate(D)
    assert via_service["communities"] == via_import["communities"]
    s = community(via_service)["standards"]
    assert (s["s1"]["numerator"], s["s1"]["denominator"], s["s1"]["pass"]) == (7, 8, False)
    # The registration is due for S4 (deadline 2026-06-04, no 职业指导): one more due, none more on time.
    assert s["s4"]["denominator"] == before["s4"]["denominator"] + 1
    assert s["s4"]["numerator"] == before["s4"]["numerator"]


def test_registration_of_someone_already_unemployed_keeps_the_status(worker_b):
    sun = person(SUN)
    registration_count = sun.registrations.count()
    rs.registration_cancel(user=worker_b, registration=sun.registrations.get(), cancelled_on="2026-06-01", reason="其他")
    cw.registration_create(user=worker_b, person=sun, registered_on="2026-06-02")
    assert sun.registrations.count() == registration_count + 1
    assert statuses(SUN)[-1] == ("失业", dt.date(2026, 5, 1), None)
    [event] = events("registration.create")
    assert event.detail["status_changed"] is False
    assert event.detail["guidance_deadline"] == "2026-06-05"


def test_registration_twice_is_refused(worker_b):
    with pytest.raises(ValidationFailed) as failed:
        cw.registration_create(user=worker_b, person=person(SUN), registered_on=dt.date(2026, 6, 2))
    assert "already registered since 2026-05-06" in failed.value.errors["登记日期"]


def test_guidance_deadline_skips_holidays(example):
    assert guidance_deadline(dt.date(2026, 6, 1)) == dt.date(2026, 6, 4)
    # National Day 2025 (10-01…10-08 off, Saturday 10-11 worked).
    assert guidance_deadline(dt.date(2025, 9, 30)) == dt.date(2025, 10, 11)
    # Dragon Boat 2026 (06-19…06-21 off).
    assert guidance_deadline(dt.date(2026, 6, 17)) == dt.date(2026, 6, 23)
    # National Day 2026 (10-01…10-07 off, Saturday 10-10 worked).
    assert guidance_deadline(dt.date(2026, 9, 30)) == dt.date(2026, 10, 10)


# -- employment in one step, and the zero-employment case ----------------------------------------


def test_employment_closes_unemployment_registration_and_zero_case(worker_b):
    assert cw.zero_employment_sync(user=worker_b, community=B, as_of=dt.date(2026, 6, 5)) == {
        "created": 1, "eliminated": 0}
    case = ZeroEmploymentCase.objects.get()
    assert (case.household.code, case.detected_on, case.eliminated_on) == ("B1", dt.date(2026, 5, 1), None)
    # A second sync finds the case already there.
    assert cw.zero_employment_sync(user=worker_b, community=B, as_of=dt.date(2026, 6, 6)) == {
        "created": 0, "eliminated": 0}
    cw.zero_employment_recognize(user=worker_b, case=case, recognized_on="2026-06-06", plan="推荐岗位")
    cw.assistance_action_add(user=worker_b, case=case, date="2026-06-08", action="推荐到某超市面试", handler="小王")

    episode = cw.employment_record(user=worker_b, person=person(SUN), start=dt.date(2026, 6, 10),
                                   employment_form="灵活就业", employer_name="某超市")
    assert (episode.status, episode.start, episode.end, episode.employment_form) == (
        "就业", dt.date(2026, 6, 10), None, "灵活就业")
    assert statuses(SUN)[-2:] == [("失业", dt.date(2026, 5, 1), dt.date(2026, 6, 9)), ("就业", dt.date(2026, 6, 10), None)]
    registration = m.UnemploymentRegistration.objects.get(person__id_hash=lookup_hash(SUN))
    assert (registration.cancelled_on, registration.cancel_reason) == (dt.date(2026, 6, 10), "已就业")
    case.refresh_from_db()
    assert case.eliminated_on == dt.date(2026, 6, 10)
    [event] = events("employment.record")
    assert event.user == worker_b and event.division_code == B
    assert event.detail["registrations_cancelled"] == [registration.pk]
    assert event.detail["zero_cases_eliminated"] == [case.pk]

    s2 = community(evaluate(D), B)["standards"]["s2"]
    assert (s2["zero_employment"], s2["eliminated_late"]) == (0, 1)  # eliminated on 06-10, after 06-01
    # History names the worker on each record the step changed.
    for record in (episode, registration, case):
        assert record.history.latest().history_user == worker_b
    assert registration.history.latest().history_change_reason == "employment.record"


def test_sync_closes_a_case_when_the_household_is_no_longer_zero(worker_b):
    cw.zero_employment_sync(user=worker_b, community=B, as_of=dt.date(2026, 6, 5))
    rs.status_change(user=worker_b, person=person(SUN), status="就业", start="2026-06-20", employment_form="单位就业")
    assert ZeroEmploymentCase.objects.get().eliminated_on is None  # status_change alone does not sync
    assert cw.zero_employment_sync(community=B, as_of=dt.date(2026, 6, 30)) == {"created": 0, "eliminated": 1}
    assert ZeroEmploymentCase.objects.get().eliminated_on == dt.date(2026, 6, 20)
    assert events("zero_employment.sync")[0].actor.startswith("cli")


# -- scope --------------------------------------------------------------------------------------------


def test_worker_of_another_community_is_denied(worker, worker_b):
    zhang = person(ZHANG)
    before = counts()
    calls = [
        lambda: cw.registration_create(user=worker_b, person=zhang, registered_on=dt.date(2026, 6, 1)),
        lambda: rs.status_change(user=worker_b, person=zhang, status="失业", start=dt.date(2026, 6, 1)),
        lambda: cw.employment_record(user=worker_b, person=zhang.pk, start=dt.date(2026, 6, 1), employment_form="单位就业"),
        lambda: rs.service_record(user=worker_b, person=zhang, date=dt.date(2026, 6, 1), service_type="职业指导"),
        lambda: rs.person_update(user=worker_b, person=zhang, values={"技能": "电工"}),
        lambda: rs.person_create(user=worker_b, household=zhang.household, values={}),
        lambda: rs.household_create(user=worker_b, community=A, values={"家庭编号": "A9", "户口性质": "城镇"}),
        lambda: rs.registration_cancel(user=worker_b, registration=m.UnemploymentRegistration.objects.filter(
            person__household__community__code=A).first(), cancelled_on=D, reason="其他"),
        lambda: cw.home_visit(user=worker_b, person=zhang, date=D),
        lambda: cw.training_record(user=worker_b, person=zhang, course="电工", start=D),
        lambda: cw.follow_up_schedule(user=worker_b, household=zhang.household, due=D),
        lambda: cw.zero_employment_sync(user=worker_b, community=A, as_of=D),
        lambda: rs.service_record(user=None, person=zhang, date=D, service_type="职业指导"),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert counts() == before
    # The worker of the person's own community may.
    rs.service_record(user=worker, person=zhang, date=dt.date(2026, 6, 1), service_type="职业指导")


# -- validation: the importer's checks, on the right column, nothing written -----------------------


def test_overlapping_status_is_rejected_on_its_column(worker):
    before = counts()
    with pytest.raises(ValidationFailed) as failed:
        rs.status_change(user=worker, person=person(ZHANG), status="失业", start=dt.date(2004, 1, 1))
    assert "与 2005-03-01 开始的状态重叠 / overlaps the status episode starting 2005-03-01" in failed.value.errors["开始日期"]
    with pytest.raises(ValidationFailed) as failed:
        rs.status_change(user=worker, person=person(ZHANG), status="失业", start="1979-01-01")
    assert "status episode starts before birth" in failed.value.errors["开始日期"]
    with pytest.raises(ValidationFailed) as failed:
        rs.status_change(user=worker, person=person(ZHANG), status="失踪", start="2026-06-01")
    assert failed.value.errors["状态"].startswith("取值不在列表中 / value not in the list")
    with pytest.raises(ValidationFailed) as failed:
        rs.status_change(user=worker, person=person(ZHANG), status="失业", start="2026-02-30")
    assert failed.value.errors["开始日期"] == "不是有效日期 / not a real date: '2026-02-30'"
    assert counts() == before


def test_end_before_start_is_rejected(worker):
    li = person(LI)
    before = counts()
    with pytest.raises(ValidationFailed) as failed:
        cw.training_record(user=worker, person=li, course="育婴师", start="2026-06-10", end="2026-06-01")
    assert failed.value.errors == {"结束日期": "结束日期早于开始日期 / ends before it starts"}
    with pytest.raises(ValidationFailed) as failed:
        cw.benefit_grant(user=worker, person=li, kind="岗位补贴", amount="100.5", start="2026-06-10", end="2026-06-09")
    assert failed.value.errors == {"结束日期": "结束日期早于开始日期 / ends before it starts"}
    with pytest.raises(ValidationFailed) as failed:
        rs.person_update(user=worker, person=li, values={"居住终止日期": "2004-12-31"})
    assert failed.value.errors == {"居住终止日期": "居住终止日期早于起始日期 / residence ends before it starts"}
    assert counts() == before


def test_cancellation_before_registration_is_rejected(worker):
    registration = m.UnemploymentRegistration.objects.create(person=person(ZHANG), registered_on=dt.date(2026, 6, 1))
    before = counts()
    with pytest.raises(ValidationFailed) as failed:
        rs.registration_cancel(user=worker, registration=registration, cancelled_on="2026-05-31", reason="其他")
    assert failed.value.errors == {"注销日期": "注销日期早于登记日期 / cancelled before it was registered"}
    with pytest.raises(ValidationFailed) as failed:
        rs.registration_cancel(user=worker, registration=registration, cancelled_on="2026-06-02", reason="搬家")
    assert "注销原因" in failed.value.errors
    assert counts() == before


def test_person_create_checks_the_id_number(worker):
    household = m.Household.objects.get(code="A1")
    good = make_id("50010319900101123")  # 男, 1990-01-01
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    values = {"身份证号": bad, "姓名": "张三", "性别": "男", "出生日期": "1990-01-01", "居住起始日期": "2020-01-01"}
    before = counts()
    with pytest.raises(ValidationFailed) as failed:
        rs.person_create(user=worker, household=household, values=values)
    message = failed.value.errors["身份证号"]
    assert message.startswith("身份证号校验失败 / ID number fails the GB 11643 check")
    assert bad not in message and bad not in str(failed.value)
    with pytest.raises(ValidationFailed) as failed:
        rs.person_create(user=worker, household=household, values={**values, "身份证号": good, "性别": "女"})
    assert failed.value.errors == {"性别": "性别与身份证号不符 / sex disagrees with the ID number"}
    with pytest.raises(ValidationFailed) as failed:
        rs.person_create(user=worker, household=household, values={k: v for k, v in values.items() if k != "居住起始日期"}
                         | {"身份证号": good})
    assert failed.value.errors == {"居住起始日期": "缺少必填列 / required column missing"}
    with pytest.raises(ValidationFailed) as failed:
        rs.person_create(user=worker, household=household, values={**values, "身份证号": ZHANG})
    assert "ID number is already registered" in failed.value.errors["身份证号"]
    assert counts() == before


# -- persons and households: history and audit -----------------------------------------------------


def test_person_create_and_update_are_recorded_with_the_user(worker):
    household = m.Household.objects.get(code="A1")
    new_id = make_id("50010319900101123")
    person_ = rs.person_create(user=worker, household=household, values={
        "身份证号": new_id.lower(), "姓名": "张三", "性别": "男", "出生日期": dt.date(1990, 1, 1),
        "居住起始日期": "2020-01-01", "人员类别": ["农民工", "复转军人"], "联系电话": "13800001111",
    })
    assert (person_.id_number, person_.household, person_.categories) == (new_id, household, "农民工;复转军人")
    assert person_.history.get().history_user == worker
    rs.person_update(user=worker, person=person_, values={"联系电话": "13900002222", "技能": "电工证"})
    person_.refresh_from_db()
    assert (person_.phone, person_.skills, person_.name) == ("13900002222", "电工证", "张三")
    latest = person_.history.latest()
    assert (latest.history_user, latest.history_type, latest.skills) == (worker, "~", "电工证")
    [create] = events("person.create")
    [update] = events("person.update")
    assert create.division_code == A and create.user == worker
    assert update.detail["changed"] == ["联系电话", "技能"]
    # An unchanged update writes nothing.
    rs.person_update(user=worker, person=person_, values={"技能": "电工证"})
    assert len(events("person.update")) == 1
    for event in AuditEvent.objects.all():
        assert "13900002222" not in json.dumps(event.detail) and "13800001111" not in json.dumps(event.detail)
    assert_no_clear_ids()


def test_person_update_checks_birth_against_stored_statuses_and_scope(worker):
    zhang = person(ZHANG)
    with pytest.raises(ValidationFailed) as failed:
        rs.person_update(user=worker, person=zhang, values={"家庭编号": "B1"})
    assert "outside your scope" in failed.value.errors["家庭编号"]
    with pytest.raises(ValidationFailed) as failed:
        rs.person_update(user=worker, person=zhang, values={"出生日期": "2006-03-15", "身份证号": "500103200603150112"})
    # A corrected ID number: the stored status episodes are checked against the new birth date.
    assert "status episode starts before birth" in failed.value.errors["出生日期"]
    assert "residence starts before birth" in failed.value.errors["居住起始日期"]
    rs.person_update(user=worker, person=zhang, values={"家庭编号": "A4", "居住终止日期": ""})
    assert person(ZHANG).household.code == "A4"


def test_household_create_and_update(worker):
    household = rs.household_create(user=worker, community=A, values={"家庭编号": "A9", "住址": "民族路9号",
                                                                      "户口性质": "农村"})
    assert (household.community.code, household.hukou) == (A, "农村")
    with pytest.raises(ValidationFailed) as failed:
        rs.household_create(user=worker, community=A, values={"家庭编号": "A9", "户口性质": "城市"})
    assert set(failed.value.errors) == {"家庭编号", "户口性质"}
    rs.household_update(user=worker, household=household, values={"户口性质": "城镇"})
    household.refresh_from_db()
    assert household.hukou == "城镇" and household.history.latest().history_user == worker
    with pytest.raises(ValidationFailed) as failed:
        rs.household_update(user=worker, household=household, values={"社区代码": B})
    assert "社区代码" in failed.value.errors
    assert [e.detail["changed"] for e in events("household.update")] == [["户口性质"]]


# -- services -----------------------------------------------------------------------------------------


def test_service_record_is_the_same_fact_as_the_imported_row(worker, tmp_path):
    zhang = person(ZHANG)
    record = rs.service_record(user=worker, person=zhang, date="2026-06-02", service_type="职业指导", handler=" 小王 ")
    again = rs.service_record(user=worker, person=zhang, date=dt.date(2026, 6, 2), service_type="职业指导",
                              handler="小王")
    assert again.pk == record.pk and len(events("service.record")) == 1
    assert record.history.get().history_user == worker
    total = m.ServiceRecord.objects.count()
    import_rows(tmp_path, {"服务记录": [{"身份证号": ZHANG, "服务日期": "2026-06-02", "服务类型": "职业指导",
                                       "经办人": "小王", "备注": ""}]})
    assert m.ServiceRecord.objects.count() == total
    with pytest.raises(ValidationFailed) as failed:
        rs.service_record(user=worker, person=zhang, date="", service_type="喝茶")
    assert set(failed.value.errors) == {"服务日期", "服务类型"}


def test_casework_services_record_services(worker):
    li = person(LI)
    training = cw.training_record(user=worker, person=li, course="育婴师", start="2026-06-10", end="2026-06-20",
                                  result="合格", certificate="育婴师五级", provider="某培训学校")
    assert (training.service.service_type, training.service.date, training.service.note) == (
        "技能培训", dt.date(2026, 6, 10), "育婴师")
    assert training.history.get().history_user == worker
    outreach = cw.policy_outreach(user=worker, person=li, date="2026-06-11", kind="政策宣传")
    visit = cw.home_visit(user=worker, person=li, date="2026-06-12", note="了解求职意向")
    guidance = cw.guidance_record(user=worker, person=li, date="2026-06-13")
    referral = cw.referral_record(user=worker, person=li, date="2026-06-14")
    assert [r.service_type for r in (outreach, visit, guidance, referral)] == ["政策宣传", "上门走访", "职业指导", "职业介绍"]
    with pytest.raises(ValidationFailed) as failed:
        cw.policy_outreach(user=worker, person=li, date="2026-06-11", kind="上门走访")
    assert "服务类型" in failed.value.errors
    benefit = cw.benefit_grant(user=worker, person=li, kind="社会保险补贴", amount="1200.50", start="2026-06-01")
    assert benefit.amount == Decimal("1200.50")
    for amount in ("-1", "1.234", "abc"):
        with pytest.raises(ValidationFailed) as failed:
            cw.benefit_grant(user=worker, person=li, kind="社会保险补贴", amount=amount, start="2026-06-01")
        assert "金额（元）" in failed.value.errors
    assert [e.action for e in AuditEvent.objects.order_by("id") if e.action != "ledger.import" and e.action != "user.add"] == [
        "training.record", "policy.outreach", "visit.record", "guidance.record", "referral.record", "benefit.grant"]
    assert_no_clear_ids()


def test_follow_ups(worker):
    zhang = person(ZHANG)
    follow_up = cw.follow_up_schedule(user=worker, person=zhang, due="2026-07-01", reason="就业后回访")
    assert (follow_up.community.code, follow_up.created_by, follow_up.household) == (A, worker, None)
    with pytest.raises(ValidationFailed) as failed:
        cw.follow_up_schedule(user=worker, person=zhang, household=m.Household.objects.get(code="A2"), due="2026-07-01")
    assert "家庭" in failed.value.errors
    with pytest.raises(ValidationFailed):
        cw.follow_up_schedule(user=worker, due="2026-07-01")
    cw.follow_up_done(user=worker, follow_up=follow_up, done_on="2026-07-02")
    follow_up.refresh_from_db()
    assert follow_up.done_on == dt.date(2026, 7, 2) and follow_up.history.latest().history_user == worker
    with pytest.raises(ValidationFailed) as failed:
        cw.follow_up_done(user=worker, follow_up=follow_up, done_on="2026-07-03")
    assert "回访日期" in failed.value.errors


def test_zero_case_checks(worker_b):
    cw.zero_employment_sync(user=worker_b, community=B, as_of=dt.date(2026, 6, 5))
    case = ZeroEmploymentCase.objects.get()
    with pytest.raises(ValidationFailed) as failed:
        cw.zero_employment_recognize(user=worker_b, case=case, recognized_on="2026-04-30")
    assert "认定日期" in failed.value.errors
    with pytest.raises(ValidationFailed) as failed:
        cw.assistance_action_add(user=worker_b, case=case, date="2026-06-01", action=" ")
    assert failed.value.errors == {"帮扶措施": "必填项为空 / required value is blank"}
    other = user_add(username="worker_a2", role="community", scope_code=A, password=PASSWORD)
    with pytest.raises(PermissionDenied):
        cw.zero_employment_recognize(user=other, case=case, recognized_on="2026-06-01")


# -- ledger_validate: the importer's checks on rows given as dicts -----------------------------------


def test_ledger_validate_reports_what_the_import_would(example):
    assert ledger_validate({"服务记录": [{"身份证号": ZHANG, "服务日期": "2026-06-01", "服务类型": "职业指导"}]}) == []
    problems = ledger_validate({
        "就业状态": [{"身份证号": ZHANG, "状态": "失业", "开始日期": "2004-01-01"}],
        "失业登记": [{"身份证号": make_id("50010319900101123"), "登记日期": dt.date(2026, 6, 1), "备注": "x"}],
    })
    lines = sorted(p.line() for p in problems)
    assert lines == sorted([
        "就业状态\t2\t开始日期\t与 2005-03-01 开始的状态重叠 / overlaps the status episode starting 2005-03-01",
        "失业登记\t1\t备注\t未知列 / unknown column",
    ])
    problems = ledger_validate({"失业登记": [{"身份证号": make_id("50010319900101123"), "登记日期": "2026-06-01"}]})
    assert [(p.table, p.row, p.column) for p in problems] == [("失业登记", 2, "身份证号")]
    assert "person does not exist" in problems[0].message


def test_registration_problems_of_the_status_change_are_the_registration_dates(worker):
    new_id = make_id("50010320260101123")  # 男, born 2026-01-01
    baby = rs.person_create(user=worker, household=m.Household.objects.get(code="A1"), values={
        "身份证号": new_id, "姓名": "张宝", "性别": "男", "出生日期": "2026-01-01", "居住起始日期": "2026-01-01"})
    with pytest.raises(ValidationFailed) as failed:
        cw.registration_create(user=worker, person=baby, registered_on="2026-03-01", unemployment_reason="下岗了")
    assert list(failed.value.errors) == ["失业原因"]
    assert failed.value.errors["失业原因"].startswith("取值不在列表中 / value not in the list")
    with pytest.raises(ValidationFailed) as failed:
        cw.registration_create(user=worker, person=baby, registered_on="2025-12-01", unemployment_reason="下岗")
    assert failed.value.errors == {"登记日期": "状态开始日期早于出生日期 / status episode starts before birth"}
    assert not baby.registrations.exists() and not baby.statuses.exists()
