"""The December filing (备案) of each district and the subsidy ledger, as data, xlsx and PDF.

``filing_build`` is the one read: each district's certified communities of a year
(in force on 31 December), with that year's re-check, the district's recommendations
of excellent communities, the city's model communities and the eligibility for
national demonstration status. The xlsx and PDF are printed forms of it (A4
landscape, header row repeated on every page, page numbers). PDFs need WeasyPrint
with Debian's pango and a CJK font (fonts-noto-cjk); without them ``PdfUnavailable``
says what to install.
"""

import io

from django.core.exceptions import PermissionDenied
from django.template import Context, Engine
from django.utils import timezone

from jiuye.accounts.models import Role
from jiuye.divisions.models import Division, Level
from jiuye.exchange.exporter import sheet_value
from jiuye.ledgers.printsetup import cjk_font, print_setup, row_height, text_lines
from jiuye.oversight.models import (
    Certification,
    Filing,
    OversightError,
    Recheck,
    RecheckStatus,
    Recommendation,
    RecommendationLevel,
    SubsidyKind,
)
from jiuye.oversight.pdf import PdfUnavailable, html_to_pdf, pdf_engine  # noqa: F401 - re-exported
from jiuye.oversight.selectors import (
    DEMONSTRATION_YEARS,
    certified_in_year,
    passed_years,
    subsidy_ledger,
    subsidy_totals,
)
from jiuye.oversight.subsidies import KIND_LABELS
from jiuye.registry.scoping import scope_prefix

OUTSIDE_SCOPE = "不在您的管辖范围内 / outside your scope"


# -- the filing as data ------------------------------------------------------------------------------


def _district_for(user, district_code) -> Division:
    """The district if the user may see its filing: its own district user, the city, a superuser."""
    code = str(district_code or "").strip()
    if len(code) != 6 or not code.isdigit():
        raise OversightError(f"区县代码须为 6 位数字 / the district code must have 6 digits: {code!r}")
    prefix = scope_prefix(user) if user is not None else None
    role = getattr(user, "role", "")
    allowed = prefix is not None and (
        (prefix == "" and (role in (Role.CITY, Role.DISTRICT) or user.is_superuser))
        or (role == Role.DISTRICT and prefix == code)
    )
    if not allowed:
        raise PermissionDenied(OUTSIDE_SCOPE)
    district = Division.objects.filter(code=code, level=Level.DISTRICT).first()
    if district is None:
        raise OversightError(f"区县不存在 / no such district: {code}")
    return district


