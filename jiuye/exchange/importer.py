"""``ledger_import``: an exchange-format input into the register, all or nothing.

Reads the input (``reader``), parses it and checks every rule of exchange.md "What is
rejected" against the input and what is stored (``jiuye.registry.rules``: the same checks
every form runs), reports every problem, and writes nothing unless there are none.
A row whose key is stored replaces the stored row: a blank cell clears that value,
a column absent from the input keeps it. The import is audited as one event.

``dry_run=True`` checks everything and writes nothing: the result says per table how
many rows would be added, changed and left as they are, with a sample of the changes
(``ImportResult.preview``), for a preview before the worker confirms.
"""

import datetime as dt
import gc
import hashlib
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from jiuye.audit.services import audit_event_record
from jiuye.divisions.models import Division, Level
from jiuye.exchange.ahead import NumbersAhead
from jiuye.exchange.bulk import DEFER_INDEXES_ROWS, DeferredIndexes, insert_columns, reserve_pks
from jiuye.exchange.changes import keys_seal
from jiuye.exchange.reader import iter_input
from jiuye.registry import models as m
from jiuye.registry.crypto import lookup_hash_column, person_number_columns, phone_hash_column, raw_keys
from jiuye.registry.rules import idnumber
from jiuye.registry.rules.checks import RegisterChecks, chunks
from jiuye.registry.rules.mapping import (
    BOOL_COLUMNS,
    MODELS,
    PLAIN_FIELDS,
    from_model,
    row_hash_column,
    to_model_column,
)
from jiuye.registry.rules.parse import ParsedTable, column_of, columns_by_name, parse_tables
from jiuye.registry.rules.problems import Problem
from jiuye.registry.rules.schema import COMPUTED_INDICATORS, REFERENCES, TABLE_BY_NAME, TABLES

# Keyed tables below 人员: (parent field, parent column, its natural key field, other key columns)
CHILDREN = {
    "就业状态": ("person", "身份证号", "person__id_number", ("开始日期",)),
    "失业登记": ("person", "身份证号", "person__id_number", ("登记日期",)),
    "低保": ("household", "家庭编号", "household__code", ("开始日期",)),
    "目标任务": ("community", "社区代码", "community__code", ("年度", "指标")),
    "组织建设": ("community", "社区代码", "community__code", ("年度",)),
}
# The tables whose rows name a person (written after 人员).
PERSON_CHILDREN = ("就业状态", "失业登记", "服务记录")
WHOLE_ROW = {
    "服务记录": ("person", "身份证号"),
    "投诉": ("community", "社区代码"),
}


# 家庭 and 人员 rows are inserted this many at a time.
WRITE_SLICE = 50_000
# A first load of at least this many persons has their numbers' hashes and ciphertexts made by
# a helper process meanwhile (start_ahead); below, starting it would cost more than it saves.
AHEAD_ROWS = 50_000
# How many changed rows of each table a dry run describes column by column.
SAMPLE_SIZE = 5
# The command line prints at most this many problem lines (and as many warnings), then a count.
LINES_SHOWN = 1000


@dataclass
class ImportResult:
    """What an import found and did. ``problems`` and ``notices`` (the warnings) are
    ``Problem`` objects with a ``kind``; ``warnings`` are the warnings as lines
    (``table<TAB>row<TAB>column<TAB>message``). ``counts``: per table ``added`` and
    ``changed`` (also for a dry run, which writes nothing); ``preview`` (dry run): per table
    ``added``, ``changed``, ``unchanged`` and ``sample``, a few changed rows as
    ``{"row", "key", "changes": [{"column", "before", "after"}]}`` with ID and phone
    numbers masked."""

    problems: list[Problem] = field(default_factory=list)
    notices: list[Problem] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    checksum: str = ""
    dry_run: bool = False
    preview: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def warnings(self) -> list[str]:
        return [w.line() for w in self.notices]


_TABLE_ORDER = {t.name: i for i, t in enumerate(TABLES)}


def problem_order(problem: Problem) -> tuple:
    """Files first, then table by table in the order of exchange.md, row by row; the follow-on
    line of a table after its rows ("rows rejected above")."""
    return (_TABLE_ORDER.get(problem.table, -1), problem.kind == "follow_on", problem.row or 0)


