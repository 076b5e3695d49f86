"""Background work: import and export jobs with their progress, the nightly and morning runs,
the CLI's progress line, and a real Celery worker on Redis."""

import csv
import datetime as dt
import io
import threading
import time
import zipfile
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from jiuye.accounts.models import User
from jiuye.accounts.services import user_add
from jiuye.audit.models import AuditEvent
from jiuye.registry import models as m
from jiuye.standards.models import EvaluationSnapshot
from jiuye.tasks.models import Job, JobState, MorningDigest
from tests.ledger_builders import Ledger, make_id

PASSWORD = "Gongzuo-2026!x"
JIA, YI = "500103001001", "500103001002"
ZHANG = "500103198003150119"  # 张建国 of 甲 (household A1)
NEW_MAN = make_id("50010319900101123")  # 男, born 1990-01-01
REDIS_URL = "redis://127.0.0.1:6379/15"  # tests only
pytestmark = pytest.mark.django_db


def _user(username, role, code, staff=False):
    user = user_add(username=username, role=role, scope_code=code, password=PASSWORD)
    if staff:
        User.objects.filter(pk=user.pk).update(is_staff=True)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def register(jiuye, example_dir):
    assert jiuye("import", str(example_dir)).code == 0
    return {"jia": _user("jia", "community", JIA), "yi": _user("yi", "community", YI),
            "street": _user("street-admin", "street", JIA[:9], staff=True)}


def _login(client, username):
    client.login(username=username, password=PASSWORD)
    return client


@pytest.fixture
def as_jia(client, register):
    return _login(client, "jia")


def _people(example_dir, *rows: dict) -> SimpleUploadedFile:
    """人员.csv holding just these rows (the example's columns)."""
    ledger = Ledger.example(example_dir).only("人员")
    ledger.sheets["人员"].rows.clear()
    for row in rows:
        ledger.append("人员", **row)
    sheet = ledger.sheets["人员"]
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([sheet.headers, *sheet.rows])
    return SimpleUploadedFile("人员.csv", out.getvalue().encode("utf-8"), content_type="text/csv")


def _new_man(household="A1", **changes):
    return {"身份证号": NEW_MAN, "姓名": "新居民", "性别": "男", "出生日期": "1990-01-01", "家庭编号": household,
            "居住起始日期": "2020-01-01", **changes}


def _start(client, path, data, capture):
    with capture(execute=True):
        response = client.post(path, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Job.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1])), response["Location"]


def _confirmed(client, preview: Job, capture) -> tuple[Job, str]:
    """Confirm the preview ``preview`` (an upload is previewed first): the import job and its page."""
    preview.refresh_from_db()
    assert preview.state == JobState.DONE and preview.params["preview"] == "pending", (preview.message, preview.errors)
    with capture(execute=True):
        response = client.post(f"/ledgers/jobs/{preview.pk}/confirm/")
    assert response.status_code == 302, response.content.decode()[:2000]
    return Job.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1])), response["Location"]


def _table(body: str, css: str) -> list[list[str]]:
    """The cells of the rows of the table with class ``css`` (header row excluded)."""
    import re

    section = body.split(f'class="list {css}"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", section, re.S)[1:]
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in rows]


# -- imports in the browser (no broker: in-process) ------------------------------------------------


