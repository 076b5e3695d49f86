"""``ledger_import``: an exchange-format input into the register, all or nothing.

Reads the input (``reader``), parses it and checks every rule of exchange.md "What is
rejected" against the input and what is stored (``jiuye.registry.rules``: the same checks
every form runs), reports every problem, and writes nothing unless there are none.
A row whose key is stored replaces the stored row: a blank cell clears that value,
a column absent from the input keeps it. The import is audited as one event.
"""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from jiuye.audit.services import audit_event_record
from jiuye.divisions.models import Division, Level
from jiuye.exchange.bulk import insert_rows
from jiuye.exchange.reader import read_input
from jiuye.registry import models as m
from jiuye.registry.crypto import phone_hash
from jiuye.registry.rules.checks import RegisterChecks, chunks
from jiuye.registry.rules.mapping import MODELS, PLAIN_FIELDS, row_hash, to_model
from jiuye.registry.rules.parse import ParsedTable, parse_tables
from jiuye.registry.rules.problems import Problem
from jiuye.registry.rules.schema import COMPUTED_INDICATORS, TABLE_BY_NAME

# Keyed tables below 人员: (parent field, parent column, its natural key field, other key columns)
CHILDREN = {
    "就业状态": ("person", "身份证号", "person__id_number", ("开始日期",)),
    "失业登记": ("person", "身份证号", "person__id_number", ("登记日期",)),
    "低保": ("household", "家庭编号", "household__code", ("开始日期",)),
    "目标任务": ("community", "社区代码", "community__code", ("年度", "指标")),
    "组织建设": ("community", "社区代码", "community__code", ("年度",)),
}
WHOLE_ROW = {
    "服务记录": ("person", "身份证号"),
    "投诉": ("community", "社区代码"),
}


