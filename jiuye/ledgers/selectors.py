"""Reads of the ledgers app for the pages: the ten printed ledgers (十类台账).

``ledger_rows(*, user, slug, division_code, as_of, filters=None, reveal_ids=False)``
returns ``(columns, rows)`` of one ledger for a division within the user's scope
(PermissionDenied otherwise); see ``jiuye.ledgers.printed``.
"""

from jiuye.ledgers.printed.rows import (
    can_reveal_ids,
    ledger_columns,
    ledger_division,
    ledger_list,
    ledger_rows,
    ledger_table,
    mask_phone,
)

__all__ = [
    "can_reveal_ids",
    "ledger_columns",
    "ledger_division",
    "ledger_list",
    "ledger_rows",
    "ledger_table",
    "mask_phone",
]
