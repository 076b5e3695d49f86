"""The facts an evaluation reads, loaded set-wise into arrays, and what every
standard derives from them (status at D, working age, spells).

One query per table, restricted to the communities evaluated and to facts dated
on or before D; dates arrive as day numbers computed by the database.
"""

import dataclasses
import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.db import connection

from jiuye.dbrouters import read_connection
from jiuye.divisions.models import Division, Level
from jiuye.registry import models as m
from jiuye.registry import vocab
from jiuye.standards.calendar import WorkdayCalendar
from jiuye.standards.dates import OPEN, add_months, to_day

STATUS_CODES = {s: i for i, s in enumerate(vocab.STATUS)}
EMPLOYED = STATUS_CODES[vocab.EMPLOYED]
UNEMPLOYED = STATUS_CODES[vocab.UNEMPLOYED]
NOT_WILLING = STATUS_CODES[vocab.NOT_WILLING]
UNKNOWN = -1


def _day_sql(column: str) -> str:
    """The date column as a day number; NULL (an open end) as ``OPEN``."""
    if connection.vendor == "postgresql":
        return f"COALESCE({column} - DATE '1970-01-01', {int(OPEN)})"
    return f"COALESCE(CAST(julianday({column}) - 2440587.5 AS INTEGER), {int(OPEN)})"


def _q(alias: str, column: str) -> str:
    return f"{alias}.{connection.ops.quote_name(column)}"


def _frame(sql: str, params: list, columns: list[str], bools: tuple[str, ...] = ()) -> pd.DataFrame:
    """Rows of ``sql`` as a DataFrame. Day columns arrive as integers (``OPEN`` for none)."""
    with read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="object" if c in TEXT_COLUMNS else "int64") for c in columns})
    table = np.array(rows, dtype=object)
    data = {}
    for i, name in enumerate(columns):
        column = table[:, i]
        if name in TEXT_COLUMNS:
            column[column == None] = ""  # noqa: E711 - element-wise comparison
            data[name] = column
        elif name in bools or name in NULLABLE_COLUMNS:
            data[name] = pd.array(column.tolist(), dtype="boolean" if name in bools else "Int64")
        else:
            data[name] = column.astype(np.int64)
    return pd.DataFrame(data)


def _bulk_frame(table: str, alias: str, exprs: list[str], where_sql: str, params: list, columns: list[str],
                chunk: int = 400_000) -> pd.DataFrame:
    """A large table's rows as a DataFrame: the database joins each chunk of rows into one
    text (unit-separated fields, one line per row) and pandas parses it in C, so no Python
    object is made per row. Only for columns that are numbers or closed vocabularies."""
    import io

    if connection.vendor == "postgresql":
        row = "concat_ws(chr(31), " + ", ".join(f"COALESCE(({e})::text, '')" for e in exprs) + ")"
        agg = "string_agg(q.r, chr(10))"
    else:
        row = " || char(31) || ".join(f"ifnull({e}, '')" for e in exprs)
        agg = "group_concat(q.r, char(10))"
    sql = (f"SELECT {agg}, max(q.k), count(*) FROM (SELECT {alias}.id AS k, {row} AS r FROM {table} {alias} "
           f"WHERE {alias}.id > %s{where_sql} ORDER BY {alias}.id LIMIT {chunk}) q")
    dtypes = {c: (str if c in TEXT_COLUMNS else np.int64) for c in columns}
    parts, last = [], 0
    with read_connection().cursor() as cursor:
        while True:
            cursor.execute(sql, [last, *params])
            text, last, count = cursor.fetchone()
            if not count:
                break
            parts.append(pd.read_csv(io.StringIO(text), sep="\x1f", header=None, names=columns, dtype=dtypes,
                                     na_filter=False, engine="c"))
            if count < chunk:
                break
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object if c in TEXT_COLUMNS else np.int64) for c in columns})
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