@dataclass
class ImportResult:
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    checksum: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


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

    def __init__(self, parsed: dict[str, ParsedTable], problems: list[Problem], warnings: list[str], progress):
        super().__init__(parsed, problems, warnings)
        self.progress = progress or (lambda message, done=None, total=None: None)

    # -- writing -------------------------------------------------------------------------
    def report(self, table: str, i: int = 0) -> None:
        """Progress of the writing: ``i`` rows of ``table`` done; done/total over all tables."""
        self.progress(f"{table}: {i}/{len(self.rows(table))}", done=self.written + i, total=self.to_write)

    def write(self) -> dict:
        counts = {}
        self.written, self.to_write = 0, sum(len(t.rows) for t in self.parsed.values())
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
            self.written += len(self.rows(table))
        self.progress("已写入，提交中 / written, committing", done=self.written, total=self.to_write)
        return {t: c for t, c in counts.items() if t in self.parsed}

    def write_communities(self) -> dict:
        added = changed = 0
        streets = dict(Division.objects.filter(level=Level.STREET).values_list("code", "pk"))
        districts = dict(Division.objects.filter(level=Level.DISTRICT).values_list("code", "pk"))
        for street, name in sorted(self.street_names.items()):
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
                new.append(Division(code=code, name=row.get("社区名称"), level=Level.COMMUNITY, parent_id=streets[code[:9]]))
                added += 1
            else:
                if stored[1] != row.get("社区名称"):
                    changed += 1
                Division.objects.filter(pk=stored[0]).update(name=row.get("社区名称"), parent_id=streets[code[:9]])
        Division.objects.bulk_create(new, batch_size=1000)
        self.community_pk = dict(Division.objects.filter(level=Level.COMMUNITY).values_list("code", "pk"))
        return {"added": added, "changed": changed}

    def household_pks(self, codes) -> dict:
        if len(codes) > 20000:
            return dict(m.Household.objects.values_list("code", "pk").iterator(chunk_size=20000))
        result = {}
        for chunk in chunks(sorted(codes)):
            result.update(m.Household.objects.filter(code__in=chunk).values_list("code", "pk"))
        return result
    def person_pks(self, ids) -> dict:
        """ID number -> person pk, through the keyed hash (ID numbers are stored encrypted)."""
        hashes = {i: self.id_hash(i) for i in ids if i}
        if len(hashes) > 20000:
            by_hash = dict(m.Person.objects.values_list("id_hash", "pk").iterator(chunk_size=20000))
        else:
            by_hash = {}
            for chunk in chunks(sorted(hashes.values())):
                by_hash.update(m.Person.objects.filter(id_hash__in=chunk).values_list("id_hash", "pk"))
        return {i: by_hash[h] for i, h in hashes.items() if h in by_hash}

    def write_keyed_top(self, table: str) -> dict:
        """家庭 and 人员: keyed by 家庭编号 / 身份证号, with one reference each."""
        model = MODELS[table]
        present = self.present(table)
        plain = [(c, f) for c, f in PLAIN_FIELDS[table] if c in present]
        if table == "家庭":
            key_col, key_field, ref_col, ref_field = "家庭编号", "code", "社区代码", "community_id"
            stored = self.stored_households
            refs = self.community_pk
            stored_ref = {k: v["community__code"] for k, v in stored.items()}
        else:
            key_col, key_field, ref_col, ref_field = "身份证号", "id_number", "家庭编号", "household_id"
            stored = self.stored_persons
            refs = self.household_pks({r.get("家庭编号") for r in self.rows(table)})
            stored_ref = {k: v["household__code"] for k, v in stored.items()}
        new, updates = [], []
        for i, row in enumerate(self.rows(table)):
            if i and i % 100000 == 0:
                self.report(table, i)
            key = row.get(key_col)
            fields = {f: to_model(c, row.get(c)) for c, f in plain}
            fields[ref_field] = refs[row.get(ref_col)]
            old = stored.get(key)
            if table == "人员":  # the keyed hashes beside the encrypted ID and phone numbers
                phone = fields["phone"] if "phone" in fields else old and old["phone"]
                fields.update(id_hash=self.id_hash(key), phone_hash=phone_hash(phone or ""))
            if old is None:
                new.append({key_field: key, **fields})
            elif any(old[f] != v for f, v in fields.items() if f not in (ref_field, "id_hash", "phone_hash")) or stored_ref[key] != row.get(ref_col):
                version = {"version": old["version"] + 1} if table == "人员" else {}  # an open edit is refused
                updates.append(model(pk=old["pk"], **{key_field: key}, **fields, **version))
        insert_rows(model, new)
        if updates:
            extra = ["phone_hash", "version"] if table == "人员" else []
            model.objects.bulk_update(updates, [f for _, f in plain] + [ref_field] + extra, batch_size=500)
        return {"added": len(new), "changed": len(updates)}

    def write_child(self, table: str) -> dict:
        model = MODELS[table]
        parent_field, parent_col, parent_lookup, key_cols = CHILDREN[table]
        present = self.present(table)
        rows = self.rows(table)
        if not rows:
            return {"added": 0, "changed": 0}
        plain = [(c, f) for c, f in PLAIN_FIELDS[table] if c in present]
        field_of = dict(PLAIN_FIELDS[table])
        parents = {r.get(parent_col) for r in rows}
        if parent_field == "person":
            parent_pks = self.person_pks(parents)
        elif parent_field == "household":
            parent_pks = self.household_pks(parents)
        else:
            parent_pks = self.community_pk
        stored = {}
        for chunk in chunks(sorted(parent_pks[p] for p in parents) if model.objects.exists() else []):
            for values in model.objects.filter(**{f"{parent_field}_id__in": chunk}).values(
                "pk", parent_lookup, *[f for _, f in PLAIN_FIELDS[table]]
            ):
                key = (values[parent_lookup], *[values[field_of[c]] for c in key_cols])
                stored[key] = values
        new, updates = [], []
        for row in rows:
            fields = {f: to_model(c, row.get(c)) for c, f in plain}
            if table == "目标任务" and row.get("指标") in COMPUTED_INDICATORS:
                fields["actual"] = None  # computed, never typed in
            key = (row.get(parent_col), *[fields[field_of[c]] for c in key_cols])
            old = stored.get(key)
            if old is None:
                new.append({f"{parent_field}_id": parent_pks[row.get(parent_col)], **fields})
            elif any(old[f] != v for f, v in fields.items()):
                updates.append(model(pk=old["pk"], **fields))
        insert_rows(model, new)
        if updates:
            model.objects.bulk_update(updates, list({f for f in (f for _, f in plain)} | ({"actual"} if table == "目标任务" else set())), batch_size=500)
        return {"added": len(new), "changed": len(updates)}

    def write_whole_rows(self, table: str) -> dict:
        model = MODELS[table]
        parent_field, parent_col = WHOLE_ROW[table]
        rows = self.rows(table)
        if not rows:
            return {"added": 0, "changed": 0}
        columns = TABLE_BY_NAME[table].column_names
        plain = PLAIN_FIELDS[table]
        parents = {r.get(parent_col) for r in rows}
        parent_pks = self.person_pks(parents) if parent_field == "person" else self.community_pk
        candidates = {}
        for row in rows:
            values = [row.get(c) for c in columns]
            digest = row_hash(values)
            fields = {f: to_model(c, row.get(c)) for c, f in plain}
            candidates[digest] = {f"{parent_field}_id": parent_pks[row.get(parent_col)], "row_hash": digest, **fields}
        existing = set()
        if model.objects.exists():
            for chunk in chunks(sorted(candidates)):
                existing.update(model.objects.filter(row_hash__in=chunk).values_list("row_hash", flat=True))
        new = [row for digest, row in candidates.items() if digest not in existing]
        insert_rows(model, new)
        return {"added": len(new), "changed": 0}


def ledger_import(*, path: Path, user=None, progress=None, scope: str | None = None) -> ImportResult:
    """Import an exchange-format folder or workbook; nothing is written if any row is bad.

    ``progress(message, done=None, total=None)`` hears of each step (done/total: rows
    written of the whole input). ``scope``: a community-code prefix (the user's, see
    ``jiuye.standards.selectors.scope_prefix``); every row touching a community outside
    it is rejected. None or "" (the city): no restriction.
    """
    path = Path(path)
    result = ImportResult()
    raw_tables, result.problems = read_input(path)
    parsed = parse_tables(raw_tables, result.problems, result.warnings)
    if progress:
        progress(f"已读取 / read: {sum(len(t.rows) for t in parsed.values())} 行 / rows")
    importer = _Importer(parsed, result.problems, result.warnings, progress)
    importer.check()
    if scope:
        from jiuye.exchange.scope import scope_check

        scope_check(importer, scope)
    if result.problems:
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
    written = sum(c["added"] + c["changed"] for c in result.counts.values())
    if written >= ANALYZE_AFTER_ROWS:
        if progress:
            progress("更新统计信息 / updating planner statistics")
        _analyze([MODELS[t] for t, c in result.counts.items() if t in MODELS and c["added"] + c["changed"]])
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