def input_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".csv") if path.is_dir() else [path]
    for file in files:
        if path.is_dir():
            digest.update(file.name.encode("utf-8") + b"\0")
        with file.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


class _Importer(RegisterChecks):
    """The checks, then the writing of the rows they passed."""

    def __init__(self, parsed: dict[str, ParsedTable], problems: list[Problem], warnings: list[Problem], progress,
                 dry_run: bool = False):
        super().__init__(parsed, problems, warnings)
        self.progress = progress or (lambda message, done=None, total=None: None)
        self.dry_run = dry_run
        self.samples: dict[str, list] = {}

    def wants_sample(self, table: str) -> bool:
        return len(self.samples.get(table, ())) < SAMPLE_SIZE

    def sample(self, table: str, row, before: dict, after: dict) -> None:
        """Note a changed row for the preview (the first few of each table): exchange columns
        with their stored and new values as text, ID and phone numbers masked."""
        if not self.wants_sample(table):
            return
        changes = [{"column": c, "before": _shown(c, before.get(c)), "after": _shown(c, after.get(c))}
                   for c in after if c in before and _shown(c, before.get(c)) != _shown(c, after.get(c))]
        key_columns = TABLE_BY_NAME[table].key or ()
        key = " ".join(_shown(c, row.get(c)) for c in key_columns)
        self.samples.setdefault(table, []).append({"row": row.number, "key": key, "changes": changes})

    # -- writing -------------------------------------------------------------------------
    def report(self, table: str, i: int = 0) -> None:
        """Progress of the writing: ``i`` rows of ``table`` done; done/total over all tables."""
        self.progress(f"{table}: {i}/{len(self.rows(table))}", done=self.written + i, total=self.to_write)

    def write(self) -> dict:
        counts = {}
        self.written, self.to_write = 0, sum(len(t.rows) for t in self.parsed.values())
        # Which tables held rows before this import, asked once before anything is written: a
        # question at each table's turn would wait behind the previous table's indexes being
        # made in the background (bulk.DeferredIndexes.restore) instead of preparing its rows
        # meanwhile. Each table is written once, after its own question, so the answer holds.
        self.stored_before = {t: MODELS[t].objects.exists() for t in MODELS if self.rows(t)}
        deferred = DeferredIndexes()
        if not self.dry_run:
            deferred.drop([MODELS[t] for t in MODELS if len(self.rows(t)) >= DEFER_INDEXES_ROWS])
        try:
            self.write_tables(counts, deferred)
        except BaseException:
            try:
                deferred.wait()  # nothing of the import's may run past its rollback
            except BaseException as background:  # the cause: what failed here followed from it
                raise background from None
            raise
        if not self.dry_run:
            self.progress("已写入，提交中 / written, committing", done=self.written, total=self.to_write)
        return {t: c for t, c in counts.items() if t in self.parsed}

    def write_tables(self, counts: dict, deferred: DeferredIndexes) -> None:
        """Each table's rows, in the order of the references; its indexes made again meanwhile."""
        for table in ("社区", "家庭", "人员", *CHILDREN, *WHOLE_ROW):
            self.report(table)
            if table == "社区":
                counts[table] = self.write_communities()
            elif table in ("家庭", "人员"):
                counts[table] = self.write_keyed_top(table)
            elif table in CHILDREN:
                counts[table] = self.write_child(table)
            else:
                counts[table] = self.write_whole_rows(table)
            if table in MODELS:
                deferred.restore(MODELS[table])
            self.written += len(self.rows(table))
            if not self.dry_run:
                self.release(table)
        deferred.restore_all()

    def release(self, table: str) -> None:
        """A table written: its parsed rows, and what the checks kept of them, are not needed
        again (a large register is not held whole until the end)."""
        parsed = self.parsed.get(table)
        if parsed is not None:
            parsed.rows = []
        if table == "家庭":
            self.input_households = {}
        elif table == "人员":
            self.effective_persons = {}

    def preview(self, counts: dict) -> dict:
        return {t: {"added": c["added"], "changed": c["changed"],
                    "unchanged": len(self.rows(t)) - c["added"] - c["changed"], "sample": self.samples.get(t, [])}
                for t, c in counts.items()}

    def write_communities(self) -> dict:
        added = changed = 0
        streets = dict(Division.objects.filter(level=Level.STREET).values_list("code", "pk"))
        districts = dict(Division.objects.filter(level=Level.DISTRICT).values_list("code", "pk"))
        for street, name in sorted(self.street_names.items()):
            if self.dry_run:
                continue
            if street not in streets:
                streets[street] = Division.objects.create(
                    code=street, name=name, level=Level.STREET, parent_id=districts[street[:6]]
                ).pk
            elif self.stored_streets.get(street) != name:
                Division.objects.filter(pk=streets[street]).update(name=name)
        new = []
        for code, row in sorted(self.input_communities.items()):
            stored = self.stored_communities.get(code)
            if stored is None:
                new.append(Division(code=code, name=row.get("社区名称"), level=Level.COMMUNITY,
                                    parent_id=streets.get(code[:9])))
                added += 1
            else:
                if stored[1] != row.get("社区名称"):
                    changed += 1
                    self.sample("社区", row, {"社区名称": stored[1]}, {"社区名称": row.get("社区名称")})
                if not self.dry_run:
                    Division.objects.filter(pk=stored[0]).update(name=row.get("社区名称"), parent_id=streets[code[:9]])
        if self.dry_run:
            self.community_pk = {code: pk for code, (pk, _) in self.stored_communities.items()}
            return {"added": added, "changed": changed}
        Division.objects.bulk_create(new, batch_size=1000)
        self.community_pk = dict(Division.objects.filter(level=Level.COMMUNITY).values_list("code", "pk"))
        return {"added": added, "changed": changed}

    def household_pks(self, codes) -> dict:
        by_code = self.__dict__.get("_household_by_code")  # made as 家庭 was written (PostgreSQL)
        if by_code is not None and all(map(by_code.__contains__, codes)):
            return by_code
        if len(codes) > 20000:
            return dict(m.Household.objects.values_list("code", "pk").iterator(chunk_size=20000))
        result = {}
        for chunk in chunks(sorted(codes)):
            result.update(m.Household.objects.filter(code__in=chunk).values_list("code", "pk"))
        return result

    def person_pks(self, ids) -> dict:
        """ID number -> person pk (of at least ``ids``), through the keyed hash (ID numbers are
        stored encrypted). For many ID numbers one map is made, the first time, for every ID
        number the tables below 人员 name, and kept for them: the whole (hash, pk) table is read
        once against the hashes already computed for 人员, and the hashes are then let go. On
        PostgreSQL the map is made as 人员 is written, from the keys its new rows were given."""
        ids = set(ids)
        ids.discard(None)
        ids.discard("")
        by_id = self.__dict__.get("_pk_by_id")
        if by_id is None and len(ids) > 20000:
            wanted = {i for t in PERSON_CHILDREN for i in column_of(self.rows(t), "身份证号")}
            wanted.discard(None)
            wanted.discard("")
            wanted.update(ids)
            self.id_hashes(list(wanted))
            id_of = {h: i for i, h in self.__dict__.pop("_id_hashes").items() if i in wanted}
            by_id = self._pk_by_id = {}
            for h, pk in m.Person.objects.values_list("id_hash", "pk").iterator(chunk_size=20000):
                i = id_of.get(h)
                if i is not None:
                    by_id[i] = pk
            self._pk_wanted = wanted
            del id_of
        if by_id is not None:
            wanted = self._pk_wanted  # every table below 人员 was in it: usually nothing unknown
            unknown = () if all(map(wanted.__contains__, ids)) else [i for i in ids if i not in wanted]
            return by_id if not unknown else {**by_id, **self._person_pks_by_chunk(unknown)}
        return self._person_pks_by_chunk(ids)

    def _person_pks_by_chunk(self, ids) -> dict:
        hashes = {i: self.id_hash(i) for i in ids}
        by_hash = {}
        for chunk in chunks(sorted(set(hashes.values()))):
            by_hash.update(m.Person.objects.filter(id_hash__in=chunk).values_list("id_hash", "pk"))
        return {i: by_hash[h] for i, h in hashes.items() if h in by_hash}

    def id_hashes(self, ids: list) -> list:
        """``id_hash`` of each ID number, those not yet hashed hashed column-wise."""
        cache = self.__dict__.setdefault("_id_hashes", {})
        missing = [i for i in dict.fromkeys(ids) if i not in cache]
        cache.update(zip(missing, lookup_hash_column(missing), strict=True))
        return list(map(cache.__getitem__, ids))

    def write_keyed_top(self, table: str) -> dict:
        """家庭 and 人员: keyed by 家庭编号 / 身份证号, with one reference each."""
        model = MODELS[table]
        present = self.present(table)
        plain = [(c, f) for c, f in PLAIN_FIELDS[table] if c in present]
        rows = self.rows(table)
        if table == "家庭":
            key_col, key_field, ref_col, ref_field = "家庭编号", "code", "社区代码", "community_id"
            stored = self.stored_households
            refs = self.community_pk
            stored_ref = {k: v["community__code"] for k, v in stored.items()}
        else:
            key_col, key_field, ref_col, ref_field = "身份证号", "id_number", "家庭编号", "household_id"
            stored = self.stored_persons
            refs = None  # the households named, below
            stored_ref = {k: v["household__code"] for k, v in stored.items()}
        # Column by column: the keys, each field's model values, the references.
        got = columns_by_name(rows, [key_col, ref_col, *(c for c, _ in plain)])
        keys, ref_values = got[key_col], got[ref_col]
        if refs is None:
            refs = self.household_pks(set(ref_values))
        columns = {f: to_model_column(c, got[c]) for c, f in plain}
        del got
        columns[ref_field] = list(map(refs.get if self.dry_run else refs.__getitem__, ref_values))
        olds = list(map(stored.get, keys)) if stored else [None] * len(rows)
        hashed = table == "人员" and not self.dry_run  # the keyed hashes beside the encrypted ID and phone numbers
        if hashed:
            phones = columns["phone"] if "phone" in columns else [old and old["phone"] for old in olds]
        new_index, updates, update_index = [], [], []
        compared = [f for f in columns if f != ref_field]
        if not stored:  # nothing of the table stored: every row is new
            new_index, olds = list(range(len(rows))), ()
        for i, old in enumerate(olds):
            if old is None:
                new_index.append(i)
                continue
            key = keys[i]
            if any(old[f] != columns[f][i] for f in compared) or stored_ref[key] != ref_values[i]:
                fields = {f: v[i] for f, v in columns.items()}
                version = {"version": old["version"] + 1} if table == "人员" else {}  # an open edit is refused
                updates.append(model(pk=old["pk"], **{key_field: key}, **fields, **version))
                update_index.append(i)
                if self.wants_sample(table):
                    row = rows[i]
                    before = {c: from_model(c, old[f]) for c, f in plain} | {ref_col: stored_ref[key]}
                    self.sample(table, row, before, {c: row.get(c) for c, _ in plain} | {ref_col: row.get(ref_col)})
        if self.dry_run:
            return {"added": len(new_index), "changed": len(updates)}
        columns[key_field] = keys
        # A new row's key is taken from the sequence before it is written (PostgreSQL), so the
        # code -> household and ID number -> person maps of the tables below are made without
        # reading 家庭 and 人员 back.
        new_pks = reserve_pks(model, len(new_index))
        # The new rows a slice at a time: their hashes and encrypted numbers are made per slice,
        # never for the whole register at once.
        for start in range(0, len(new_index), WRITE_SLICE):
            part = new_index[start : start + WRITE_SLICE]
            if part[-1] - part[0] == len(part) - 1:  # consecutive rows (a first load): copied in C
                sliced = {f: v[part[0] : part[-1] + 1] for f, v in columns.items()}
            else:
                sliced = {f: list(map(v.__getitem__, part)) for f, v in columns.items()}
            if new_pks is not None:
                sliced["id"] = new_pks[start : start + WRITE_SLICE]
            encrypted = ()
            if hashed:  # the ID and phone numbers encrypted, their hashes: made meanwhile by the
                # helper process (start_ahead), else here (a new person's phone: the column's, or none)
                made = self.ahead.get(part[0], part[-1] + 1) if self.ahead is not None and not stored else None
                if made is None:
                    made = person_number_columns(sliced[key_field], sliced.get("phone"), _person_number_contexts())
                if new_pks is None:  # SQLite: the persons of the tables below are found by these hashes
                    self.__dict__.setdefault("_id_hashes", {}).update(
                        zip(sliced[key_field], made["id_hash"], strict=True))
                sliced.update(made)
                encrypted = [f for f in ("id_number", "phone") if f in made]
                del made
            insert_columns(model, sliced, len(part), encrypted=encrypted)
            del sliced
        if hashed and updates:
            id_hashes = self.id_hashes([keys[i] for i in update_index])
            phone_hashes = phone_hash_column([phones[i] or "" for i in update_index])
            for update, id_hash, phone_hash in zip(updates, id_hashes, phone_hashes, strict=True):
                update.id_hash, update.phone_hash = id_hash, phone_hash
        if updates:
            extra = ["phone_hash", "version"] if table == "人员" else []
            model.objects.bulk_update(updates, [f for _, f in plain] + [ref_field] + extra, batch_size=500)
        if new_pks is not None:
            # Every key the tables below may name: stored (in this input or not) or new.
            by_key = {k: v["pk"] for k, v in stored.items()}
            by_key.update(zip(map(keys.__getitem__, new_index), new_pks, strict=True))
            if table == "家庭":
                self._household_by_code = by_key
            else:
                self._pk_by_id = self._pk_wanted = by_key
                self.__dict__.pop("_id_hashes", None)  # the hashes are not needed again
        return {"added": len(new_index), "changed": len(updates)}

    ahead: NumbersAhead | None = None

    def start_ahead(self) -> None:
        """A first load of many persons: their ID and phone numbers' keyed hashes and ciphertexts
        made by a helper process while this one checks the input (``jiuye.exchange.ahead``),
        slice by slice as ``write_keyed_top`` writes them. Nothing stored: every row is new."""
        rows = self.rows("人员")
        if self.dry_run or len(rows) < AHEAD_ROWS or m.Person.objects.exists():
            return
        got = columns_by_name(rows, ["身份证号", "联系电话"])
        phones = to_model_column("联系电话", got["联系电话"]) if "联系电话" in self.present("人员") else None
        self.ahead = NumbersAhead(got["身份证号"], phones, keys=raw_keys(settings.FIELD_KEY), size=WRITE_SLICE,
                                  contexts=_person_number_contexts())

    def close_ahead(self) -> None:
        if self.ahead is not None:
            self.ahead.close()

    def write_child(self, table: str) -> dict:
        model = MODELS[table]
        parent_field, parent_col, parent_lookup, key_cols = CHILDREN[table]
        present = self.present(table)
        rows = self.rows(table)
        if not rows:
            return {"added": 0, "changed": 0}
        plain = [(c, f) for c, f in PLAIN_FIELDS[table] if c in present]
        field_of = dict(PLAIN_FIELDS[table])
        got = columns_by_name(rows, dict.fromkeys([parent_col, *(c for c, _ in plain)]))
        parent_values = got[parent_col]
        parents = set(parent_values)
        if parent_field == "person":
            parent_pks = self.person_pks(parents)
        elif parent_field == "household":
            parent_pks = self.household_pks(parents)
        else:
            parent_pks = self.community_pk
        stored = {}
        # The stored rows of the parents named (none while the table is empty: a first load).
        existing = sorted(parent_pks[p] for p in parents if p in parent_pks) if self.stored_before[table] else []
        for chunk in chunks(existing):  # a dry run: new parents have no key, nor stored rows
            for values in model.objects.filter(**{f"{parent_field}_id__in": chunk}).values(
                "pk", parent_lookup, *[f for _, f in PLAIN_FIELDS[table]]
            ):
                key = (values[parent_lookup], *[values[field_of[c]] for c in key_cols])
                stored[key] = values
        columns = {f: to_model_column(c, got[c]) for c, f in plain}
        del got
        only_computed = None  # a field given only for some rows (the others keep the stored value)
        if table == "目标任务":  # computed indicators' actual values are computed, never typed in
            computed = [v in COMPUTED_INDICATORS for v in column_of(rows, "指标")]
            if "actual" in columns:
                columns["actual"] = [None if c else v for c, v in zip(computed, columns["actual"], strict=True)]
            elif any(computed):
                default = model._meta.get_field("actual").get_default()
                columns["actual"] = [None if c else default for c in computed]
                only_computed = "actual"
        new_index, updates = [], []
        if stored:
            key_columns = [columns[field_of[c]] for c in key_cols]
            for i, key in enumerate(zip(parent_values, *key_columns, strict=True)):
                old = stored.get(key)
                if old is None:
                    new_index.append(i)
                    continue
                fields = {f: v[i] for f, v in columns.items() if f != only_computed or computed[i]}
                if any(old[f] != v for f, v in fields.items()):
                    updates.append(model(pk=old["pk"], **fields))
                    if self.wants_sample(table):
                        before = {c: from_model(c, old[f]) for c, f in plain}
                        self.sample(table, rows[i], before, {c: from_model(c, fields[f]) for c, f in plain})
        else:
            new_index = range(len(rows))
        if self.dry_run:
            return {"added": len(new_index), "changed": len(updates)}
        columns[f"{parent_field}_id"] = list(map(parent_pks.get, parent_values))
        _insert_selected(model, columns, new_index, len(rows))
        if updates:
            model.objects.bulk_update(updates, list({f for f in (f for _, f in plain)} | ({"actual"} if table == "目标任务" else set())), batch_size=500)
        return {"added": len(new_index), "changed": len(updates)}

    def write_whole_rows(self, table: str) -> dict:
        model = MODELS[table]
        parent_field, parent_col = WHOLE_ROW[table]
        rows = self.rows(table)
        if not rows:
            return {"added": 0, "changed": 0}
        columns = TABLE_BY_NAME[table].column_names
        plain = PLAIN_FIELDS[table]
        got = columns_by_name(rows, dict.fromkeys([parent_col, *columns, *(c for c, _ in plain)]))
        parent_values = got[parent_col]
        parent_pks = self.person_pks(set(parent_values)) if parent_field == "person" else self.community_pk
        digests = row_hash_column([got[c] for c in columns])
        # One row per digest, the last of equal rows (as a dict keyed by the digest keeps it).
        last = {d: i for i, d in enumerate(digests)}
        existing = set()
        if self.stored_before[table]:
            for chunk in chunks(sorted(last)):
                existing.update(model.objects.filter(row_hash__in=chunk).values_list("row_hash", flat=True))
        new_index = [i for d, i in last.items() if d not in existing]
        if self.dry_run:
            return {"added": len(new_index), "changed": 0}
        values = {f: to_model_column(c, got[c]) for c, f in plain}
        del got
        values[f"{parent_field}_id"] = list(map(parent_pks.get, parent_values))
        values["row_hash"] = digests
        _insert_selected(model, values, new_index, len(rows))
        return {"added": len(new_index), "changed": 0}


