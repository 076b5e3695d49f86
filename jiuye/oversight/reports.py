"""The monthly and yearly statistics a district (or street, or the city) sends upward, as xlsx.

The figures are the dashboards' own (``dashboard_data`` over the same saved city-wide
evaluations), so a report and the dashboard of the same date never disagree. A month's
report reads the evaluation saved for its last day (saved first if there is none; for
the current month, the latest one saved); the yearly report has one row per month end.
"""

import datetime as dt
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from jiuye.exchange.exporter import sheet_value
from jiuye.oversight.dashboards import (
    dashboard_data,
    dashboard_refresh,
    latest_snapshot,
    month_end,
    resolve_scope,
    snapshot_at,
)
from jiuye.standards.models import EvaluationSnapshot


class ReportError(ValueError):
    pass


def month_snapshot(*, year: int, month: int, today: dt.date | None = None, user=None) -> EvaluationSnapshot:
    """The saved evaluation a month's report reads (saving the month end's if it is missing)."""
    today = today or dt.date.today()
    try:
        first = dt.date(year, month, 1)
    except ValueError:
        raise ReportError(_("No such month: %(year)s-%(month)s") % {"year": year, "month": month}) from None
    end = month_end(first)
    if first > today:
        raise ReportError(_("%(month)s has not begun yet") % {"month": first.strftime("%Y-%m")})
    if end <= today:
        return snapshot_at(end, create=True, user=user)
    current = latest_snapshot(today)
    if current is not None and current.as_of >= first:
        return current
    return dashboard_refresh(as_of=today, user=user)


def report_monthly(*, user, code: str | None = None, year: int, month: int, today: dt.date | None = None) -> dict:
    resolve_scope(user, code)  # refuse before evaluating anything
    snapshot = month_snapshot(year=year, month=month, today=today, user=user)
    return dashboard_data(user=user, code=code, snapshot=snapshot, months=0, include_communities=True)


def report_yearly(*, user, code: str | None = None, year: int, today: dt.date | None = None) -> dict:
    today = today or dt.date.today()
    resolve_scope(user, code)
    if year > today.year:
        raise ReportError(_("%(year)s has not begun yet") % {"year": year})
    rows = []
    last = None
    for month in range(1, 13):
        if dt.date(year, month, 1) > today:
            break
        snapshot = month_snapshot(year=year, month=month, today=today, user=user)
        last = dashboard_data(user=user, code=code, snapshot=snapshot, months=0)
        rows.append({"as_of": last["as_of"], **{k: last["summary"][k] for k in ("evaluated", "passing", "share")},
                     "standards": {s["key"]: s["passing"] for s in last["standards"]}})
    return {"year": year, "months": rows, "final": last,
            "code": last["code"] if last else code, "name": last["name"] if last else ""}


# -- workbooks ----------------------------------------------------------------------

HEAD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DDE7F3")
PERCENT = "0.0%"


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list], first: bool = False):
    ws = wb.active if first else wb.create_sheet()
    ws.title = title[:31]
    ws.append([sheet_value(v) for v in header])
    for cell in ws[1]:
        cell.font, cell.fill = HEAD, HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in rows:
        ws.append([sheet_value(v) for v in row])  # division names are text, never formulas
    ws.freeze_panes = "A2"
    for i, title_ in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, min(40, 2 * len(str(title_)) + 2))
    return ws


def _percent(ws, columns: list[int]) -> None:
    for row in ws.iter_rows(min_row=2):
        for index in columns:
            row[index - 1].number_format = PERCENT


def _yes_no(value) -> str:
    if value is None:
        return "—"
    return _("yes") if value else _("no")


def _labels() -> dict:
    from jiuye.standards.views import LABELS

    return {key: str(label) for key, label in LABELS}


