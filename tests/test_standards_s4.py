"""S4 vocational guidance within 3 working days, and the working-day calendar."""

import datetime as dt

import chinese_calendar
import pytest

from jiuye.standards.models import CalendarYear, Holiday
from tests.scenario import Scenario

pytestmark = pytest.mark.django_db

D = dt.date(2026, 6, 30)
ONE = dt.timedelta(days=1)


@pytest.fixture
def sc(tmp_path):
    return Scenario(tmp_path)


def s4(sc, as_of=D) -> tuple:
    r = sc.standards(as_of)["s4"]
    return r["pass"], r["numerator"], r["denominator"], r["pending"]


def registered(sc, on, guidance=(), cancelled=None) -> str:
    p = sc.person("1980-01-01", hukou="农村", status="就业")
    sc.register(p, on, cancelled)
    for g in guidance:
        sc.service(p, g, "职业指导")
    return p


@pytest.mark.parametrize(
    "reg, guidance, on_time",
    [
        # National Day 2025: Oct 1–8 off, Saturday Oct 11 a workday → Oct 9, 10, 11
        ("2025-09-30", "2025-10-11", True),
        ("2025-09-30", "2025-10-12", False),
        # Sunday Sep 28 is a workday → Sep 28, 29, 30
        ("2025-09-26", "2025-09-30", True),
        ("2025-09-26", "2025-10-01", False),
        # Spring Festival 2026: Saturday Feb 14 a workday, Feb 15–23 off → Feb 14, 24, 25
        ("2026-02-13", "2026-02-25", True),
        ("2026-02-13", "2026-02-26", False),
        ("2026-02-12", "2026-02-24", True),  # Feb 13, 14, 24
        ("2026-02-12", "2026-02-25", False),
        # an ordinary week: Mon → Thu
        ("2026-06-01", "2026-06-04", True),
        ("2026-06-01", "2026-06-05", False),
    ],
)
def test_s4_deadline_is_third_working_day_after_r(sc, reg, guidance, on_time):
    registered(sc, reg, [guidance])
    assert s4(sc) == (on_time, int(on_time), 1, 0)


def test_s4_guidance_on_r_itself_is_on_time(sc):
    registered(sc, "2026-05-04", ["2026-05-04"])
    assert s4(sc) == (True, 1, 1, 0)


def test_s4_guidance_before_r_does_not_count(sc):
    registered(sc, "2026-05-04", ["2026-05-03"])
    assert s4(sc) == (False, 0, 1, 0)


def test_s4_other_service_types_are_not_guidance(sc):
    p = registered(sc, "2026-05-04")
    sc.service(p, "2026-05-05", "职业介绍")
    sc.service(p, "2026-05-05", "政策宣传")
    assert s4(sc) == (False, 0, 1, 0)


def test_s4_pending_when_deadline_is_d_and_no_guidance(sc):
    registered(sc, "2026-06-25")  # Thu → Fri 26, Mon 29, Tue 30 = D
    assert s4(sc) == (True, 0, 0, 1)


def test_s4_deadline_d_with_guidance_on_d_is_on_time_and_due(sc):
    registered(sc, "2026-06-25", ["2026-06-30"])
    assert s4(sc) == (True, 1, 1, 0)


def test_s4_deadline_before_d_without_guidance_is_due(sc):
    registered(sc, "2026-06-24")  # Wed → 25, 26, 29 < D
    assert s4(sc) == (False, 0, 1, 0)


def test_s4_guidance_after_d_does_not_make_it_on_time(sc):
    registered(sc, "2026-06-25", ["2026-07-01"])
    registered(sc, "2026-06-24", ["2026-07-01"])
    assert s4(sc) == (False, 0, 1, 1)


def test_s4_on_time_registration_with_deadline_after_d_is_due(sc):
    registered(sc, "2026-06-29", ["2026-06-29"])  # deadline 07-02 > D, guidance given
    registered(sc, "2026-06-30")  # registered on D: pending
    assert s4(sc) == (True, 1, 1, 1)


@pytest.mark.parametrize("reg, due", [("2025-06-30", 0), ("2025-07-01", 1)])
def test_s4_registration_before_p_is_excluded(sc, reg, due):
    registered(sc, reg)
    assert s4(sc) == (due == 0, 0, due, 0)


def test_s4_cancelled_registration_still_needs_guidance(sc):
    registered(sc, "2026-05-04", cancelled="2026-05-05")
    assert s4(sc) == (False, 0, 1, 0)


