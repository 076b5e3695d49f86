"""A first load's ID and phone numbers hashed and encrypted ahead by a helper process (issue 17,
``jiuye.exchange.ahead``): the register stored is the one the import's own process stores, and
a helper that fails, dies or is not needed leaves the import as it would be without it."""

import logging
import os

import pytest
from django.conf import settings
from django.db import transaction

from jiuye.exchange import ahead, importer
from jiuye.exchange.exporter import ledger_export
from jiuye.exchange.generate import generate_register
from jiuye.exchange.importer import ledger_import
from jiuye.registry import models as m
from jiuye.registry.crypto import lookup_hash, phone_hash, raw_keys

pytestmark = pytest.mark.django_db


@pytest.fixture
def children(monkeypatch):
    """Every NumbersAhead started, with its helper's pid (and small slices, several per table)."""
    started = []

    class Recorded(ahead.NumbersAhead):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.forked = self.process.pid if self.process else None
            started.append(self)

    monkeypatch.setattr(importer, "NumbersAhead", Recorded)
    monkeypatch.setattr(importer, "WRITE_SLICE", 70)
    return started


def _reaped(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def _import(folder, out, monkeypatch, ahead_rows: int):
    monkeypatch.setattr(importer, "AHEAD_ROWS", ahead_rows)
    with transaction.atomic():
        result = ledger_import(path=folder)
        assert result.ok, result.problems[:5]
        ledger_export(path=out)
        persons = sorted(m.Person.objects.values_list("id_number", "phone", "id_hash", "phone_hash"))
        transaction.set_rollback(True)
    return result.counts, {f.name: f.read_bytes() for f in sorted(out.iterdir())}, persons


@pytest.fixture
def register(tmp_path):
    folder = tmp_path / "register"
    generate_register(folder, communities=2, seed=13, persons_per_community=160)
    return folder


def test_numbers_made_ahead_by_a_helper_are_those_the_import_makes_itself(
        register, tmp_path, monkeypatch, children, caplog):
    taken = []
    real_get = ahead.NumbersAhead.get
    monkeypatch.setattr(ahead.NumbersAhead, "get", lambda self, *a: taken.append(real_get(self, *a)) or taken[-1])
    with caplog.at_level(logging.WARNING, logger="jiuye.exchange.ahead"):
        made_ahead = _import(register, tmp_path / "ahead", monkeypatch, ahead_rows=10)
    assert len(children) == 1 and children[0].forked and _reaped(children[0].forked)
    assert len(taken) == 5 and all(taken) and not caplog.text  # every slice of 70 (320 persons) from the helper
    itself = _import(register, tmp_path / "itself", monkeypatch, ahead_rows=10**9)
    assert len(children) == 1  # not started for the second
    assert made_ahead == itself  # counts, the exported files (numbers decrypted), the persons
    counts, _, persons = made_ahead
    assert counts["人员"]["added"] == len(persons) == 320
    assert any(phone for _, phone, _, _ in persons) and any(not phone for _, phone, _, _ in persons)
    for id_number, phone, id_hash, hashed_phone in persons:
        assert id_hash == lookup_hash(id_number) and hashed_phone == phone_hash(phone)


@pytest.mark.parametrize("failure", ["raises", "killed", "wrong_slice"])
def test_a_helper_that_fails_leaves_the_import_to_make_the_numbers_itself(
        register, tmp_path, monkeypatch, children, caplog, failure):
    expected = _import(register, tmp_path / "itself", monkeypatch, ahead_rows=10**9)
    if failure == "raises":  # a key the helper cannot use: it fails before its first slice
        real_header = ahead.NumbersAhead._header
        monkeypatch.setattr(ahead.NumbersAhead, "_header",
                            lambda self, *args: {**real_header(self, *args), "encryption_key": "00"})
    elif failure == "killed":
        real_get = ahead.NumbersAhead.get

        def kill_then_get(self, start, stop):
            if start == 70 and self.process:  # whatever it made, the slices are not taken from a dead helper
                self.process.kill()
                self.process.wait()
                self.offset = -1  # and any slice it wrote is read from nowhere
            return real_get(self, start, stop)

        monkeypatch.setattr(ahead.NumbersAhead, "get", kill_then_get)
    else:
        real_get = ahead.NumbersAhead.get
        monkeypatch.setattr(ahead.NumbersAhead, "get",
                            lambda self, start, stop: real_get(self, start + (start == 140), stop))
    with caplog.at_level(logging.WARNING, logger="jiuye.exchange.ahead"):
        got = _import(register, tmp_path / "ahead", monkeypatch, ahead_rows=10)
    assert got == expected
    assert len(children) == 1 and _reaped(children[0].forked)
    assert "numbers made ahead not used" in caplog.text
    assert not any(key.hex() in caplog.text for key in raw_keys(settings.FIELD_KEY))


def test_a_rejected_first_load_stops_its_helper(register, monkeypatch, children):
    people = register / "人员.csv"
    text = people.read_text(encoding="utf-8-sig").splitlines()
    text[5] = text[5].replace(",男,", ",男性,", 1) if ",男," in text[5] else text[5].replace(",女,", ",女性,", 1)
    people.write_text("\n".join(text) + "\n", encoding="utf-8-sig")
    monkeypatch.setattr(importer, "AHEAD_ROWS", 10)
    result = ledger_import(path=register)
    assert not result.ok and any(p.table == "人员" and p.row == 6 for p in result.problems)
    assert len(children) == 1 and children[0].process is None and _reaped(children[0].forked)
    assert m.Person.objects.count() == 0


def test_no_child_for_a_dry_run_a_small_load_or_a_register_already_stored(register, monkeypatch, children):
    monkeypatch.setattr(importer, "AHEAD_ROWS", 10)
    assert ledger_import(path=register, dry_run=True).ok
    monkeypatch.setattr(importer, "AHEAD_ROWS", 10**9)
    assert ledger_import(path=register).ok
    monkeypatch.setattr(importer, "AHEAD_ROWS", 10)
    assert ledger_import(path=register).ok  # persons stored now: rows may be changes, not new
    assert children == []


def test_numbers_with_a_line_break_or_a_nul_are_not_handed_to_a_helper():
    keys, contexts = (b"k" * 32, b"l" * 32), {"id_number": "a", "phone": "b"}
    for phones in (["1", "2\n3"], ["1", "\x00"]):
        assert ahead.NumbersAhead(["x", "y"], phones, keys=keys, contexts=contexts, size=1).process is None
    made = ahead.NumbersAhead(["x", "y", "z"], None, keys=keys, contexts=contexts, size=2)
    pid = made.process.pid
    first, second = made.get(0, 2), made.get(2, 3)
    assert first["phone_hash"] == ["", ""] and second["phone_hash"] == [""] and "phone" not in first
    assert len(first["id_hash"]) == 2 and first["id_number"][0].startswith("v1:")
    assert made.get(3, 4) is None  # past the end: nothing more comes, the helper is reaped
    assert made.process is None and _reaped(pid)


def test_a_helper_that_delivered_every_slice_tells_its_peak_memory(monkeypatch):
    monkeypatch.setattr(ahead, "last_peak_mb", None)
    keys, contexts = (b"k" * 32, b"l" * 32), {"id_number": "a", "phone": "b"}
    made = ahead.NumbersAhead(["x", "y"], ["1", ""], keys=keys, contexts=contexts, size=5)
    assert made.get(0, 2)["phone_hash"][1] == ""
    made.close()
    assert 1 < ahead.last_peak_mb < 500


def test_a_helper_that_cannot_start_leaves_the_import_to_make_the_numbers_itself(
        register, tmp_path, monkeypatch, children, caplog):
    expected = _import(register, tmp_path / "itself", monkeypatch, ahead_rows=10**9)
    monkeypatch.setattr(ahead.sys, "executable", str(tmp_path / "no-python-here"))
    with caplog.at_level(logging.WARNING, logger="jiuye.exchange.ahead"):
        got = _import(register, tmp_path / "ahead", monkeypatch, ahead_rows=10)
    assert got == expected
    assert len(children) == 1 and children[0].process is None and children[0].forked is None
    assert "numbers not made ahead (FileNotFoundError)" in caplog.text
