"""The Today queue is honest: each item says what to do now and leaves when it is done.

Each kind of item is followed from the day it appears to the day it leaves, through the
page as the community worker of 甲 (500103001001) sees it: the facts are made with the
services (or the worker's own forms), the dates with time-machine. What the worker
cleared today is listed under "Done today", and only on that day.
"""

import datetime as dt
import re
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import time_machine

from jiuye.accounts.services import user_add
from jiuye.casework import services as cs
from jiuye.registry import models as m
from tests.conftest import JIA, PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_hashing")]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: dt.date, hour: int = 10):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def page(client, jia):
    """The Today page on a day (logged in that day: sessions expire)."""

    def read(day: dt.date):
        with at(day):
            client.force_login(jia)
            response = client.get("/")
        assert response.status_code == 200
        return Queue(response.content.decode())

    read.client = client
    read.user = jia
    return read


class Queue:
    """The Today page as the worker reads it: (kind, name, what to do, when) per item; the done list."""

    def __init__(self, html: str):
        self.html = html
        queue = html.split('id="queue"', 1)[1].split("</ol>", 1)[0]
        self.items = []
        for kind, body in re.findall(r'<li class="q-[^"]*" data-kind="([^"]+)">(.*?)</li>', queue, re.S):
            who = _text(re.search(r'<strong class="who">(.*?)</strong>', body, re.S).group(1))
            todo = _text(re.search(r'<span class="todo">(.*?)</span>', body, re.S).group(1))
            when = re.search(r'<span class="when">(.*?)</span>', body, re.S)
            self.items.append((kind, who.split("（")[0], todo, _text(when.group(1)) if when else ""))
        done = html.split('id="done-today"', 1)[1].split("</section>", 1)[0] if 'id="done-today"' in html else ""
        self.done = [(kind, _text(text).split("—")[-1].strip().split("（")[0])
                     for kind, text in re.findall(r'<li data-kind="([^"]+)">(.*?)</li>', done, re.S)]

    def of(self, kind: str, name: str) -> list:
        return [item for item in self.items if item[0] == kind and item[1].startswith(name)]

    def did(self, *pairs) -> bool:
        """Whether each (kind, name) is in the done list."""
        return all(any(k == kind and n.startswith(name) for k, n in self.done) for kind, name in pairs)


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _person(name: str) -> m.Person:
    return m.Person.objects.get(name=name)


