"""Cached desk pages: computed once per community, day and revision, never stale.

Today, the household page, the zero-employment board, the standing page and a community's
page are read from the cache until the register of their scope changes (a service, an
import, the nightly zero-employment sync, restore) or a policy table does (a parameter, a
holiday): each such write shows on the very next view. What is cached holds no full ID, so
a viewer who may see full IDs shares nothing with one who may not.
"""

import datetime as dt
import re
import shutil
from unittest import mock

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.test import Client

from jiuye.accounts.services import user_add
from jiuye.casework import services as cs
from jiuye.casework.models import ZeroEmploymentCase
from jiuye.divisions.revisions import register_changed, revision
from jiuye.registry import models as m
from jiuye.registry import services as rs
from tests.conftest import JIA, PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_hashing")]
DAY = dt.date(2026, 10, 9)
# The most queries a cached page makes: the session, the user with their scope, the scope's
# revision (once a request, however many cached parts the page has) and what is read on every
# view (the person or household asked for, the viewer's permissions, open cases).
CACHED_QUERIES = 6


@pytest.fixture
def colleague(jia):
    """Another worker of 甲: their changes are not "done today" on jia's page."""
    return user_add(username="bing", role="community", scope_code=JIA, password=PASSWORD)


@pytest.fixture
def view(client, jia):
    def read(url: str, user=None) -> str:
        if user is not None or read.user is None:
            read.user = user or jia
            client.force_login(read.user)
        elif read.user != jia:
            read.user = jia
            client.force_login(jia)
        response = client.get(url)
        assert response.status_code == 200, url
        return response.content.decode()

    read.user = None
    return read


def _person(name: str) -> m.Person:
    return m.Person.objects.get(name=name)


def _without_tokens(html: str) -> str:
    return re.sub(r"[A-Za-z0-9]{64}", "", html)  # each response has a CSRF token of its own


def _queue(html: str) -> str:
    return html.split('id="queue"', 1)[1].split("</ol>", 1)[0]


def _guidance_due(html: str, name: str) -> str:
    item = re.search(rf'data-kind="guidance">((?:(?!</li>).)*{name}(?:(?!</li>).)*)</li>', _queue(html), re.S).group(1)
    return re.search(r'class="todo">[^<]*?(\d{4}-\d\d-\d\d)', item).group(1)


def _zero_now(html: str) -> str:
    return html.split('id="zero-current"', 1)[1].split("</ol>", 1)[0]


def _standard(html: str, key: str) -> str:
    return re.search(rf'<li id="{key}" class="(\w+)"', html).group(1)


class Evaluations:
    """Counts the community evaluations (contexts loaded, standards evaluated) while active."""

    def __enter__(self):
        from jiuye.standards import context, evaluate

        self.calls = 0
        real_load, real_evaluate = context.load_context, evaluate.evaluate

        def load(*args, **kwargs):
            self.calls += 1
            return real_load(*args, **kwargs)

        def evaluated(*args, **kwargs):
            self.calls += 1
            return real_evaluate(*args, **kwargs)

        self.loads = 0

        def counted_load(*args, **kwargs):
            self.loads += 1
            return load(*args, **kwargs)

        self.patches = [mock.patch.object(context, "load_context", counted_load),
                        mock.patch.object(evaluate, "evaluate", evaluated)]
        for p in self.patches:
            p.start()
        return self

    def __exit__(self, *exc):
        for p in self.patches:
            p.stop()


# -- computed once -----------------------------------------------------------------------------------


@time_machine.travel(DAY)
@pytest.mark.parametrize("url", ["/", "/zero/", "/standing/", f"/standing/{JIA}/", "household", "person",
                                 "/ledgers/labour-force/", "/ledgers/services/", "/ledgers/unemployed/"])
def test_a_second_view_does_not_evaluate_the_community_again(view, url, django_assert_max_num_queries):
    if url == "household":
        url = f"/households/{m.Household.objects.get(code='A4').pk}/"
    if url == "person":
        url = f"/people/{_person('刘婷').pk}/"
    first = view(url)
    with Evaluations() as counted, django_assert_max_num_queries(CACHED_QUERIES):
        again = view(url)
    assert counted.calls == 0
    assert _without_tokens(again) == _without_tokens(first)