# Columns that may hold NULL (everything else is NOT NULL or coalesced in SQL).
NULLABLE_COLUMNS = {"zone_id", "actual", "专职人员"}
# Columns read as text (everything else is numeric or a day number).
TEXT_COLUMNS = {"code", "name", "hukou", "sex", "categories", "ret_cat", "status", "type", "indicator"}


def _days(series: pd.Series, open_value=OPEN) -> np.ndarray:
    return series.fillna(open_value).to_numpy(dtype=np.int64)


@dataclass
class Context:
    as_of: dt.date
    params: dict
    calendar: WorkdayCalendar
    D: int = 0
    p_start: int = 0
    communities: pd.DataFrame = field(default_factory=pd.DataFrame)
    persons: pd.DataFrame = field(default_factory=pd.DataFrame)
    households: pd.DataFrame = field(default_factory=pd.DataFrame)
    statuses: pd.DataFrame = field(default_factory=pd.DataFrame)
    registrations: pd.DataFrame = field(default_factory=pd.DataFrame)
    dibao: pd.DataFrame = field(default_factory=pd.DataFrame)
    services: pd.DataFrame = field(default_factory=pd.DataFrame)
    complaints: pd.DataFrame = field(default_factory=pd.DataFrame)
    targets: pd.DataFrame = field(default_factory=pd.DataFrame)
    organization: pd.DataFrame = field(default_factory=pd.DataFrame)
    cache: dict = field(default_factory=dict)

    @property
    def n_communities(self) -> int:
        return len(self.communities)


def period_start(as_of: dt.date, params: dict) -> dt.date:
    """First day of P: the day after D − period (``D − 1 year < t ≤ D``)."""
    from dateutil.relativedelta import relativedelta

    return as_of - relativedelta(months=params["period_months"]) + dt.timedelta(days=1)


