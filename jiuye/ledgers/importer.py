"""``ledger_import``: an exchange-format input into the register, all or nothing.

Checks every rule of exchange.md "What is rejected" against the input and what is
already stored, reports every problem, and writes nothing unless there are none.
A row whose key is stored replaces the stored row: a blank cell clears that value,
a column absent from the input keeps it. The import is audited as one event.
"""

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from jiuye.audit.services import audit_event_record
from jiuye.divisions.models import Division, Level
from jiuye.ledgers import idnumber
from jiuye.ledgers.bulk import insert_rows
from jiuye.ledgers.mapping import MODELS, PLAIN_FIELDS, from_model, row_hash, to_model
from jiuye.ledgers.parse import ParsedTable, Row, parse_tables
from jiuye.ledgers.reader import Problem, RawTable, read_input
from jiuye.ledgers.schema import COMPUTED_INDICATORS, TABLE_BY_NAME, TABLES
from jiuye.registry import models as m
from jiuye.registry.crypto import lookup_hash, phone_hash

CHUNK = 900

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


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i : i + size]


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


class _Importer:
    def __init__(self, parsed: dict[str, ParsedTable], problems: list[Problem], warnings: list[str], progress):
        self.parsed = parsed
        self.problems = problems
        self.warnings = warnings
        self.progress = progress or (lambda message, done=None, total=None: None)

    # -- helpers -----------------------------------------------------------------
    def rows(self, table: str) -> list[Row]:
        parsed = self.parsed.get(table)
        return parsed.rows if parsed else []

    def present(self, table: str) -> tuple[str, ...]:
        parsed = self.parsed.get(table)
        return parsed.present if parsed else ()

    def bad(self, table: str, row: Row | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(table, row.number if row else None, column, message))

    # -- stored state ---------------------------------------------------------------
    def load_stored(self) -> None:
        self.districts = set(Division.objects.filter(level=Level.DISTRICT).values_list("code", flat=True))
        self.stored_streets = dict(Division.objects.filter(level=Level.STREET).values_list("code", "name"))
        self.stored_communities = {
            code: (pk, name) for pk, code, name in Division.objects.filter(level=Level.COMMUNITY).values_list("pk", "code", "name")
        }
        codes = {r.get("家庭编号") for t in ("家庭", "人员", "低保") for r in self.rows(t)}
        self.stored_households = {}
        for chunk in _chunks(sorted(c for c in codes if c) if m.Household.objects.exists() else []):
            for hh in m.Household.objects.filter(code__in=chunk).values("pk", "code", "community__code", "address", "hukou"):
                self.stored_households[hh["code"]] = hh
        ids = {r.get("身份证号") for t in ("人员", "就业状态", "失业登记", "服务记录") for r in self.rows(t)}
        self.stored_persons = {}
        fields = [f for _, f in PLAIN_FIELDS["人员"]]
        for chunk in _chunks(sorted(i for i in ids if i) if m.Person.objects.exists() else []):
            for p in m.Person.objects.filter(id_hash__in=[self.id_hash(i) for i in chunk]).values("pk", "id_number", "household__code", "version", *fields):
                self.stored_persons[p["id_number"]] = p
        self.stored_person_ids = {p["pk"]: i for i, p in self.stored_persons.items()}

    def stored_person_values(self, id_number: str) -> dict | None:
        stored = self.stored_persons.get(id_number)
        if stored is None:
            return None
        values = {col: from_model(col, stored[f]) for col, f in PLAIN_FIELDS["人员"]}
        values["家庭编号"] = stored["household__code"]
        values["身份证号"] = id_number
        return values

    # -- checks -------------------------------------------------------------------------
    def check(self) -> None:
        self.load_stored()
        self.check_communities()
        self.check_households()
        self.check_persons()
        self.check_statuses()
        self.check_simple_references()

    def check_communities(self) -> None:
        self.input_communities: dict[str, Row] = {}
        street_names: dict[str, tuple[str, Row]] = {}
        for row in self.rows("社区"):
            code = row.get("社区代码")
            if code[:6] not in self.districts:
                self.bad("社区", row, "社区代码", f"前 6 位不是已知的区县 / first 6 digits are not a known district: {code[:6]}")
                continue
            self.input_communities[code] = row
            street, name = code[:9], row.get("街道名称")
            if street in street_names and street_names[street][0] != name:
                first = street_names[street][1]
                self.bad(
                    "社区",
                    row,
                    "街道名称",
                    f"同一街道 {street} 的街道名称不一致（第 {first.number} 行为 {street_names[street][0]}）"
                    f" / street {street} has another 街道名称 in row {first.number}",
                )
                continue
            street_names.setdefault(street, (name, row))
        # Against what is stored: a stored community of the street not in this input keeps
        # the stored street name, so the input must agree with it.
        for street, (name, row) in street_names.items():
            stored_name = self.stored_streets.get(street)
            if stored_name is None or stored_name == name:
                continue
            others = [c for c in self.stored_communities if c[:9] == street and c not in self.input_communities]
            if others:
                self.bad(
                    "社区",
                    row,
                    "街道名称",
                    f"街道 {street} 已登记为 {stored_name} / street {street} is stored as {stored_name}",
                )
        self.street_names = {street: name for street, (name, _) in street_names.items()}
        self.known_communities = set(self.stored_communities) | set(self.input_communities)

    def require_community(self, table: str, row: Row) -> None:
        code = row.get("社区代码")
        if code and code not in self.known_communities:
            self.bad(table, row, "社区代码", f"社区不存在 / community does not exist: {code}")

    def check_households(self) -> None:
        self.input_households = {}
        for row in self.rows("家庭"):
            self.require_community("家庭", row)
            self.input_households[row.get("家庭编号")] = row
        self.known_households = set(self.stored_households) | set(self.input_households)

    def check_persons(self) -> None:
        self.effective_persons: dict[str, dict] = {}
        present = self.present("人员")
        for row in self.rows("人员"):
            id_number = row.get("身份证号")
            values = self.stored_person_values(id_number) or {}
            values.update({c: row.get(c) for c in present})
            values.setdefault("居住终止日期", None)
            values.setdefault("退休年龄类别", "")
            ok = True
            if not (id_number.isascii() and idnumber.is_valid(id_number)):  # no full-width digits
                self.bad("人员", row, "身份证号", f"身份证号校验失败 / ID number fails the GB 11643 check: {idnumber.mask(id_number)}")
                ok = False
            else:
                if idnumber.birth_date(id_number) != values["出生日期"]:
                    self.bad("人员", row, "出生日期", "出生日期与身份证号不符 / birth date disagrees with the ID number")
                    ok = False
                if idnumber.sex(id_number) != values["性别"]:
                    self.bad("人员", row, "性别", "性别与身份证号不符 / sex disagrees with the ID number")
                    ok = False
            if values["家庭编号"] not in self.known_households:
                self.bad("人员", row, "家庭编号", f"家庭不存在 / household does not exist: {values['家庭编号']}")
            birth, start, end = values["出生日期"], values["居住起始日期"], values["居住终止日期"]
            if start < birth:
                self.bad("人员", row, "居住起始日期", "居住起始日期早于出生日期 / residence starts before birth")
            if end is not None and end < start:
                self.bad("人员", row, "居住终止日期", "居住终止日期早于起始日期 / residence ends before it starts")
            if values["退休年龄类别"] == "50" and values["性别"] == "男":
                self.bad("人员", row, "退休年龄类别", "男性不能为 50 岁退休类别 / category 50 applies to women only")
            if ok:
                self.effective_persons[id_number] = values
            values["_row"] = row
        self.known_persons = set(self.stored_persons) | {r.get("身份证号") for r in self.rows("人员")}

    def birth_of(self, id_number: str) -> dt.date | None:
        person = self.effective_persons.get(id_number)
        if person is not None:
            return person["出生日期"]
        stored = self.stored_persons.get(id_number)
        return stored["birth_date"] if stored else None

    def require_person(self, table: str, row: Row) -> bool:
        id_number = row.get("身份证号")
        if id_number not in self.known_persons:
            self.bad(table, row, "身份证号", f"人员不存在 / person does not exist: {idnumber.mask(id_number)}")
            return False
        return True

    def check_statuses(self) -> None:
        rows = self.rows("就业状态")
        present = self.present("就业状态")
        person_ids = sorted({r.get("身份证号") for r in rows} | set(self.effective_persons))
        stored = defaultdict(dict)  # id_number -> start -> (end, status)
        self.stored_statuses = {}
        for chunk in _chunks([i for i in person_ids if i in self.stored_persons]):
            pks = [self.stored_persons[i]["pk"] for i in chunk]
            for s in m.StatusEpisode.objects.filter(person_id__in=pks).values(
                "pk", "person_id", "status", "start", "end", "employment_form", "employer_name", "unemployment_reason"
            ):
                id_number = self.stored_person_ids[s["person_id"]]
                stored[id_number][s["start"]] = (s["end"], None)
                self.stored_statuses[(id_number, s["start"])] = s
        episodes = defaultdict(dict)  # id -> start -> (end, row or None)
        for id_number, by_start in stored.items():
            episodes[id_number].update(by_start)
        for row in rows:
            if not self.require_person("就业状态", row):
                continue
            id_number, start = row.get("身份证号"), row.get("开始日期")
            end = row.get("结束日期") if "结束日期" in present else stored[id_number].get(start, (None, None))[0]
            birth = self.birth_of(id_number)
            if birth is not None and start < birth:
                self.bad("就业状态", row, "开始日期", "状态开始日期早于出生日期 / status episode starts before birth")
            if end is not None and end < start:
                self.bad("就业状态", row, "结束日期", "结束日期早于开始日期 / episode ends before it starts")
                continue
            episodes[id_number][start] = (end, row)
        for by_start in episodes.values():
            reach = None  # (end, start, row) of the episode reaching furthest so far
            for start, (end, row) in sorted(by_start.items()):
                if reach is not None and (reach[0] is None or start <= reach[0]):
                    culprit = row or reach[2]
                    other = reach[1] if culprit is row else start
                    self.bad(
                        "就业状态",
                        culprit,
                        "开始日期",
                        f"与 {other} 开始的状态重叠 / overlaps the status episode starting {other}",
                    )
                if reach is None or (reach[0] is not None and (end is None or end > reach[0])):
                    reach = (end, start, row)
        # A stored episode must not start before a (changed) birth date either.
        for id_number, person in self.effective_persons.items():
            for start in stored.get(id_number, {}):
                if start < person["出生日期"] and (id_number, start) not in {(r.get("身份证号"), r.get("开始日期")) for r in rows}:
                    self.bad("人员", person["_row"], "出生日期", f"已有状态早于出生日期 / a stored status episode starts before birth: {start}")
                    break

    def check_simple_references(self) -> None:
        for row in self.rows("失业登记"):
            self.require_person("失业登记", row)
            if row.get("注销日期") is not None and row.get("注销日期") < row.get("登记日期"):
                self.bad("失业登记", row, "注销日期", "注销日期早于登记日期 / cancelled before it was registered")
        for row in self.rows("服务记录"):
            self.require_person("服务记录", row)
        for row in self.rows("低保"):
            if row.get("家庭编号") not in self.known_households:
                self.bad("低保", row, "家庭编号", f"家庭不存在 / household does not exist: {row.get('家庭编号')}")
            if row.get("结束日期") is not None and row.get("结束日期") < row.get("开始日期"):
                self.bad("低保", row, "结束日期", "结束日期早于开始日期 / episode ends before it starts")
        for table in ("投诉", "目标任务", "组织建设"):
            for row in self.rows(table):
                self.require_community(table, row)

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
        for chunk in _chunks(sorted(codes)):
            result.update(m.Household.objects.filter(code__in=chunk).values_list("code", "pk"))
        return result

    def id_hash(self, id_number: str) -> str:
        """The keyed hash of an ID number, computed once per import."""
        cache = self.__dict__.setdefault("_id_hashes", {})
        found = cache.get(id_number)
        if found is None:
            found = cache[id_number] = lookup_hash(id_number)
        return found

    def person_pks(self, ids) -> dict:
        """ID number -> person pk, through the keyed hash (ID numbers are stored encrypted)."""
        hashes = {i: self.id_hash(i) for i in ids if i}
        if len(hashes) > 20000:
            by_hash = dict(m.Person.objects.values_list("id_hash", "pk").iterator(chunk_size=20000))
        else:
            by_hash = {}
            for chunk in _chunks(sorted(hashes.values())):
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
        for chunk in _chunks(sorted(parent_pks[p] for p in parents) if model.objects.exists() else []):
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
            for chunk in _chunks(sorted(candidates)):
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
        from jiuye.ledgers.scope import scope_check

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


