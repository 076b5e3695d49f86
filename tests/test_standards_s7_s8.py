"""S7 active unemployed and migrant workers served, S8 organization, at their boundaries."""

import datetime as dt

import pytest

from tests.scenario import Scenario

pytestmark = pytest.mark.django_db

D = dt.date(2026, 6, 30)
ONE = dt.timedelta(days=1)
ITEMS = ["服务站", "专职人员", "人员经费", "工作经费", "固定场所", "办公服务设施"]


@pytest.fixture
def sc(tmp_path):
    return Scenario(tmp_path)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def active(sc, as_of=D) -> tuple:
    r = sc.standards(as_of)["s7"]
    return r["active_numerator"], r["active_denominator"]


def migrants(sc, as_of=D) -> tuple:
    r = sc.standards(as_of)["s7"]
    return r["migrant_numerator"], r["migrant_denominator"]


# -- S7 active preparation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "service_date, kind, counted",
    [
        (D - days(90), "职业介绍", False),  # D − 90 days is outside the window
        (D - days(89), "职业介绍", True),
        (D, "技能培训", True),
        (D + ONE, "职业指导", False),
        (D - days(10), "政策宣传", False),  # not active preparation
        (D - days(10), "上门走访", False),
    ],
)
def test_s7_active_service_window(sc, service_date, kind, counted):
    p = sc.person("1980-01-01", hukou="农村", status=[("失业", "2026-01-01")])
    sc.service(p, service_date, kind)
    assert active(sc) == (int(counted), 1)
    assert sc.standards(D)["s7"]["pass"] is counted


@pytest.mark.parametrize(
    "kind", ["职业指导", "职业介绍", "培训推荐", "技能培训", "创业服务", "公益性岗位安置"]
)
def test_s7_every_active_preparation_type_counts(sc, kind):
    p = sc.person("1980-01-01", hukou="农村", status=[("失业", "2026-01-01")])
    sc.service(p, "2026-06-01", kind)
    assert active(sc) == (1, 1)


@pytest.mark.parametrize("since_days, due", [(30, 1), (29, 0)])
def test_s7_due_when_spell_started_d_minus_30_days(sc, since_days, due):
    sc.person("1980-01-01", hukou="农村", status=[("失业", D - days(since_days))])
    assert active(sc) == (0, due)


def test_s7_spell_joined_from_two_rows_uses_its_first_day(sc):
    sc.person(
        "1980-01-01", hukou="农村", status=[("失业", D - days(30), D - days(20)), ("失业", D - days(19))]
    )
    assert active(sc) == (0, 1)


def test_s7_non_resident_or_past_working_age_or_not_unemployed_not_due(sc):
    sc.person("1980-01-01", hukou="农村", status=[("失业", "2026-01-01")], res_end=D - ONE)
    sc.person("1950-01-01", hukou="农村", status=[("失业", "2026-01-01")])
    sc.person("1981-01-01", hukou="农村", status=[("失业", "2026-01-01", D - ONE)])  # unknown at D
    sc.person("1982-01-01", hukou="农村", status="无就业意愿")
    assert active(sc) == (0, 0)
    assert sc.standards(D)["s7"]["pass"] is True


# -- S7 migrant workers ---------------------------------------------------------------------------


@pytest.mark.parametrize("service_date, served", [("2025-07-01", 1), ("2025-06-30", 0), ("2026-06-30", 1)])
def test_s7_migrant_served_in_p(sc, service_date, served):
    p = sc.person("1980-01-01", hukou="农村", status="就业", categories="农民工")
    sc.service(p, service_date, "上门走访")
    assert migrants(sc) == (served, 1)
    assert sc.standards(D)["s7"]["pass"] is bool(served)


def test_s7_migrants_counted_when_resident_whatever_status_or_age(sc):
    sc.person("1980-01-01", hukou="农村", categories="高校毕业生;农民工")  # unknown status
    sc.person("1950-01-01", hukou="农村", status="退休", categories="农民工")  # past working age
    sc.person("1981-01-01", hukou="农村", status="就业", categories="农民工", res_end=D - ONE)  # moved out
    sc.person("1982-01-01", hukou="农村", status="就业", categories="残疾人")  # not a migrant
    assert migrants(sc) == (0, 2)


# -- S8 ---------------------------------------------------------------------------------------------


def s8(sc, as_of=D) -> tuple:
    r = sc.standards(as_of)["s8"]
    return r["pass"], r["missing"]


def test_s8_complete_row_passes(sc):
    sc.organization(2026)
    assert s8(sc) == (True, [])


def test_s8_no_row_misses_everything_in_order(sc):
    assert s8(sc) == (False, ITEMS)


def test_s8_row_for_another_year_does_not_count(sc):
    sc.organization(2025)
    sc.organization(2027)
    assert s8(sc) == (False, ITEMS)


@pytest.mark.parametrize("item", ["服务站", "人员经费", "工作经费", "固定场所", "办公服务设施"])
@pytest.mark.parametrize("value", ["", "否"])
def test_s8_blank_or_no_is_not_yes(sc, item, value):
    sc.organization(2026, **{item: value})
    assert s8(sc) == (False, [item])


@pytest.mark.parametrize("staff, ok", [(0, False), ("", False), (1, True), (3, True)])
def test_s8_staff_count(sc, staff, ok):
    sc.organization(2026, 专职人员数=staff)
    assert s8(sc) == (ok, [] if ok else ["专职人员"])


def test_s8_missing_keeps_the_order(sc):
    sc.organization(2026, 办公服务设施="否", 工作经费="", 服务站="否", 专职人员数=0)
    assert s8(sc) == (False, ["服务站", "专职人员", "工作经费", "办公服务设施"])
