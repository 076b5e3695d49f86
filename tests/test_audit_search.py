"""The audit log page (/audit/): read-only, scoped (district: its divisions and own actions; city:
everything), filtered, paginated, itself audited; audit events cannot be changed anywhere."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from jiuye.accounts.services import user_add
from jiuye.audit.models import AuditEvent
from jiuye.audit.services import audit_event_record
from jiuye.divisions.models import Division, Level

pytestmark = pytest.mark.django_db
PASSWORD = "Gongzuo-2026!x"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def users():
    city = Division.objects.get_or_create(code="500000", defaults={"name": "重庆市", "level": Level.CITY})[0]
    for code, name in (("500103", "渝中区"), ("500105", "江北区")):
        Division.objects.get_or_create(code=code, defaults={"name": name, "level": Level.DISTRICT, "parent": city})
    street = Division.objects.create(code="500103001", name="解放碑街道", level=Level.STREET,
                                     parent=Division.objects.get(code="500103"))
    Division.objects.create(code="500103001001", name="示例甲社区", level=Level.COMMUNITY, parent=street)
    return {name: user_add(username=name, role=role, scope_code=scope, password=PASSWORD)
            for name, role, scope in (("wang", "community", "500103001001"), ("jie", "street", "500103001"),
                                      ("yu", "district", "500103"), ("bei", "district", "500105"),
                                      ("shi", "city", "500000"))}


@pytest.fixture
def events(users):
    """A small log over three days of June 2026."""
    made = []
    for day, user, action, target, code in (
        (1, users["wang"], "person.update", "张建国 500103********0119", "500103001001"),
        (1, users["wang"], "registration.record", "孙伟", "500103001001"),
        (2, users["jie"], "certification.review", "示例甲社区", "500103001001"),
        (2, users["bei"], "person.update", "江北某人", "500105002003"),
        (3, users["yu"], "certification.accept", "示例甲社区", "500103001001"),
        (3, None, "ledger.import", "import folder", ""),
        (3, users["shi"], "policy.set", "s6_ratio", "500000"),
        (3, users["yu"], "ledger.export", "all", ""),  # the district user's own action, no division
    ):
        with time_machine.travel(dt.datetime(2026, 6, day, 10, 0, tzinfo=SHANGHAI), tick=False):
            made.append(audit_event_record(user=user, action=action, target=target, division_code=code))
    return made


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _rows(response) -> list[tuple[str, str]]:
    """(action, target) of each row shown."""
    html = response.content.decode()
    body = html.split('id="audit-events"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr data-action="([^"]+)">.*?class="target">(.*?)</td>', body, re.S)
    return [(action, re.sub(r"<[^>]+>", "", target)) for action, target in rows]


def _search(user, **params):
    params.setdefault("action", "")
    response = _as(user).get("/audit/", params)
    assert response.status_code == 200
    return [(a, t) for a, t in _rows(response) if a not in ("login", "audit.view", "user.add")]


def test_district_sees_its_divisions_and_its_own_actions(users, events):
    rows = _search(users["yu"])
    assert rows == [("ledger.export", "all"), ("certification.accept", "示例甲社区"),
                    ("certification.review", "示例甲社区"), ("registration.record", "孙伟"),
                    ("person.update", "张建国 500103********0119")]
    other = _search(users["bei"])
    assert other == [("person.update", "江北某人")]


def test_city_sees_everything(users, events):
    assert len(_search(users["shi"])) == len(events)


@pytest.mark.parametrize("name", ["wang", "jie"])
def test_community_and_street_users_are_refused(users, events, name):
    client = _as(users[name])
    assert client.get("/audit/").status_code == 403
    assert 'href="/audit/"' not in client.get("/people/").content.decode()


def test_anonymous_is_sent_to_login(events):
    response = Client().get("/audit/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_header_links_the_audit_log_for_district_and_city(users):
    for name in ("yu", "shi"):
        assert 'href="/audit/"' in _as(users[name]).get("/people/").content.decode()


def test_filters(users, events):
    city = users["shi"]
    assert [t for _, t in _search(city, actor="wan")] == ["孙伟", "张建国 500103********0119"]
    assert [a for a, _ in _search(city, action="certification.accept")] == ["certification.accept"]
    assert [a for a, _ in _search(city, action="area:oversight")] == [
        "policy.set", "certification.accept", "certification.review"]
    assert [a for a, _ in _search(city, action="person.update")] == ["person.update", "person.update"]
    assert [t for _, t in _search(city, target="甲社区")] == ["示例甲社区", "示例甲社区"]
    assert [t for _, t in _search(city, division="500105")] == ["江北某人"]
    assert [a for a, _ in _search(city, division="500103001", since="2026-06-02")] == [
        "certification.accept", "certification.review"]
    assert [a for a, _ in _search(city, since="2026-06-02", until="2026-06-02")] == [
        "person.update", "certification.review"]
    # A district cannot widen its view with a filter.
    assert _search(users["bei"], division="500103") == []


def test_bad_filters_are_shown_not_applied(users, events):
    response = _as(users["shi"]).get("/audit/", {"since": "2026-06-03", "until": "2026-06-01", "division": "50x"})
    html = response.content.decode()
    assert response.status_code == 200 and 'class="field-error"' in html and 'class="error"' in html
    assert _rows(response) == []


def test_pages_of_fifty(users):
    for i in range(60):
        audit_event_record(user=users["wang"], action="visit.record", target=f"家访{i:02d}", division_code="500103001001")
    client = _as(users["yu"])
    first = client.get("/audit/", {"action": "visit.record"})
    assert len(_rows(first)) == 50 and _rows(first)[0][1] == "家访59"
    assert 'href="?action=visit.record&amp;page=2"' in first.content.decode()
    second = client.get("/audit/", {"action": "visit.record", "page": 2})
    assert [t for _, t in _rows(second)] == [f"家访{i:02d}" for i in range(9, -1, -1)]


def test_looking_at_the_log_is_audited(users, events):
    _as(users["yu"]).get("/audit/", {"action": "area:oversight", "target": "甲"})
    seen = AuditEvent.objects.filter(action="audit.view").latest("id")
    assert (seen.actor, seen.division_code) == ("yu", "500103")
    assert seen.detail == {"filters": {"action": "area:oversight", "target": "甲"}, "page": 1}


def test_the_audit_page_is_read_only(users, events):
    client = _as(users["shi"])
    assert client.post("/audit/", {"action": "x"}).status_code == 405
    html = client.get("/audit/").content.decode()
    assert 'method="post"' not in html.split("<main", 1)[1]


def test_audit_events_cannot_be_changed_or_deleted(events):
    event = events[0]
    event.target = "changed"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(target="changed")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.target == "张建国 500103********0119"


def test_the_admin_shows_audit_events_read_only(users, events):
    from jiuye.accounts.models import User

    root = User.objects.create_superuser("root", password="Root-pass-2026")
    client = _as(root)
    event = events[0]
    assert client.get("/admin/audit/auditevent/").status_code == 200
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
    view = client.get(f"/admin/audit/auditevent/{event.pk}/change/")
    assert view.status_code == 200 and 'name="_save"' not in view.content.decode()
    assert client.post(f"/admin/audit/auditevent/{event.pk}/change/", {"target": "x"}).status_code == 403
    assert client.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk, target="张建国 500103********0119").exists()


def test_the_audit_command_searches_and_is_audited(jiuye, events):
    run = jiuye("audit", "--action", "certification.", "--since", "2026-06-02")
    assert run.code == 0, run.stderr
    lines = [line.split("\t") for line in run.stdout.splitlines()]
    assert [(f[0], f[1], f[2], f[3], f[4]) for f in lines] == [
        ("2026-06-03T10:00:00+08:00", "yu", "certification.accept", "示例甲社区", "500103001001"),
        ("2026-06-02T10:00:00+08:00", "jie", "certification.review", "示例甲社区", "500103001001"),
    ]
    seen = AuditEvent.objects.filter(action="audit.view").latest("id")
    assert seen.actor.startswith("cli")
    assert seen.detail == {"filters": {"action": "certification.", "since": "2026-06-02"}, "cli": True}
    assert len(jiuye("audit", "--limit", "3").stdout.splitlines()) == 3
    assert jiuye("audit", "--since", "June").code != 0
