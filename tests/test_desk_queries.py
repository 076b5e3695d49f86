"""Each desk page's queries are pinned, with enough residents that a query per row would show
(30 more in one household, each unemployed, registered and referred), and only what a page
shows is decrypted. The pages are viewed uncached (their first view of the day)."""

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.core.cache import caches

from jiuye.divisions.models import Division
from jiuye.jobs import models as j
from jiuye.registry import crypto
from jiuye.registry import models as m
from jiuye.registry.paging import PAGE_SIZE
from tests.conftest import JIA
from tests.test_list_pages import DAY, _many_residents, client_jia  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_hashing")]
EXTRA = 30

# The most queries each page may make on its first view, whatever the number of residents.
PAGES = {
    "/": 47,
    "/zero/": 38,
    "/standing/": 18,
    f"/standing/{JIA}/": 18,
    "/households/{household}/": 8,
    "/people/?q=何": 5,
    "/people/{person}/": 13,
    "/people/{person}/jobs/": 28,
    "/jobs/": 5,
    "/jobs/vacancies/{vacancy}/": 23,
    "/jobs/referrals/": 7,
    "/jobs/employers/": 5,
    "/jobs/posts/": 5,
    "/ledgers/jobs/": 5,
    "/ledgers/unemployed/": 25,
    "/ledgers/labour-force/": 23,
}

# The most queries each cached page makes on a later view of the day: the session, the user with
# their scope, the scope's revision (once), and what is read on every view.
CACHED = {
    "/": 5,
    "/zero/": 6,
    "/standing/": 3,
    f"/standing/{JIA}/": 3,
    "/households/{household}/": 4,
    "/people/{person}/": 6,
    "/ledgers/unemployed/": 6,
    "/ledgers/labour-force/": 6,
}


@pytest.fixture
def crowded(jia):  # noqa: F811
    community = Division.objects.get(code=JIA)
    employer = j.Employer.objects.create(community=community, name="重庆某公司")
    vacancy = j.Vacancy.objects.create(community=community, employer=employer, title="岗位",
                                       occupation_code="4-01-01-01", opened_on=DAY, count=100)
    people = _many_residents(EXTRA)
    for p in people:
        m.StatusEpisode.objects.create(person=p, status="失业", start=dt.date(2026, 1, 1))
        m.UnemploymentRegistration.objects.create(person=p, registered_on=dt.date(2026, 1, 1))
    j.Referral.objects.bulk_create([j.Referral(vacancy=vacancy, person=p, referred_on=DAY) for p in people])
    return {"household": people[0].household_id, "person": people[0].pk, "vacancy": vacancy.pk}


@time_machine.travel(DAY)
@pytest.mark.parametrize("url", list(PAGES))
def test_a_desk_page_makes_no_query_per_row(client_jia, crowded, url, django_assert_max_num_queries):  # noqa: F811
    url_of = url.format(**crowded)
    client_jia.get(url_of)  # the day's zero-employment sync, sessions: as on any first view
    caches["pages"].clear()
    with django_assert_max_num_queries(PAGES[url]):
        response = client_jia.get(url_of)
    assert response.status_code == 200


@time_machine.travel(DAY)
@pytest.mark.parametrize("url", list(CACHED))
def test_a_cached_page_makes_few_queries(client_jia, crowded, url, django_assert_max_num_queries):  # noqa: F811
    url_of = url.format(**crowded)
    client_jia.get(url_of)
    with django_assert_max_num_queries(CACHED[url]):
        response = client_jia.get(url_of)
    assert response.status_code == 200


@time_machine.travel(DAY)
def test_a_search_decrypts_only_the_residents_it_shows(client_jia, crowded):  # noqa: F811
    real = crypto.decrypt
    with mock.patch.object(crypto, "decrypt", side_effect=real) as decrypted:
        body = client_jia.post("/people/", {"q": "何"}).content.decode()
    assert 'rel="next"' in body  # more than a page matched
    assert 0 < decrypted.call_count <= 2 * PAGE_SIZE + 2  # (and the field key check)  # an ID and a phone per resident shown


@time_machine.travel(DAY)
def test_the_referrals_page_decrypts_only_its_page(client_jia, crowded):  # noqa: F811
    real = crypto.decrypt
    with mock.patch.object(crypto, "decrypt", side_effect=real) as decrypted:
        client_jia.get("/jobs/referrals/")
    assert 0 < decrypted.call_count <= 2 * PAGE_SIZE + 2  # (and the field key check)
