"""The register's checks of rows against each other and against what is stored.

``RegisterChecks`` checks parsed rows (``jiuye.registry.rules.parse``) by every rule of
exchange.md "What is rejected" that spans rows: references to communities, households
and persons (in the rows or already stored), streets, ID numbers against sex and birth,
residence and status dates, overlapping status episodes. An import
(``jiuye.exchange.importer``) and every single-record write of the services
(``ledger_validate``) run exactly these checks, so a form refuses what an import refuses.
"""

import datetime as dt
import operator
from collections import Counter, defaultdict
from itertools import compress
from typing import NamedTuple

from jiuye.divisions.models import Division, Level
from jiuye.registry import models as m
from jiuye.registry.crypto import lookup_hash
from jiuye.registry.rules import idnumber
from jiuye.registry.rules.mapping import PLAIN_FIELDS, from_model
from jiuye.registry.rules.parse import ParsedTable, RawTable, Row, column_of, columns_by_name, parse_tables
from jiuye.registry.rules.problems import Problem
from jiuye.registry.rules.schema import TABLE_BY_NAME

CHUNK = 900


def chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i : i + size]


# What a reference that matches no key says, by the table it points into.
MISSING = {
    "社区": ("社区不存在：{0}，请在社区表中列出或先导入该社区 / community does not exist: {0}; list it in 社区"
           " or import it first", lambda v: v),
    "家庭": ("家庭不存在：{0}，请在家庭表中列出或先导入该家庭 / household does not exist: {0}; list it in 家庭"
           " or import it first", lambda v: v),
    "人员": ("人员不存在：{0}，请在人员表中列出或先导入此人 / person does not exist: {0}; list them in 人员"
           " or import them first", idnumber.mask),
}


_MISSING = object()  # a column the input leaves out

# The columns of 人员 its checks read, in order, with what a new person's row lacking one holds.
_PERSON_CHECKED = (("身份证号", _MISSING), ("出生日期", _MISSING), ("性别", _MISSING), ("家庭编号", _MISSING),
                   ("居住起始日期", _MISSING), ("居住终止日期", None), ("退休年龄类别", ""))


class EffectivePerson(NamedTuple):
    """What later checks need of a person that passed, as the input leaves it (a tuple, not a
    dict per person): 出生日期, 家庭编号 and the 人员 row."""

    birth: dt.date
    household: str
    row: Row


# The sex the 17th digit of an ID number gives (``idnumber.sex``), by the digit.
_SEX_BY_DIGIT = {str(d): idnumber.sex("0" * 16 + str(d)) for d in range(10)}


def follow_on_message(count: int) -> str:
    return f"{count} 行引用了上面被拒绝的行 / {count} rows refer to rows rejected above"


