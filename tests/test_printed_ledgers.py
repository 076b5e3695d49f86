"""The ten printed ledgers (十类台账): rows of the worked example, scope, masking, workbooks."""

import datetime as dt
import io

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from jiuye.accounts.models import User
from jiuye.accounts.services import user_add
from jiuye.audit.models import AuditEvent
from jiuye.casework.models import PolicyBenefit, Training
from jiuye.ledgers.printed import LEDGERS, LedgerError, can_reveal_ids, ledger_rows, ledger_workbook
from jiuye.registry.models import Person, ServiceRecord

pytestmark = pytest.mark.django_db

D = dt.date(2026, 6, 30)
JIA, YI, BING = "500103001001", "500103001002", "500105002003"
PASSWORD = "Gongzuo-2026!x"
SLUGS = [ledger.slug for ledger in LEDGERS]


@pytest.fixture
def example(jiuye, example_dir):
    assert jiuye("import", str(example_dir)).code == 0


@pytest.fixture
def worker_jia(example):
    return user_add(username="jia", role="community", scope_code=JIA, password=PASSWORD)


@pytest.fixture
def worker_yi(example):
    return user_add(username="yi", role="community", scope_code=YI, password=PASSWORD)


@pytest.fixture
def revealer(example):
    user = user_add(username="yi-reveal", role="community", scope_code=YI, password=PASSWORD)
    permission, _ = Permission.objects.get_or_create(
        codename="view_full_id",
        content_type=ContentType.objects.get_for_model(Person),
        defaults={"name": "may reveal full ID and phone numbers"},
    )
    user.user_permissions.add(permission)
    return User.objects.get(pk=user.pk)  # a fresh object: no cached permissions


def rows_of(user, slug, code, filters=None, **kwargs):
    columns, rows = ledger_rows(user=user, slug=slug, division_code=code, as_of=D, filters=filters, **kwargs)
    return [dict(zip([c.key for c in columns], row, strict=True)) for row in rows]


def names(user, slug, code, filters=None):
    return [r["name"] for r in rows_of(user, slug, code, filters)]


def sheet_of(content: bytes):
    return load_workbook(io.BytesIO(content)).active


def all_values(sheet) -> list:
    return [cell.value for row in sheet.iter_rows() for cell in row if cell.value is not None]


# -- the workbooks ---------------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_each_ledger_prints_as_a_formatted_workbook(worker_yi, slug):
    ledger = next(lg for lg in LEDGERS if lg.slug == slug)
    content = ledger_workbook(user=worker_yi, slug=slug, division_code=YI, as_of=D)
    sheet = sheet_of(content)
    assert sheet["A1"].value == ledger.zh
    assert any(str(r).startswith("A1:") for r in sheet.merged_cells.ranges)
    subtitle = sheet["A2"].value
    assert "示例乙社区" in subtitle and YI in subtitle and "2026-06-30" in subtitle and "打印日期" in subtitle
    assert [c.value for c in sheet[3]] == ledger.headers_zh
    assert all(c.font.b for c in sheet[3])
    assert sheet.freeze_panes == "A4"
    assert sheet.print_title_rows == "$3:$3"
    assert sheet.page_setup.orientation == "landscape"
    assert str(sheet.page_setup.paperSize) == "9"  # A4
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.oddFooter.center.text == "第 &P 页 / 共 &N 页"
    assert sheet["A4"].border.left.style == "thin"
    for value in all_values(sheet):  # masked by default: no full ID number of the example
        assert "500103198802100118" not in str(value) and "500103197606060118" not in str(value)
    event = AuditEvent.objects.get(action="ledger.print", target=slug)
    assert event.division_code == YI and event.user == worker_yi
    _, rows = ledger_rows(user=worker_yi, slug=slug, division_code=YI, as_of=D)
    assert event.detail == {"rows": len(rows), "revealed": False, "as_of": "2026-06-30"}