def test_an_import_job_runs_to_done_and_its_page_shows_it(as_jia, example_dir, django_capture_on_commit_callbacks):
    page = as_jia.get("/ledgers/")
    assert 'href="/ledgers/import/"' in page.content.decode()
    preview, _ = _start(as_jia, "/ledgers/import/", {"files": [_people(example_dir, _new_man())]},
                        django_capture_on_commit_callbacks)
    job, location = _confirmed(as_jia, preview, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.kind == "import" and job.user.username == "jia"
    assert job.total and job.done == job.total
    assert m.Person.objects.with_id_number(NEW_MAN).get().household.code == "A1"
    body = as_jia.get(location).content.decode()
    assert 'value="100"' in body and "100%" in body
    assert _table(body, "job-counts") == [["人员", "1", "0"]]
    fragment = as_jia.get(f"/ledgers/jobs/{job.pk}/progress/").content.decode()
    assert 'id="job"' in fragment and "every 1s" not in fragment  # finished: the polling stops
    assert not Path(job.params["input"]).exists()  # the upload is removed


def test_a_running_job_page_polls_every_second_and_shows_live_progress(as_jia):
    from jiuye.tasks.progress import JobProgress, progress_clear

    job = Job.objects.create(kind="import", user=User.objects.get(username="jia"), division_code=JIA,
                             state=JobState.RUNNING)
    JobProgress(job.pk)("人员: 400000/1000000", done=400000, total=1000000)
    body = as_jia.get(f"/ledgers/jobs/{job.pk}/").content.decode()
    assert f'hx-get="/ledgers/jobs/{job.pk}/progress/"' in body and 'hx-trigger="every 1s"' in body
    assert 'value="40"' in body and "人员: 400000/1000000" in body
    progress_clear(job.pk)


def test_a_rejected_import_lists_every_problem_and_writes_nothing(as_jia, example_dir,
                                                                   django_capture_on_commit_callbacks):
    before = m.Person.objects.count()
    bad = _new_man(出生日期="1991-01-01")  # disagrees with the ID number
    job, location = _start(as_jia, "/ledgers/import/", {"files": [_people(example_dir, bad)]},
                           django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.error_count == 1
    assert m.Person.objects.count() == before
    body = as_jia.get(location).content.decode()
    [finding] = _table(body, "job-findings")  # the page's language
    assert finding[:2] == ["人员", "出生日期"] and "出生日期与身份证号不符" in finding[2] and finding[3] == "第 2 行"


def test_the_upload_form_refuses_other_files_and_files_over_the_limit(as_jia, settings, example_dir):
    body = as_jia.post("/ledgers/import/", {"files": [SimpleUploadedFile("x.txt", b"a")]}).content.decode()
    assert 'id="error-files"' in body and Job.objects.count() == 0
    settings.JIUYE_IMPORT_MAX_FILE_BYTES = 10
    body = as_jia.post("/ledgers/import/", {"files": [_people(example_dir, _new_man())]}).content.decode()
    assert 'id="error-files"' in body and "10" in body and Job.objects.count() == 0


def test_an_import_touches_only_the_communities_of_the_users_scope(as_jia, example_dir,
                                                                    django_capture_on_commit_callbacks):
    before = {p.pk: (p.name, p.household_id) for p in m.Person.objects.all()}
    sun_wei = {"身份证号": "500103198802100118", "姓名": "孙伟改", "性别": "男", "出生日期": "1988-02-10",
               "家庭编号": "B1", "居住起始日期": "2008-01-01"}  # a resident of 乙
    moved = {"身份证号": ZHANG, "姓名": "张建国", "性别": "男", "出生日期": "1980-03-15", "家庭编号": "B1",
             "居住起始日期": "2005-01-01"}  # jia's own resident moved into 乙
    rows = [_new_man("B2"), sun_wei, moved, _new_man("A1", 身份证号=make_id("50010319900101125"))]
    job, location = _start(as_jia, "/ledgers/import/", {"files": [_people(example_dir, *rows)]},
                           django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert [(r[0], r[1]) for r in job.errors] == [("人员", 2), ("人员", 3), ("人员", 4)]
    assert all("500103001002" in r[3] and "outside your scope" in r[3] for r in job.errors)
    assert {p.pk: (p.name, p.household_id) for p in m.Person.objects.all()} == before
    # The same rows from the street, whose scope holds both communities, are imported.
    client = _login(as_jia.__class__(), "street-admin")
    preview, _ = _start(client, "/ledgers/import/", {"files": [_people(example_dir, *rows)]},
                        django_capture_on_commit_callbacks)
    job, _ = _confirmed(client, preview, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.errors
    assert m.Person.objects.with_id_number(ZHANG).get().household.code == "B1"


def test_jobs_are_seen_by_their_owner_and_the_staff_of_their_division_only(as_jia, client, example_dir,
                                                                           django_capture_on_commit_callbacks):
    job, location = _start(as_jia, "/ledgers/import/", {"files": [_people(example_dir, _new_man())]},
                           django_capture_on_commit_callbacks)
    assert f"/ledgers/jobs/{job.pk}/" in as_jia.get("/ledgers/jobs/").content.decode()
    other = _login(client.__class__(), "yi")
    for url in (location, f"/ledgers/jobs/{job.pk}/progress/"):
        assert other.get(url).status_code == 404
    assert f"/ledgers/jobs/{job.pk}/" not in other.get("/ledgers/jobs/").content.decode()
    street = _login(client.__class__(), "street-admin")
    assert street.get(location).status_code == 200


def test_a_user_without_a_scope_cannot_import_or_export(client, register):
    User.objects.create_user(username="nobody", password=PASSWORD)
    _login(client, "nobody")
    assert client.get("/ledgers/import/").status_code == 403
    assert client.post("/ledgers/export/", {"format": "xlsx"}).status_code == 403
    assert Job.objects.count() == 0


# -- exports -----------------------------------------------------------------------------------


def test_an_export_job_gives_a_file_of_the_scope_to_its_owner_only(as_jia, client,
                                                                    django_capture_on_commit_callbacks):
    job, location = _start(as_jia, "/ledgers/export/", {"format": "xlsx"}, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.result["masked"] is True
    body = as_jia.get(location).content.decode()
    assert f"/ledgers/jobs/{job.pk}/download/" in body
    response = as_jia.get(f"/ledgers/jobs/{job.pk}/download/")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ids = [r[0] for r in workbook["人员"].iter_rows(min_row=2, values_only=True)]
    assert "500103********0119" in ids and ZHANG not in ids  # masked without the permission
    households = {r[0] for r in workbook["家庭"].iter_rows(min_row=2, values_only=True)}
    assert households == {"A1", "A2", "A3", "A4"}  # jia's community only
    assert AuditEvent.objects.filter(action="job.export.download", target=f"job:{job.pk}", user__username="jia").exists()
    for username in ("yi", "street-admin"):  # the street's staff sees the job, but cannot download it
        other = _login(client.__class__(), username)
        assert other.get(f"/ledgers/jobs/{job.pk}/download/").status_code == 404
        assert f"/ledgers/jobs/{job.pk}/download/" not in other.get(location).content.decode()
    # The nightly run deletes exported files after JIUYE_EXPORT_KEEP_DAYS.
    from jiuye.tasks.runner import job_files_expire

    assert job_files_expire(days=7) == 0
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=8)):
        assert job_files_expire(days=7) == 1
    assert as_jia.get(f"/ledgers/jobs/{job.pk}/download/").status_code == 404


def test_an_export_has_full_ids_for_a_user_with_the_reveal_permission(as_jia, django_capture_on_commit_callbacks):
    jia = User.objects.get(username="jia")
    jia.user_permissions.add(Permission.objects.get(
        codename="view_full_id", content_type=ContentType.objects.get_for_model(m.Person)))
    job, _ = _start(as_jia, "/ledgers/export/", {"format": "csv"}, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.result["masked"] is False
    response = as_jia.get(f"/ledgers/jobs/{job.pk}/download/")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert len(archive.namelist()) == 10
    people = archive.read("人员.csv").decode("utf-8-sig")
    assert ZHANG in people and "孙伟" not in people


# -- the nightly and morning runs -------------------------------------------------------------------


def test_the_beat_schedule_names_registered_tasks(settings):
    from jiuye.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks


def test_the_nightly_task_saves_a_city_wide_snapshot(register, jiuye):
    from jiuye.oversight.dashboards import city_snapshots
    from jiuye.tasks.tasks import nightly_evaluation

    assert not EvaluationSnapshot.objects.exists()
    job = Job.objects.get(pk=nightly_evaluation.delay(as_of="2026-06-30").get())
    assert job.state == JobState.DONE and job.kind == "evaluate" and job.user is None
    snapshot = city_snapshots().get()
    assert snapshot.as_of == dt.date(2026, 6, 30) and job.result["snapshot"] == snapshot.pk
    assert {c["code"] for c in snapshot.result["communities"]} == {JIA, YI, "500105002003"}
    # Without a broker, cron runs the same with `jiuye scheduled`.
    run = jiuye("scheduled", "nightly", "--date", "2026-07-31")
    assert run.code == 0 and "snapshot" in run.stdout
    assert city_snapshots().filter(as_of=dt.date(2026, 7, 31)).count() == 1


@time_machine.travel(dt.datetime(2026, 10, 9, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
def test_the_morning_task_counts_each_workers_queue_for_the_today_page(as_jia):
    from jiuye.casework.selectors import today_queue
    from jiuye.tasks.tasks import morning_reminders

    jia = User.objects.get(username="jia")
    items = today_queue(jia, dt.date(2026, 10, 9))
    assert items
    job = Job.objects.get(pk=morning_reminders.delay().get())
    assert job.state == JobState.DONE and job.result["users"] == 2  # jia and yi, not the street
    digest = MorningDigest.objects.get(user=jia, day=dt.date(2026, 10, 9))
    assert digest.total == len(items) and digest.overdue == sum(1 for i in items if i.urgency < 0)
    assert sum(digest.by_kind.values()) == digest.total
    body = as_jia.get("/").content.decode()
    assert 'class="digest' in body and f"{digest.total} " in body.split('class="digest', 1)[1].split("</p>")[0]


# -- the command line ---------------------------------------------------------------------------------


def test_import_and_export_show_a_progress_line_and_keep_their_output(jiuye, example_dir, tmp_path):
    assert jiuye("import", str(example_dir)).code == 0
    plain = jiuye("import", str(example_dir))  # stored already: +0 everywhere, both times
    assert plain.code == 0 and "\r" not in plain.stderr
    again = jiuye("import", "--progress", str(example_dir))
    assert again.code == 0 and again.stdout == plain.stdout
    assert "\r" in again.stderr and again.stderr.rstrip().endswith("100%)")
    exported = jiuye("export", "--progress", str(tmp_path / "out"))
    assert exported.code == 0 and exported.stdout.startswith("导出完成 / exported")
    assert "\r人员" in exported.stderr and "100%" in exported.stderr
    bad = tmp_path / "bad"
    Ledger.example(example_dir).set("人员", 2, "出生日期", "1981-03-15").write_csv(bad)
    rejected = jiuye("import", "--progress", str(bad))
    assert rejected.code == 2
    problems = [line.split("\t") for line in rejected.stderr.splitlines() if line.count("\t") == 3]
    assert problems == [["人员", "2", "出生日期", "出生日期与身份证号不符 / birth date disagrees with the ID number"]]


# -- a real worker on Redis -----------------------------------------------------------------------------


@pytest.fixture
def redis_worker_app():
    """The Celery app sending to Redis DB 15 (skipped when Redis does not answer)."""
    import redis

    from jiuye.celery import app

    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.exceptions.RedisError:
        pytest.skip("Redis not reachable at 127.0.0.1:6379")
    connection.flushdb()
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    _forget_connections(app)  # an eager run may have opened a pool to the default broker
    app.conf.update(broker_url=REDIS_URL, task_always_eager=False)
    yield app
    app.conf.update(saved)
    _forget_connections(app)
    connection.flushdb()


def _forget_connections(app):
    """Closes the app's broker connections and gives kombu fresh global pools: a real worker
    closes them on its way out, and an eager job of a later test (the browser's import, the
    dashboard's trend) would find them closed ("Acquire on closed pool")."""
    from kombu import pools

    pools.reset()
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True)
def test_a_worker_on_redis_takes_a_queued_import_to_done_with_progress_seen_meanwhile(
        redis_worker_app, jiuye, example_dir, client, monkeypatch):
    from celery.contrib.testing.worker import start_worker

    from jiuye.exchange import importer
    from jiuye.tasks import runner
    from jiuye.tasks.services import job_start

    assert jiuye("import", str(example_dir)).code == 0
    jia = _user("jia", "community", JIA)
    _login(client, "jia")
    client.get("/ledgers/jobs/")  # the session is written now, not during the import
    # Hold the import inside its transaction (just before its audit event) until released.
    inside, release = threading.Event(), threading.Event()
    audit = importer.audit_event_record

    def held_audit(**kwargs):
        inside.set()
        release.wait(30)
        return audit(**kwargs)

    monkeypatch.setattr(importer, "audit_event_record", held_audit)
    # The end is awaited on the worker's last step (after its final save of the job), not by
    # reading tasks_job meanwhile: SQLite's shared in-memory test database fails a write that
    # meets another connection's read at once ("database table is locked"), with no wait.
    ended = threading.Event()
    clear = runner.progress_clear

    def clear_and_tell(job_id):
        clear(job_id)
        ended.set()

    monkeypatch.setattr(runner, "progress_clear", clear_and_tell)

    job = job_start(user=jia, kind="import", files=[_people(example_dir, _new_man())])
    time.sleep(0.5)
    job.refresh_from_db()
    assert job.state == JobState.QUEUED  # sent to Redis; no worker yet
    with start_worker(redis_worker_app, perform_ping_check=False, shutdown_timeout=30):
        try:
            assert inside.wait(30), "the worker did not start the import"
            # Another connection, while the import's transaction is open: the page shows its progress.
            body = client.get(f"/ledgers/jobs/{job.pk}/progress/").content.decode()
            assert "job-running" in body and 'value="100"' in body and "已写入，提交中" in body and "written, committing" not in body
            assert 'hx-trigger="every 1s"' in body
        finally:
            release.set()
        assert ended.wait(30), "the worker did not finish the job"
    job.refresh_from_db()
    assert job.state == JobState.DONE, (job.message, job.errors)
    assert m.Person.objects.with_id_number(NEW_MAN).exists()
    assert "every 1s" not in client.get(f"/ledgers/jobs/{job.pk}/progress/").content.decode()


# -- failures: what the worker sees ---------------------------------------------------------------------


def test_an_upload_without_a_file_is_refused_by_the_form(as_jia):
    for data in ({}, {"files": [SimpleUploadedFile("人员.csv", b"")]}):
        response = as_jia.post("/ledgers/import/", data)
        assert response.status_code == 200
        body = response.content.decode()
        assert 'id="error-files"' in body, data
        assert "请选择要导入的文件" in body or "文件是空的" in body
    assert Job.objects.count() == 0


def test_a_job_that_fails_inside_says_what_to_do_and_logs_the_traceback_once(
        as_jia, example_dir, monkeypatch, caplog, django_capture_on_commit_callbacks):
    from jiuye.tasks import runner

    def broken(job, progress):
        raise KeyError("input")

    monkeypatch.setitem(runner.RUNNERS, "import", broken)
    job, location = _start(as_jia, "/ledgers/import/", {"files": [_people(example_dir, _new_man())]},
                           django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.failure == "internal"
    body = as_jia.get(location).content.decode()
    assert "KeyError" not in body and "KeyError" not in job.message
    assert f"任务编号 #{job.pk}" in body and "登记数据没有任何改动" in body
    tracebacks = [r for r in caplog.records if r.exc_info and f"job {job.pk}" in r.getMessage()]
    assert len(tracebacks) == 1 and tracebacks[0].exc_info[0] is KeyError


def test_a_job_over_celerys_soft_time_limit_fails_with_the_time_limit(as_jia, example_dir, monkeypatch, settings,
                                                                     django_capture_on_commit_callbacks):
    from celery.exceptions import SoftTimeLimitExceeded

    from jiuye.tasks import runner

    def slow(job, progress):
        raise SoftTimeLimitExceeded()

    settings.JIUYE_JOB_TIME_LIMIT = 600
    monkeypatch.setitem(runner.RUNNERS, "import", slow)
    job, location = _start(as_jia, "/ledgers/import/", {"files": [_people(example_dir, _new_man())]},
                           django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.failure == "time" and "600" in job.message
    assert "600 秒" in as_jia.get(location).content.decode()


def test_a_running_job_whose_heartbeat_stopped_is_failed_when_it_is_looked_at(as_jia, settings, caplog):
    from jiuye.tasks.progress import heartbeat_beat

    jia = User.objects.get(username="jia")
    job = Job.objects.create(kind="import", user=jia, division_code=JIA, state=JobState.RUNNING)
    heartbeat_beat(job.pk)
    assert "job-running" in as_jia.get(f"/ledgers/jobs/{job.pk}/progress/").content.decode()
    settings.JIUYE_JOB_STALE_SECONDS = 60
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=90)):
        box = as_jia.get(f"/ledgers/jobs/{job.pk}/progress/").content.decode()
        listed = as_jia.get("/ledgers/jobs/").content.decode()
        as_jia.cookies["django_language"] = "en"
        english = as_jia.get(f"/ledgers/jobs/{job.pk}/").content.decode()
    assert "job-failed" in box and "every 1s" not in box and "任务进程在任务完成之前停止了" in box
    assert "The job&#x27;s process stopped before the job was finished" in english
    assert "job-failed" in listed
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.failure == "stopped" and job.finished_at
    assert len([r for r in caplog.records if f"job {job.pk} " in r.getMessage()]) == 1  # recorded once


def test_a_job_is_run_once_even_when_its_message_comes_again(register):
    from jiuye.tasks.runner import job_run

    job = Job.objects.create(kind="evaluate", state=JobState.RUNNING, params={"as_of": "2026-06-30"})
    assert job_run(job.pk).state == JobState.RUNNING  # another worker has it
    assert not EvaluationSnapshot.objects.exists()


def test_a_job_alive_past_the_time_it_would_have_been_killed_at_is_failed(as_jia, settings):
    """A pool that enforces no limit (Celery's solo pool) leaves a stuck job beating: the check
    fails it once it is past its time limit and the kill that would have followed."""
    from jiuye.tasks.progress import heartbeat_beat

    settings.JIUYE_JOB_TIME_LIMIT, settings.JIUYE_JOB_STALE_SECONDS = 600, 60
    job = Job.objects.create(kind="import", user=User.objects.get(username="jia"), division_code=JIA,
                             state=JobState.RUNNING, started_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=650))
    heartbeat_beat(job.pk)
    assert "job-running" in as_jia.get(f"/ledgers/jobs/{job.pk}/progress/").content.decode()
    Job.objects.filter(pk=job.pk).update(started_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=700))
    heartbeat_beat(job.pk)
    box = as_jia.get(f"/ledgers/jobs/{job.pk}/progress/").content.decode()
    assert "job-failed" in box and "600 秒" in box
