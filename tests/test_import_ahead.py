"""A first load's ID and phone numbers hashed and encrypted ahead by a forked child (issue 17,
``jiuye.exchange.ahead``): the register stored is the one the import's own process stores, and
a child that fails, dies or is not needed leaves the import as it would be without it."""

import logging
import os
import signal
import time

import pytest
from django.db import transaction

from jiuye.exchange import ahead, importer
from jiuye.exchange.exporter import ledger_export
from jiuye.exchange.generate import generate_register
from jiuye.exchange.importer import ledger_import
from jiuye.registry import models as m
from jiuye.registry.crypto import lookup_hash, phone_hash

pytestmark = pytest.mark.django_db


@pytest.fixture
def children(monkeypatch):
    """Every ColumnsAhead started, with the pid it forked (and small slices, several per table)."""
    started = []

    class Recorded(ahead.ColumnsAhead):
        def __init__(self, *args):
            super().__init__(*args)
            self.forked = self.pid
            started.append(self)

    monkeypatch.setattr(importer, "ColumnsAhead", Recorded)
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


def test_numbers_made_ahead_by_a_child_are_those_the_import_makes_itself(register, tmp_path, monkeypatch, children):
    made_ahead = _import(register, tmp_path / "ahead", monkeypatch, ahead_rows=10)
    assert len(children) == 1 and children[0].forked and _reaped(children[0].forked)
    itself = _import(register, tmp_path / "itself", monkeypatch, ahead_rows=10**9)
    assert len(children) == 1  # not started for the second
    assert made_ahead == itself  # counts, the exported files (numbers decrypted), the persons
    counts, _, persons = made_ahead
    assert counts["人员"]["added"] == len(persons) == 320
    assert any(phone for _, phone, _, _ in persons) and any(not phone for _, phone, _, _ in persons)
    for id_number, phone, id_hash, hashed_phone in persons:
        assert id_hash == lookup_hash(id_number) and hashed_phone == phone_hash(phone)


@pytest.mark.parametrize("failure", ["raises", "killed", "wrong_slice"])
def test_a_child_that_fails_leaves_the_import_to_make_the_numbers_itself(
        register, tmp_path, monkeypatch, children, caplog, failure):
    expected = _import(register, tmp_path / "itself", monkeypatch, ahead_rows=10**9)
    if failure == "raises":
        real = ahead.ColumnsAhead._child

        def failing(self, make, pipe):
            real(self, lambda start, stop: make(start, stop) if start < 140 else 1 / 0, pipe)

        monkeypatch.setattr(ahead.ColumnsAhead, "_child", failing)
    elif failure == "killed":
        real, real_get = ahead.ColumnsAhead._child, ahead.ColumnsAhead.get

        def slow(self, make, pipe):  # the slices from 70 on never come before the kill
            real(self, lambda start, stop: make(start, stop) if start < 70 else time.sleep(60), pipe)

        def kill_then_get(self, start, stop):
            if start == 70 and self.pid:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
                self.pid = None  # reaped here; close() has nothing left to stop
            return real_get(self, start, stop)

        monkeypatch.setattr(ahead.ColumnsAhead, "_child", slow)
        monkeypatch.setattr(ahead.ColumnsAhead, "get", kill_then_get)
    else:
        real_get = ahead.ColumnsAhead.get
        monkeypatch.setattr(ahead.ColumnsAhead, "get",
                            lambda self, start, stop: real_get(self, start + (start == 140), stop))
    with caplog.at_level(logging.WARNING, logger="jiuye.exchange.ahead"):
        got = _import(register, tmp_path / "ahead", monkeypatch, ahead_rows=10)
    assert got == expected
    assert len(children) == 1 and _reaped(children[0].forked)
    assert "columns made ahead not used" in caplog.text


def test_a_rejected_first_load_stops_its_child(register, monkeypatch, children):
    people = register / "人员.csv"
    text = people.read_text(encoding="utf-8-sig").splitlines()
    text[5] = text[5].replace(",男,", ",男性,", 1) if ",男," in text[5] else text[5].replace(",女,", ",女性,", 1)
    people.write_text("\n".join(text) + "\n", encoding="utf-8-sig")
    monkeypatch.setattr(importer, "AHEAD_ROWS", 10)
    result = ledger_import(path=register)
    assert not result.ok and any(p.table == "人员" and p.row == 6 for p in result.problems)
    assert len(children) == 1 and children[0].pid is None and _reaped(children[0].forked)
    assert m.Person.objects.count() == 0


def test_no_child_for_a_dry_run_a_small_load_or_a_register_already_stored(register, monkeypatch, children):
    monkeypatch.setattr(importer, "AHEAD_ROWS", 10)
    assert ledger_import(path=register, dry_run=True).ok
    monkeypatch.setattr(importer, "AHEAD_ROWS", 10**9)
    assert ledger_import(path=register).ok
    monkeypatch.setattr(importer, "AHEAD_ROWS", 10)
    assert ledger_import(path=register).ok  # persons stored now: rows may be changes, not new
    assert children == []


def test_columns_with_a_line_break_or_a_nul_are_not_made_ahead():
    made = ahead.ColumnsAhead(lambda start, stop: {"a": ["x", None, "y\nz"][start:stop]}, 3, 3)
    assert made.get(0, 3) is None and made.pid is None
    fine = ahead.ColumnsAhead(lambda start, stop: {"a": ["x", None, ""][start:stop], "b": ["1", "2", "3"][start:stop]},
                              3, 2)
    assert fine.get(0, 2) == {"a": ["x", None], "b": ["1", "2"]}
    assert fine.get(2, 3) == {"a": [""], "b": ["3"]}
    pid = fine.pid
    fine.close()
    assert fine.pid is None and _reaped(pid)
    short = ahead.ColumnsAhead(lambda start, stop: {"a": ["x"]}, 3, 3)  # one value for three rows
    assert short.get(0, 3) is None and short.failed
