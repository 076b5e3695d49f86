"""An import's preview and findings as the job page shows them.

An import job (a preview or the import itself) stores its problems and warnings grouped by
table, column and kind (``jiuye.exchange.findings``), each with at most ``ROWS_KEPT`` row
numbers and the count of all its rows; the page shows each finding once, in the reader's
language, its rows shortened ("第 2、3、4…共 2000 行"). A preview also stores, per table, how
many rows would be added, changed and left as they are, with a sample of the changes.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from jiuye.bilingual import is_chinese, one_language
from jiuye.exchange.changes import sample_key
from jiuye.exchange.findings import Finding

# Row numbers kept per finding in the job's result, and shown on the page before "…".
ROWS_KEPT = 200
ROWS_SHOWN = 10


def findings_stored(findings: list[Finding]) -> list[dict]:
    """Findings as the job's result keeps them (JSON)."""
    return [{"table": f.table, "column": f.column, "kind": f.kind, "rows": f.rows[:ROWS_KEPT],
             "row_count": len(f.rows), "count": f.count, "example": f.example} for f in findings]


@dataclass
class FindingShown:
    table: str
    column: str
    title: str
    cure: str
    example: str
    rows: str
    count: int


def rows_text(rows: list[int], row_count: int) -> str:
    """The rows of a finding, shortened: "第 2、3、4…共 2000 行" / "Rows 2, 3, 4… (2000 rows)"."""
    if not row_count:
        return ""
    shown = rows[:ROWS_SHOWN]
    if is_chinese():
        listed = "、".join(str(r) for r in shown)
        return f"第 {listed} 行" if row_count <= len(shown) else f"第 {listed}…共 {row_count} 行"
    listed = ", ".join(str(r) for r in shown)
    if row_count <= len(shown):
        return (_("Row %(rows)s") if row_count == 1 else _("Rows %(rows)s")) % {"rows": listed}
    return _("Rows %(rows)s… (%(count)s rows)") % {"rows": listed, "count": row_count}


def findings_shown(stored: list[dict] | None) -> list[FindingShown]:
    """The stored findings in the active language."""
    shown = []
    for item in stored or []:
        finding = Finding(item["table"], item["column"], item["kind"], count=item["count"], example=item["example"])
        shown.append(FindingShown(
            table=item["table"], column=item["column"], title=str(finding.title), cure=str(finding.cure),
            example=one_language(item["example"]), rows=rows_text(item["rows"], item["row_count"]),
            count=item["count"]))
    return shown


@dataclass
class PreviewTable:
    table: str
    added: int
    changed: int
    unchanged: int
    sample: list[dict]


def preview_tables(preview: dict | None, *, reveal: bool) -> list[PreviewTable]:
    """Per table the counts and the sample of changes (each ``{"row", "key", "changes"}``), the
    key in full only if ``reveal`` (the reader may see full ID numbers)."""
    tables = []
    for table, entry in (preview or {}).items():
        sample = [{"row": s["row"], "key": sample_key(s, reveal=reveal), "changes": s["changes"]}
                  for s in entry.get("sample") or []]
        tables.append(PreviewTable(table, entry["added"], entry["changed"], entry["unchanged"], sample))
    return tables