def test_workbook_rows_masked_by_default_and_full_only_for_a_permitted_user(worker_yi, revealer):
    Person.objects.filter(name="孙伟").update(phone="13812345678")
    masked = sheet_of(ledger_workbook(user=worker_yi, slug="unemployed", division_code=YI, as_of=D, reveal_ids=True))
    headers = [c.value for c in masked[3]]
    id_col, phone_col = headers.index("身份证号") + 1, headers.index("联系电话") + 1
    first = {masked.cell(row=4, column=i + 1).value for i in range(len(headers))}
    assert "孙伟" in first
    assert masked.cell(row=4, column=id_col).value == "500103********0118"
    assert masked.cell(row=4, column=id_col).data_type == "s"
    assert masked.cell(row=4, column=phone_col).value == "138****5678"
    assert not can_reveal_ids(worker_yi) and can_reveal_ids(revealer)
    event = AuditEvent.objects.filter(action="ledger.print").latest("id")
    assert event.detail["revealed"] is False  # asked, but not allowed

    full = sheet_of(ledger_workbook(user=revealer, slug="unemployed", division_code=YI, as_of=D, reveal_ids=True))
    assert full.cell(row=4, column=id_col).value == "500103198802100118"
    assert full.cell(row=4, column=phone_col).value == "13812345678"
    event = AuditEvent.objects.filter(action="ledger.print").latest("id")
    assert event.detail == {"rows": 3, "revealed": True, "as_of": "2026-06-30"}
    assert "500103198802100118" not in str(event.detail)

    # The permitted user still gets masked numbers unless asking.
    default = sheet_of(ledger_workbook(user=revealer, slug="unemployed", division_code=YI, as_of=D))
    assert default.cell(row=4, column=id_col).value == "500103********0118"


def test_superuser_may_reveal(example):
    admin = User.objects.create_superuser("root", password=PASSWORD)
    rows = rows_of(admin, "migrant-workers", JIA, reveal_ids=True)
    assert [r["id_number"] for r in rows] == ["500103199001010117"]


def test_formula_like_text_is_written_as_text(worker_yi):
    Person.objects.filter(name="孙伟").update(name='=HYPERLINK("http://x","孙伟")', skills="+86 焊工")
    Person.objects.filter(name="吴刚").update(name="@吴刚")
    sheet = sheet_of(ledger_workbook(user=worker_yi, slug="labour-force", division_code=YI, as_of=D))
    values = all_values(sheet)
    assert '\'=HYPERLINK("http://x","孙伟")' in values
    assert "'+86 焊工" in values and "'@吴刚" in values
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_empty_ledger_and_the_jobs_placeholder_note(worker_yi, worker_jia):
    sheet = sheet_of(ledger_workbook(user=worker_yi, slug="job-development", division_code=YI, as_of=D))
    values = all_values(sheet)
    assert any("无记录" in str(v) for v in values)
    assert any("岗位模块" in str(v) and "jobs module" in str(v) for v in values)
    rows = rows_of(worker_jia, "job-development", JIA)
    assert [(r["kind"], r["name"], r["date"]) for r in rows] == [("公益性岗位在岗", "王芳", dt.date(2015, 1, 1))]


# -- the rows of the worked example ----------------------------------------------------------


def test_labour_force(worker_jia, example):
    rows = rows_of(worker_jia, "labour-force", JIA)
    assert sorted(r["name"] for r in rows) == sorted(["张建国", "李秀英", "张小龙", "王芳", "刘婷", "刘洋", "刘志强", "陈勇", "赵磊"])
    assert [r["no"] for r in rows] == list(range(1, 10))
    by_name = {r["name"]: r for r in rows}
    assert by_name["张建国"]["status"] == "就业" and by_name["张建国"]["employer"] == "重庆某公司"
    assert by_name["张建国"]["employment_form"] == "单位就业" and by_name["张建国"]["relation"] == "户主"
    assert by_name["王芳"]["employment_form"] == "公益性岗位"
    assert by_name["刘婷"]["status"] == "无就业意愿" and by_name["刘婷"]["education"] == "大学本科"
    assert by_name["陈勇"]["categories"] == "农民工" and by_name["陈勇"]["hukou"] == "农村"
    assert by_name["张小龙"]["age"] == 16
    assert by_name["张建国"]["id_number"] == "500103********0119"


def test_labour_force_leaves_out_movers_and_retired(example):
    city = user_add(username="city", role="city", scope_code="500000", password=PASSWORD)
    got = names(city, "labour-force", BING)
    assert "林涛" not in got and "马国强" not in got  # moved out on 06-29; past working age
    assert sorted(got) == sorted(["朱红", "胡敏", "林强", "林娟"])
    by_name = {r["name"]: r for r in rows_of(city, "labour-force", YI)}
    assert by_name["何明"]["status"] == "未知"  # no status row


