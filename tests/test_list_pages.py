"""Every list page is bounded: one page of rows and a link (or, for a search sent by the form, a
button) to the next, keeping the filters and never an ID or phone number."""

import datetime as dt
import re

import pytest
import time_machine

from jiuye.divisions.models import Division
from jiuye.jobs import models as j
from jiuye.registry import models as m
from jiuye.registry.paging import PAGE_SIZE
from jiuye.tasks.models import Job, JobKind, JobState
from tests.conftest import JIA
from tests.ledger_builders import make_id

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_hashing")]
DAY = dt.date(2026, 10, 9)
N = PAGE_SIZE + 5


@pytest.fixture
def client_jia(client, jia):
    client.force_login(jia)
    return client


def _many_residents(n: int) -> list[m.Person]:
    household = m.Household.objects.get(code="A1")
    people = []
    for i in range(n):
        first17 = f"500103199{i // 100 % 10}{(i // 10) % 10 + 1:02d}{i % 10 + 10:02d}12{i % 10}"[:17]
        person = m.Person(household=household, name=f"何{chr(0x4E00 + i)}", sex="男" if int(first17[16]) % 2 else "女",
                          birth_date=dt.date(1990 + i // 100 % 10, (i // 10) % 10 + 1, i % 10 + 10),
                          id_number=make_id(first17), residence_start=dt.date(2020, 1, 1))
        person.save()
        people.append(person)
    return people


def _rows(html: str, pattern: str) -> int:
    return len(re.findall(pattern, html))


def _next_link(html: str) -> str:
    return re.search(r'<a href="([^"]+)" rel="next">', html).group(1).replace("&amp;", "&")


@time_machine.travel(DAY)
@pytest.mark.parametrize("kind", ["vacancies", "employers", "posts", "referrals", "jobs"])
def test_a_long_list_shows_one_page_and_a_link_to_the_next(client_jia, jia, kind):
    community = Division.objects.get(code=JIA)
    employer = j.Employer.objects.create(community=community, name="重庆某公司")
    if kind == "vacancies":
        j.Vacancy.objects.bulk_create([j.Vacancy(community=community, employer=employer, title=f"岗位{i:02d}",
                                                 occupation_code="4-01-01-01", opened_on=DAY) for i in range(N)])
        url, row = "/jobs/?q=岗位", r'<a href="/jobs/vacancies/\d+/">'
    elif kind == "employers":
        j.Employer.objects.bulk_create([j.Employer(community=community, name=f"单位{i:02d}") for i in range(N - 1)])
        url, row = "/jobs/employers/", r'<a href="/jobs/employers/\d+/">'
    elif kind == "posts":
        j.DevelopedPost.objects.bulk_create([j.DevelopedPost(community=community, kind=j.POST_KINDS[0],
                                                             title=f"公益岗{i:02d}", opened_on=DAY) for i in range(N)])
        url, row = "/jobs/posts/", r'<a href="/jobs/posts/\d+/">'
    elif kind == "referrals":
        vacancy = j.Vacancy.objects.create(community=community, employer=employer, title="岗位",
                                           occupation_code="4-01-01-01", opened_on=DAY, count=N)
        j.Referral.objects.bulk_create([j.Referral(vacancy=vacancy, person=p, referred_on=DAY)
                                        for p in _many_residents(N)])
        url, row = "/jobs/referrals/", r'<td><a href="/people/\d+/">'
    else:
        Job.objects.bulk_create([Job(kind=JobKind.EXPORT, user=jia, division_code=JIA, state=JobState.DONE)
                                 for _ in range(N)])
        url, row = "/ledgers/jobs/", r'<a href="/ledgers/jobs/\d+/">'
    first = client_jia.get(url).content.decode()
    assert _rows(first, row) == PAGE_SIZE
    link = _next_link(first)
    assert "page=2" in link
    if kind == "vacancies":
        assert "q=" in link  # the filter is kept
    second = client_jia.get(url.split("?")[0] + link).content.decode()
    assert _rows(second, row) == N - PAGE_SIZE
    assert 'rel="next"' not in second


@time_machine.travel(DAY)
def test_a_search_sent_by_the_form_pages_by_post_without_the_query_in_a_url(client_jia):
    people = _many_residents(N)
    first = client_jia.post("/people/", {"q": "何"}).content.decode()
    row = r'<li><a href="/people/\d+/">'
    assert _rows(first, row) >= PAGE_SIZE and _rows(first, row) == PAGE_SIZE
    assert re.search(r'<button type="submit" name="page" value="2"[^>]*rel="next"', first)
    assert 'href="?' not in first.split('id="pages"', 1)[1].split("</nav>", 1)[0]
    second = client_jia.post("/people/", {"q": "何", "page": "2"}).content.decode()
    shown = set(re.findall(r'<li><a href="/people/(\d+)/">', first)) | set(
        re.findall(r'<li><a href="/people/(\d+)/">', second))
    assert {str(p.pk) for p in people} <= shown


@time_machine.travel(DAY)
def test_a_linked_name_search_keeps_the_name_in_its_page_links(client_jia):
    _many_residents(N)
    first = client_jia.get("/people/?q=何").content.decode()
    assert "page=2" in _next_link(first) and "q=%E4%BD%95" in _next_link(first)


def test_page_links_never_carry_a_number(rf):
    from jiuye.registry.paging import list_page

    page, filters = list_page(rf.get("/jobs/", {"q": "13812345678", "all": "1", "page": "2"}), list(range(100)))
    assert filters == "all=1" and page.number == 2