def load_context(as_of: dt.date, params: dict, prefix: str = "", calendar: WorkdayCalendar | None = None) -> Context:
    ctx = Context(as_of=as_of, params=params, calendar=calendar or WorkdayCalendar.from_database())
    ctx.D = to_day(as_of)
    ctx.p_start = to_day(period_start(as_of, params))
    D = as_of.isoformat()
    like = prefix + "%"

    div = Division._meta.db_table
    hh = m.Household._meta.db_table
    pe = m.Person._meta.db_table
    # Scope filters: none for the whole deployment, else semi-joins on the community code.
    hh_in = f"SELECT h.id FROM {hh} h JOIN {div} c ON c.id = h.community_id WHERE c.code LIKE %s"
    scope = {
        "community": (f" AND {{a}}.community_id IN (SELECT c.id FROM {div} c WHERE c.code LIKE %s)", [like]),
        "household": (f" AND {{a}}.household_id IN ({hh_in})", [like]),
        "person": (f" AND {{a}}.person_id IN (SELECT p.id FROM {pe} p WHERE p.household_id IN ({hh_in}))", [like]),
    }

    def where(kind: str, alias: str) -> tuple[str, list]:
        if not prefix:
            return "", []
        clause, args = scope[kind]
        return clause.replace("{a}", alias), args

    comms = _frame(
        f"SELECT id, code, name, zone_id FROM {div} WHERE level = %s AND code LIKE %s ORDER BY code",
        [Level.COMMUNITY, like],
        ["id", "code", "name", "zone_id"],
    )
    comms["code"] = comms["code"].astype(str)
    comms["idx"] = np.arange(len(comms))
    ctx.communities = comms
    comm_index = dict(zip(comms["id"], comms["idx"], strict=True))

    clause, args = where("community", "h")
    households = _bulk_frame(hh, "h", ["h.id", "h.community_id", "h.hukou"], clause, args,
                             ["id", "community_id", "hukou"])
    households = households[households["community_id"].isin(comm_index)]
    households["comm"] = households["community_id"].map(comm_index).astype(np.int64)
    households["urban"] = households["hukou"] == "城镇"
    ctx.households = households.set_index("id")

    clause, args = where("household", "p")
    persons = _bulk_frame(
        pe, "p",
        ["p.id", "p.household_id", "p.sex", _day_sql("p.birth_date"), _day_sql("p.residence_start"),
         _day_sql("p.residence_end"), "p.categories", "p.retirement_category"],
        clause, args,
        ["id", "hh", "sex", "birth", "res_start", "res_end", "categories", "ret_cat"],
    )
    persons = persons[persons["hh"].isin(ctx.households.index)]
    persons["birth"] = _days(persons["birth"])
    persons["res_start"] = _days(persons["res_start"])
    persons["res_end"] = _days(persons["res_end"])
    persons["male"] = persons["sex"] == "男"
    persons["comm"] = ctx.households["comm"].reindex(persons["hh"]).to_numpy()
    persons = persons.set_index("id")
    _working_age(persons, params)
    ctx.persons = persons

    st = m.StatusEpisode._meta.db_table
    clause, args = where("person", "s")
    statuses = _bulk_frame(
        st, "s", ["s.person_id", "s.status", _day_sql("s.start"), _day_sql(_q("s", "end"))],
        " AND s.start <= %s" + clause, [D, *args], ["person", "status", "start", "end"],
    )
    statuses = statuses[statuses["person"].isin(persons.index)]
    statuses["status"] = statuses["status"].map(STATUS_CODES).fillna(UNKNOWN).astype(np.int64)
    statuses["start"] = _days(statuses["start"])
    statuses["end"] = _days(statuses["end"])
    ctx.statuses = _with_spells(statuses)

    reg = m.UnemploymentRegistration._meta.db_table
    clause, args = where("person", "r")
    registrations = _bulk_frame(
        reg, "r", ["r.id", "r.person_id", _day_sql("r.registered_on"), _day_sql("r.cancelled_on")],
        " AND r.registered_on <= %s" + clause, [D, *args], ["id", "person", "registered", "cancelled"],
    )
    registrations = registrations[registrations["person"].isin(persons.index)]
    registrations["registered"] = _days(registrations["registered"])
    registrations["cancelled"] = _days(registrations["cancelled"])
    ctx.registrations = registrations

    db = m.DibaoEpisode._meta.db_table
    clause, args = where("household", "d")
    dibao = _bulk_frame(
        db, "d", ["d.household_id", _day_sql("d.start"), _day_sql(_q("d", "end"))],
        " AND d.start <= %s" + clause, [D, *args], ["hh", "start", "end"],
    )
    dibao["start"] = _days(dibao["start"])
    dibao["end"] = _days(dibao["end"])
    ctx.dibao = dibao

    earliest = min(ctx.p_start, ctx.D - params["s7_active_window_days"] + 1)
    sv = m.ServiceRecord._meta.db_table
    clause, args = where("person", "s")
    services = _bulk_frame(
        sv, "s", ["s.person_id", "s.service_type", _day_sql("s.date")],
        " AND s.date <= %s AND s.date >= %s" + clause,
        [D, (dt.date(1970, 1, 1) + dt.timedelta(days=int(earliest))).isoformat(), *args],
        ["person", "type", "date"],
    )
    services = services[services["person"].isin(persons.index)]
    services["date"] = _days(services["date"])
    ctx.services = services

    cp = m.Complaint._meta.db_table
    clause, args = where("community", "x")
    complaints = _frame(
        f"SELECT x.community_id, {_day_sql('x.date')}, x.valid FROM {cp} x WHERE x.date <= %s{clause}",
        [D, *args],
        ["community_id", "date", "valid"],
        bools=("valid",),
    )
    complaints = complaints[complaints["community_id"].isin(comm_index)]
    complaints["date"] = _days(complaints["date"])
    complaints["comm"] = complaints["community_id"].map(comm_index)
    ctx.complaints = complaints

    tg = m.Target._meta.db_table
    clause, args = where("community", "t")
    targets = _frame(
        f"SELECT t.community_id, t.indicator, t.target, t.actual FROM {tg} t WHERE t.year = %s{clause}",
        [as_of.year, *args],
        ["community_id", "indicator", "target", "actual"],
    )
    targets = targets[targets["community_id"].isin(comm_index)]
    targets["comm"] = targets["community_id"].map(comm_index)
    ctx.targets = targets

    og = m.OrganizationRecord._meta.db_table
    clause, args = where("community", "o")
    organization = _frame(
        f"SELECT o.community_id, o.service_station, o.staff_count, o.staff_funds, o.work_funds, o.premises, "
        f"o.facilities FROM {og} o WHERE o.year = %s{clause}",
        [as_of.year, *args],
        ["community_id", "服务站", "专职人员", "人员经费", "工作经费", "固定场所", "办公服务设施"],
        bools=("服务站", "人员经费", "工作经费", "固定场所", "办公服务设施"),
    )
    organization = organization[organization["community_id"].isin(comm_index)]
    organization["comm"] = organization["community_id"].map(comm_index)
    ctx.organization = organization
    return ctx


