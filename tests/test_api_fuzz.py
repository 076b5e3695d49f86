"""Property-based fuzzing of the API with schemathesis: every operation of the OpenAPI schema,
called with generated parameters and bodies as a community worker (Bearer token), over the
worked example. No response may be a server error, and every response must conform to the
schema (status code, content type, body)."""

import datetime as dt

import pytest
import schemathesis
import time_machine
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi.checks import missing_required_header, positive_data_acceptance

from jiuye.api.services import token_create
from jiuye.jobs import models as j
from jiuye.registry.models import Household, Person
from jiuye.wsgi import application
from tests.api_world import A, B, C, build_world

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# The schema is public and generated without the database.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def world(jiuye, example_dir, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The WSGI app runs in this thread, inside the test's transaction: it must not close the connection
    # at each request (Django's test client does the same).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        with time_machine.travel(dt.datetime(2026, 6, 30, 4, 0, tzinfo=dt.UTC), tick=True):
            yield build_world(jiuye, example_dir)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(world):
    return {"Authorization": f"Bearer {token_create(username='worker_a')}"}


@pytest.fixture
def targets(world):
    """Objects a generated id is mapped onto: mostly worker A's, one of another community (404)."""
    a = world.users["a"]

    def ids(model, outside):
        return list(model.objects.for_user(a).order_by("pk").values_list("pk", flat=True)) + [outside]

    other = world.person("孙伟")
    return {
        "/api/v1/persons/": ids(Person, other.pk),
        "/api/v1/households/": ids(Household, other.household_id),
        "/api/v1/jobs/vacancies/": ids(j.Vacancy, 0),
        "/api/v1/jobs/employers/": ids(j.Employer, 0),
        "/api/v1/jobs/referrals/": ids(j.Referral, 0),
        "/api/v1/standards/communities/": [A, B, C],
    }


def on_real_objects(case, targets) -> None:
    """Generated ids and codes become those of stored objects (deterministically), so that the
    operations answer with real data; values that are not a non-negative number stay as generated."""
    for prefix, candidates in targets.items():
        if case.operation.path.startswith(prefix):
            for name, value in (case.path_parameters or {}).items():
                if isinstance(value, int) and value >= 0:
                    case.path_parameters[name] = candidates[value % len(candidates)]
                elif isinstance(value, str) and value.isascii() and value.isdigit():
                    case.path_parameters[name] = candidates[int(value) % len(candidates)]


@schema.parametrize()
# derandomize: the same cases on every run, so that CI's verdict on a commit does not depend on the
# draw (a random run found, once in ten, a case that did not come back with its seed).
@settings(max_examples=12, deadline=None, phases=[Phase.explicit, Phase.generate], derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, bearer, targets):
    on_real_objects(case, targets)
    # A write may refuse data the schema allows (a date before the person's birth …): that is a 400; an
    # edit whose generated If-Match is not the version read is a 412, one without If-Match a 428 (RFC 6585),
    # which schemathesis does not count among the refusals of a missing header.
    excluded = [positive_data_acceptance] if case.method in ("POST", "PATCH") else []
    if case.method == "PATCH":
        excluded.append(missing_required_header)
    case.call_and_validate(headers=bearer, excluded_checks=excluded)
