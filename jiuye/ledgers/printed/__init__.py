"""The ten printed ledgers (十类台账) of a community: lists for the pages, workbooks to print.

- ``LEDGERS`` / ``BY_SLUG``: each ledger's slug, titles, columns and filters;
- ``ledger_rows(*, user, slug, division_code, as_of, filters=None) -> (columns, rows)``;
- ``ledger_workbook(*, user, slug, division_code, as_of, filters=None, reveal_ids=False) -> bytes``;
- ``can_reveal_ids(user)``: may the user see full ID and phone numbers.

These are for people; the exchange-format export (``jiuye.exchange.exporter``) is the
data transfer between deployments.
"""

from jiuye.ledgers.printed.definitions import BY_SLUG, LEDGERS, Column, Ledger, LedgerError, get_ledger
from jiuye.ledgers.printed.rows import (
    can_reveal_ids,
    ledger_division,
    ledger_list,
    ledger_page_rows,
    ledger_rows,
    mask_phone,
)
from jiuye.ledgers.printed.workbook import ledger_workbook

__all__ = [
    "BY_SLUG",
    "LEDGERS",
    "Column",
    "Ledger",
    "LedgerError",
    "can_reveal_ids",
    "get_ledger",
    "ledger_division",
    "ledger_list",
    "ledger_page_rows",
    "ledger_rows",
    "ledger_workbook",
    "mask_phone",
]