# -- one process's contexts, shared by its requests while the register is unchanged ----------------

SHARED_CONTEXTS = 16  # contexts kept per process, the least recently used dropped first
SHARED_MAX_PERSONS = 50_000  # a larger scope (a district, the city) is loaded for each use
_shared: OrderedDict = OrderedDict()
_shared_lock = threading.Lock()
_loading: dict = {}  # key -> lock: one thread loads a context while the others wait for it


def _frames_of(ctx: Context) -> dict:
    return {f.name: getattr(ctx, f.name) for f in dataclasses.fields(ctx)
            if isinstance(getattr(ctx, f.name), pd.DataFrame)}


def _handed_out(ctx: Context) -> Context:
    """A context of its own for one use: its frames are new objects over the shared data, so a
    column a reader adds stays its own (frames are never changed in place). The derived values
    (``cache``) are shared: each is a function of the facts, the same for every reader."""
    return dataclasses.replace(ctx, **{name: frame.copy(deep=False) for name, frame in _frames_of(ctx).items()})


def shared_context(as_of: dt.date, params: dict, prefix: str = "") -> Context:
    """``load_context``, loaded once per process for a scope, date, policy and revision of the
    register, and reused by the pages that read it (Today, the zero-employment board, the
    standing page, the API's Today, the printed ledgers, the desk's sync) until a write in or
    above the scope moves the revision on (``divisions.revisions``, read before the facts).

    Only for reads whose data must be those of the last committed write through the services:
    not inside a transaction that has written (its revision is its own), and not where the
    register may have been changed behind the services (the nightly jobs, the command line
    load their own). ``docs/decisions.md``, "Serving at the goal's load"."""
    from jiuye.divisions.revisions import cacheable, revision

    if not cacheable(prefix):
        return load_context(as_of, params, prefix)
    key = (prefix, as_of, revision(prefix), repr(sorted(params.items())))
    with _shared_lock:
        ctx = _shared.get(key)
        if ctx is not None:
            _shared.move_to_end(key)
            return _handed_out(ctx)
        loading = _loading.setdefault(key, threading.Lock())
    try:
        with loading:
            with _shared_lock:
                ctx = _shared.get(key)
            if ctx is None:
                ctx = load_context(as_of, params, prefix)
                if len(ctx.persons) <= SHARED_MAX_PERSONS:
                    with _shared_lock:
                        _shared[key] = ctx
                        while len(_shared) > SHARED_CONTEXTS:
                            _shared.popitem(last=False)
    finally:
        with _shared_lock:
            _loading.pop(key, None)
    return _handed_out(ctx)