@time_machine.travel(DAY)
@pytest.mark.parametrize("url", ["/", "/zero/", "/ledgers/unemployed/"])
def test_a_page_reads_its_scopes_revision_once(view, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    view(url)
    with CaptureQueriesContext(connection) as queries:
        view(url)  # Today and the board: the day's sync and the cached page, under one revision
    assert len([q for q in queries.captured_queries if "divisions_revision" in q["sql"]]) == 1


@time_machine.travel(DAY)
def test_after_the_nightly_run_a_first_view_of_the_day_is_read_from_the_cache(view, jia):
    from jiuye.tasks.tasks import nightly_evaluation

    nightly_evaluation.delay().get()  # today's: the cases synced, each community's desk pages computed
    for url in ["/", "/zero/", "/standing/", f"/standing/{JIA}/"]:
        with Evaluations() as counted:
            view(url)
        assert counted.calls == 0, url
    cs.home_visit(user=jia, person=_person("刘婷"), date=DAY)  # a write: the next view computes again
    with Evaluations() as counted:
        assert "刘婷" not in _queue(view("/"))
    assert counted.calls > 0


@time_machine.travel(DAY)
def test_the_pages_of_a_community_load_its_register_once_until_it_changes(view, colleague):
    with Evaluations() as counted:
        for url in ["/standing/", "/zero/", "/", "/ledgers/labour-force/", "/ledgers/hardship/"]:
            view(url)
    assert counted.loads == 1  # one context, shared by the pages of the community
    cs.home_visit(user=colleague, person=_person("刘婷"), date=DAY)
    with Evaluations() as counted:
        queue = _queue(view("/"))
        view("/zero/")
    assert counted.loads == 1  # the write moved the revision on: loaded again, once
    assert "刘婷" not in queue


@time_machine.travel(DAY)
def test_workers_of_a_community_who_did_nothing_today_share_one_computed_queue(view, jia, colleague):
    from jiuye.casework import selectors

    real, calls = selectors._items, []

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    with mock.patch.object(selectors, "_items", counted):
        first = view("/")
        again = view("/", user=colleague)
    assert len(calls) == 1
    assert _without_tokens(_queue(first)) == _without_tokens(_queue(again))


@time_machine.travel(DAY)
def test_the_cached_queue_gets_the_viewers_own_csrf_field(client, jia):
    from jiuye.casework.views import CSRF_SLOT

    cs.follow_up_schedule(user=jia, person=_person("刘婷"), due=DAY, reason="回访")
    client.force_login(jia)
    first = client.get("/").content.decode()  # the queue rendered and cached, with this session's field
    browser = Client(enforce_csrf_checks=True)  # the same worker on their phone: another CSRF secret
    browser.force_login(jia)
    with Evaluations() as counted:
        page = browser.get("/").content.decode()
    assert counted.calls == 0  # read from the cache
    assert CSRF_SLOT not in first + page
    assert "回访" in _queue(page)
    action = re.search(r'<form method="post" action="([^"]+)" class="q-done">', page).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', _queue(page)).group(1)
    assert browser.post(action, {"csrfmiddlewaretoken": token}).status_code == 302  # accepted, not 403
    assert "回访" not in _queue(browser.get("/").content.decode())


@time_machine.travel(DAY)
def test_after_the_nightly_run_a_ledgers_first_view_is_read_from_the_cache(view, jia):
    from jiuye.ledgers.printed import rows
    from jiuye.tasks.tasks import nightly_evaluation

    nightly_evaluation.delay().get()
    real, built = rows.ledger_rows, []

    def counted(*args, **kwargs):
        built.append(kwargs["slug"])
        return real(*args, **kwargs)

    with mock.patch.object(rows, "ledger_rows", counted):
        for slug in ("labour-force", "unemployed", "hardship", "services"):
            view(f"/ledgers/{slug}/")
        assert built == []
        view(f"/ledgers/unemployed/?as_of={DAY - dt.timedelta(days=1)}")  # another day than the nightly's
    assert built == ["unemployed"]


@time_machine.travel(DAY)
def test_the_cache_is_per_day(view, jia):
    view("/")
    with time_machine.travel(DAY + dt.timedelta(days=1)), Evaluations() as counted:
        view("/", user=jia)  # logged in again: a session of yesterday has expired
    assert counted.calls > 0


# -- a write shows on the very next view -------------------------------------------------------------


@time_machine.travel(DAY)
def test_today_shows_a_service_write_at_once(view, colleague):
    assert "刘婷" in _queue(view("/"))  # a 低保 member not working, not contacted this month
    cs.home_visit(user=colleague, person=_person("刘婷"), date=DAY)
    assert "刘婷" not in _queue(view("/"))


@time_machine.travel(DAY)
def test_today_shows_an_import_at_once(view, jiuye, example_dir, tmp_path):
    assert "刘婷" in _queue(view("/"))
    changed = tmp_path / "changed"
    shutil.copytree(example_dir, changed)
    liu = _person("刘婷")
    with open(changed / "服务记录.csv", "a", encoding="utf-8") as f:
        f.write(f"{liu.id_number},2026-10-08,上门走访,,\n")
    assert jiuye("import", str(changed)).code == 0
    assert "刘婷" not in _queue(view("/"))


@time_machine.travel(DAY)
def test_the_zero_employment_board_and_the_household_show_a_write_at_once(view, colleague):
    a4 = m.Household.objects.get(code="A4")
    assert "A4" not in _zero_now(view("/zero/"))
    household = view(f"/households/{a4.pk}/")
    assert "Record recognition" not in household and "记录认定" not in household
    cs.registration_create(user=colleague, person=_person("赵磊"), registered_on=dt.date(2026, 9, 30))
    assert "A4" in _zero_now(view("/zero/"))
    case = ZeroEmploymentCase.objects.get(household=a4)  # opened by the board's sync
    assert case.detected_on.isoformat() in view(f"/households/{a4.pk}/")


@time_machine.travel(DAY)
def test_the_household_page_shows_a_new_member_at_once(view, jia):
    from tests.ledger_builders import make_id

    a1 = m.Household.objects.get(code="A1")
    assert "张三" not in view(f"/households/{a1.pk}/")
    rs.person_create(user=jia, household=a1, values={"身份证号": make_id("50010319900101123"), "姓名": "张三",
                                                      "性别": "男", "出生日期": "1990-01-01",
                                                      "居住起始日期": "2020-01-01", "与户主关系": "子女"})
    assert "张三" in view(f"/households/{a1.pk}/")


@time_machine.travel(DAY)
def test_the_nightly_sync_shows_on_the_household_page_and_the_board(view, jia):
    a4 = m.Household.objects.get(code="A4")
    assert "None." in view(f"/households/{a4.pk}/") or "无。" in view(f"/households/{a4.pk}/")
    # The register changed behind the pages' back (as a database fix would), then the nightly run.
    zhao = _person("赵磊")
    zhao.statuses.filter(end=None).update(end=dt.date(2026, 9, 29))
    m.StatusEpisode.objects.create(person=zhao, status="失业", start=dt.date(2026, 9, 30))
    cs.zero_employment_sync(user=None, community=JIA, as_of=DAY)  # what the nightly run does for each community
    assert ZeroEmploymentCase.objects.filter(household=a4).exists()
    assert "2026-09-30" in view(f"/households/{a4.pk}/")
    assert "A4" in _zero_now(view("/zero/"))


@time_machine.travel(DAY)
def test_standing_and_community_pages_show_a_write_at_once(view, colleague):
    assert _standard(view(f"/standing/{JIA}/"), "s1") == "ok"
    view("/standing/")
    for name in ("张建国", "王芳", "赵磊"):
        person = _person(name)
        if person.statuses.filter(end=None, status="就业").exists():
            rs.status_change(user=colleague, person=person, status="失业", start=dt.date(2026, 10, 1))
    assert _standard(view(f"/standing/{JIA}/"), "s1") == "fail"


@time_machine.travel(DAY)
def test_a_policy_parameter_shows_at_once(view):
    from jiuye.standards.services import policy_parameter_set

    assert _standard(view(f"/standing/{JIA}/"), "s3") == "ok"  # 刘婷, a 低保 member, does not work
    policy_parameter_set(key="s3_max_rate", value=0)
    assert _standard(view(f"/standing/{JIA}/"), "s3") == "fail"


@time_machine.travel(DAY)
def test_a_holiday_added_in_the_admin_shows_at_once(view, client, jia, colleague):
    from django.contrib.auth import get_user_model

    cs.registration_create(user=colleague, person=_person("王芳"), registered_on=DAY)
    due = _guidance_due(view("/"), "王芳")
    admin = get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)
    client.force_login(admin)
    added = client.post("/admin/standards/holiday/add/", {"date": due, "name": "调休"})  # not a workday
    assert added.status_code == 302, added.content.decode()[:3000]
    later = _guidance_due(view("/", user=jia), "王芳")
    assert later > due


