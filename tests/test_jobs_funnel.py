"""Employers, the referral funnel, hires as casework records them, developed posts, placement."""

import datetime as dt
import json

import pytest
from django.db import transaction

from jiuye.accounts.services import user_add
from jiuye.audit.models import AuditEvent
from jiuye.casework import services as casework_services
from jiuye.jobs import selectors, services
from jiuye.registry import services as registry_services
from jiuye.registry.models import Person, ServiceRecord, StatusEpisode, UnemploymentRegistration
from jiuye.registry.services import ValidationFailed
from jiuye.standards.evaluate import evaluate

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 6, 30)
PASSWORD = "Gongzuo-2026!x"
B = "500103001002"


@pytest.fixture(autouse=True)
def after_the_facts():
    """Seen at the end of January 2027: every referral, hire and check recorded below has happened
    (a form may not record one dated after today)."""
    import time_machine

    with time_machine.travel(dt.datetime(2027, 1, 31, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=True):
        yield


@pytest.fixture
def worker(jiuye, example_dir):
    assert jiuye("import", str(example_dir)).code == 0
    return user_add(username="worker_b", role="community", scope_code=B, password=PASSWORD)


def person(name):
    return Person.objects.get(name=name)


def property_company(user):
    return services.employer_create(user=user, community=B, name="重庆某物业公司", credit_code="91350100M000100Y43",
                                    industry="物业管理", contact_name="王经理", contact_phone="13800000000")


def test_employer_agreements_and_demand_ledger(worker):
    employer = property_company(worker)
    services.employer_agreement_add(user=worker, employer=employer, kind="签协议", signed_on="2026-01-05",
                                    end="2026-12-31", content="优先招用辖区失业人员")
    services.employer_agreement_add(user=worker, employer=employer, kind="结对子", signed_on=dt.date(2026, 2, 1))
    demand = services.employer_demand_add(user=worker, employer=employer, occupation="保洁阿姨", count=3,
                                          date=dt.date(2026, 6, 1))
    assert demand.occupation_code == "4-09-07-01"
    vacancy = services.vacancy_create(user=worker, community=B, title="保洁员", demand=demand,
                                      opened_on=dt.date(2026, 6, 1), count=3)
    assert vacancy.employer == employer and vacancy.source == "辖区单位"
    detail = selectors.employer_detail(worker, employer.pk)
    assert [a.kind for a in detail["agreements"]] == ["结对子", "签协议"]
    assert detail["demands"] == [demand]
    assert detail["vacancies"][0].free == 3
    assert list(selectors.employer_list(worker, query="物业")) == [employer]
    # Invalid and duplicate credit codes are refused, field by field.
    with pytest.raises(ValidationFailed) as bad:
        services.employer_create(user=worker, community=B, name="某公司", credit_code="91350100M000100Y44")
    assert "统一社会信用代码" in bad.value.errors
    with pytest.raises(ValidationFailed) as duplicate:
        services.employer_create(user=worker, community=B, name="某公司", credit_code="91350100m000100y43")
    assert "已登记" in duplicate.value.errors["统一社会信用代码"]
    with pytest.raises(ValidationFailed) as blank:
        services.employer_create(user=worker, community=B, name=" ")
    assert "单位名称" in blank.value.errors
    updated = services.employer_update(user=worker, employer=employer, address="邹容路100号")
    assert updated.address == "邹容路100号"
    # Audit details never carry phone or ID numbers.
    details = json.dumps([e.detail for e in AuditEvent.objects.all()], ensure_ascii=False)
    assert "13800000000" not in details
    assert not any(p.id_number in details for p in Person.objects.all())


def test_vacancy_validation(worker):
    with pytest.raises(ValidationFailed) as failed:
        services.vacancy_create(user=worker, community=B, title="随便什么", opened_on="2026-06-01", wage_min=5000,
                                wage_max=4000, age_min=50, age_max=30, education_min="博士", closed_on="2026-05-01")
    assert set(failed.value.errors) >= {"职业代码", "月薪上限（元）", "最高年龄", "最低学历", "截止日期"}
    with pytest.raises(ValidationFailed) as code:
        services.vacancy_create(user=worker, community=B, title="x", occupation_code="9-99", opened_on="2026-06-01")
    assert "职业代码" in code.value.errors
    # A real code finer than the shipped data is accepted when its 中类 exists.
    vacancy = services.vacancy_create(user=worker, community=B, title="x", occupation_code="4-03-02-10",
                                      opened_on="2026-06-01")
    assert vacancy.occupation_code == "4-03-02-10"
    assert vacancy.location_code == B


def test_referral_funnel_and_retention_checks(worker):
    employer = property_company(worker)
    vacancy = services.vacancy_create(user=worker, community=B, title="保洁员", employer=employer, count=1,
                                      opened_on=dt.date(2026, 5, 1))
    he, wu = person("何静"), person("吴刚")
    first = services.referral_create(user=worker, vacancy=vacancy, person=he, referred_on=dt.date(2026, 6, 20))
    assert first.stage == "已推荐"
    assert first.service.service_type == "职业介绍" and first.service.date == dt.date(2026, 6, 20)
    with pytest.raises(ValidationFailed):  # the same pair, still pending
        services.referral_create(user=worker, vacancy=vacancy, person=he, referred_on=dt.date(2026, 6, 21))
    second = services.referral_create(user=worker, vacancy=vacancy, person=wu, referred_on=dt.date(2026, 6, 20))
    services.referral_interview(user=worker, referral=first, interview_on=dt.date(2026, 6, 22))
    with pytest.raises(ValidationFailed) as no_reason:
        services.referral_reject(user=worker, referral=second, decided_on=dt.date(2026, 6, 22), reason="")
    assert "未录用原因" in no_reason.value.errors
    services.referral_reject(user=worker, referral=second, decided_on=dt.date(2026, 6, 22), reason="体检未通过")
    hired = services.referral_hire(user=worker, referral=first, start=dt.date(2026, 6, 27))
    assert hired.stage == "已录用" and hired.employment.status == "就业"
    assert hired.employment.employer_name == "重庆某物业公司"
    with pytest.raises(ValidationFailed):
        services.referral_hire(user=worker, referral=first, start=dt.date(2026, 6, 28))
    assert selectors.vacancy_detail(worker, vacancy.pk)["free"] == 0
    with pytest.raises(ValidationFailed) as full:  # filled
        services.referral_create(user=worker, vacancy=vacancy, person=person("孙伟"), referred_on=ON)
    assert "空岗" in full.value.errors
    # Her registration (06-26) was cancelled as 已就业, as casework's employment_record does.
    registration = UnemploymentRegistration.objects.get(person=he)
    assert (registration.cancelled_on, registration.cancel_reason) == (dt.date(2026, 6, 27), "已就业")

    assert [c.months for c in selectors.checks_due(worker, on=dt.date(2026, 9, 26))] == []
    assert [c.months for c in selectors.checks_due(worker, on=dt.date(2026, 9, 27))] == [3]
    assert [c.months for c in selectors.checks_due(worker, on=dt.date(2026, 12, 31))] == [3, 6]
    checked = services.referral_check(user=worker, referral=first, months=3, checked_on=dt.date(2026, 9, 28))
    assert checked.check3_in_work is True and checked.stage == "稳岗3个月"  # read from the register
    registry_services.status_change(user=worker, person=he, status="失业", start=dt.date(2026, 11, 1),
                                    unemployment_reason="辞职")
    checked = services.referral_check(user=worker, referral=first, months=6, checked_on=dt.date(2026, 12, 28))
    assert checked.check6_in_work is False and checked.stage == "已离岗"
    assert selectors.checks_due(worker, on=dt.date(2026, 12, 31)) == []
    funnel = selectors.referral_funnel(worker)
    assert funnel == {"referred": 2, "interviewed": 1, "hired": 1, "not_hired": 1, "pending": 0, "in_work_3m": 1,
                      "left_by_3m": 0, "in_work_6m": 0, "left_by_6m": 1}
    assert [r.pk for r in selectors.referral_list(worker, stage="未录用")] == [second.pk]


def _evaluate_all():
    return [evaluate(day, prefix="500103")["communities"] for day in (ON, dt.date(2026, 12, 31))]


def _facts(who):
    return (
        list(StatusEpisode.objects.filter(person=who).values_list("status", "start", "end", "employment_form",
                                                                  "employer_name")),
        list(UnemploymentRegistration.objects.filter(person=who).values_list("registered_on", "cancelled_on",
                                                                             "cancel_reason")),
        sorted(ServiceRecord.objects.filter(person=who).values_list("date", "service_type")),
    )


def test_a_hire_through_the_funnel_equals_a_hire_through_casework(worker):
    """孙伟 (500103001002) is 失业 since 2026-05-01; referred on 06-10, employed from 06-15."""
    sun = person("孙伟")
    before = _evaluate_all()
    employer = property_company(worker)
    vacancy = services.vacancy_create(user=worker, community=B, title="保洁员", employer=employer,
                                      opened_on=dt.date(2026, 6, 1))

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():  # route 1: casework's services, as the worker's desk calls them
            registry_services.service_record(user=worker, person=sun, date=dt.date(2026, 6, 10),
                                             service_type="职业介绍")
            casework_services.employment_record(user=worker, person=sun, start=dt.date(2026, 6, 15),
                                                employment_form="单位就业", employer_name="重庆某物业公司")
            casework = (_evaluate_all(), _facts(sun))
            raise Rollback
    except Rollback:
        pass
    assert _evaluate_all() == before

    referral = services.referral_create(user=worker, vacancy=vacancy, person=sun, referred_on=dt.date(2026, 6, 10))
    services.referral_hire(user=worker, referral=referral, start=dt.date(2026, 6, 15))
    funnel = (_evaluate_all(), _facts(sun))
    assert funnel == casework
    assert funnel[0] != before  # the hire did change the standards (e.g. B1 is no longer zero-employment)


def test_developed_posts_holders_and_subsidies(worker):
    post = services.post_create(user=worker, community=B, kind="公益性岗位", title="社区保洁公益岗", slots=1,
                                opened_on=dt.date(2026, 1, 1), employer_name="解放碑街道")
    assert post.occupation_code == "4-09-07-01"
    sun = person("孙伟")
    tenure = services.post_assign(user=worker, post=post, person=sun, start=dt.date(2026, 7, 1))
    assert tenure.employment.employment_form == "公益性岗位"
    assert ServiceRecord.objects.filter(person=sun, service_type="公益性岗位安置", date=dt.date(2026, 7, 1)).exists()
    with pytest.raises(ValidationFailed):  # one slot only
        services.post_assign(user=worker, post=post, person=person("何静"), start=dt.date(2026, 7, 2))
    services.subsidy_add(user=worker, tenure=tenure, kind="岗位补贴", start="2026-07-01", end="2026-12-31",
                         monthly_amount="800.00")
    with pytest.raises(ValidationFailed):  # overlapping period of the same kind
        services.subsidy_add(user=worker, tenure=tenure, kind="岗位补贴", start="2026-12-01", end="2027-03-31")
    services.post_release(user=worker, tenure=tenure, end=dt.date(2027, 6, 30), reason="期满")
    assert [t.person for t in selectors.post_holders(worker, on=dt.date(2026, 8, 1))] == [sun]
    assert selectors.post_holders(worker, on=dt.date(2027, 7, 1)).count() == 0
    assert selectors.post_detail(worker, post.pk)["tenures"][0].subsidies.count() == 1


def test_immediate_placement_lists_free_public_welfare_posts_for_urgent_members(worker):
    welfare = services.post_create(user=worker, community=B, kind="公益性岗位", title="社区保洁公益岗", slots=2,
                                   opened_on=dt.date(2026, 1, 1))
    service_post = services.post_create(user=worker, community=B, kind="社区服务岗位", title="社区助老员", slots=1,
                                        opened_on=dt.date(2026, 3, 1))
    services.post_create(user=worker, community=B, kind="公益性岗位", title="已撤销的岗位", slots=1,
                         opened_on=dt.date(2025, 1, 1), closed_on=dt.date(2025, 12, 31))

    sun = selectors.immediate_placement(worker, person("孙伟"), on=ON)  # B1: zero-employment since 05-01
    assert sun.urgent and sun.reasons == ["零就业家庭成员"]
    assert [(p.post, p.free) for p in sun.posts] == [(welfare, 2), (service_post, 1)]
    feng = selectors.immediate_placement(worker, person("冯桂英"), on=ON)  # B3: 低保
    assert feng.urgent and feng.reasons == ["低保家庭成员"]
    he = selectors.immediate_placement(worker, person("何静"), on=ON)
    assert not he.urgent and he.posts == []
    assert "孙伟" in [u.person.name for u in selectors.urgent_persons(worker, on=ON)]

    services.post_assign(user=worker, post=service_post, person=person("孙伟"), start=ON)
    after = selectors.immediate_placement(worker, person("冯桂英"), on=ON)
    assert [(p.post, p.free) for p in after.posts] == [(welfare, 2)]
    assert not selectors.immediate_placement(worker, person("孙伟"), on=ON).urgent  # now employed