def _post(page, day: dt.date, url: str, data: dict):
    """The worker's form sent; where the page asks to confirm what ends (a job, a registration), confirmed."""
    with at(day):
        page.client.force_login(page.user)
        response = page.client.post(url, data)
        asked = re.search(r'name="confirm" value="([^"]+)"', response.content.decode())
        if response.status_code == 200 and asked:
            response = page.client.post(url, {**data, "confirm": asked.group(1)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


# -- guidance ---------------------------------------------------------------------------------------


def test_a_missed_guidance_asks_for_guidance_now_and_leaves_when_it_is_given(page, jia):
    zhao = _person("赵磊")
    with at(dt.date(2026, 10, 9)):
        cs.registration_create(user=jia, person=zhao, registered_on=dt.date(2026, 9, 30))
    # The deadline skips the National Day holiday: Saturday 2026-10-10, an adjusted workday.
    before = page(dt.date(2026, 10, 9))
    assert before.of("guidance", "赵磊") == [("guidance", "赵磊", "请于 2026-10-10 前提供职业指导", "剩余 1 天")]
    assert before.done == []

    late = page(dt.date(2026, 10, 13))
    [item] = late.of("guidance", "赵磊")
    assert item[2] == "请立即提供职业指导（已逾期，应于 2026-10-10 前提供）" and item[3] == "已逾期 3 天"
    assert 'class="q-guidance overdue"' in late.html
    # The item leads straight to the guidance form; the worker records it there.
    assert f'href="/people/{zhao.pk}/guidance/"' in late.html
    _post(page, dt.date(2026, 10, 13), f"/people/{zhao.pk}/guidance/", {"date": "2026-10-13"})

    after = page(dt.date(2026, 10, 13))
    assert after.of("guidance", "赵磊") == []
    assert after.did(("guidance", "赵磊"))
    # The standing page still counts the late guidance against S4, with its explanation.
    with at(dt.date(2026, 10, 13)):
        page.client.force_login(jia)
        standing = page.client.get(f"/standing/{JIA}/").content.decode()
    s4 = standing.split('id="s4"', 1)[1].split("</li>\n</ol>", 1)[0].split('<li id="s5"', 1)[0]
    assert "✗" in s4 and "赵磊" in s4 and "职业指导超期" in s4 and "guidance missed" not in s4
    # The next day the guidance is neither due nor among the things done that day.
    tomorrow = page(dt.date(2026, 10, 14))
    assert tomorrow.of("guidance", "赵磊") == [] and tomorrow.done == []


def test_a_guidance_item_leaves_when_the_registration_is_cancelled(page, jia):
    zhao = _person("赵磊")
    with at(dt.date(2026, 10, 9)):
        cs.registration_create(user=jia, person=zhao, registered_on=dt.date(2026, 9, 30))
    assert page(dt.date(2026, 10, 20)).of("guidance", "赵磊")
    _post(page, dt.date(2026, 10, 20), f"/people/{zhao.pk}/cancel/", {"date": "2026-10-20", "reason": "其他"})
    after = page(dt.date(2026, 10, 20))
    assert after.of("guidance", "赵磊") == [] and after.did(("guidance", "赵磊"))
    assert after.of("zero", "A4")  # still unemployed: his household is still zero-employment


def test_employment_clears_the_guidance_and_the_zero_employment_household(page, jia):
    zhao = _person("赵磊")
    with at(dt.date(2026, 10, 9)):
        cs.registration_create(user=jia, person=zhao, registered_on=dt.date(2026, 9, 30))
    queue = page(dt.date(2026, 11, 20))
    assert queue.of("guidance", "赵磊") and queue.of("zero", "A4")
    _post(page, dt.date(2026, 11, 20), f"/people/{zhao.pk}/employment/",
          {"start": "2026-11-20", "form": "单位就业", "employer": "重庆某物业公司"})
    after = page(dt.date(2026, 11, 20))
    assert after.of("guidance", "赵磊") == [] and after.of("zero", "A4") == []
    assert after.did(("guidance", "赵磊"), ("zero", "A4"))


# -- zero-employment households ---------------------------------------------------------------------


def test_a_zero_employment_household_is_recognised_then_leaves_when_a_member_works(page, jia):
    zhao = _person("赵磊")
    with at(dt.date(2026, 10, 9)):
        cs.registration_create(user=jia, person=zhao, registered_on=dt.date(2026, 10, 9))
        cs.guidance_record(user=jia, person=zhao, date=dt.date(2026, 10, 9))
    first = page(dt.date(2026, 10, 9))  # the page syncs the case: the household is listed at once
    assert first.of("zero", "A4") == [("zero", "A4 民族路4号", "请认定零就业家庭并制定一对一帮扶计划，然后帮助一名成员就业",
                                       "剩余 31 天")]
    case = zhao.household.zero_cases.get()
    _post(page, dt.date(2026, 10, 12), f"/zero/{case.pk}/recognize/", {"date": "2026-10-12", "plan": "推荐物业岗位"})
    recognised = page(dt.date(2026, 10, 12))
    assert recognised.of("zero", "A4")[0][2] == "请于 2026-11-09 前帮助一名成员就业"
    late = page(dt.date(2026, 11, 12))
    assert late.of("zero", "A4")[0][2:] == ("请立即帮助一名成员就业（期限 2026-11-09 已过）", "已逾期 3 天")
    with at(dt.date(2026, 11, 12)):
        cs.employment_record(user=jia, person=zhao, start=dt.date(2026, 11, 12), employment_form="灵活就业")
    after = page(dt.date(2026, 11, 12))
    assert after.of("zero", "A4") == [] and after.did(("zero", "A4"))


# -- nearly a year unemployed, no active service ---------------------------------------------------


def test_nearly_a_year_unemployed_and_inactive_leave_with_an_active_service(page, jia):
    zhao = _person("赵磊")
    with at(dt.date(2026, 1, 5)):
        cs.registration_create(user=jia, person=zhao, registered_on=dt.date(2025, 12, 1))
    # Ten months on: a year is up on 2026-12-01 (within two months); no service in 90 days either.
    queue = page(dt.date(2026, 10, 9))
    assert queue.of("long_term", "赵磊") == [("long_term", "赵磊", "请于 2026-12-01（失业满一年）前推荐就业岗位或培训",
                                              "剩余 53 天")]
    [inactive] = queue.of("inactive", "赵磊")
    assert inactive[2] == "请提供就业准备服务：职业指导、职业介绍或培训 · 上次服务于 2025-10-11"
    assert queue.of("guidance", "赵磊")[0][2].startswith("请立即提供职业指导")  # never given: still asked for
    # A referral is an active-preparation service: both leave; the guidance is still due.
    _post(page, dt.date(2026, 10, 9), f"/people/{zhao.pk}/referral/", {"date": "2026-10-09"})
    after = page(dt.date(2026, 10, 9))
    assert after.of("long_term", "赵磊") == [] and after.of("inactive", "赵磊") == []
    assert after.of("guidance", "赵磊")
    assert after.did(("long_term", "赵磊"), ("inactive", "赵磊"))
    assert not after.did(("guidance", "赵磊"))


def test_a_long_term_unemployed_person_stays_until_served(page, jia):
    zhao = _person("赵磊")
    with at(dt.date(2026, 1, 5)):
        cs.registration_create(user=jia, person=zhao, registered_on=dt.date(2025, 12, 1))
        cs.guidance_record(user=jia, person=zhao, date=dt.date(2025, 12, 2))
    queue = page(dt.date(2026, 12, 10))
    assert queue.of("long_term", "赵磊")[0][2:] == ("自 2026-12-01 起失业满一年：请立即推荐就业岗位或培训", "已逾期 9 天")
    with at(dt.date(2026, 12, 10)):
        cs.training_record(user=jia, person=zhao, course="物业管理", start=dt.date(2026, 12, 10))
    assert page(dt.date(2026, 12, 10)).of("long_term", "赵磊") == []
    assert page(dt.date(2027, 1, 5)).of("long_term", "赵磊") == []  # served: it does not come back


# -- follow-up visits ----------------------------------------------------------------------------------


def test_a_follow_up_visit_appears_a_week_ahead_and_leaves_when_visited(page, jia):
    zhang = _person("张建国")
    with at(dt.date(2026, 10, 1)):
        follow_up = cs.follow_up_schedule(user=jia, person=zhang, due=dt.date(2026, 10, 12), reason="回访就业情况")
    assert page(dt.date(2026, 10, 4)).of("follow_up", "张建国") == []  # more than a week ahead
    queue = page(dt.date(2026, 10, 9))
    assert queue.of("follow_up", "张建国") == [("follow_up", "张建国", "请于 2026-10-12 前回访 · 回访就业情况", "剩余 3 天")]
    late = page(dt.date(2026, 10, 14))
    assert late.of("follow_up", "张建国")[0][2:] == ("请立即回访（应于 2026-10-12 回访） · 回访就业情况", "已逾期 2 天")
    _post(page, dt.date(2026, 10, 14), f"/follow-ups/{follow_up.pk}/done/", {})
    after = page(dt.date(2026, 10, 14))
    assert after.of("follow_up", "张建国") == [] and after.did(("follow_up", "张建国"))
    follow_up.refresh_from_db()
    assert follow_up.done_on == dt.date(2026, 10, 14)
    assert page(dt.date(2026, 10, 15)).done == []


def test_another_communitys_follow_up_cannot_be_marked_done(page, jia, client):
    yi = user_add(username="yi", role="community", scope_code="500103001002", password=PASSWORD)
    follow_up = cs.follow_up_schedule(user=jia, person=_person("张建国"), due=dt.date(2026, 10, 12))
    client.force_login(yi)
    assert client.post(f"/follow-ups/{follow_up.pk}/done/").status_code == 404
    follow_up.refresh_from_db()
    assert follow_up.done_on is None


# -- 低保 members not working, immediate placement -----------------------------------------------------


def test_a_dibao_member_not_working_is_contacted_monthly(page, jia):
    liu = _person("刘婷")  # A2 receives 低保; she is recorded as 无就业意愿
    queue = page(dt.date(2026, 10, 9))
    assert queue.of("dibao", "刘婷") == [("dibao", "刘婷", "请提供就业岗位或培训：近 30 天未提供服务", "")]
    _post(page, dt.date(2026, 10, 9), f"/people/{liu.pk}/visit/", {"date": "2026-10-09", "note": "上门了解就业意愿"})
    after = page(dt.date(2026, 10, 9))
    assert after.of("dibao", "刘婷") == [] and after.did(("dibao", "刘婷"))
    assert page(dt.date(2026, 11, 7)).of("dibao", "刘婷") == []
    assert page(dt.date(2026, 11, 9)).of("dibao", "刘婷")  # 31 days on: contact her again


def test_immediate_placement_while_a_post_is_free_leaves_when_placed(page, jia):
    from jiuye.jobs import services as js

    liu = _person("刘婷")
    assert page(dt.date(2026, 10, 9)).of("placement", "刘婷") == []  # no free post: nothing to place into
    with at(dt.date(2026, 10, 9)):
        post = js.post_create(user=jia, community=JIA, kind="公益性岗位", title="社区保洁", opened_on="2026-10-01")
    queue = page(dt.date(2026, 10, 9))
    assert queue.of("placement", "刘婷") == [("placement", "刘婷", "请立即安置到空缺岗位：1 个岗位空缺 · 低保家庭成员", "")]
    assert f'href="/people/{liu.pk}/jobs/"' in queue.html
    _post(page, dt.date(2026, 10, 9), f"/jobs/posts/{post.pk}/", {"person": str(liu.pk), "start": "2026-10-09"})
    after = page(dt.date(2026, 10, 9))
    assert after.of("placement", "刘婷") == [] and after.of("dibao", "刘婷") == []
    assert after.did(("placement", "刘婷"), ("dibao", "刘婷"))


# -- the page as a whole ------------------------------------------------------------------------------------


def test_the_queue_can_be_emptied(page, jia):
    liu = _person("刘婷")
    assert [i[0] for i in page(dt.date(2026, 10, 9)).items] == ["dibao"]
    _post(page, dt.date(2026, 10, 9), f"/people/{liu.pk}/visit/", {"date": "2026-10-09"})
    empty = page(dt.date(2026, 10, 9))
    assert empty.items == [] and 'id="queue-empty"' in empty.html and empty.done == [("dibao", "刘婷")]


def test_the_queue_in_english(page, jia):
    zhao = _person("赵磊")
    with at(dt.date(2026, 10, 9)):
        cs.registration_create(user=jia, person=zhao, registered_on=dt.date(2026, 9, 30))
    page.client.cookies["django_language"] = "en"
    queue = page(dt.date(2026, 10, 13))
    assert queue.of("guidance", "赵磊")[0][2:] == ("Give guidance now (late: it was due by 2026-10-10)", "overdue by 3 days")
    assert '<html lang="en">' in queue.html


def test_other_workers_changes_are_not_the_workers_done_list(page, jia):
    other = user_add(username="jia2", role="community", scope_code=JIA, password=PASSWORD)
    liu = _person("刘婷")
    with at(dt.date(2026, 10, 9)):
        cs.home_visit(user=other, person=liu, date=dt.date(2026, 10, 9))
    queue = page(dt.date(2026, 10, 9))
    assert queue.of("dibao", "刘婷") == [] and queue.done == []


def test_workers_of_one_community_share_the_queue_but_not_what_each_did_today(page, jia, client):
    other = user_add(username="jia2", role="community", scope_code=JIA, password=PASSWORD)
    day = dt.date(2026, 10, 9)
    with at(day):
        cs.home_visit(user=other, person=_person("刘婷"), date=day)
    mine = page(day)
    with at(day):
        client.force_login(other)
        theirs = Queue(client.get("/").content.decode())
    assert mine.done == [] and theirs.did(("dibao", "刘婷"))
    assert mine.items == theirs.items and mine.of("dibao", "刘婷") == []
