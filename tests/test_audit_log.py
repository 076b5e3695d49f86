"""A readable audit log: actions in words, details as labelled fields with links, a choice list of
actions, filters kept from page to page, and no bookkeeping rows."""

import ast
import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from jiuye.accounts.services import user_add
from jiuye.audit.actions import ACTIONS, DETAILS
from jiuye.audit.models import AuditEvent
from jiuye.audit.services import audit_event_record

ROOT = Path(__file__).resolve().parents[1]
CODE = re.compile(r"^[a-z][a-z_]*(\.[a-z_]+)*$")
AUDIT_CALLS = {"audit", "_audit", "audit_read", "audit_event_record"}
SHANGHAI = ZoneInfo("Asia/Shanghai")
PASSWORD = "Gongzuo-2026!x"
JIA = "500103001001"


def _calls():
    for path in sorted((ROOT / "jiuye").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                yield path.relative_to(ROOT), node, name
            elif isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "action" for t in node.targets):
                yield path.relative_to(ROOT), node, "action ="


def _job_kinds():
    from jiuye.tasks.models import JobKind

    return JobKind.values


# f-strings written as an action: what they can become.
DYNAMIC_ACTIONS = {"job.{kind}.start": lambda: [f"job.{kind}.start" for kind in _job_kinds()]}


def written_actions() -> dict[str, str]:
    """Every action code the source writes, with where: the ``action`` argument of any call, the
    action argument of the audit helpers, an ``action = …`` assignment."""
    found: dict[str, str] = {}
    for path, node, name in _calls():
        if name == "add_argument":
            continue
        values = []
        if name == "action =":  # action = "a.b", or ("a.b" if … else "c.d")
            if isinstance(node.value, ast.Constant | ast.IfExp | ast.JoinedStr):
                values.append(node.value)
        else:
            values += [kw.value for kw in node.keywords if kw.arg == "action"]
            position = 0 if name == "audit_event_record" else 1
            if name in AUDIT_CALLS and len(node.args) > position:
                values.append(node.args[position])
        for value in values:
            for sub in ast.walk(value):
                if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and CODE.match(sub.value):
                    found.setdefault(sub.value, f"{path}:{node.lineno}")
                elif isinstance(sub, ast.JoinedStr):
                    template = "".join(v.value if isinstance(v, ast.Constant) else "{" + ast.unparse(v.value) + "}"
                                       for v in sub.values)
                    assert template in DYNAMIC_ACTIONS, f"{path}:{node.lineno}: an action made by {template!r}"
                    for code in DYNAMIC_ACTIONS[template]():
                        found.setdefault(code, f"{path}:{node.lineno}")
    return found


# Detail keys written through a variable or a helper (the collector cannot see them).
DYNAMIC_DETAILS = {"person", "id",  # person_ref()
                   "created", "eliminated",  # zero_employment_sync's counts
                   "ip", "expired",  # logins and logouts
                   "recommendation", "year", "level", "reason",  # recommendation.withdraw
                   "actor", "action", "target", "division", "since", "until",  # audit.view's filters
                   "added", "changed",  # an import's counts per table
                   "scope", "format", "as_of", "day"}  # a background job's parameters (job.*.start)


def written_detail_keys() -> dict[str, str]:
    found: dict[str, str] = {}
    for path, node, name in _calls():
        if name in ("audit", "_audit", "audit_read"):
            for kw in node.keywords:
                if kw.arg:
                    found.setdefault(kw.arg, f"{path}:{node.lineno}")
        if name == "audit_event_record":
            for kw in node.keywords:
                if kw.arg == "detail":
                    for sub in ast.walk(kw.value):
                        if isinstance(sub, ast.Dict):
                            for key in sub.keys:
                                if isinstance(key, ast.Constant):
                                    found.setdefault(key.value, f"{path}:{node.lineno}")
    return found