class RegisterChecks:
    """The checks of one set of parsed tables; ``problems`` collects what is wrong.

    Follow-on problems are folded (exchange.md, "What is rejected"): a reference that
    matches no key, into a table that had a row rejected for its key or was rejected as a
    whole (``tainted``), is counted instead of listed, one line per referring table and
    column. A row folded so counts as rejected for its key in turn (a 家庭 folds its 人员,
    which fold their 就业状态, 失业登记 and 服务记录).
    """

    def __init__(self, parsed: dict[str, ParsedTable], problems: list[Problem], warnings: list[Problem]):
        self.parsed = parsed
        self.problems = problems
        self.warnings = warnings
        self.tainted = {name: p.rejected or p.bad_keys for name, p in parsed.items()}
        self.folded: dict[tuple[str, str], int] = {}

    # -- helpers -----------------------------------------------------------------
    def rows(self, table: str) -> list[Row]:
        parsed = self.parsed.get(table)
        return parsed.rows if parsed else []

    def present(self, table: str) -> tuple[str, ...]:
        parsed = self.parsed.get(table)
        return parsed.present if parsed else ()

    def rejected_keys(self, table: str) -> dict:
        parsed = self.parsed.get(table)
        return parsed.rejected_keys if parsed else {}

    def bad(self, table: str, row: Row | None, column: str | None, message: str, kind: str = "invalid") -> None:
        self.problems.append(Problem(table, row.number if row else None, column, message, kind))

    def refers(self, table: str, row: Row, column: str, target: str, value, known) -> bool | None:
        """True if ``value`` names a key of ``target``. A reference that does not is reported
        (False), or folded when ``target`` is tainted (None: the row then counts as rejected
        for its key, and its own table is tainted)."""
        if value in known:
            return True
        if self.tainted.get(target):
            self.folded[(table, column)] = self.folded.get((table, column), 0) + 1
            self.tainted[table] = True
            return None
        message, shown = MISSING[target]
        self.bad(table, row, column, message.format(shown(value)), "missing_reference")
        return False

    def report_folded(self) -> None:
        for (table, column), count in self.folded.items():
            self.problems.append(Problem(table, None, column, follow_on_message(count), "follow_on"))

    # -- stored state ---------------------------------------------------------------
    def load_stored(self) -> None:
        self.districts = set(Division.objects.filter(level=Level.DISTRICT).values_list("code", flat=True))
        self.stored_streets = dict(Division.objects.filter(level=Level.STREET).values_list("code", "name"))
        self.stored_communities = {
            code: (pk, name) for pk, code, name in Division.objects.filter(level=Level.COMMUNITY).values_list("pk", "code", "name")
        }
        codes = {c for t in ("家庭", "人员", "低保") for c in column_of(self.rows(t), "家庭编号")}
        codes |= set(self.rejected_keys("家庭"))
        self.stored_households = {}
        for chunk in chunks(sorted(c for c in codes if c) if m.Household.objects.exists() else []):
            for hh in m.Household.objects.filter(code__in=chunk).values("pk", "code", "community__code", "address", "hukou"):
                self.stored_households[hh["code"]] = hh
        ids = {i for t in ("人员", "就业状态", "失业登记", "服务记录") for i in column_of(self.rows(t), "身份证号")}
        ids |= set(self.rejected_keys("人员"))
        self.stored_persons = {}
        fields = [f for _, f in PLAIN_FIELDS["人员"]]
        for chunk in chunks(sorted(i for i in ids if i) if m.Person.objects.exists() else []):
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
        self.report_folded()

    def unknown_district(self, code: str, number: int) -> None:
        self.problems.append(Problem("社区", number, "社区代码",
                                     f"前 6 位不是已知的区县 / first 6 digits are not a known district: {code[:6]}",
                                     "unknown_district"))
        self.tainted["社区"] = True

    def check_communities(self) -> None:
        self.input_communities: dict[str, Row] = {}
        street_names: dict[str, tuple[str, Row]] = {}
        for row in self.rows("社区"):
            code = row.get("社区代码")
            if code[:6] not in self.districts:
                self.unknown_district(code, row.number)
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
                    "street_name",
                )
                continue
            street_names.setdefault(street, (name, row))
        # Communities of rows rejected for another cell: their code is a key (unless its
        # district is unknown, which is reported too).
        rejected = {}
        for code, number in self.rejected_keys("社区").items():
            if code[:6] in self.districts:
                rejected[code] = number
            else:
                self.unknown_district(code, number)
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
                    "street_name",
                )
        self.street_names = {street: name for street, (name, _) in street_names.items()}
        self.known_communities = set(self.stored_communities) | set(self.input_communities) | set(rejected)

    def require_community(self, table: str, row: Row) -> bool | None:
        return self.refers(table, row, "社区代码", "社区", row.get("社区代码"), self.known_communities)

    def check_households(self) -> None:
        self.input_households = {}
        for row in self.rows("家庭"):
            if self.require_community("家庭", row) is not None:  # a folded row's key is no key
                self.input_households[row.get("家庭编号")] = row
        self.known_households = set(self.stored_households) | set(self.input_households) | set(self.rejected_keys("家庭"))

    def check_persons(self) -> None:
        # ID number -> 出生日期, 家庭编号 (as the input leaves them) and the row, of each person passed
        self.effective_persons: dict[str, EffectivePerson] = {}
        keys = set()
        rows = self.rows("人员")
        # The values the checks use, a column at a time; a column the input leaves out is the
        # stored person's, or for a new person its default (the two optional ones), or missing.
        got = columns_by_name(rows, [name for name, _ in _PERSON_CHECKED])
        columns = [got[name] if name in self.present("人员") else column_of(rows, name, default)
                   for name, default in _PERSON_CHECKED]
        del got
        shown_valid = idnumber.valid_column(columns[0])  # the rest one at a time (valid_id)
        if self._persons_all_pass(rows, columns, shown_valid):
            ids, births, _, households, *_ = columns
            self.effective_persons = dict(zip(ids, map(EffectivePerson, births, households, rows), strict=True))
            keys.update(ids)
        else:
            self._check_person_rows(rows, columns, shown_valid, keys)
        # Persons of rows rejected for another cell: their ID number is a key if it is valid.
        keys |= {i for i, number in self.rejected_keys("人员").items() if self.valid_id(i, number)}
        self.known_persons = set(self.stored_persons) | keys

    def _check_person_rows(self, rows: list[Row], columns: list[list], shown_valid: list[bool], keys: set) -> None:
        """``check_persons`` row by row: every problem reported in order; ``effective_persons`` and
        ``keys`` take the persons that passed."""
        for row, fields, id_shown_valid in zip(rows, zip(*columns, strict=True), shown_valid, strict=True):
            stored = self.stored_person_values(fields[0])
            if stored or _MISSING in fields:
                values = stored or {}
                values.update(row.values)  # a parsed row holds every present column
                fields = tuple(values[name] if default is _MISSING else values.get(name, default)  # KeyError:
                               for name, default in _PERSON_CHECKED)  # a required column
            id_number, birth, sex, household, start, end, category = fields
            ok = key = True
            if not (id_shown_valid or self.valid_id(id_number, row.number)):
                ok = key = False
            else:
                if idnumber.birth_date(id_number) != birth:
                    self.bad("人员", row, "出生日期", "出生日期与身份证号不符 / birth date disagrees with the ID number",
                             "disagrees_with_id")
                    ok = False
                if idnumber.sex(id_number) != sex:
                    self.bad("人员", row, "性别", "性别与身份证号不符 / sex disagrees with the ID number",
                             "disagrees_with_id")
                    ok = False
            if self.refers("人员", row, "家庭编号", "家庭", household, self.known_households) is None:
                key = False
            if start < birth:
                self.bad("人员", row, "居住起始日期", "居住起始日期早于出生日期 / residence starts before birth",
                         "before_birth")
            if end is not None and end < start:
                self.bad("人员", row, "居住终止日期", "居住终止日期早于起始日期 / residence ends before it starts",
                         "end_before_start")
            if category == "50" and sex == "男":
                self.bad("人员", row, "退休年龄类别", "男性不能为 50 岁退休类别 / category 50 applies to women only",
                         "retirement_category")
            if ok:  # what later checks need of the person, not a copy of every value
                self.effective_persons[id_number] = EffectivePerson(birth, household, row)
            if key:
                keys.add(id_number)

    def _persons_all_pass(self, rows: list[Row], columns: list[list], shown_valid: list[bool]) -> bool:
        """Whether every 人员 row passes the checks of ``check_persons``, found a column at a time:
        new persons only (none stored), every checked column given, every ID number shown valid,
        every household known, and no rule below broken by any row. False says only "not shown
        here": the rows are then checked one by one, which reports each problem in order."""
        if not rows or _MISSING in map(operator.itemgetter(0), columns) or not all(shown_valid):
            return False
        ids, births, sexes, households, starts, ends, categories = columns
        if self.stored_persons and not self.stored_persons.keys().isdisjoint(ids):
            return False
        if not self.known_households.issuperset(households):
            return False
        if any(map(operator.ne, idnumber.birth_dates(ids), births)):
            return False
        if any(_SEX_BY_DIGIT[i[16]] != sex for i, sex in zip(ids, sexes, strict=True)):
            return False
        if any(start < birth for start, birth in zip(starts, births, strict=True)):
            return False
        if any(end is not None and end < start for start, end in zip(starts, ends, strict=True)):
            return False
        return "50" not in categories or not any(
            c == "50" and sex == "男" for c, sex in zip(categories, sexes, strict=True))

    def valid_id(self, id_number: str, number: int) -> bool:
        """A 人员 row's ID passes GB 11643; if not, it is reported and 人员 is tainted."""
        if id_number.isascii() and idnumber.is_valid(id_number):
            return True
        self.problems.append(Problem(
            "人员", number, "身份证号",
            f"身份证号校验失败 / ID number fails the GB 11643 check: {idnumber.mask(id_number)}", "bad_id_number"))
        self.tainted["人员"] = True
        return False

    def birth_of(self, id_number: str) -> dt.date | None:
        person = self.effective_persons.get(id_number)
        if person is not None:
            return person.birth
        stored = self.stored_persons.get(id_number)
        return stored["birth_date"] if stored else None

    def require_person(self, table: str, row: Row) -> bool:
        return bool(self.refers(table, row, "身份证号", "人员", row.get("身份证号"), self.known_persons))

    def check_statuses(self) -> None:
        rows = self.rows("就业状态")
        present = self.present("就业状态")
        ids, starts = column_of(rows, "身份证号"), column_of(rows, "开始日期")
        stored = defaultdict(dict)  # id_number -> start -> (end, status)
        self.stored_statuses = {}
        stored_ids = sorted(i for i in set(ids) | set(self.effective_persons) if i in self.stored_persons)
        for chunk in chunks(stored_ids):
            pks = [self.stored_persons[i]["pk"] for i in chunk]
            for s in m.StatusEpisode.objects.filter(person_id__in=pks).values(
                "pk", "person_id", "status", "start", "end", "employment_form", "employer_name", "unemployment_reason"
            ):
                id_number = self.stored_person_ids[s["person_id"]]
                stored[id_number][s["start"]] = (s["end"], None)
                self.stored_statuses[(id_number, s["start"])] = s
        # Each row's reference is asked after only if some ID number is not known (the usual
        # import names only known persons: one set-wise test).
        ends = column_of(rows, "结束日期") if "结束日期" in present else None
        all_known = self.known_persons.issuperset(ids)
        passed = self._statuses_all_pass(ids, starts, ends, all_known, stored)
        if passed is None:
            passed = self._status_rows_passed(rows, ids, starts, ends, all_known, stored)
        # Overlaps, person by person (stored persons first, then in the order of their first row
        # that passed); a person with one episode in all, stored or given, overlaps nothing.
        passed_ids = list(map(ids.__getitem__, map(operator.itemgetter(0), passed)))
        episodes = {id_number: dict(by_start) for id_number, by_start in stored.items() if by_start}
        several = {id_number for id_number, n in Counter(passed_ids).items() if n > 1}.union(episodes)
        for i, end in compress(passed, map(several.__contains__, passed_ids)):  # the others skipped in C
            episodes.setdefault(ids[i], {})[starts[i]] = (end, rows[i])
        del passed_ids, several
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
                        "status_overlap",
                    )
                if reach is None or (reach[0] is not None and (end is None or end > reach[0])):
                    reach = (end, start, row)
        # A stored episode must not start before a (changed) birth date either.
        if any(stored.values()):
            given = set(zip(ids, starts, strict=True))
            for id_number, person in self.effective_persons.items():
                for start in stored.get(id_number, {}):
                    if start < person.birth and (id_number, start) not in given:
                        self.bad("人员", person.row, "出生日期",
                                 f"已有状态早于出生日期 / a stored status episode starts before birth: {start}",
                                 "before_birth")
                        break

    def _status_rows_passed(self, rows: list[Row], ids: list, starts: list, ends: list | None, all_known: bool,
                            stored: dict) -> list:
        """The row checks of ``check_statuses`` row by row, every problem reported in order:
        (index, end) of each row that passed, in order."""
        passed = []
        for i, (row, id_number, start) in enumerate(zip(rows, ids, starts, strict=True)):
            if not (all_known or self.require_person("就业状态", row)):
                continue
            end = ends[i] if ends is not None else stored[id_number].get(start, (None, None))[0]
            birth = self.birth_of(id_number)
            if birth is not None and start < birth:
                self.bad("就业状态", row, "开始日期", "状态开始日期早于出生日期 / status episode starts before birth",
                         "before_birth")
            if end is not None and end < start:
                self.bad("就业状态", row, "结束日期", "结束日期早于开始日期 / episode ends before it starts",
                         "end_before_start")
                continue
            passed.append((i, end))
        return passed

    def _statuses_all_pass(self, ids: list, starts: list, ends: list | None, all_known: bool,
                           stored: dict) -> list | None:
        """(index, end) of every 就业状态 row if each passes the row checks of ``check_statuses``
        (found a column at a time: every person known and given in this input's 人员, no episode
        stored, none starting before birth or ending before it starts); None if that is not
        shown (the rows are then checked one by one)."""
        if len(ids) < 1000 or not all_known or any(stored.values()):
            return None
        effective = self.effective_persons
        if not all(map(effective.__contains__, ids)):
            return None
        births = [effective[i].birth for i in ids]
        if any(start < birth for start, birth in zip(starts, births, strict=True)):
            return None
        ends = ends if ends is not None else [None] * len(ids)  # nothing stored: no end to keep
        if any(end is not None and end < start for start, end in zip(starts, ends, strict=True)):
            return None
        return list(zip(range(len(ids)), ends, strict=True))

    def check_simple_references(self) -> None:
        # A table's references are asked after row by row only if one of them is not known.
        rows = self.rows("失业登记")
        all_known = self.known_persons.issuperset(column_of(rows, "身份证号"))
        for row, registered, cancelled in zip(rows, column_of(rows, "登记日期"), column_of(rows, "注销日期"),
                                              strict=True):
            if not all_known:
                self.require_person("失业登记", row)
            if cancelled is not None and cancelled < registered:
                self.bad("失业登记", row, "注销日期", "注销日期早于登记日期 / cancelled before it was registered",
                         "end_before_start")
        rows = self.rows("服务记录")
        if not self.known_persons.issuperset(column_of(rows, "身份证号")):
            for row in rows:
                self.require_person("服务记录", row)
        for row in self.rows("低保"):
            self.refers("低保", row, "家庭编号", "家庭", row.get("家庭编号"), self.known_households)
            if row.get("结束日期") is not None and row.get("结束日期") < row.get("开始日期"):
                self.bad("低保", row, "结束日期", "结束日期早于开始日期 / episode ends before it starts", "end_before_start")
        for table in ("投诉", "目标任务", "组织建设"):
            rows = self.rows(table)
            if not self.known_communities.issuperset(column_of(rows, "社区代码")):
                for row in rows:
                    self.require_community(table, row)

    def id_hash(self, id_number: str) -> str:
        """The keyed hash of an ID number, computed once per import."""
        cache = self.__dict__.setdefault("_id_hashes", {})
        found = cache.get(id_number)
        if found is None:
            found = cache[id_number] = lookup_hash(id_number)
        return found