def filing_build(*, user, district_code: str, year: int) -> dict:
    """The district's filing of ``year``: certified communities with re-check, recommendations,
    model communities and demonstration eligibility, plus totals."""
    district = _district_for(user, district_code)
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise OversightError(f"年度无效 / not a year: {year!r}") from None
    code = district.code
    certifications = list(
        certified_in_year(Certification.objects.for_user(user), year)
        .filter(community__code__startswith=code)
        .select_related("community", "community__zone", "snapshot")
        .order_by("community__code")
    )
    ids = [c.pk for c in certifications]
    names = dict(Division.objects.filter(code__startswith=code, level=Level.STREET).values_list("code", "name"))
    rechecks = {r.certification_id: r for r in Recheck.objects.filter(certification_id__in=ids, year=year)}
    recommendations = {
        (r.community_id, r.level): r
        for r in Recommendation.objects.filter(community_id__in=[c.community_id for c in certifications], year=year)
    }
    years = passed_years(ids)
    needed = set(range(year - DEMONSTRATION_YEARS + 1, year + 1))
    rows = []
    for index, certification in enumerate(certifications, start=1):
        community = certification.community
        recheck = rechecks.get(certification.pk)
        district_rec = recommendations.get((community.pk, RecommendationLevel.DISTRICT))
        city_rec = recommendations.get((community.pk, RecommendationLevel.CITY))
        rows.append({
            "index": index,
            "certification": certification.pk,
            "code": community.code,
            "name": community.name,
            "street_code": community.code[:9],
            "street_name": names.get(community.code[:9], ""),
            "zone_code": community.zone.code if community.zone_id else "",
            "zone_name": community.zone.name if community.zone_id else "",
            "certified_on": certification.certified_on,
            "first_year": certification.certified_on.year == year,
            "snapshot": certification.snapshot_id,
            "snapshot_as_of": certification.snapshot.as_of,
            "recheck": None if recheck is None else {
                "status": recheck.status,
                "status_label": str(RecheckStatus(recheck.status).label),
                "as_of": recheck.as_of,
                "failed": recheck.failed,
                "due_on": recheck.due_on,
                "cleared_on": recheck.cleared_on,
            },
            "recommended": district_rec is not None,
            "recommendation_reason": district_rec.reason if district_rec else "",
            "model": city_rec is not None,
            "model_reason": city_rec.reason if city_rec else "",
            "passed_years": sorted(years.get(certification.pk, ())),
            "demonstration_eligible": needed <= years.get(certification.pk, set()),
            "status": certification.status,
            "revoked_on": certification.revoked_on,
        })
    communities = Division.objects.filter(code__startswith=code, level=Level.COMMUNITY).count()
    latest = Filing.objects.filter(district=district, year=year).select_related("submitted_by").first()
    return {
        "district": {"code": code, "name": district.name, "group": district.group},
        "year": year,
        "generated_at": timezone.localtime(),
        "communities": rows,
        "recommended": [r for r in rows if r["recommended"]],
        "models": [r for r in rows if r["model"]],
        "totals": {
            "communities": communities,
            "certified": len(rows),
            "share": round(len(rows) / communities, 6) if communities else None,
            "first_certified": sum(r["first_year"] for r in rows),
            "rechecked": sum(r["recheck"] is not None for r in rows),
            "flagged": sum(r["recheck"] is not None and r["recheck"]["status"] == RecheckStatus.FLAGGED for r in rows),
            "recommended": sum(r["recommended"] for r in rows),
            "model": sum(r["model"] for r in rows),
            "demonstration_eligible": sum(r["demonstration_eligible"] for r in rows),
        },
        "submitted": None if latest is None else {
            "at": latest.submitted_at,
            "by": latest.submitted_by.get_username() if latest.submitted_by else "",
        },
    }


def _yes(value: bool) -> str:
    return "是" if value else ""


def _recheck_text(row: dict) -> str:
    recheck = row["recheck"]
    if recheck is None:
        return "本年新验收" if row["first_year"] else "未复查"
    text = recheck["status_label"]
    if recheck["status"] == RecheckStatus.FLAGGED and recheck["failed"]:
        text += "（" + "、".join(f.upper() for f in recheck["failed"]) + "）"
    return text


# -- xlsx ------------------------------------------------------------------------------------------------


def _workbook_styles():
    from openpyxl.styles import Alignment, Border, PatternFill, Side

    thin = Side(style="thin", color="000000")
    return {
        "title": cjk_font(16, bold=True, heading=True),
        "sub": cjk_font(10),
        "head": cjk_font(10, bold=True, heading=True),
        "body": cjk_font(10),
        "fill": PatternFill("solid", fgColor="DDDDDD"),
        "border": Border(left=thin, right=thin, top=thin, bottom=thin),
        "center": Alignment(horizontal="center", vertical="center", wrap_text=True),
        "wrap": Alignment(vertical="center", wrap_text=True),
    }


