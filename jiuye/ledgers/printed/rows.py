"""Reads of the printed ledgers (十类台账) for the pages and the workbooks
(re-exported by ``jiuye.ledgers.selectors``).

``ledger_rows`` is what a ledger page shows: the ledger's columns and its rows for a
division within the user's scope, as of a date, with optional filters. ID and phone
numbers are masked unless the caller asks to reveal them and the user may
(``can_reveal_ids``).
"""

import datetime as dt

from django.core.exceptions import PermissionDenied

from jiuye.divisions.codes import community_prefix, normalize_division_code
from jiuye.divisions.models import Division, Level
from jiuye.ledgers.printed.definitions import (
    COMMUNITY,
    LEDGERS,
    Column,
    Ledger,
    LedgerError,
    LedgerQuery,
    get_ledger,
    parse_filters,
)
from jiuye.registry.rules import idnumber
from jiuye.registry.rules.idnumber import mask_phone  # noqa: F401 - part of this API
from jiuye.registry.scoping import (
    can_reveal_ids,  # noqa: F401 - part of this API
    scope_prefix,
)


def ledger_list() -> tuple[Ledger, ...]:
    """The ten ledgers in their order (slug, titles, columns, filters)."""
    return LEDGERS


def ledger_division(user, division_code: str) -> Division:
    """The division ``division_code`` if it lies within the user's scope.

    PermissionDenied when it does not (or the user may see nothing), before saying
    whether it exists; LedgerError for a malformed code, Division.DoesNotExist for an
    unknown one.
    """
    try:
        code = normalize_division_code(division_code)
    except ValueError as exc:
        raise LedgerError(str(exc)) from None
    prefix = scope_prefix(user) if user is not None else None
    if prefix is None or not code.startswith(prefix):
        raise PermissionDenied("该区划不在您的管辖范围内 / this division is outside your scope")
    division = Division.objects.exclude(level=Level.ZONE).filter(code=code).first()
    if division is None:
        raise Division.DoesNotExist(f"区划不存在 / no such division: {code}")
    return division


def ledger_columns(ledger: Ledger, division: Division) -> list[Column]:
    """The ledger's columns; above community level a 社区 column follows 序号."""
    columns = list(ledger.columns)
    if division.level != Level.COMMUNITY:
        columns.insert(1, COMMUNITY)
    return columns


def _cell(column: Column, row: dict, reveal: bool):
    value = row.get(column.key)
    if value is None:
        return "" if column.kind in ("text", "id", "phone") else None
    if column.kind == "id" and not reveal:
        return idnumber.mask(value)
    if column.kind == "phone" and not reveal:
        return mask_phone(value)
    return value


def ledger_table(*, user, slug: str, division_code: str, as_of: dt.date, filters=None, reveal_ids: bool = False,
                 shared: bool = False, memo: dict | None = None):
    """(ledger, division, query, columns, rows, revealed): what ``ledger_rows`` and the workbook share."""
    ledger = get_ledger(slug)
    division = ledger_division(user, division_code)
    query = LedgerQuery(
        user=user, division=division, as_of=as_of, filters=parse_filters(ledger, filters),
        uses_period=ledger.uses_period, shared=shared, memo=memo,
    )
    records = ledger.build(query)
    revealed = bool(reveal_ids) and can_reveal_ids(user)
    columns = ledger_columns(ledger, division)
    rows = []
    for number, record in enumerate(records, start=1):
        record["no"] = number
        rows.append([_cell(column, record, revealed) for column in columns])
    return ledger, division, query, columns, rows, revealed


def ledger_rows(*, user, slug: str, division_code: str, as_of: dt.date, filters=None, reveal_ids: bool = False,
                shared: bool = False, memo: dict | None = None):
    """``(columns, rows)`` of one ledger: columns are :class:`Column` (``zh``, ``en``, ``kind``);
    each row is a list of cell values in column order (dates as ``date``, IDs and phones
    masked unless ``reveal_ids`` and :func:`can_reveal_ids`).

    Raises PermissionDenied when the division is outside the user's scope and
    LedgerError for an unknown slug or a bad filter.
    """
    _, _, _, columns, rows, _ = ledger_table(
        user=user, slug=slug, division_code=division_code, as_of=as_of, filters=filters, reveal_ids=reveal_ids,
        shared=shared, memo=memo,
    )
    return columns, rows


def ledger_cache_key(*, user, slug: str, division_code: str, as_of: dt.date, filters=None) -> tuple | None:
    """The page cache's scope and key of a ledger's screen rows (``revisions.cached``'s arguments
    after the day), or None for a search by name or number (``q``: not cached, so no ID typed in
    a filter is part of a key). Raises LedgerError for an unknown ledger and PermissionDenied
    for a division outside the user's scope, before anything is read from the cache."""
    if (filters or {}).get("q"):
        return None
    get_ledger(slug)
    division = ledger_division(user, division_code)
    shown = sorted((k, str(v)) for k, v in (filters or {}).items() if v)
    return community_prefix(division.code), (slug, division.code, as_of.isoformat(), *(f"{k}={v}" for k, v in shown))


def ledger_page_rows(*, user, slug: str, division_code: str, as_of: dt.date, filters=None, memo: dict | None = None):
    """``ledger_rows`` masked, for the ledger's screen page: computed once per division, date,
    filters, day and revision of the register (``divisions/revisions.py``; a search is not
    cached: ``ledger_cache_key``). ``memo``: reads shared with the other ledgers of the division
    computed with it (``screen.ledger_pages_warm``)."""
    from jiuye.divisions.revisions import cached

    def table():
        return ledger_rows(user=user, slug=slug, division_code=division_code, as_of=as_of, filters=filters,
                           shared=True, memo=memo)

    key = ledger_cache_key(user=user, slug=slug, division_code=division_code, as_of=as_of, filters=filters)
    if key is None:
        return table()
    scope, parts = key
    return cached("ledger", scope, dt.date.today(), table, *parts)
