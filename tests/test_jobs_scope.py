"""A worker of 500103001002 can neither see nor change the jobs data of 500103001001."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from jiuye.accounts.services import user_add
from jiuye.jobs import matching, selectors, services
from jiuye.registry.models import Person

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 6, 30)
PASSWORD = "Gongzuo-2026!x"
A, B = "500103001001", "500103001002"


@pytest.fixture
def world(jiuye, example_dir):
    assert jiuye("import", str(example_dir)).code == 0
    matching.invalidate_cache()
    a = user_add(username="worker_a", role="community", scope_code=A, password=PASSWORD)
    b = user_add(username="worker_b", role="community", scope_code=B, password=PASSWORD)
    street = user_add(username="street", role="street", scope_code="500103001", password=PASSWORD)
    employer = services.employer_create(user=a, community=A, name="甲社区超市")
    services.employer_agreement_add(user=a, employer=employer, kind="结对子", signed_on="2026-01-01")
    vacancy = services.vacancy_create(user=a, community=A, title="收银员", employer=employer,
                                      opened_on=dt.date(2026, 6, 1), count=3)
    liu = Person.objects.get(name="刘婷")  # of A
    services.wish_save(user=a, person=liu, desired="收银", updated_on=ON)
    referral = services.referral_create(user=a, vacancy=vacancy, person=liu, referred_on=ON)
    post = services.post_create(user=a, community=A, kind="公益性岗位", title="甲社区公益岗", opened_on="2026-01-01")
    return {"a": a, "b": b, "street": street, "employer": employer, "vacancy": vacancy, "referral": referral,
            "post": post, "liu": liu, "sun": Person.objects.get(name="孙伟")}


def test_other_community_sees_nothing(world):
    b = world["b"]
    assert list(selectors.employer_list(b)) == []
    assert list(selectors.vacancy_list(b)) == []
    assert list(selectors.referral_list(b)) == []
    assert list(selectors.post_list(b)) == []
    assert list(selectors.wish_list(b)) == []
    assert selectors.free_posts(b, on=ON) == []
    assert selectors.referral_funnel(b)["referred"] == 0
    for read in (lambda: selectors.employer_detail(b, world["employer"].pk),
                 lambda: selectors.vacancy_detail(b, world["vacancy"].pk),
                 lambda: selectors.post_detail(b, world["post"].pk),
                 lambda: selectors.wish_for(b, world["liu"]),
                 lambda: selectors.immediate_placement(b, world["liu"], on=ON),
                 lambda: matching.persons_for_vacancy(b, world["vacancy"], on=ON),
                 lambda: matching.vacancies_for_person(b, world["liu"], on=ON)):
        with pytest.raises(PermissionDenied):
            read()
    # B's own resident is never offered A's vacancy.
    services.wish_save(user=b, person=world["sun"], desired="收银员", updated_on=ON)
    assert matching.vacancies_for_person(b, world["sun"], on=ON) == []
    # The owners and the street above both see them.
    assert [m.vacancy for m in matching.vacancies_for_person(world["street"], world["sun"], on=ON)] == [world["vacancy"]]
    assert list(selectors.employer_list(world["a"])) == [world["employer"]]


def test_other_community_changes_nothing(world):
    b = world["b"]
    writes = [
        lambda: services.employer_update(user=b, employer=world["employer"], name="改名"),
        lambda: services.employer_agreement_add(user=b, employer=world["employer"], kind="签协议", signed_on=ON),
        lambda: services.employer_demand_add(user=b, employer=world["employer"], occupation="保洁", count=1, date=ON),
        lambda: services.employer_create(user=b, community=A, name="冒名单位"),
        lambda: services.vacancy_create(user=b, community=A, title="保洁员", opened_on=ON),
        lambda: services.vacancy_create(user=b, community=B, title="保洁员", opened_on=ON, employer=world["employer"]),
        lambda: services.vacancy_update(user=b, vacancy=world["vacancy"], count=9),
        lambda: services.vacancy_close(user=b, vacancy=world["vacancy"], closed_on=ON),
        lambda: services.referral_create(user=b, vacancy=world["vacancy"], person=world["sun"], referred_on=ON),
        lambda: services.referral_interview(user=b, referral=world["referral"], interview_on=ON),
        lambda: services.referral_hire(user=b, referral=world["referral"], start=ON),
        lambda: services.referral_reject(user=b, referral=world["referral"], decided_on=ON, reason="x"),
        lambda: services.referral_check(user=b, referral=world["referral"], months=3, checked_on=ON),
        lambda: services.wish_save(user=b, person=world["liu"], desired="保洁"),
        lambda: services.post_create(user=b, community=A, kind="公益性岗位", title="x", opened_on=ON),
        lambda: services.post_assign(user=b, post=world["post"], person=world["sun"], start=ON),
    ]
    for write in writes:
        with pytest.raises(PermissionDenied):
            write()
    own = services.vacancy_create(user=b, community=B, title="保洁员", opened_on=ON)
    with pytest.raises(PermissionDenied):  # B's vacancy, A's resident
        services.referral_create(user=b, vacancy=own, person=world["liu"], referred_on=ON)
    world["vacancy"].refresh_from_db()
    world["employer"].refresh_from_db()
    assert world["vacancy"].count == 3 and world["vacancy"].closed_on is None
    assert world["employer"].name == "甲社区超市"
    world["referral"].refresh_from_db()
    assert world["referral"].outcome == "" and world["referral"].interview_on is None