def _print_sheet(ws, *, title: str, subtitle: str, headers: list[tuple[str, float]], rows: list[list],
                 date_columns=(), money_columns=(), text_columns=()) -> int:
    """Write a titled, bordered table set up for printing on A4 landscape; returns the last row."""
    from openpyxl.utils import get_column_letter

    st = _workbook_styles()
    width = len(headers)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(1, 1, sheet_value(title)).font = st["title"]
    ws.cell(1, 1).alignment = st["center"]
    total = sum(col_width for _, col_width in headers)
    ws.row_dimensions[1].height = row_height(text_lines(title, total, 16), 16) + 6
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.cell(2, 1, sheet_value(subtitle)).font = st["sub"]
    ws.cell(2, 1).alignment = st["wrap"]
    ws.row_dimensions[2].height = row_height(text_lines(subtitle, total), 10) + 4
    head_row = 4
    for col, (label, col_width) in enumerate(headers, start=1):
        cell = ws.cell(head_row, col, label)
        cell.font, cell.fill, cell.border, cell.alignment = st["head"], st["fill"], st["border"], st["center"]
        ws.column_dimensions[get_column_letter(col)].width = col_width
    ws.row_dimensions[head_row].height = row_height(max((text_lines(label, w) for label, w in headers), default=1))
    for r, values in enumerate(rows, start=head_row + 1):
        ws.row_dimensions[r].height = row_height(max(
            (text_lines(v, headers[i][1]) for i, v in enumerate(values) if isinstance(v, str)), default=1))
        for col, value in enumerate(values, start=1):
            cell = ws.cell(r, col, sheet_value(value))  # names and notes are text, never formulas
            cell.font, cell.border, cell.alignment = st["body"], st["border"], st["wrap"]
            if col in date_columns and value:
                cell.number_format = "yyyy-mm-dd"
            if col in money_columns:
                cell.number_format = "#,##0.00"
            if col in text_columns:
                cell.number_format = "@"
    print_setup(ws, header_row=head_row)
    return head_row + len(rows)


