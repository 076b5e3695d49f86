"""Run inside a process configured for a real primary and standby (``tests/test_replica.py``):
``python -m tests.replica_probe STEP`` prints one JSON line.

Steps:

- ``setup``: the users the pages need (a city user, a community worker);
- ``pages``: the dashboard, the notice board and a person's page through Django's test client,
  with every SQL statement each connection ran: which tables it read, whether it wrote;
- ``rename NAME``: the community's name changed on the primary (inside ``replica_reads()``,
  where a write must still go to the primary).
"""

import json
import os
import re
import sys
from contextlib import ExitStack

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuye.settings")

import django  # noqa: E402

django.setup()

from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

COMMUNITY = "500103001002"
PASSWORD = "Gongzuo-2026!x"
TABLES = {"snapshot": "standards_evaluationsnapshot", "person": "registry_person", "division": "divisions_division"}


def _kind(sql: str) -> str:
    return sql.lstrip().split(None, 1)[0].upper()


def _read(sql: str) -> set[str]:
    """What a SELECT reads: its tables by short name, and "figures" for the saved evaluations'
    results (the dashboard's numbers, not the check whether this month's is saved)."""
    if _kind(sql) != "SELECT":
        return set()
    found = {name for name, table in TABLES.items() if table in sql}
    if "snapshot" in found and "communities" in sql:
        found.add("figures")
    return found


def _summary(statements: list[str]) -> dict:
    mine = [s for s in statements if "pg_is_in_recovery" not in s]  # the router's own lag check
    return {
        "reads": sorted(set().union(*map(_read, mine))),
        "writes": sum(1 for s in mine if _kind(s) in {"INSERT", "UPDATE", "DELETE"}),
        "statements": len(mine),
        "lag_checks": len(statements) - len(mine),
    }


def _captured(fn):
    """fn()'s result and, per connection, the SQL it ran (no connection is opened for this)."""
    seen = {"default": [], "replica": []}
    with ExitStack() as stack:
        for alias in seen:
            def wrapper(execute, sql, params, many, context, alias=alias):
                seen[alias].append(sql)
                return execute(sql, params, many, context)
            stack.enter_context(connections[alias].execute_wrapper(wrapper))
        result = fn()
    return result, {alias: _summary(statements) for alias, statements in seen.items()}


def _page(client, url: str) -> dict:
    response, queries = _captured(lambda: client.get(url))
    body = response.content.decode(errors="replace")
    return {"status": response.status_code, "body": re.sub(r"\s+", " ", body)[:20000], **queries}


def setup() -> dict:
    from jiuye.accounts.models import User
    from jiuye.accounts.services import user_add

    for username, role, scope in (("city", "city", "500000"), ("yi", "community", COMMUNITY)):
        if not User.objects.filter(username=username).exists():
            user_add(username=username, role=role, scope_code=scope, password=PASSWORD)
    return {"users": User.objects.count()}


def pages() -> dict:
    from jiuye.accounts.models import User
    from jiuye.registry import models as m

    setup_test_environment()  # the test client's host name; nothing else is changed
    city, worker = Client(), Client()
    city.force_login(User.objects.get(username="city"))
    worker.force_login(User.objects.get(username="yi"))
    person = m.Person.objects.filter(household__community__code=COMMUNITY).order_by("pk").first()
    return {
        "dashboard": _page(city, "/dashboard/"),
        "notice": _page(Client(), f"/notice/{COMMUNITY}/"),
        "person": _page(worker, f"/people/{person.pk}/"),
    }


def rename(name: str) -> dict:
    from jiuye.dbrouters import replica_reads
    from jiuye.divisions.models import Division

    def write():
        with replica_reads():
            return Division.objects.filter(code=COMMUNITY).update(name=name)

    updated, queries = _captured(write)
    return {"updated": updated, **queries}


if __name__ == "__main__":
    step, *args = sys.argv[1:]
    print(json.dumps({"setup": setup, "pages": pages, "rename": rename}[step](*args), ensure_ascii=False))
