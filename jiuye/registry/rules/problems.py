"""A problem found in rows of the register (exchange.md, "What is rejected")."""

import re
from dataclasses import dataclass


@dataclass
class Problem:
    table: str
    row: int | None
    column: str | None
    message: str

    def line(self) -> str:
        """One line of four tab-separated fields (a tab or line break in a cell becomes a space)."""
        fields = (self.table or "-", str(self.row) if self.row else "-", self.column or "-", self.message)
        return "\t".join(re.sub(r"[\t\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+", " ", f) for f in fields)