def _save(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


FILING_HEADERS = [("序号", 6), ("社区代码", 15), ("社区名称", 18), ("街道", 14), ("开发区", 12), ("验收日期", 12),
                  ("评估快照", 10), ("本年复查", 16), ("整改期限", 12), ("区县推荐", 9), ("市级示范", 9),
                  ("全国示范资格", 11), ("推荐理由", 30)]


def filing_xlsx(*, user, district_code: str, year: int, filing: dict | None = None) -> bytes:
    """The filing as an xlsx workbook: 备案表 (every certified community) and 推荐名单 (recommendations)."""
    from openpyxl import Workbook

    data = filing or filing_build(user=user, district_code=district_code, year=year)
    district, year, totals = data["district"], data["year"], data["totals"]
    wb = Workbook()
    ws = wb.active
    ws.title = "备案表"
    rows = [
        [r["index"], r["code"], r["name"], r["street_name"] or r["street_code"], r["zone_name"], r["certified_on"],
         f"#{r['snapshot']}（{r['snapshot_as_of']:%Y-%m-%d}）", _recheck_text(r),
         (r["recheck"] or {}).get("due_on") if (r["recheck"] or {}).get("status") == RecheckStatus.FLAGGED else None,
         _yes(r["recommended"]), _yes(r["model"]), _yes(r["demonstration_eligible"]),
         "；".join(x for x in (r["recommendation_reason"], r["model_reason"]) if x)]
        for r in data["communities"]
    ]
    share = f"{totals['share']:.1%}" if totals["share"] is not None else "-"
    subtitle = (f"区县：{district['name']}（{district['code']}）　年度：{year}　已验收社区 {totals['certified']} 个 / "
                f"共 {totals['communities']} 个（{share}），其中本年新验收 {totals['first_certified']} 个；区县推荐 "
                f"{totals['recommended']} 个，市级示范 {totals['model']} 个；生成时间 {data['generated_at']:%Y-%m-%d %H:%M}")
    last = _print_sheet(ws, title=f"{district['name']}{year}年度充分就业社区备案表", subtitle=subtitle,
                        headers=FILING_HEADERS, rows=rows, date_columns=(6, 9), text_columns=(2,))
    ws.cell(last + 2, 1, "填报单位（盖章）：").font = _workbook_styles()["body"]
    ws.cell(last + 2, 6, "负责人：").font = _workbook_styles()["body"]
    ws.cell(last + 2, 10, "填报日期：").font = _workbook_styles()["body"]

    rec = wb.create_sheet("推荐名单")
    rec_rows = [
        [i, r["code"], r["name"], r["street_name"] or r["street_code"], r["certified_on"],
         "市级示范社区" if r["model"] else "区县推荐", r["recommendation_reason"], r["model_reason"],
         _yes(r["demonstration_eligible"])]
        for i, r in enumerate(data["recommended"], start=1)
    ]
    _print_sheet(rec, title=f"{district['name']}{year}年度优秀充分就业社区推荐名单",
                 subtitle=f"区县推荐 {totals['recommended']} 个，市级评为示范社区 {totals['model']} 个",
                 headers=[("序号", 6), ("社区代码", 15), ("社区名称", 18), ("街道", 14), ("验收日期", 12),
                          ("级别", 14), ("区县推荐理由", 36), ("市级评选意见", 30), ("全国示范资格", 11)],
                 rows=rec_rows, date_columns=(5,), text_columns=(2,))
    return _save(wb)


LEDGER_HEADERS = [("序号", 6), ("街道", 14), ("社区代码", 15), ("社区名称", 18), ("补贴类型", 14), ("拨付对象代码", 15),
                  ("拨付对象", 16), ("金额（元）", 13), ("核定日期", 12), ("核定人", 10), ("备注", 24)]


def subsidy_ledger_xlsx(*, user, district_code: str, year: int) -> bytes:
    """The district's subsidy ledger of ``year`` as a printable xlsx, with totals per kind and overall."""
    from openpyxl import Workbook

    rows = subsidy_ledger(user=user, district_code=district_code, year=year)
    totals = subsidy_totals(rows)
    district = Division.objects.filter(code=district_code).first()
    name = district.name if district else district_code
    wb = Workbook()
    ws = wb.active
    ws.title = "补贴台账"
    table = [
        [i, r["street_name"] or r["street_code"], r["community_code"], r["community_name"], r["kind_label"],
         r["recipient_code"], r["recipient_name"], r["amount"], r["granted_on"], r["granted_by"], r["note"]]
        for i, r in enumerate(rows, start=1)
    ]
    last = _print_sheet(ws, title=f"{name}{year}年度充分就业社区补贴台账",
                        subtitle=f"区县：{name}（{district_code}）　年度：{year}　共 {totals['count']} 笔，合计 "
                                 f"{totals['total']:,.2f} 元",
                        headers=LEDGER_HEADERS, rows=table, date_columns=(9,), money_columns=(8,), text_columns=(3, 6))
    st = _workbook_styles()
    lines = [(f"小计：{KIND_LABELS[kind]}", totals["by_kind"][kind]) for kind in SubsidyKind.values]
    lines.append(("合计", totals["total"]))
    for offset, (label, amount) in enumerate(lines, start=1):
        row = last + offset
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=7)
        ws.cell(row, 1, label).font = st["head"]
        ws.cell(row, 1).alignment = st["wrap"]
        cell = ws.cell(row, 8, amount)
        cell.font, cell.number_format = st["head"], "#,##0.00"
        for col in range(1, 12):
            ws.cell(row, col).border = st["border"]
    return _save(wb)


# -- PDF ---------------------------------------------------------------------------------------------------

PDF_FONTS = '"Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif'
PDF_CSS = """
@page { size: A4 landscape; margin: 14mm 12mm 16mm 12mm;
        @bottom-center { content: "第 " counter(page) " 页，共 " counter(pages) " 页"; font-size: 8pt;
                         font-family: FONTS; } }
body { font-family: FONTS; font-size: 9pt; }
h1 { text-align: center; font-size: 16pt; margin: 0 0 4mm; }
h2 { font-size: 11pt; margin: 6mm 0 2mm; }
p.meta { margin: 0 0 3mm; }
table { width: 100%; border-collapse: collapse; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; }
th, td { border: 0.6pt solid #000; padding: 1.2mm 1.5mm; vertical-align: middle; }
th { background: #ddd; font-weight: bold; text-align: center; }
td.c { text-align: center; }
.sign { margin-top: 10mm; display: flex; justify-content: space-between; }
""".replace("FONTS", PDF_FONTS)