def _count(html: str, word: str) -> int:
    return html.split("<table", 1)[-1].count(word)


@time_machine.travel(DAY)
def test_the_person_page_and_a_ledger_show_a_service_write_at_once(view, colleague):
    liu = _person("刘婷")
    person, ledger = view(f"/people/{liu.pk}/"), view("/ledgers/services/")
    cs.home_visit(user=colleague, person=liu, date=DAY)
    assert _count(view(f"/people/{liu.pk}/"), "上门走访") == _count(person, "上门走访") + 1
    assert _count(view("/ledgers/services/"), "上门走访") == _count(ledger, "上门走访") + 1


@time_machine.travel(DAY)
def test_the_person_page_and_a_ledger_show_an_import_at_once(view, jiuye, example_dir, tmp_path):
    liu = _person("刘婷")
    person, ledger = view(f"/people/{liu.pk}/"), view("/ledgers/services/")
    changed = tmp_path / "changed"
    shutil.copytree(example_dir, changed)
    with open(changed / "服务记录.csv", "a", encoding="utf-8") as f:
        f.write(f"{liu.id_number},2026-10-08,上门走访,,\n")
    assert jiuye("import", str(changed)).code == 0
    assert _count(view(f"/people/{liu.pk}/"), "上门走访") == _count(person, "上门走访") + 1
    assert _count(view("/ledgers/services/"), "上门走访") == _count(ledger, "上门走访") + 1