def ledger_validate(tables: dict[str, list[dict]]) -> list[Problem]:
    """The problems ``ledger_import`` would report for these rows, against what is stored.

    ``tables`` maps a table name to its rows, each a dict keyed by the exchange columns
    with the values a CSV gives (text; a ``date`` is taken as a date cell). Only the
    columns given count as present: a column given in one row of a table is present for
    the whole table (blank where a row lacks it), as in a CSV file. Rows are numbered as
    in a spreadsheet (the first row is 2). Nothing is written.
    """
    problems: list[Problem] = []
    warnings: list[Problem] = []
    raw_tables = []
    for name, rows in tables.items():
        if name not in TABLE_BY_NAME:
            problems.append(Problem(name, None, None, "不是台账表名 / not a table of the exchange format", "not_a_table"))
            continue
        if not rows:
            continue
        headers = list(dict.fromkeys(column for row in rows for column in row))
        raw = RawTable(name, name, headers)
        for number, row in enumerate(rows, start=2):
            raw.rows.append((number, [csv_cell(row.get(column)) for column in headers]))
        raw_tables.append(raw)
    parsed = parse_tables(raw_tables, problems, warnings)
    RegisterChecks(parsed, problems, warnings).check()
    # A single-record write shows each cause beside its field: the count of rows that
    # follow from it says nothing more there.
    return [p for p in problems if p.kind != "follow_on"]


def csv_cell(value):
    """A value as a CSV cell would hold it for validation (lists joined with ;, None blank)."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    return value
