"""Read replica (jiuye/dbrouters.py): with JIUYE_REPLICA_URL set, the dashboards and the public
notice board read from the ``replica`` database; every write and every other page stay on
``default``. Here the replica is Django's test mirror of ``default`` (the same database under a
second connection), so which connection ran a query is what tells them apart."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connections
from django.test.utils import CaptureQueriesContext

from jiuye.accounts.models import User
from jiuye.accounts.services import user_add
from jiuye.registry import models as m
from jiuye.standards.models import EvaluationSnapshot

D = dt.date(2026, 6, 30)
PASSWORD = "Gongzuo-2026!x"
COMMUNITY = "500103001002"


def _add_replica_alias() -> None:
    """What settings do for JIUYE_REPLICA_URL, for this module: a ``replica`` alias that is a
    test mirror of ``default``. It is added at import, before the test databases are set up."""
    if "replica" in connections:
        return
    default = connections["default"].settings_dict
    connections.settings["replica"] = {**default, "TEST": {**default["TEST"], "MIRROR": "default"}}


_add_replica_alias()
pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture
def register(jiuye, example_dir):
    assert jiuye("import", str(example_dir)).code == 0
    user_add(username="city", role="city", scope_code="500000", password=PASSWORD)
    user_add(username="yi", role="community", scope_code=COMMUNITY, password=PASSWORD)


@pytest.fixture
def replica_on(settings):
    settings.DATABASE_ROUTERS = ["jiuye.dbrouters.ReplicaRouter"]


def _get(client, url):
    """The page, and the SQL each connection ran for it."""
    with CaptureQueriesContext(connections["default"]) as primary, \
            CaptureQueriesContext(connections["replica"]) as replica:
        response = client.get(url)
    assert response.status_code == 200, url
    return response, [q["sql"] for q in primary], [q["sql"] for q in replica]


def _reads_of(queries, table):
    return [q for q in queries if re.match(r"\s*SELECT", q, re.I) and table in q]


SNAPSHOTS = EvaluationSnapshot._meta.db_table
PERSONS = m.Person._meta.db_table


@time_machine.travel(D)
def test_dashboard_reads_go_to_the_replica_and_its_write_to_default(client, register, replica_on):
    client.force_login(User.objects.get(username="city"))
    response, primary, replica = _get(client, "/dashboard/")
    assert response.context["data"]["summary"]["evaluated"] == 3  # the worked example's communities
    # The month's evaluation is saved first, on default (the check for it and the insert) …
    assert any(q.lstrip().upper().startswith("INSERT") and SNAPSHOTS in q for q in primary)
    assert not any(q.lstrip().upper().startswith("INSERT") for q in replica)
    # … and the dashboard's figures are read from the replica: the saved JSON and the division names.
    assert _reads_of(replica, SNAPSHOTS)
    assert any("communities" in q for q in _reads_of(replica, SNAPSHOTS))
    assert not any("communities" in q for q in _reads_of(primary, SNAPSHOTS))

    # Once saved, a second look reads the snapshots from the replica only.
    _, primary, replica = _get(client, "/dashboard/")
    assert len(_reads_of(replica, SNAPSHOTS)) > len(_reads_of(primary, SNAPSHOTS))


@time_machine.travel(D)
def test_notice_board_reads_the_register_from_the_replica(client, register, replica_on):
    response, primary, replica = _get(client, f"/notice/{COMMUNITY}/")
    assert response.context["board"]["counts"]["labour_force"] == 6
    assert _reads_of(replica, PERSONS)
    assert not _reads_of(primary, PERSONS)


@time_machine.travel(D)
def test_other_pages_stay_on_default(client, register, replica_on):
    client.force_login(User.objects.get(username="yi"))
    person = m.Person.objects.filter(household__community__code=COMMUNITY).first()
    _, primary, replica = _get(client, f"/people/{person.pk}/")
    assert _reads_of(primary, PERSONS) and replica == []


@time_machine.travel(D)
def test_without_a_replica_everything_reads_default(client, register):
    client.force_login(User.objects.get(username="city"))
    _, primary, replica = _get(client, "/dashboard/")
    _, primary_board, replica_board = _get(client, f"/notice/{COMMUNITY}/")
    assert replica == [] and replica_board == []
    assert _reads_of(primary, SNAPSHOTS) and _reads_of(primary_board, PERSONS)
