"""The browser import: a preview before anything is written, then confirm or cancel (issue 13 part 3),
and its problems grouped by table, column and kind in the page's language (part 2)."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Permission

from jiuye.audit.models import AuditEvent
from jiuye.registry import models as m
from jiuye.tasks.models import Job, JobState
from tests.ledger_builders import make_id
from tests.test_background import JIA, NEW_MAN, YI, ZHANG, _login, _new_man, _people, _start, _table, _user

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(jiuye, example_dir):
    assert jiuye("import", str(example_dir)).code == 0
    return {"jia": _user("jia", "community", JIA), "yi": _user("yi", "community", YI),
            "street": _user("street-admin", "street", JIA[:9], staff=True)}


@pytest.fixture
def as_jia(client, register):
    return _login(client, "jia")


def _renamed_zhang(**changes):
    """张建国 of 甲 with another name (and the columns the upload leaves blank cleared)."""
    return {"身份证号": ZHANG, "姓名": "张建军", "性别": "男", "出生日期": "1980-03-15", "家庭编号": "A1",
            "居住起始日期": "2005-01-01", **changes}


def _preview(client, capture, *rows, example_dir):
    job, location = _start(client, "/ledgers/import/", {"files": [_people(example_dir, *rows)]}, capture)
    job.refresh_from_db()
    return job, location


def _decide(client, job, what, capture):
    with capture(execute=True):
        return client.post(f"/ledgers/jobs/{job.pk}/{what}/")


def _imports() -> list[Job]:
    """The real imports (not the previews)."""
    return [job for job in Job.objects.filter(kind="import").order_by("pk") if not job.params.get("dry_run")]


def test_an_upload_is_previewed_then_imported_once_confirmed(as_jia, example_dir,
                                                             django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    persons = m.Person.objects.count()
    job, location = _preview(as_jia, capture, _new_man(), _renamed_zhang(), example_dir=example_dir)
    # The preview: a background job that wrote nothing and kept the files.
    assert job.state == JobState.DONE and job.params["dry_run"] and job.params["preview"] == "pending"
    assert m.Person.objects.count() == persons and not m.Person.objects.with_id_number(NEW_MAN).exists()
    assert m.Person.objects.with_id_number(ZHANG).get().name == "张建国"
    assert Path(job.params["input"]).exists()
    assert AuditEvent.objects.filter(action="job.import.preview", target=f"job:{job.pk}").count() == 1
    assert not AuditEvent.objects.filter(action__in=("job.import.start", "ledger.import"), target__contains="job").exists()
    body = as_jia.get(location).content.decode()
    assert _table(body, "job-preview") == [["人员", "1", "1", "0"]]
    changes = _table(body, "job-changes")
    assert ["2", "500103********0119", "姓名", "张建国", "张建军"] in [r for r in changes if r[2] == "姓名"] or \
        ["3", "500103********0119", "姓名", "张建国", "张建军"] in changes
    assert ZHANG not in body and NEW_MAN not in body
    assert 'class="job-confirm"' in body and 'class="secondary job-cancel"' in body
    # Confirmed: the import of the same files, as a job of its own.
    response = _decide(as_jia, job, "confirm", capture)
    assert response.status_code == 302
    [real] = _imports()
    assert response["Location"] == f"/ledgers/jobs/{real.pk}/"
    real.refresh_from_db()
    assert real.state == JobState.DONE, (real.message, real.errors)
    assert m.Person.objects.with_id_number(NEW_MAN).get().household.code == "A1"
    assert m.Person.objects.with_id_number(ZHANG).get().name == "张建军"
    assert _table(as_jia.get(response["Location"]).content.decode(), "job-counts") == [["人员", "1", "1"]]
    assert not Path(real.params["input"]).exists() and not Path(job.params["input"]).exists()
    assert AuditEvent.objects.filter(action="job.import.confirm", target=f"job:{job.pk}",
                                     detail__job=real.pk).count() == 1
    assert AuditEvent.objects.filter(action="ledger.import").count() == 1 + 1  # the fixture's, and this one
    # The preview now says where the import went, and has no buttons any more.
    body = as_jia.get(location).content.decode()
    assert 'class="job-confirm"' not in body and f'href="/ledgers/jobs/{real.pk}/"' in body


def test_confirming_twice_imports_once(as_jia, example_dir, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    job, _ = _preview(as_jia, capture, _new_man(), example_dir=example_dir)
    first = _decide(as_jia, job, "confirm", capture)
    second = _decide(as_jia, job, "confirm", capture)  # a double click, or the old tab
    [real] = _imports()
    assert first["Location"] == second["Location"] == f"/ledgers/jobs/{real.pk}/"
    assert m.Person.objects.with_id_number(NEW_MAN).count() == 1
    assert AuditEvent.objects.filter(action="job.import.confirm").count() == 1
    # Nor does a cancel after the confirm undo anything or discard anything.
    _decide(as_jia, job, "cancel", capture)
    assert not AuditEvent.objects.filter(action="job.import.cancel").exists()
    assert m.Person.objects.with_id_number(NEW_MAN).count() == 1


def test_a_cancelled_preview_writes_nothing_and_its_files_are_gone(as_jia, example_dir,
                                                                   django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    job, location = _preview(as_jia, capture, _new_man(), example_dir=example_dir)
    folder = Path(job.params["input"])
    assert folder.exists()
    response = _decide(as_jia, job, "cancel", capture)
    assert response["Location"] == location
    assert not folder.exists()
    job.refresh_from_db()
    assert job.params["preview"] == "cancelled"
    assert AuditEvent.objects.filter(action="job.import.cancel", target=f"job:{job.pk}").count() == 1
    body = as_jia.get(location).content.decode()
    assert 'class="job-confirm"' not in body and "job-cancelled" in body
    # A confirm after the cancel (an old tab) imports nothing.
    _decide(as_jia, job, "confirm", capture)
    assert _imports() == [] and not m.Person.objects.with_id_number(NEW_MAN).exists()


def test_a_preview_with_problems_has_no_confirm_but_its_findings(as_jia, example_dir,
                                                                 django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    bad = [_new_man(身份证号=make_id(f"50010319900101{i:02d}1"), 出生日期="1991-01-01") for i in range(30)]
    job, location = _preview(as_jia, capture, *bad, example_dir=example_dir)
    assert job.state == JobState.FAILED and job.error_count == 30
    assert not Path(job.params["input"]).exists()  # nothing to confirm: the files are gone at once
    body = as_jia.get(location).content.decode()
    assert 'class="job-confirm"' not in body
    [finding] = _table(body, "job-findings")
    assert finding[:2] == ["人员", "出生日期"]
    assert finding[3] == "第 2、3、4、5、6、7、8、9、10、11…共 30 行"
    assert "出生日期与身份证号不符" in finding[2] and "disagrees" not in body
    english = _login(as_jia.__class__(), "jia")
    english.cookies["django_language"] = "en"
    [finding] = _table(english.get(location).content.decode(), "job-findings")
    assert finding[3] == "Rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11… (30 rows)"
    assert "disagrees with the ID number" in finding[2] and "不符" not in finding[2]
    _decide(as_jia, job, "confirm", capture)
    assert _imports() == []


def test_only_the_user_who_uploaded_may_confirm(as_jia, client, example_dir, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    job, location = _preview(as_jia, capture, _new_man(), example_dir=example_dir)
    street = _login(client.__class__(), "street-admin")  # sees the job of its division, may not decide it
    assert 'class="job-confirm"' not in street.get(location).content.decode()
    assert _decide(street, job, "confirm", capture).status_code == 403
    assert _decide(street, job, "cancel", capture).status_code == 403
    yi = _login(client.__class__(), "yi")  # another community: not even the page
    assert _decide(yi, job, "confirm", capture).status_code == 404
    assert as_jia.get(f"/ledgers/jobs/{job.pk}/confirm/").status_code == 405  # a POST only
    assert _imports() == [] and Path(job.params["input"]).exists()
    job.refresh_from_db()
    assert job.params["preview"] == "pending"


def test_the_key_is_shown_in_full_only_to_a_user_who_may_see_full_ids(as_jia, example_dir,
                                                                        django_capture_on_commit_callbacks):
    from jiuye.accounts.models import User

    capture = django_capture_on_commit_callbacks
    job, location = _preview(as_jia, capture, _renamed_zhang(), example_dir=example_dir)
    assert ZHANG not in str(job.result) and "500103********0119" in str(job.result)  # stored sealed, not in clear
    assert {row[1] for row in _table(as_jia.get(location).content.decode(), "job-changes")} == {"500103********0119"}
    jia = User.objects.get(username="jia")
    jia.user_permissions.add(Permission.objects.get(codename="view_full_id"))
    revealing = _login(as_jia.__class__(), "jia")
    body = revealing.get(location).content.decode()
    assert {row[1] for row in _table(body, "job-changes")} == {ZHANG}


def test_warnings_are_grouped_on_the_preview(as_jia, example_dir, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    rows = [_new_man(身份证号=make_id(f"50010319900101{i:02d}1"), 居住终止日期="2099-01-01") for i in range(3)]
    job, location = _preview(as_jia, capture, *rows, example_dir=example_dir)
    assert job.state == JobState.DONE, job.errors
    [warning] = _table(as_jia.get(location).content.decode(), "job-warnings")
    assert warning[:2] == ["人员", "居住终止日期"] and warning[3] == "第 2、3、4 行"


def test_a_preview_left_undecided_loses_its_files_with_the_old_exports(as_jia, example_dir,
                                                                         django_capture_on_commit_callbacks):
    import datetime as dt

    from django.utils import timezone

    from jiuye.tasks.runner import job_files_expire

    capture = django_capture_on_commit_callbacks
    job, location = _preview(as_jia, capture, _new_man(), example_dir=example_dir)
    assert job_files_expire(days=7) == 0 and Path(job.params["input"]).exists()
    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now() - dt.timedelta(days=8))
    assert job_files_expire(days=7) == 1
    assert not Path(job.params["input"]).exists()
    body = as_jia.get(location).content.decode()
    assert 'class="job-confirm"' not in body and "job-expired" in body
    _decide(as_jia, job, "confirm", capture)
    assert _imports() == [] and not m.Person.objects.with_id_number(NEW_MAN).exists()