def test_every_action_written_anywhere_has_a_name_in_both_languages():
    written = written_actions()
    assert len(written) > 70 and {"otp.enrol", "job.import.start", "zero_employment.sync", "login"} <= set(written)
    missing = {code: where for code, where in written.items() if code not in ACTIONS}
    assert missing == {}
    assert set(ACTIONS) - set(written) == set()  # no name for an action nothing writes
    with translation.override("zh-hans"):
        untranslated = [code for code, name in ACTIONS.items() if not re.search(r"[\u4e00-\u9fff]", str(name))]
    assert untranslated == []
    with translation.override("en"):
        assert str(ACTIONS["otp.enrol"]) == "Second factor enrolled"


def test_every_detail_key_has_a_label():
    keys = set(written_detail_keys()) | DYNAMIC_DETAILS
    assert {"person", "registration", "guidance_deadline", "sha256"} <= keys
    assert sorted(keys - set(DETAILS)) == []
    with translation.override("zh-hans"):
        untranslated = [k for k, (label, _) in DETAILS.items() if not re.search(r"[\u4e00-\u9fff]", str(label))]
    assert untranslated == []


# -- the page ---------------------------------------------------------------------------------------------


@pytest.fixture
def world(db, jiuye, example_dir, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    assert jiuye("import", str(example_dir)).code == 0
    jia = user_add(username="jia", role="community", scope_code=JIA, password=PASSWORD)
    yu = user_add(username="yu", role="district", scope_code="500103", password=PASSWORD)
    return {"jia": jia, "yu": yu}


def _as(user, language="zh-hans") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def _rows(html: str) -> list[dict]:
    body = html.split('id="audit-events"', 1)[1].split("</table>", 1)[0]
    rows = []
    for action, row in re.findall(r'<tr data-action="([^"]+)">(.*?)</tr>', body, re.S):
        name = re.search(r'class="action-name">(.*?)</span>', row).group(1)
        target = re.search(r'class="target">(.*?)</td>', row, re.S).group(1)
        details = {key: (re.sub(r"<[^>]+>", "", dt_), dd) for key, dt_, dd in
                   re.findall(r'<div data-key="([^"]+)"><dt>(.*?)</dt><dd>(.*?)</dd></div>', row, re.S)}
        rows.append({"action": action, "name": name, "target": target, "details": details})
    return rows


def test_actions_in_words_and_details_as_labelled_fields_with_links(world):
    from jiuye.casework import services as cs
    from jiuye.registry import models as m
    from jiuye.tasks import services as tasks

    zhao = m.Person.objects.get(name="赵磊")
    with time_machine.travel(dt.datetime(2026, 10, 9, 9, tzinfo=SHANGHAI), tick=False):
        registration = cs.registration_create(user=world["jia"], person=zhao, registered_on=dt.date(2026, 9, 30))
        job = tasks.job_start(user=world["jia"], kind="export", params={"format": "xlsx"})
        audit_event_record(user=world["yu"], action="otp.enrol", target="yu", division_code="500103")
    html = _as(world["yu"]).get("/audit/").content.decode()
    rows = {r["action"]: r for r in _rows(html)}
    assert rows["otp.enrol"]["name"] == "绑定动态口令"
    assert rows["job.export.start"]["name"] == "开始导出"
    assert f'href="/ledgers/jobs/{job.pk}/"' in rows["job.export.start"]["target"]
    created = rows["registration.create"]
    assert created["name"] == "失业登记" and created["target"] == f"失业登记 #{registration.pk}"
    assert created["details"]["person"] == ("居民", f'<a href="/people/{zhao.pk}/">{zhao.pk}</a>')
    assert created["details"]["id"][1] == "500103********011X"
    assert created["details"]["guidance_deadline"] == ("职业指导期限", "2026-10-10")
    assert created["details"]["status_changed"] == ("状态已变更", "是")
    assert "{" not in html.split('id="audit-events"', 1)[1]  # no Python dictionaries
    english = {r["action"]: r for r in _rows(_as(world["yu"], "en").get("/audit/").content.decode())}
    assert english["registration.create"]["name"] == "Unemployment registered"
    assert english["registration.create"]["details"]["guidance_deadline"] == ("Guidance due by", "2026-10-10")


def test_the_action_filter_is_a_choice_list_by_area(world):
    html = _as(world["yu"]).get("/audit/").content.decode()
    select = html.split('<select name="action"', 1)[1].split("</select>", 1)[0]
    assert '<optgroup label="账号与登录">' in select and '<option value="otp.enrol">绑定动态口令</option>' in select
    assert '<option value="area:casework">全部：服务与帮扶</option>' in select
    assert all(f'value="{code}"' in select for code in ACTIONS)
    # An action that is not a choice is an error beside the field, not a free-text search.
    response = _as(world["yu"]).get("/audit/", {"action": "login%"})
    assert 'class="field-error"' in response.content.decode() and _rows(response.content.decode()) == []


def test_pages_keep_the_filters(world):
    for i in range(55):
        with time_machine.travel(dt.datetime(2026, 6, 2, 9, i, tzinfo=SHANGHAI), tick=False):
            audit_event_record(user=world["jia"], action="visit.record", target=f"service:{i}", division_code=JIA,
                               detail={"person": 1, "date": "2026-06-02"})
    audit_event_record(user=world["jia"], action="guidance.record", target="service:99", division_code=JIA)
    filters = {"actor": "jia", "action": "area:casework", "target": "service", "division": "500103001",
               "since": "2026-06-01", "until": "2026-06-30"}
    client = _as(world["yu"])
    first = client.get("/audit/", filters).content.decode()
    assert len(_rows(first)) == 50 and "第 1 页，共 2 页" in first
    link = re.search(r'<a href="\?([^"]+)" rel="next">', first).group(1).replace("&amp;", "&")
    assert dict(p.split("=", 1) for p in link.split("&")) == {**{k: v.replace(":", "%3A") for k, v in filters.items()},
                                                               "page": "2"}
    second = client.get("/audit/?" + link).content.decode()
    assert len(_rows(second)) == 5
    assert '<option value="area:casework" selected>' in second and 'value="jia"' in second
    assert 'value="2026-06-01"' in second and 'value="500103001"' in second


def test_a_sync_that_changes_nothing_writes_no_event(world):
    from jiuye.casework import services as cs
    from jiuye.registry import models as m

    before = AuditEvent.objects.count()
    assert cs.zero_employment_sync(user=world["jia"], community=JIA, as_of=dt.date(2026, 10, 9)) == {
        "created": 0, "eliminated": 0}
    assert AuditEvent.objects.count() == before
    # A worker's step writes its own event and no bookkeeping row after it.
    zhang = m.Person.objects.get(name="张建国")
    client = _as(world["jia"])
    with time_machine.travel(dt.datetime(2026, 10, 9, 9, tzinfo=SHANGHAI), tick=False):
        client.force_login(world["jia"])
        assert client.post(f"/people/{zhang.pk}/visit/", {"date": "2026-10-09"}).status_code == 302
    assert list(AuditEvent.objects.filter(pk__gt=0).exclude(action__in=["login", "user.add", "ledger.import"])
                .values_list("action", flat=True)) == ["service.record"]
    # A sync that opens a case is recorded, once.
    zhao = m.Person.objects.get(name="赵磊")
    with time_machine.travel(dt.datetime(2026, 10, 9, 9, tzinfo=SHANGHAI), tick=False):
        data = {"date": "2026-10-09", "reason": "辞职"}
        page = client.post(f"/people/{zhao.pk}/register/", data)  # he works: the page asks to confirm his job ends
        token = re.search(r'name="confirm" value="([^"]+)"', page.content.decode()).group(1)
        assert client.post(f"/people/{zhao.pk}/register/", {**data, "confirm": token}).status_code == 302
    assert AuditEvent.objects.filter(action="zero_employment.sync").count() == 1