TABLE_ORDER = [t.name for t in TABLES]


def ledger_validate(tables: dict[str, list[dict]]) -> list[Problem]:
    """The problems ``ledger_import`` would report for these rows, against what is stored.

    ``tables`` maps a table name to its rows, each a dict keyed by the exchange columns
    with the values a CSV gives (text; a ``date`` is taken as a date cell). Only the
    columns given count as present: a column given in one row of a table is present for
    the whole table (blank where a row lacks it), as in a CSV file. Rows are numbered as
    in a spreadsheet (the first row is 2). Nothing is written.
    """
    problems: list[Problem] = []
    warnings: list[str] = []
    raw_tables = []
    for name, rows in tables.items():
        if name not in TABLE_BY_NAME:
            problems.append(Problem(name, None, None, "不是台账表名 / not a table of the exchange format"))
            continue
        if not rows:
            continue
        headers = list(dict.fromkeys(column for row in rows for column in row))
        raw = RawTable(name, name, headers)
        for number, row in enumerate(rows, start=2):
            raw.rows.append((number, [csv_cell(row.get(column)) for column in headers]))
        raw_tables.append(raw)
    parsed = parse_tables(raw_tables, problems, warnings)
    _Importer(parsed, problems, warnings, None).check()
    return problems


def csv_cell(value):
    """A value as a CSV cell would hold it for validation (lists joined with ;, None blank)."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    return value