def test_s4_one_guidance_serves_two_registrations(sc):
    registered(sc, "2026-05-06", ["2026-05-07"], cancelled="2026-05-07")
    p = sc.person("1981-01-01", hukou="农村", status="就业")
    sc.register(p, "2026-05-06", "2026-05-07")
    sc.register(p, "2026-05-07")
    sc.service(p, "2026-05-07", "职业指导")
    assert s4(sc) == (True, 3, 3, 0)


def test_s4_guidance_before_a_later_registration_does_not_serve_it(sc):
    p = sc.person("1981-01-01", hukou="农村", status="就业")
    sc.register(p, "2026-05-06", "2026-05-07")
    sc.register(p, "2026-05-20")
    sc.service(p, "2026-05-07", "职业指导")
    assert s4(sc) == (False, 1, 2, 0)


# -- the deployment's holiday table wins ---------------------------------------------------------


def test_s4_holiday_row_makes_a_workday_a_holiday(sc):
    registered(sc, "2026-06-01", ["2026-06-05"])  # Thursday deadline: late
    assert s4(sc) == (False, 0, 1, 0)
    Holiday.objects.create(date=dt.date(2026, 6, 3), is_workday=False, name="测试")
    assert s4(sc) == (True, 1, 1, 0)  # Jun 2, 4, 5


def test_s4_holiday_row_makes_a_saturday_a_workday(sc):
    registered(sc, "2026-06-04", ["2026-06-09"])  # Fri 5, Mon 8, Tue 9: on time
    assert s4(sc) == (True, 1, 1, 0)
    Holiday.objects.create(date=dt.date(2026, 6, 6), is_workday=True, name="调休")
    assert s4(sc) == (False, 0, 1, 0)  # Fri 5, Sat 6, Mon 8


def test_s4_holiday_row_overrides_a_package_holiday(sc):
    registered(sc, "2025-09-30", ["2025-10-11"])
    Holiday.objects.create(date=dt.date(2025, 10, 8), is_workday=True)
    assert s4(sc) == (False, 0, 1, 0)  # Oct 8, 9, 10


# -- a year no calendar covers: Monday–Friday, with a warning ----------------------------------


def _not_in_package(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return True
    return False


@pytest.mark.parametrize("year", [2027, 2003])
def test_s4_uncovered_year_falls_back_to_monday_to_friday_with_warning(sc, year):
    if not _not_in_package(year):
        pytest.skip(f"chinesecalendar now covers {year}")
    # Mar 1 2027 is a Monday, Mar 3 2003 too.
    monday = dt.date(year, 3, 1) if year == 2027 else dt.date(year, 3, 3)
    friday = monday + dt.timedelta(days=4)
    registered(sc, monday, [monday + dt.timedelta(days=3)])  # Tue, Wed, Thu: on time
    registered(sc, friday, [friday + dt.timedelta(days=6)])  # Mon, Tue, Wed; Thursday is late
    as_of = dt.date(year, 6, 30)
    result = sc.result(as_of)
    s = result["communities"][0]["standards"]["s4"]
    assert (s["numerator"], s["denominator"], s["pending"]) == (1, 2, 0)
    assert len(result["warnings"]) == 1 and str(year) in result["warnings"][0]

    CalendarYear.objects.create(year=year, complete=True)
    result = sc.result(as_of)
    assert result["warnings"] == []
    s = result["communities"][0]["standards"]["s4"]
    assert (s["numerator"], s["denominator"]) == (1, 2)


def test_s4_complete_table_year_uses_its_holidays_without_warning(sc):
    if not _not_in_package(2027):
        pytest.skip("chinesecalendar now covers 2027")
    registered(sc, "2027-03-01", ["2027-03-05"])  # Mon–Fri: deadline Thu 03-04, late
    CalendarYear.objects.create(year=2027, complete=True)
    Holiday.objects.create(date=dt.date(2027, 3, 3), is_workday=False)
    result = sc.result("2027-06-30")
    assert result["warnings"] == []
    s = result["communities"][0]["standards"]["s4"]
    assert (s["numerator"], s["denominator"]) == (1, 1)  # Tue 2, Thu 4, Fri 5


def test_s4_incomplete_calendar_year_row_still_warns(sc):
    if not _not_in_package(2027):
        pytest.skip("chinesecalendar now covers 2027")
    registered(sc, "2027-03-01")
    CalendarYear.objects.create(year=2027, complete=False)
    assert sc.result("2027-06-30")["warnings"] != []


def test_s4_covered_years_give_no_warning(sc):
    registered(sc, "2026-05-04", ["2026-05-05"])
    assert sc.result(D)["warnings"] == []