def forget_shared_contexts() -> None:
    """Drop every shared context of this process (tests: the database is rolled back between them)."""
    with _shared_lock:
        _shared.clear()


def retirement_days(birth: np.ndarray, male: np.ndarray, cat50: np.ndarray, params: dict) -> np.ndarray:
    """Retirement date: birth + (base years + delay months), added in one step, clamped once."""
    rules = params["retirement"]
    birth64 = birth.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)  # months since 1970-01
    total = np.zeros(len(birth), dtype=np.int64)
    for name, mask in (("men", male), ("women", ~male & ~cat50), ("women_50", ~male & cat50)):
        rule = rules[name]
        year, month = (int(x) for x in rule["first_cohort"].split("-"))
        first = (year - 1970) * 12 + (month - 1)
        m_ = birth64 - first
        delay = np.where(m_ >= 0, np.minimum(rule["max_delay"], m_ // rule["months_per_step"] + 1), 0)
        total = np.where(mask, rule["base"] * 12 + delay, total)
    return add_months(birth, total)


def _working_age(persons: pd.DataFrame, params: dict) -> None:
    birth = persons["birth"].to_numpy()
    persons["age16"] = add_months(birth, 12 * params["working_age_min_years"])
    persons["retire"] = retirement_days(
        birth, persons["male"].to_numpy(), (persons["ret_cat"] == "50").to_numpy() & ~persons["male"].to_numpy(), params
    )


def _with_spells(statuses: pd.DataFrame) -> pd.DataFrame:
    """Mark each episode with the first day of its spell (same status, consecutive days)."""
    statuses = statuses.sort_values(["person", "start"], kind="stable").reset_index(drop=True)
    person = statuses["person"].to_numpy()
    status = statuses["status"].to_numpy()
    start = statuses["start"].to_numpy()
    end = statuses["end"].to_numpy()
    joined = np.zeros(len(statuses), dtype=bool)
    if len(statuses) > 1:
        joined[1:] = (person[1:] == person[:-1]) & (status[1:] == status[:-1]) & (start[1:] == end[:-1] + 1)
    spell_id = np.cumsum(~joined)
    first_start = start[~joined]
    statuses["spell_start"] = first_start[spell_id - 1]
    return statuses


# -- derived, shared by several standards --------------------------------------------


def working_age_at(ctx: Context, t) -> np.ndarray:
    p = ctx.persons
    return (p["age16"].to_numpy() <= t) & (t < p["retire"].to_numpy())


def resident_at(ctx: Context, t) -> np.ndarray:
    p = ctx.persons
    return (p["res_start"].to_numpy() <= t) & (t <= p["res_end"].to_numpy())


def status_at_d(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """(status code, spell start) of each person at D; UNKNOWN where no episode covers D."""
    if "status_at_d" not in ctx.cache:
        s = ctx.statuses
        covering = s[(s["start"] <= ctx.D) & (ctx.D <= s["end"])].drop_duplicates("person")
        status = pd.Series(UNKNOWN, index=ctx.persons.index, dtype=np.int64)
        spell = pd.Series(OPEN, index=ctx.persons.index, dtype=np.int64)
        status.loc[covering["person"].to_numpy()] = covering["status"].to_numpy()
        spell.loc[covering["person"].to_numpy()] = covering["spell_start"].to_numpy()
        arrays = (status.to_numpy(), spell.to_numpy())
        for array in arrays:  # shared by every reader of the context (shared_context): never changed in place
            array.flags.writeable = False
        ctx.cache["status_at_d"] = arrays
    return ctx.cache["status_at_d"]


def per_community(ctx: Context, mask: np.ndarray, comm: np.ndarray | None = None) -> np.ndarray:
    """Count of True in ``mask`` per community index."""
    comm = ctx.persons["comm"].to_numpy() if comm is None else comm
    return np.bincount(comm[mask], minlength=ctx.n_communities).astype(np.int64)