PDF_TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ title }}</title><style>{{ css|safe }}</style></head><body>
<h1>{{ title }}</h1>
<p class="meta">区县：{{ f.district.name }}（{{ f.district.code }}）　年度：{{ f.year }}　已验收社区 {{ f.totals.certified }} 个 /
共 {{ f.totals.communities }} 个{% if share %}（{{ share }}）{% endif %}，本年新验收 {{ f.totals.first_certified }} 个，
本年复查不合格 {{ f.totals.flagged }} 个；区县推荐 {{ f.totals.recommended }} 个，市级示范 {{ f.totals.model }} 个，
具备全国示范资格 {{ f.totals.demonstration_eligible }} 个。生成时间 {{ f.generated_at|date:"Y-m-d H:i" }}</p>
<table>
<thead><tr><th>序号</th><th>社区代码</th><th>社区名称</th><th>街道</th><th>开发区</th><th>验收日期</th><th>评估快照</th>
<th>本年复查</th><th>整改期限</th><th>区县推荐</th><th>市级示范</th><th>全国示范资格</th></tr></thead>
<tbody>
{% for r in rows %}<tr><td class="c">{{ r.index }}</td><td>{{ r.code }}</td><td>{{ r.name }}</td>
<td>{{ r.street_name|default:r.street_code }}</td><td>{{ r.zone_name }}</td><td class="c">{{ r.certified_on|date:"Y-m-d" }}</td>
<td class="c">#{{ r.snapshot }}（{{ r.snapshot_as_of|date:"Y-m-d" }}）</td><td>{{ r.recheck_text }}</td>
<td class="c">{{ r.due_on|date:"Y-m-d" }}</td><td class="c">{{ r.recommended_text }}</td>
<td class="c">{{ r.model_text }}</td><td class="c">{{ r.eligible_text }}</td></tr>
{% empty %}<tr><td colspan="12" class="c">本年度无已验收社区</td></tr>{% endfor %}
</tbody></table>
{% if f.recommended %}<h2>优秀社区推荐名单</h2>
<table><thead><tr><th>序号</th><th>社区代码</th><th>社区名称</th><th>级别</th><th>推荐理由</th><th>市级评选意见</th></tr></thead>
<tbody>{% for r in f.recommended %}<tr><td class="c">{{ forloop.counter }}</td><td>{{ r.code }}</td><td>{{ r.name }}</td>
<td>{% if r.model %}市级示范社区{% else %}区县推荐{% endif %}</td><td>{{ r.recommendation_reason }}</td>
<td>{{ r.model_reason }}</td></tr>{% endfor %}</tbody></table>{% endif %}
<div class="sign"><span>填报单位（盖章）：</span><span>负责人：</span><span>填报日期：</span></div>
</body></html>"""


def filing_html(data: dict) -> str:
    """The filing as a standalone printable HTML page (what the PDF renders)."""
    rows = []
    for r in data["communities"]:
        recheck = r["recheck"] or {}
        rows.append({**r, "recheck_text": _recheck_text(r),
                     "due_on": recheck.get("due_on") if recheck.get("status") == RecheckStatus.FLAGGED else None,
                     "recommended_text": _yes(r["recommended"]), "model_text": _yes(r["model"]),
                     "eligible_text": _yes(r["demonstration_eligible"])})
    share = data["totals"]["share"]
    engine = Engine(autoescape=True)
    return engine.from_string(PDF_TEMPLATE).render(Context({
        "title": f"{data['district']['name']}{data['year']}年度充分就业社区备案表",
        "css": PDF_CSS, "f": data, "rows": rows, "share": f"{share:.1%}" if share is not None else "",
    }))


def filing_pdf(*, user, district_code: str, year: int, filing: dict | None = None) -> bytes:
    """The filing as a PDF report (A4 landscape). Raises ``PdfUnavailable`` without WeasyPrint/pango/fonts."""
    data = filing or filing_build(user=user, district_code=district_code, year=year)
    return html_to_pdf(filing_html(data))
