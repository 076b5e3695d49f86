"""After an import, the day's pages of the communities it replaced are prepared in the background
(issue 16): a job, as the nightly run's part for each community — its zero-employment cases
brought in line with the new register and its Today, board, standing and ledger pages computed —
so that a worker's first view after the import reads them from the cache. Nothing is started by
a preview, a refused import or with JIUYE_PREPARE_AFTER_IMPORT=0."""

import datetime as dt
import shutil

import pytest
import time_machine

from jiuye.accounts.services import user_add
from jiuye.casework.models import ZeroEmploymentCase
from jiuye.divisions.models import Division, Level
from jiuye.divisions.revisions import register_imported
from jiuye.exchange.importer import ledger_import
from jiuye.tasks.models import Job, JobKind, JobState
from tests.conftest import JIA, PASSWORD
from tests.test_cached_pages import Evaluations

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_hashing")]
DAY = dt.date(2026, 10, 9)


@pytest.fixture
def prepare_on(settings):
    settings.JIUYE_PREPARE_AFTER_IMPORT = True


def _prepared() -> list[Job]:
    return list(Job.objects.filter(kind=JobKind.PREPARE).order_by("pk"))


@time_machine.travel(DAY)
def test_an_import_prepares_its_communities_pages_for_the_first_views(prepare_on, example_dir, client,
                                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert ledger_import(path=example_dir).ok  # the whole register, as a district's first import
    jia = user_add(username="jia", role="community", scope_code=JIA, password=PASSWORD)
    [job] = _prepared()
    assert job.state == JobState.DONE and job.user is None and job.params == {"scope": ""}
    communities = Division.objects.filter(level=Level.COMMUNITY).count()
    assert job.result["communities"] == communities >= 2 and job.result["as_of"] == DAY.isoformat()
    assert job.result["zero_created"] == ZeroEmploymentCase.objects.count() > 0  # cases synced by the job
    client.force_login(jia)
    for url in ["/", "/zero/", "/standing/", f"/standing/{JIA}/", "/ledgers/labour-force/"]:
        with Evaluations() as counted:
            assert client.get(url).status_code == 200
        assert counted.calls == 0, url  # read from the cache the job filled


@time_machine.travel(DAY)
def test_a_community_import_prepares_that_community_only(prepare_on, jia, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        register_imported.send(sender=None, scope=JIA)  # as a worker's import of 甲 sends it
    [job] = _prepared()
    assert job.params == {"scope": JIA} and job.result["communities"] == 1
    assert job.message == "已准备 1 个社区的页面 / pages prepared for 1 communities"


@time_machine.travel(DAY)
def test_a_preview_a_refused_import_or_the_setting_off_prepare_nothing(prepare_on, settings, jia, example_dir,
                                                                      tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert ledger_import(path=example_dir, dry_run=True).ok
    bad = tmp_path / "bad"
    shutil.copytree(example_dir, bad)
    people = bad / "人员.csv"
    lines = people.read_text(encoding="utf-8").splitlines()
    people.write_text("\n".join([lines[0], lines[1].replace("500103", "5001O3", 1), *lines[2:]]) + "\n",
                      encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        assert not ledger_import(path=bad).ok
    assert _prepared() == []
    settings.JIUYE_PREPARE_AFTER_IMPORT = False
    with django_capture_on_commit_callbacks(execute=True):
        assert ledger_import(path=example_dir).ok
    assert _prepared() == []
    settings.JIUYE_PREPARE_AFTER_IMPORT = True
    with django_capture_on_commit_callbacks(execute=True):
        assert ledger_import(path=example_dir).ok  # changes nothing now: nothing to prepare
    assert _prepared() == []