def test_unemployed(worker_yi):
    rows = rows_of(worker_yi, "unemployed", YI)
    assert sorted(r["name"] for r in rows) == sorted(["孙伟", "吴刚", "何静"])
    by_name = {r["name"]: r for r in rows}
    wu = by_name["吴刚"]
    assert wu["spell_start"] == dt.date(2025, 6, 30) and wu["months"] == 12 and wu["long_term"] == "是"
    assert wu["reason"] == "下岗" and wu["registered_on"] == dt.date(2025, 6, 30) and wu["registration"] == "已登记"
    assert wu["last_service"] == dt.date(2026, 4, 2)
    sun = by_name["孙伟"]
    assert sun["spell_start"] == dt.date(2026, 5, 1) and sun["long_term"] == "否"
    assert sun["reason"] == "单位解除合同" and sun["registered_on"] == dt.date(2026, 5, 6)
    assert by_name["何静"]["registered_on"] == dt.date(2026, 6, 26) and by_name["何静"]["last_service"] is None


def test_hardship_groups(worker_yi):
    rows = rows_of(worker_yi, "hardship", YI)
    by_name = {r["name"]: r for r in rows}
    assert by_name["孙伟"]["household"] == "B1" and "零就业家庭" in by_name["孙伟"]["group"]
    assert by_name["孙伟"]["zero_since"] == dt.date(2026, 5, 1)
    for name in ("郑军", "冯桂英"):
        assert by_name[name]["household"] == "B3" and "低保" in by_name[name]["group"]
        assert by_name[name]["dibao_since"] == dt.date(2025, 1, 1)
    assert "4050人员" in by_name["吴刚"]["group"]  # 50 on 2026-06-06
    assert "长期失业" in by_name["吴刚"]["group"]
    assert "零就业家庭" not in by_name["吴刚"]["group"]  # 周丽 is employed beside him
    assert "何静" not in by_name  # 农村 household, 30 years old
    only_dibao = names(worker_yi, "hardship", YI, {"category": "低保"})
    assert sorted(only_dibao) == sorted(["郑军", "冯桂英"])
    assert names(worker_yi, "hardship", YI, {"category": "零就业家庭"}) == ["孙伟"]


def test_hardship_groups_of_jia_show_the_dibao_household(worker_jia):
    rows = rows_of(worker_jia, "hardship", JIA)
    dibao = sorted(r["name"] for r in rows if "低保" in r["group"])
    assert dibao == sorted(["王芳", "王德福", "刘婷", "刘洋", "刘志强"])
    assert not any("零就业家庭" in r["group"] for r in rows)  # 赵磊's episode ended in 2025


def test_graduates_and_veterans(worker_yi):
    assert rows_of(worker_yi, "graduates", YI) == []
    assert rows_of(worker_yi, "veterans", YI) == []
    Person.objects.filter(name="何静").update(categories="高校毕业生")
    Person.objects.filter(name="周丽").update(categories="高校毕业生")  # not registered
    Person.objects.filter(name="吴刚").update(categories="复转军人;下岗职工")
    rows = rows_of(worker_yi, "graduates", YI)
    assert [(r["name"], r["registered_on"], r["status"], r["spell_start"]) for r in rows] == [
        ("何静", dt.date(2026, 6, 26), "失业", dt.date(2026, 6, 15))
    ]
    assert names(worker_yi, "graduates", YI, {"date_from": "2026-07-01"}) == []
    rows = rows_of(worker_yi, "veterans", YI)
    assert [(r["name"], r["status"], r["registered_on"], r["categories"]) for r in rows] == [
        ("吴刚", "失业", dt.date(2025, 6, 30), "复转军人、下岗职工")
    ]