def _person_number_contexts() -> dict[str, str]:
    """The associated data of 人员's encrypted fields (``EncryptedTextField.context``)."""
    return {f: m.Person._meta.get_field(f).context for f in ("id_number", "phone")}


def _insert_selected(model, columns: dict[str, list], index, count: int) -> None:
    """Insert the rows ``index`` (in that order) of ``columns``, every row if it is all of them."""
    if len(index) != count or (count and (index[0] != 0 or index[-1] != count - 1)):
        columns = {f: list(map(v.__getitem__, index)) for f, v in columns.items()}
    insert_columns(model, columns, len(index))


def _shown(column: str, value) -> str:
    """A value as the preview shows it: text, ID and phone numbers masked."""
    if value is None:
        return ""
    if column == "身份证号":
        return idnumber.mask(str(value))
    if column == "联系电话":
        return idnumber.mask_phone(str(value))
    if column in BOOL_COLUMNS and isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, tuple | list):
        return ";".join(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _rejected_whole(parsed: dict[str, ParsedTable], problems: list[Problem]) -> None:
    """Tables the input holds but could not be told apart count as rejected as a whole: a
    file or sheet not named after a table may be any table the input lacks, and a table
    given twice is neither."""
    if any(p.kind == "not_a_table" for p in problems):
        for target in {t for refs in REFERENCES.values() for _, t in refs}:
            if target not in parsed:
                parsed[target] = ParsedTable(TABLE_BY_NAME[target], (), [], "", rejected=True)


# While an import runs, a full (oldest-generation) collection only after this many collections
# of the middle one: the checks and the writing make millions of objects that live until the end,
# and each full collection would walk all of them again (at 1,000,000 residents the 人员 checks
# took 4.9 s so, 2.7 s without). The young generations are collected as always, so what other
# threads of the process throw away (a cursor in a cycle) still goes soon.
FULL_COLLECTIONS_APART = 1_000_000
_gc_lock = threading.Lock()
_gc_imports = 0  # imports running in this process
_gc_thresholds: tuple = ()


@contextmanager
def _import_gc():
    """For the time of an import: full collections held back (``FULL_COLLECTIONS_APART``), and the
    objects ``gc.freeze()`` put out of the collector's sight (each table once parsed, the
    parsed register before the checks) handed back at the end. Collection itself goes on
    (disabling it for the whole import would keep other threads' cursors alive). With two
    imports at once in one process, the last to end puts the thresholds back and unfreezes."""
    global _gc_imports, _gc_thresholds
    with _gc_lock:
        if not _gc_imports:
            _gc_thresholds = gc.get_threshold()
            young, middle, old = _gc_thresholds
            gc.set_threshold(young, middle, max(old, FULL_COLLECTIONS_APART))
        _gc_imports += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_imports -= 1
            if not _gc_imports:
                gc.set_threshold(*_gc_thresholds)
                gc.unfreeze()


@_import_gc()
def ledger_import(*, path: Path, user=None, progress=None, scope: str | None = None, dry_run: bool = False,
                  today: dt.date | None = None) -> ImportResult:
    """Import an exchange-format folder or workbook; nothing is written if any row is bad.

    ``progress(message, done=None, total=None)`` hears of each step (done/total: rows
    written of the whole input). ``scope``: a community-code prefix (the user's, see
    ``jiuye.standards.selectors.scope_prefix``); every row touching a community outside
    it is rejected. None or "" (the city): no restriction. ``dry_run``: check everything,
    count what would change (``counts``, ``preview``), write nothing. ``today``: the day of
    the import (a later date is a warning), by default the local date.
    """
    path = Path(path)
    result = ImportResult(dry_run=dry_run)
    # Each table parsed as it is read, its raw cells dropped before the next is read.
    # Each table's objects frozen once it is parsed; collection goes on between tables.
    parsed = parse_tables(iter_input(path, result.problems), result.problems, result.notices, today=today,
                          freeze=True)
    gc.collect()  # what is garbage now is collected, not frozen with the rest
    gc.freeze()  # the parsed register out of the collector's sight until the end (_import_gc)
    _rejected_whole(parsed, result.problems)
    if progress:
        rows = sum(len(t.rows) for t in parsed.values())
        progress(f"已读取 {rows} 行 / read: {rows} rows")
    importer = _Importer(parsed, result.problems, result.notices, progress, dry_run=dry_run)
    importer.start_ahead()  # the other core makes 人员's hashes and ciphertexts while this one checks
    try:
        importer.check()
        if scope:
            from jiuye.exchange.scope import scope_check

            scope_check(importer, scope)
        result.problems.sort(key=problem_order)
        if result.problems:
            return result
        if dry_run:
            result.counts = importer.write()
            result.preview = keys_seal(importer.preview(result.counts), parsed)
            return result
        result.checksum = input_checksum(path)
        with transaction.atomic():
            result.counts = importer.write()
            audit_event_record(
                user=user,
                action="ledger.import",
                target=path.name,
                detail={"sha256": result.checksum, "counts": result.counts},
            )
            from jiuye.divisions.revisions import register_changed

            register_changed(scope or "")  # the scope's cached pages are out of date (the city's import: every page)
    finally:
        importer.close_ahead()
    written = sum(c["added"] + c["changed"] for c in result.counts.values())
    if written >= ANALYZE_AFTER_ROWS:
        if progress:
            progress("更新统计信息 / updating planner statistics")
        _analyze([MODELS[t] for t, c in result.counts.items() if t in MODELS and c["added"] + c["changed"]])
    if written:
        from jiuye.divisions.revisions import register_imported_send

        register_imported_send(scope or "")  # the scope's pages of the day prepared in the background
    return result


# After a large import the planner's statistics are stale (autovacuum may be off or not
# yet run): pages would be planned against empty-table estimates (bench/README.md).
ANALYZE_AFTER_ROWS = 10_000


def _analyze(models) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
            if tables:
                cursor.execute(f"ANALYZE {tables}")
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA optimize")