@time_machine.travel(DAY)
def test_the_unemployed_ledger_shows_a_status_change_at_once(view, colleague):
    employed = next(p for p in m.Person.objects.filter(household__community__code=JIA)
                    if p.statuses.filter(end=None, status="就业").exists())
    assert employed.name not in view("/ledgers/unemployed/")
    rs.status_change(user=colleague, person=employed, status="失业", start=dt.date(2026, 10, 1))
    assert employed.name in view("/ledgers/unemployed/")


@time_machine.travel(DAY)
def test_a_ledger_searched_is_not_cached(view):
    """What is typed in a ledger's search may be an ID number: it is never part of a key."""
    from django.core.cache import caches

    assert "刘婷" in view("/ledgers/labour-force/?q=刘婷")
    assert not [k for k in caches["pages"]._cache if ":ledger:" in k]
    view("/ledgers/labour-force/")
    assert [k for k in caches["pages"]._cache if ":ledger:" in k]


# -- what a viewer may see ---------------------------------------------------------------------------


@time_machine.travel(DAY)
def test_a_viewer_who_may_see_full_ids_leaves_none_in_the_cache(view, jia):
    revealer = user_add(username="ding", role="community", scope_code=JIA, password=PASSWORD)
    revealer.user_permissions.add(Permission.objects.get(codename="view_full_id"))
    a2 = m.Household.objects.get(code="A2")
    urls = ["/", "/zero/", f"/standing/{JIA}/", f"/households/{a2.pk}/", f"/people/{a2.members.first().pk}/",
            "/ledgers/labour-force/", "/ledgers/services/"]
    for url in urls:
        view(url, user=revealer)
    full = [p.id_number for p in m.Person.objects.filter(household__community__code=JIA)]
    for url in urls:
        body = view(url)
        assert not [i for i in full if i in body], url
    import pickle

    from django.core.cache import caches

    cached = caches["pages"]._cache  # the local-memory cache of the tests: every cached value, pickled
    assert len(cached) >= len(urls)
    assert not [(k, i) for i in full for k, v in cached.items() if i.encode() in v or i in str(pickle.loads(v))]
    assert "500103********" in view(f"/households/{a2.pk}/")


@time_machine.travel(DAY)
def test_another_communitys_worker_shares_no_cached_page(view, jia):
    yi = user_add(username="yi", role="community", scope_code="500103001002", password=PASSWORD)
    view("/")
    assert "刘婷" not in view("/", user=yi)


# -- revisions ---------------------------------------------------------------------------------------


def test_a_revision_moves_with_its_community_and_what_contains_it(db):
    before = {p: revision(p) for p in ("", "500103", "500103001", JIA, "500103001002")}
    register_changed(JIA)
    after = {p: revision(p) for p in before}
    assert after[JIA] > before[JIA] and after["500103001"] > before["500103001"] and after[""] > before[""]
    assert after["500103001002"] == before["500103001002"]  # a neighbour's pages stay cached
    register_changed("500103")  # a district-wide write reaches every community in it
    assert revision("500103001002") > after["500103001002"]
    register_changed("")  # the policy tables: every page
    assert revision("500105002003") > before[""]