def _summary_rows(data: dict, kind: str) -> list[list]:
    rows = [
        [_("Report"), kind],
        [_("Division code"), data["code"]],
        [_("Division name"), data["name"]],
        [_("As of"), data["as_of"]],
        [_("Communities evaluated"), data["summary"]["evaluated"]],
        [_("Communities meeting every standard"), data["summary"]["passing"]],
        [_("Share"), data["summary"]["share"]],
    ]
    if data["weakest"]:
        rows.append([_("Weakest standard"), data["weakest"]["key"]])
    return rows


def _write_common(wb: Workbook, data: dict) -> None:
    labels = _labels()
    ws = _sheet(wb, _("Standards"), [_("Standard"), _("Meaning"), _("Communities meeting it"),
                                      _("Communities not meeting it"), _("Share")],
                [[s["key"], labels.get(s["key"], ""), s["passing"], s["failing"], s["share"]]
                 for s in data["standards"]])
    _percent(ws, [5])
    if data["children"]:
        keys = [s["key"] for s in data["standards"]]
        ws = _sheet(wb, _("Units"), [_("Division code"), _("Division name"), _("Communities evaluated"),
                                     _("Communities meeting every standard"), _("Share"),
                                     *[_("%(key)s not met") % {"key": k} for k in keys]],
                    [[c["code"], c["name"], c["evaluated"], c["passing"], c["share"],
                      *[c["failing_by_standard"][k] for k in keys]] for c in data["children"]])
        _percent(ws, [5])
    if data["districts"]:
        ws = _sheet(wb, _("Districts vs target"), [_("Division code"), _("Division name"), _("Group"), _("Communities evaluated"),
                                                   _("Communities meeting every standard"), _("Share"),
                                                   _("Target share"), _("Meets the target")],
                    [[d["code"], d["name"], d.get("group", ""), d["evaluated"], d["passing"], d["share"],
                      d.get("target_share"), _yes_no(d.get("meets_target"))] for d in data["districts"]])
        _percent(ws, [6, 7])


def _save(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def report_monthly_xlsx(*, user, code: str | None = None, year: int, month: int, today: dt.date | None = None) -> bytes:
    data = report_monthly(user=user, code=code, year=year, month=month, today=today)
    wb = Workbook()
    ws = _sheet(wb, _("Summary"), [_("Item"), _("Value")],
                _summary_rows(data, _("Monthly statistics %(month)s") % {"month": f"{year}-{month:02d}"}),
                first=True)
    ws["B8"].number_format = PERCENT
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 24
    _write_common(wb, data)
    keys = [s["key"] for s in data["standards"]]
    _sheet(wb, _("Communities"), [_("Division code"), _("Division name"), _("Meets every standard"), *keys,
                                  _("Employed"), _("Labour force")],
           [[c["code"], c["name"], _yes_no(c["pass"]), *["✓" if c["standards"][k] else "✗" for k in keys],
             c["s1"].get("numerator"), c["s1"].get("denominator")] for c in data.get("communities", [])])
    return _save(wb)


def report_yearly_xlsx(*, user, code: str | None = None, year: int, today: dt.date | None = None) -> bytes:
    data = report_yearly(user=user, code=code, year=year, today=today)
    wb = Workbook()
    keys = [f"S{i}" for i in range(1, 9)]
    ws = _sheet(wb, _("Months"), [_("As of"), _("Communities evaluated"), _("Communities meeting every standard"),
                                  _("Share"), *[_("%(key)s met") % {"key": k} for k in keys]],
                [[row["as_of"], row["evaluated"], row["passing"], row["share"],
                  *[row["standards"].get(k) for k in keys]] for row in data["months"]], first=True)
    _percent(ws, [4])
    ws.insert_rows(1, 2)
    ws["A1"] = _("Yearly statistics %(year)s") % {"year": year}
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = sheet_value(f"{data['code']} {data['name']}")
    ws.freeze_panes = "A4"
    if data["final"]:
        _write_common(wb, data["final"])
    return _save(wb)