def test_migrant_workers(worker_jia, worker_yi):
    rows = rows_of(worker_jia, "migrant-workers", JIA)
    assert [(r["name"], r["services"], r["last_service"], r["service_types"]) for r in rows] == [
        ("陈勇", 1, dt.date(2025, 7, 1), "上门走访")
    ]
    # 陈勇's visit was on the first day of P; a period starting later leaves him unserved.
    rows = rows_of(worker_jia, "migrant-workers", JIA, {"date_from": "2025-07-02"})
    assert [(r["name"], r["services"]) for r in rows] == [("陈勇", 0)]
    assert names(worker_yi, "migrant-workers", YI) == ["何平"]


def test_services(worker_yi):
    rows = rows_of(worker_yi, "services", YI)
    assert [(r["date"], r["name"], r["kind"]) for r in rows] == [
        (dt.date(2025, 7, 2), "吴刚", "职业指导"),
        (dt.date(2026, 4, 2), "吴刚", "培训推荐"),
        (dt.date(2026, 5, 6), "孙伟", "政策宣传"),
        (dt.date(2026, 5, 9), "孙伟", "职业指导"),
        (dt.date(2026, 5, 20), "孙伟", "职业介绍"),
        (dt.date(2026, 6, 30), "何平", "上门走访"),
    ]
    assert names(worker_yi, "services", YI, {"category": "职业介绍"}) == ["孙伟"]
    assert len(rows_of(worker_yi, "services", YI, {"date_from": "2026-05-01", "date_to": "2026-05-31"})) == 3
    # An earlier as-of date moves the period back: 吴刚's 2025-07-02 guidance and nothing after D.
    columns, rows = ledger_rows(user=worker_yi, slug="services", division_code=YI, as_of=dt.date(2025, 12, 31))
    assert len(rows) == 1


def test_training(worker_yi):
    wu = Person.objects.get(name="吴刚")
    service = ServiceRecord.objects.get(person=wu, service_type="培训推荐")
    Training.objects.create(person=wu, course="电工", provider="渝中职校", start=dt.date(2026, 4, 10),
                            result="结业", service=service)
    Training.objects.create(person=wu, course="焊工", start=dt.date(2026, 7, 10))  # after D
    rows = rows_of(worker_yi, "training", YI)
    # The 培训推荐 service is recorded by the training row: listed once.
    assert [(r["name"], r["kind"], r["course"], r["result"]) for r in rows] == [("吴刚", "培训项目", "电工", "结业")]
    assert rows_of(worker_yi, "training", YI, {"category": "培训推荐"}) == []
    assert rows_of(worker_yi, "training", YI, {"status": "合格"}) == []
    Training.objects.all().delete()
    sun = Person.objects.get(name="孙伟")
    ServiceRecord.objects.create(person=sun, date=dt.date(2026, 6, 1), service_type="技能培训", row_hash="t1")
    assert [(r["date"], r["name"], r["kind"]) for r in rows_of(worker_yi, "training", YI)] == [
        (dt.date(2026, 4, 2), "吴刚", "培训推荐"),
        (dt.date(2026, 6, 1), "孙伟", "技能培训"),
    ]
    assert rows_of(worker_yi, "training", YI, {"category": "培训项目"}) == []


def test_policies(worker_jia):
    zhao = Person.objects.get(name="赵磊")
    PolicyBenefit.objects.create(person=zhao, kind="社会保险补贴", amount="1200.00", start=dt.date(2026, 1, 1))
    PolicyBenefit.objects.create(person=zhao, kind="岗位补贴", start=dt.date(2020, 1, 1), end=dt.date(2020, 12, 31))
    rows = rows_of(worker_jia, "policies", JIA)
    assert [(r["date"], r["name"], r["kind"]) for r in rows] == [
        (dt.date(2025, 10, 11), "赵磊", "政策宣传"),
        (dt.date(2025, 12, 1), "李秀英", "政策咨询"),
        (dt.date(2026, 1, 1), "赵磊", "社会保险补贴"),
    ]
    assert str(rows[2]["amount"]) == "1200.00"
    assert names(worker_jia, "policies", JIA, {"category": "社会保险补贴"}) == ["赵磊"]
    sheet = sheet_of(ledger_workbook(user=worker_jia, slug="policies", division_code=JIA, as_of=D))
    headers = [c.value for c in sheet[3]]
    assert sheet.cell(row=6, column=headers.index("金额（元）") + 1).value == 1200


# -- scope and filters -----------------------------------------------------------------------


