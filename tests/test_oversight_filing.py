"""The December filing (备案), recommendations, demonstration eligibility and subsidies."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from jiuye.audit.models import AuditEvent
from jiuye.oversight import filing as fl
from jiuye.oversight import selectors as sel
from jiuye.oversight import services as sv
from jiuye.oversight.models import Filing, OversightError, Recheck, RecheckStatus, Subsidy
from jiuye.standards.models import PolicyParameter
from tests.test_oversight_workflow import (  # noqa: F401 - example, media, users: fixtures
    A,
    certify,
    example,
    keep_passing,
    media,
    on,
    users,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def certified(users):  # noqa: F811
    return certify(users)


def rows_of(ws, first=5):
    return [[c.value for c in row] for row in ws.iter_rows(min_row=first) if row[0].value is not None]


# -- recommendations and the filing -------------------------------------------------------------------


def test_filing_lists_certified_communities_with_recommendations(users, certified):  # noqa: F811
    u = users
    with on(dt.date(2026, 12, 1)):
        with pytest.raises(OversightError, match="first be recommended by its district"):
            sv.recommendation_add(user=u["city"], certification=certified, year=2026, level="city")
        with pytest.raises(PermissionDenied):
            sv.recommendation_add(user=u["city"], certification=certified, year=2026, level="district")
        with pytest.raises(PermissionDenied):
            sv.recommendation_add(user=u["district"], certification=certified, year=2026, level="city")
        with pytest.raises(PermissionDenied):
            sv.recommendation_add(user=u["district_other"], certification=certified, year=2026, level="district")
        with pytest.raises(OversightError, match="not certified in 2025"):
            sv.recommendation_add(user=u["district"], certification=certified, year=2025, level="district")
        sv.recommendation_add(user=u["district"], certification=certified, year=2026, level="district",
                              reason="就业服务扎实")
        with pytest.raises(OversightError, match="already recommended"):
            sv.recommendation_add(user=u["district"], certification=certified, year=2026, level="district")
        sv.recommendation_add(user=u["city"], certification=certified, year=2026, level="city", reason="全市示范")
        district_rec = sel.recommendations_for_user(u["district"], year=2026, level="district").get()
        with pytest.raises(OversightError, match="city has picked"):
            sv.recommendation_withdraw(user=u["district"], recommendation=district_rec)

        filing = fl.filing_build(user=u["district"], district_code="500103", year=2026)
    assert filing["district"] == {"code": "500103", "name": "渝中区", "group": "A"}
    [row] = filing["communities"]
    assert row["code"] == A and row["name"] == "示例甲社区" and row["street_name"] == "解放碑街道"
    assert row["certified_on"] == dt.date(2026, 7, 10) and row["first_year"] is True
    assert row["recommended"] and row["recommendation_reason"] == "就业服务扎实"
    assert row["model"] and row["model_reason"] == "全市示范"
    assert row["recheck"] is None and row["demonstration_eligible"] is False
    assert filing["totals"] == {"communities": 2, "certified": 1, "share": 0.5, "first_certified": 1, "rechecked": 0,
                                "flagged": 0, "recommended": 1, "model": 1, "demonstration_eligible": 0}
    assert [r["code"] for r in filing["recommended"]] == [A] == [r["code"] for r in filing["models"]]
    assert fl.filing_build(user=u["district"], district_code="500103", year=2025)["communities"] == []

    # Who sees which filing: the district its own, the city every district's.
    for who in ("worker", "street", "district_other"):
        with pytest.raises(PermissionDenied):
            fl.filing_build(user=u[who], district_code="500103", year=2026)
    assert fl.filing_build(user=u["city"], district_code="500103", year=2026)["totals"]["certified"] == 1
    assert fl.filing_build(user=u["city"], district_code="500105", year=2026)["totals"] == {
        "communities": 1, "certified": 0, "share": 0.0, "first_certified": 0, "rechecked": 0, "flagged": 0,
        "recommended": 0, "model": 0, "demonstration_eligible": 0}
    with pytest.raises(OversightError, match="6 digits"):
        fl.filing_build(user=u["city"], district_code="500103001", year=2026)

    # The district submits in December; the city's overview shows every district.
    with on(dt.date(2026, 12, 20)):
        with pytest.raises(PermissionDenied):
            sv.filing_submit(user=u["city"], district_code="500103", year=2026)
        submitted = sv.filing_submit(user=u["district"], district_code="500103", year=2026)
    assert submitted.content["communities"][0]["code"] == A
    assert submitted.content["communities"][0]["certified_on"] == "2026-07-10"
    with pytest.raises(PermissionError):
        submitted.save()
    overview = {line["code"]: line for line in sel.filing_overview(user=u["city"], year=2026)}
    assert overview["500103"]["certified"] == 1 and overview["500103"]["model"] == 1
    assert overview["500103"]["submitted_by"] == "district" and overview["500105"]["submitted_at"] is None
    assert [line["code"] for line in sel.filing_overview(user=u["district"], year=2026)] == ["500103"]
    with pytest.raises(PermissionDenied):
        sel.filing_overview(user=u["street"], year=2026)
    assert fl.filing_build(user=u["district"], district_code="500103", year=2026)["submitted"]["by"] == "district"
    assert Filing.objects.for_user(u["district_other"]).count() == 0


def test_filing_xlsx_reads_back_and_is_set_up_for_print(users, certified):  # noqa: F811
    with on(dt.date(2026, 12, 1)):
        sv.recommendation_add(user=users["district"], certification=certified, year=2026, level="district",
                              reason="就业服务扎实")
        data = fl.filing_xlsx(user=users["district"], district_code="500103", year=2026)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["备案表", "推荐名单"]
    ws = wb["备案表"]
    assert ws["A1"].value == "渝中区2026年度充分就业社区备案表"
    assert "已验收社区 1 个 / 共 2 个（50.0%）" in ws["A2"].value
    assert [c.value for c in ws[4]][:3] == ["序号", "社区代码", "社区名称"]
    [row] = rows_of(ws)[:1]
    assert row[:4] == [1, A, "示例甲社区", "解放碑街道"]
    assert row[5] == dt.datetime(2026, 7, 10) and row[7] == "本年新验收" and row[9] == "是" and row[10] is None
    assert row[12] == "就业服务扎实"
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$4:$4"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.freeze_panes == "A5"
    rec = rows_of(wb["推荐名单"])
    assert rec[0][:3] == [1, A, "示例甲社区"] and rec[0][5] == "区县推荐"
    with pytest.raises(PermissionDenied):
        fl.filing_xlsx(user=users["street"], district_code="500103", year=2026)


def test_filing_pdf(users, certified):  # noqa: F811
    try:
        fl.pdf_engine()
    except fl.PdfUnavailable as exc:
        pytest.skip(f"PDF not testable here: {exc}")
    with on(dt.date(2026, 12, 1)):
        data = fl.filing_pdf(user=users["district"], district_code="500103", year=2026)
    assert data.startswith(b"%PDF")
    html = fl.filing_html(fl.filing_build(user=users["city"], district_code="500103", year=2026))
    assert "示例甲社区" in html and "Noto Sans CJK SC" in html and "&quot;" not in html.split("</style>")[0]
    with pytest.raises(PermissionDenied):
        fl.filing_pdf(user=users["worker"], district_code="500103", year=2026)


def test_pdf_unavailable_names_the_packages(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_weasyprint(name, *args, **kwargs):
        if name == "weasyprint":
            raise ImportError("No module named 'weasyprint'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_weasyprint)
    with pytest.raises(fl.PdfUnavailable, match="pip install weasyprint.*fonts-noto-cjk"):
        fl.pdf_engine()


def test_demonstration_eligible_after_three_passing_years(users, certified):  # noqa: F811
    district = users["district"]
    for year in (2027, 2028):
        with on(dt.date(year, 6, 30)):
            keep_passing(year)
            summary = sv.recheck_run(user=district, year=year)
        assert [line["code"] for line in summary["passed"]] == [A], summary
    assert [c.community.code for c in sel.demonstration_eligible(user=district, year=2028)] == [A]
    assert sel.demonstration_eligible(user=district, year=2028)[0].passed_years == [2026, 2027, 2028]
    assert sel.demonstration_eligible(user=district, year=2027) == []
    assert sel.demonstration_eligible(user=users["district_other"], year=2028) == []
    assert [c.community.code for c in sel.demonstration_eligible(user=users["city"], year=2028)] == [A]
    with on(dt.date(2028, 12, 1)):
        filing = fl.filing_build(user=district, district_code="500103", year=2028)
    [row] = filing["communities"]
    assert row["demonstration_eligible"] and row["recheck"]["status"] == RecheckStatus.PASSED
    assert row["first_year"] is False and filing["totals"]["demonstration_eligible"] == 1
    # A re-check passed only after rectification does not count.
    Recheck.objects.filter(year=2027).update(status=RecheckStatus.CLEARED)
    assert sel.demonstration_eligible(user=district, year=2028) == []


# -- subsidies ---------------------------------------------------------------------------------------------


def test_subsidies_ranges_once_and_yearly_after_a_passed_recheck(users, certified):  # noqa: F811
    u = users
    district = u["district"]
    with on(dt.date(2026, 8, 1)):
        for amount in (9999, "20000.01", "abc", None, "15000.001"):
            with pytest.raises(OversightError):
                sv.subsidy_grant(user=district, certification=certified, kind="first", amount=amount, year=2026)
        for who in ("worker", "street", "district_other", "city"):
            with pytest.raises(PermissionDenied):
                sv.subsidy_grant(user=u[who], certification=certified, kind="first", amount=15000, year=2026)
        with pytest.raises(OversightError, match="first, street or yearly"):
            sv.subsidy_grant(user=district, certification=certified, kind="bonus", amount=15000, year=2026)
        with pytest.raises(OversightError, match="must lie between"):
            sv.subsidy_grant(user=district, certification=certified, kind="first", amount=15000, year=2025)
        first = sv.subsidy_grant(user=district, certification=certified, kind="first", amount="15000", year=2026)
        assert first.amount == Decimal("15000") and first.recipient_code == A
        with pytest.raises(OversightError, match="once only"):
            sv.subsidy_grant(user=district, certification=certified, kind="first", amount=12000, year=2026)
        with pytest.raises(OversightError, match="between 2,000 and 2,000"):
            sv.subsidy_grant(user=district, certification=certified, kind="street", amount=2500, year=2026)
        street = sv.subsidy_grant(user=district, certification=certified, kind="street", amount=None, year=2026)
        assert street.amount == Decimal("2000") and street.recipient_code == "500103001"
        with pytest.raises(OversightError, match="once only"):
            sv.subsidy_grant(user=district, certification=certified, kind="street", amount=2000, year=2026)
        with pytest.raises(OversightError, match="not re-checked"):
            sv.subsidy_grant(user=district, certification=certified, kind="yearly", amount=5000, year=2026)

    with on(dt.date(2027, 6, 30)):
        keep_passing(2027)
        sv.recheck_run(user=district, year=2027)
        for amount in (2999, 6001):
            with pytest.raises(OversightError, match="between 3,000 and 6,000"):
                sv.subsidy_grant(user=district, certification=certified, kind="yearly", amount=amount, year=2027)
        yearly = sv.subsidy_grant(user=district, certification=certified, kind="yearly", amount=4500, year=2027,
                                  note="2027 年度")
        with pytest.raises(OversightError, match="already been granted"):
            sv.subsidy_grant(user=district, certification=certified, kind="yearly", amount=4500, year=2027)
    assert yearly.amount == Decimal("4500")
    assert AuditEvent.objects.filter(action="subsidy.grant").count() == 3

    ledger = sel.subsidy_ledger(user=district, district_code="500103", year=2026)
    assert [(r["kind"], r["recipient_code"], r["recipient_name"], r["amount"]) for r in ledger] == [
        ("first", A, "示例甲社区", Decimal("15000.00")), ("street", "500103001", "解放碑街道", Decimal("2000.00"))]
    assert ledger[0]["granted_on"] == dt.date(2026, 8, 1) and ledger[0]["granted_by"] == "district"
    totals = sel.subsidy_totals(ledger)
    assert totals["total"] == Decimal("17000.00") and totals["count"] == 2
    assert totals["by_kind"] == {"first": Decimal("15000.00"), "street": Decimal("2000.00"), "yearly": Decimal("0.00")}
    assert totals["by_recipient"] == {A: Decimal("15000.00"), "500103001": Decimal("2000.00")}
    ledger_2027 = sel.subsidy_ledger(user=u["city"], district_code="500103", year=2027)
    assert [(r["kind"], r["amount"], r["note"]) for r in ledger_2027] == [("yearly", Decimal("4500.00"), "2027 年度")]
    assert sel.subsidy_ledger(user=u["street"], district_code="500103", year=2026) == ledger
    assert sel.subsidy_ledger(user=u["worker_b"], district_code="500103", year=2026) == []
    with pytest.raises(PermissionDenied):
        sel.subsidy_ledger(user=u["district_other"], district_code="500103", year=2026)

    wb = load_workbook(io.BytesIO(fl.subsidy_ledger_xlsx(user=district, district_code="500103", year=2026)))
    ws = wb["补贴台账"]
    assert ws["A1"].value == "渝中区2026年度充分就业社区补贴台账"
    table = rows_of(ws)
    assert [r[2] for r in table[:2]] == [A, A] and [r[7] for r in table[:2]] == [15000, 2000]
    assert [(r[0], r[7]) for r in table[2:]] == [
        ("小计：首次验收补贴", 15000), ("小计：街道补贴", 2000), ("小计：年度补贴", 0), ("合计", 17000)]
    assert ws.page_setup.orientation == "landscape"


def test_yearly_subsidy_refused_when_flagged_and_policy_overrides(users, certified):  # noqa: F811
    district = users["district"]
    with on(dt.date(2027, 6, 30)):
        summary = sv.recheck_run(user=district, year=2027)  # no 2027 组织建设 row, no visit: flagged
        assert [line["code"] for line in summary["flagged"]] == [A]
        with pytest.raises(OversightError, match="flagged"):
            sv.subsidy_grant(user=district, certification=certified, kind="yearly", amount=5000, year=2027)
        with pytest.raises(OversightError, match="failed its 2027 re-check"):
            sv.recommendation_add(user=district, certification=certified, year=2027, level="district")
        keep_passing(2027)
        sv.recheck_clear(user=district, recheck=Recheck.objects.get(year=2027))
        with pytest.raises(OversightError, match="cleared"):
            sv.subsidy_grant(user=district, certification=certified, kind="yearly", amount=5000, year=2027)
        # The deployment pays after rectification, and allows larger first subsidies.
        with pytest.raises(PermissionDenied):
            sv.oversight_parameter_set(user=district, key="subsidy_yearly_after_rectification", value=True)
        with pytest.raises(OversightError, match="unknown parameter"):
            sv.oversight_parameter_set(user=users["city"], key="subsidy_bonus", value=1)
        with pytest.raises(OversightError, match="exceeds"):
            sv.oversight_parameter_set(user=users["city"], key="subsidy_first_min", value=30000)
        sv.oversight_parameter_set(user=users["city"], key="subsidy_yearly_after_rectification", value=True)
        PolicyParameter.objects.create(key="subsidy_first_max", value=25000)
        assert sv.subsidy_grant(user=district, certification=certified, kind="yearly", amount=5000, year=2027)
        assert sv.subsidy_grant(user=district, certification=certified, kind="first", amount=22000, year=2026)
    assert Subsidy.objects.count() == 2


def test_no_subsidy_after_revocation(users, certified):  # noqa: F811
    with on(dt.date(2026, 9, 1)):
        sv.certification_revoke(user=users["district"], certification=certified, reason="撤销")
        with pytest.raises(OversightError, match="revoked"):
            sv.subsidy_grant(user=users["district"], certification=certified, kind="first", amount=15000, year=2026)
