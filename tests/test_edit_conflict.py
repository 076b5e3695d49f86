"""No lost update: two workers editing one person at once (issue 7, item 6)."""

import re

import pytest
from django.test import Client

from jiuye.accounts.services import user_add
from jiuye.registry import models as m
from jiuye.registry import services as rs
from jiuye.registry.services import EditConflict

pytestmark = pytest.mark.django_db

PASSWORD = "Gongzuo-2026!x"
A = "500103001001"
ZHANG = "500103198003150119"  # 张建国, community A, phone in the example


@pytest.fixture
def example(jiuye, example_dir):
    assert jiuye("import", str(example_dir)).code == 0


def client_for(username):
    user = user_add(username=username, role="community", scope_code=A, password=PASSWORD)
    client = Client()
    client.force_login(user)
    return client


def form_data(page: str) -> dict:
    """The edit form's fields as a browser would send them back unchanged."""
    data = {}
    for tag in re.findall(r"<(?:input|textarea|select)[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or name.group(1) == "csrfmiddlewaretoken":
            continue
        if "checkbox" in tag:
            if "checked" in tag:
                data.setdefault(name.group(1), []).append(re.search(r'value="([^"]*)"', tag).group(1))
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name.group(1)] = value.group(1) if value else ""
    for select in re.finditer(r'<select name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', select.group(2))
        data[select.group(1)] = chosen.group(1) if chosen else ""
    for area in re.finditer(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        data[area.group(1)] = area.group(2).strip()
    return data


def test_the_second_editor_is_told_and_shown_the_other_change(example):
    zhang = m.Person.objects.with_id_number(ZHANG).get()
    first, second = client_for("worker_1"), client_for("worker_2")
    url = f"/people/{zhang.pk}/edit/"
    page_1 = first.get(url).content.decode()
    page_2 = second.get(url).content.decode()
    # the full numbers are not in the edit page
    assert ZHANG not in page_1

    response = first.post(url, {**form_data(page_1), "skills": "电工;焊工"})
    assert response.status_code == 302

    response = second.post(url, {**form_data(page_2), "education": "大学本科"})
    assert response.status_code == 409
    body = response.content.decode()
    assert 'id="conflict"' in body and "worker_1" in body
    assert "电工;焊工" in body  # the other's change, shown
    zhang.refresh_from_db()
    assert zhang.skills == "电工;焊工" and zhang.education == "大专"  # nothing of the second saved

    # Saving again from the re-rendered form applies the second editor's entry knowingly.
    response = second.post(url, form_data(body))
    assert response.status_code == 302
    zhang.refresh_from_db()
    assert zhang.education == "大学本科" and zhang.skills == "电工;焊工"


def test_an_import_in_between_also_counts_as_a_change(example, jiuye, tmp_path):
    worker = user_add(username="worker_1", role="community", scope_code=A, password=PASSWORD)
    zhang = m.Person.objects.with_id_number(ZHANG).get()
    base = rs.person_snapshot(zhang)
    m.Person.objects.filter(pk=zhang.pk).update(version=zhang.version + 1, skills="导入的技能")
    with pytest.raises(EditConflict) as exc:
        rs.person_update(user=worker, person=zhang, values={"技能": "我的"}, base=base)
    assert {"column": "技能", "before": base["row"]["技能"], "now": "导入的技能", "yours": "我的"} in exc.value.changes
    rs.person_update(user=worker, person=zhang, values={"技能": "我的"}, base=rs.person_snapshot(
        m.Person.objects.get(pk=zhang.pk)))
    assert m.Person.objects.get(pk=zhang.pk).skills == "我的"


def test_a_phone_changed_by_the_other_is_shown_masked(example):
    worker = user_add(username="worker_1", role="community", scope_code=A, password=PASSWORD)
    zhang = m.Person.objects.with_id_number(ZHANG).get()
    base = rs.person_snapshot(zhang)
    rs.person_update(user=worker, person=zhang, values={"联系电话": "13912345678"}, base=base)
    with pytest.raises(EditConflict) as exc:
        rs.person_update(user=worker, person=zhang, values={"技能": "x"}, base=base)
    assert {"column": "联系电话", "before": "", "now": "139****5678", "yours": ""} in exc.value.changes
    assert "13912345678" not in str(exc.value.changes)