def test_a_worker_cannot_print_another_community(worker_yi):
    for slug in SLUGS:
        with pytest.raises(PermissionDenied):
            ledger_rows(user=worker_yi, slug=slug, division_code=JIA, as_of=D)
    with pytest.raises(PermissionDenied):
        ledger_workbook(user=worker_yi, slug="labour-force", division_code=JIA, as_of=D)
    with pytest.raises(PermissionDenied):  # the street above is wider than the scope
        ledger_rows(user=worker_yi, slug="labour-force", division_code="500103001", as_of=D)
    assert not AuditEvent.objects.filter(action="ledger.print").exists()


def test_a_street_sees_its_communities_with_a_community_column(example):
    street = user_add(username="street", role="street", scope_code="500103001", password=PASSWORD)
    columns, rows = ledger_rows(user=street, slug="unemployed", division_code="500103001", as_of=D)
    assert [c.zh for c in columns][:2] == ["序号", "社区"]
    assert {row[1] for row in rows} == {"示例乙社区"}
    rows = rows_of(street, "migrant-workers", "500103001")
    assert [(r["community"], r["name"]) for r in rows] == [("示例甲社区", "陈勇"), ("示例乙社区", "何平")]
    with pytest.raises(PermissionDenied):
        ledger_rows(user=street, slug="unemployed", division_code=BING, as_of=D)
    sheet = sheet_of(ledger_workbook(user=street, slug="migrant-workers", division_code="500103001", as_of=D))
    assert "街道" in sheet["A2"].value and "500103001" in sheet["A2"].value


def test_filters(worker_yi, worker_jia):
    assert names(worker_yi, "unemployed", YI, {"q": "孙"}) == ["孙伟"]
    assert names(worker_yi, "unemployed", YI, {"status": "未登记"}) == []
    assert sorted(names(worker_yi, "unemployed", YI, {"date_from": dt.date(2026, 5, 1)})) == ["何静", "孙伟"]
    assert names(worker_yi, "unemployed", YI, {"date_to": "2025-12-31"}) == ["吴刚"]
    assert names(worker_jia, "labour-force", JIA, {"status": "无就业意愿"}) == ["刘婷"]
    assert names(worker_jia, "labour-force", JIA, {"category": "农民工"}) == ["陈勇"]
    assert sorted(names(worker_jia, "labour-force", JIA, {"q": "刘", "status": "就业"})) == sorted(["刘志强", "刘洋"])
    # Blank values are no filter (a page's empty form); a filter a ledger lacks is ignored.
    assert len(names(worker_jia, "labour-force", JIA, {"q": "", "status": "", "date_from": "2026-01-01"})) == 9
    with pytest.raises(LedgerError):
        rows_of(worker_jia, "labour-force", JIA, {"status": "在职"})
    with pytest.raises(LedgerError):
        rows_of(worker_jia, "labour-force", JIA, {"colour": "red"})
    with pytest.raises(LedgerError):
        rows_of(worker_yi, "services", YI, {"date_from": "30/06/2026"})
    with pytest.raises(LedgerError):
        rows_of(worker_yi, "no-such-ledger", YI)
    sheet = sheet_of(ledger_workbook(user=worker_yi, slug="unemployed", division_code=YI, as_of=D, filters={"q": "孙"}))
    assert "筛选" in sheet["A2"].value and "孙" in sheet["A2"].value
    assert sheet["B4"].value == "孙伟" and sheet["B5"].value != "吴刚"


def test_ages_in_the_ledgers_are_whole_years_as_relativedelta_counts_them():
    from dateutil.relativedelta import relativedelta

    from jiuye.ledgers.printed.definitions import _age

    births = [dt.date(1956, 1, 1) + dt.timedelta(days=d) for d in range(0, 26000, 3)]
    births += [dt.date(2000, 2, 29), dt.date(1964, 2, 29), dt.date(1999, 3, 1), dt.date(2000, 12, 31)]
    for on in (dt.date(2027, 2, 28), dt.date(2028, 2, 28), dt.date(2028, 2, 29), dt.date(2026, 3, 1),
               dt.date(2026, 6, 30), dt.date(2026, 12, 31)):
        for birth in births:
            if birth <= on:
                assert _age(on, birth) == relativedelta(on, birth).years, (on, birth)
