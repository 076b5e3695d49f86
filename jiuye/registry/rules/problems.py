"""A problem found in rows of the register (exchange.md, "What is rejected"), or a warning.

Each carries a stable ``kind`` (``number_cell``, ``bad_date``, ``not_in_list``,
``missing_reference`` …, see ``KINDS``) so that a page can group findings by table,
column and kind (``jiuye.exchange.findings``) while the command line prints one line
each, in both languages.
"""

import re
from dataclasses import dataclass

# Every kind a problem or warning of the register's rules or of a file may have: the
# browser groups by it, so a kind is never renamed (new ones may be added).
KINDS = (
    # the file or the sheet
    "unreadable_file", "mixed_encoding", "nul_byte", "over_limit", "not_a_table", "duplicate_table",
    # the header
    "unknown_column", "duplicate_column", "missing_column",
    # one cell
    "blank_required", "not_in_list", "bad_date", "date_with_time", "bad_integer", "bad_community_code",
    "number_cell", "name_too_long", "control_character", "nul_character",
    # one row against others or against what is stored
    "unknown_district", "duplicate_key", "street_name", "bad_id_number", "disagrees_with_id",
    "missing_reference", "follow_on", "end_before_start", "before_birth", "status_overlap",
    "retirement_category", "outside_scope",
    # warnings
    "future_date", "unheaded_values",
    # anything else (a service's own rule)
    "invalid",
)


@dataclass
class Problem:
    table: str
    row: int | None
    column: str | None
    message: str
    kind: str = "invalid"

    def line(self) -> str:
        """One line of four tab-separated fields (a tab or line break in a cell becomes a space)."""
        fields = (self.table or "-", str(self.row) if self.row else "-", self.column or "-", self.message)
        return "\t".join(re.sub(r"[\t\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+", " ", f) for f in fields)

    def warning_line(self) -> str:
        """A warning: ``warning<TAB>table<TAB>row<TAB>column<TAB>message``."""
        return "warning\t" + self.line()
