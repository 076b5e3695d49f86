"""The register's tables as the database holds them: what every lookup and bulk load relies on."""

import pytest
from django.db import connection

from jiuye.divisions.models import Division
from jiuye.registry import models as m
from jiuye.registry.rules.mapping import MODELS

pytestmark = pytest.mark.django_db

DIGESTS = [(m.Person, "id_hash"), (m.Person, "phone_hash"), (m.ServiceRecord, "row_hash"), (m.Complaint, "row_hash")]


def _constraints(model) -> dict:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, model._meta.db_table)


@pytest.mark.parametrize("model", [Division, *MODELS.values()], ids=lambda model: model.__name__)
def test_every_reference_of_the_register_is_served_by_an_index(model):
    """A foreign key with no index leading with its column makes every delete of the row it
    names scan the whole table, and every join from it too: each is covered, by its own index
    or by a unique constraint or index that starts with it (the episodes' (person, start))."""
    constraints = _constraints(model).values()
    leading = {c["columns"][0] for c in constraints if (c["index"] or c["unique"] or c["primary_key"]) and c["columns"]}
    references = [f.column for f in model._meta.concrete_fields if f.is_relation]
    assert references
    assert [c for c in references if c not in leading] == []


@pytest.mark.parametrize("model", [m.StatusEpisode, m.UnemploymentRegistration, m.DibaoEpisode, m.ServiceRecord],
                         ids=lambda model: model.__name__)
def test_a_reference_covered_by_a_wider_index_has_no_index_of_its_own(model):
    """The index a bulk load builds for nothing: a one-column index on the parent beside the
    unique constraint or index that leads with it."""
    constraints = _constraints(model).values()
    parent = next(f.column for f in model._meta.concrete_fields if f.is_relation)
    alone = [c for c in constraints if c["columns"] == [parent] and (c["index"] or c["unique"]) and not c["primary_key"]]
    wider = [c for c in constraints if len(c["columns"]) > 1 and c["columns"][0] == parent]
    assert wider and not alone


@pytest.mark.parametrize(("model", "field"), DIGESTS, ids=lambda x: getattr(x, "__name__", x))
def test_digests_are_compared_byte_for_byte(model, field):
    """On PostgreSQL a digest column is collated "C" (its unique index sorts bytes, not by the
    database's language); SQLite compares bytes already (BINARY)."""
    column = model._meta.get_field(field).column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT attcollation::regcollation::text FROM pg_attribute WHERE attrelid = %s::regclass"
                           " AND attname = %s", [model._meta.db_table, column])
            assert cursor.fetchone()[0] == '"C"'
        else:
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [model._meta.db_table])
            definition = cursor.fetchone()[0]
            declared = definition.split(f'"{column}"', 1)[1].split(",", 1)[0]
            assert "COLLATE" not in declared.upper()

