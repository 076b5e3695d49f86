"""Jobs in the browser's pages: ranked residents for a vacancy, a resident's vacancies, the funnel."""

import datetime as dt

import pytest
import time_machine

from jiuye.accounts.services import user_add
from jiuye.jobs import models as j
from jiuye.jobs import services
from jiuye.registry import models as m
from jiuye.standards.evaluate import evaluate

pytestmark = pytest.mark.django_db
PASSWORD = "Gongzuo-2026!x"


@pytest.fixture
def yi(client, jiuye, example_dir):
    assert jiuye("import", str(example_dir)).code == 0
    user = user_add(username="yi", role="community", scope_code="500103001002", password=PASSWORD)
    user_add(username="jia", role="community", scope_code="500103001001", password=PASSWORD)
    client.login(username="yi", password=PASSWORD)
    return user


@time_machine.travel(dt.date(2026, 6, 10))
def test_a_vacancy_lists_the_unemployed_to_call_and_a_referral_ends_in_a_hire(client, yi):
    response = client.post("/jobs/vacancies/new/", {"title": "保洁员", "count": 2, "opened_on": "2026-06-01",
                                                   "wage_min": 3000, "wage_max": 3800})
    assert response.status_code == 302
    vacancy = j.Vacancy.objects.get(title="保洁员")
    page = client.get(f"/jobs/vacancies/{vacancy.pk}/").content.decode()
    assert "孙伟" in page and "职业" in page  # the score explained part by part
    sun = m.Person.objects.get(name="孙伟")
    assert client.post(f"/jobs/vacancies/{vacancy.pk}/refer/{sun.pk}/").status_code == 302
    referral = j.Referral.objects.get(person=sun)
    before = evaluate(dt.date(2026, 6, 30), prefix="500103001002")["communities"][0]["standards"]["s1"]
    client.post(f"/jobs/referrals/{referral.pk}/interview/", {"date": "2026-06-10"})
    client.post(f"/jobs/referrals/{referral.pk}/hire/", {"date": "2026-06-10"})
    referral.refresh_from_db()
    assert referral.outcome == j.HIRED
    after = evaluate(dt.date(2026, 6, 30), prefix="500103001002")["communities"][0]["standards"]["s1"]
    assert after["numerator"] == before["numerator"] + 1
    funnel = client.get("/jobs/referrals/").content.decode()
    assert "孙伟" in funnel


@time_machine.travel(dt.date(2026, 6, 10))
def test_a_residents_job_page_ranks_vacancies_and_offers_free_posts(client, yi):
    services.vacancy_create(user=yi, community=yi.scope, title="保安员", opened_on=dt.date(2026, 6, 1))
    services.post_create(user=yi, community=yi.scope, kind=j.POST_KINDS[0], title="社区保洁公益岗",
                         opened_on=dt.date(2026, 6, 1), slots=1)
    sun = m.Person.objects.get(name="孙伟")  # his one-person household is zero-employment
    page = client.get(f"/people/{sun.pk}/jobs/").content.decode()
    assert "保安员" in page and "社区保洁公益岗" in page
    assert client.post(f"/people/{sun.pk}/jobs/", {"desired": "保安"}).status_code == 302
    assert j.JobSeekerProfile.objects.get(person=sun).desired_text == "保安"
    queue = client.get("/?queue=1").content.decode()
    assert "孙伟" in queue


def test_jobs_of_another_community_are_out_of_reach(client, yi):
    jia = m.Person.objects.get(name="张建国")
    from jiuye.accounts.models import User

    other = services.vacancy_create(user=User.objects.get(username="jia"), community=jia.household.community,
                                    title="厨师", opened_on=dt.date(2026, 6, 1))
    assert client.get(f"/jobs/vacancies/{other.pk}/").status_code == 404
    assert client.get(f"/people/{jia.pk}/jobs/").status_code == 404
    assert client.post(f"/jobs/vacancies/{other.pk}/refer/{jia.pk}/").status_code == 404
    assert "厨师" not in client.get("/jobs/?all=1").content.decode()
    assert j.Referral.objects.count() == 0


@time_machine.travel(dt.date(2026, 6, 10))
def test_employer_agreements_demand_and_a_public_welfare_post(client, yi):
    assert client.post("/jobs/employers/", {"name": "重庆某物业公司", "credit_code": "91350100M000100Y43"}).status_code == 302
    employer = j.Employer.objects.get(name="重庆某物业公司")
    bad = client.post("/jobs/employers/", {"name": "某公司", "credit_code": "91350100M000100Y44"}).content.decode()
    assert 'id="error-credit_code"' in bad
    client.post(f"/jobs/employers/{employer.pk}/", {"form": "agreement", "a-kind": "结对子", "a-signed_on": "2026-06-01"})
    client.post(f"/jobs/employers/{employer.pk}/", {"form": "demand", "d-occupation": "保洁", "d-count": 3,
                                                    "d-date": "2026-06-05"})
    page = client.get(f"/jobs/employers/{employer.pk}/").content.decode()
    assert "结对子" in page and "保洁" in page
    client.post("/jobs/posts/", {"kind": "公益性岗位", "title": "楼栋保洁", "slots": 1, "opened_on": "2026-06-01"})
    post = j.DevelopedPost.objects.get(title="楼栋保洁")
    sun = m.Person.objects.get(name="孙伟")
    assert "孙伟" in client.get(f"/jobs/posts/{post.pk}/").content.decode()  # urgent residents offered first
    client.post(f"/jobs/posts/{post.pk}/", {"person": sun.pk, "start": "2026-06-10"})
    assert sun.statuses.get(start=dt.date(2026, 6, 10)).employment_form == "公益性岗位"
    assert post.tenures.get().person == sun
    assert "1/1" in client.get("/jobs/posts/").content.decode()  # held / places
