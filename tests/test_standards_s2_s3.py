"""S2 zero-employment households and S3 低保 members, at their boundaries."""

import datetime as dt

import pytest

from tests.scenario import Scenario, day

pytestmark = pytest.mark.django_db

D = dt.date(2026, 6, 30)
ONE = dt.timedelta(days=1)


@pytest.fixture
def sc(tmp_path):
    return Scenario(tmp_path)


def s2(sc, as_of=D) -> tuple:
    r = sc.standards(as_of)["s2"]
    return r["pass"], r["zero_employment"], r["overdue"], r["eliminated_late"]


def alone(sc, start, end=None, hukou="城镇") -> str:
    """A person living alone, 就业 until the day before ``start``, 失业 from it (to ``end``),
    就业 again from the day after ``end``: zero-employment on [start, end]."""
    episodes = [("就业", "2015-01-01", day(start) - ONE), ("失业", start, end)]
    if end is not None:
        episodes.append(("就业", day(end) + ONE))
    return sc.person("1980-01-01", hukou=hukou, status=episodes)


# -- S2: which households are zero-employment --------------------------------------------------


def test_s2_only_urban_households(sc):
    alone(sc, "2020-01-01", hukou="农村")
    assert s2(sc) == (True, 0, 0, 0)
    alone(sc, "2020-01-01", hukou="城镇")
    assert s2(sc) == (False, 1, 1, 0)


def test_s2_non_resident_unemployed_member_does_not_make_it_zero(sc):
    sc.person("1980-01-01", status=[("失业", "2020-01-01")], res_end="2025-01-01")
    assert s2(sc) == (True, 0, 0, 0)


def test_s2_non_resident_employed_member_does_not_keep_it_out(sc):
    hh = sc.household()
    sc.person("1980-01-01", hh=hh, status=[("失业", "2020-01-01")])
    sc.person("1981-01-01", hh=hh, status="就业", res_end="2026-06-10")
    # zero-employment from 06-11 (the day after the last resident day); deadline 07-11
    assert s2(sc) == (True, 1, 0, 0)
    assert s2(sc, "2026-07-11") == (True, 1, 0, 0)
    assert s2(sc, "2026-07-12") == (False, 1, 1, 0)


def test_s2_member_past_working_age_does_not_count(sc):
    hh = sc.household()
    sc.person("1985-01-01", hh=hh, status=[("失业", "2026-06-15")])
    sc.person("1950-01-01", hh=hh, status="就业")  # still working, but past working age
    sc.person("1955-01-01", status="失业")  # alone, past working age: not in the labour force
    assert s2(sc) == (True, 1, 0, 0)


def test_s2_household_becomes_zero_when_employed_member_retires(sc):
    hh = sc.household()
    sc.person("1980-01-01", hh=hh, status=[("失业", "2020-01-01")])
    sc.person("1964-12-15", hh=hh, status="就业")  # retires 2024-12-15 (no delay)
    assert s2(sc, "2024-12-14") == (True, 0, 0, 0)
    assert s2(sc, "2025-01-15") == (True, 1, 0, 0)
    assert s2(sc, "2025-01-16") == (False, 1, 1, 0)


def test_s2_labour_force_member_without_employment_is_needed(sc):
    hh = sc.household()
    sc.person("1980-01-01", hh=hh, status="无就业意愿")
    sc.person("1981-01-01", hh=hh, status="在校学生")
    sc.person("1982-01-01", hh=hh)  # unknown status
    assert s2(sc) == (True, 0, 0, 0)


def test_s2_member_turning_16_enters_the_labour_force(sc):
    sc.person("2010-06-01", status=[("失业", "2026-01-01")])  # zero-employment from 2026-06-01
    assert s2(sc, "2026-05-31") == (True, 0, 0, 0)
    assert s2(sc, "2026-07-01") == (True, 1, 0, 0)
    assert s2(sc, "2026-07-02") == (False, 1, 1, 0)


def test_s2_unemployed_member_moving_out_eliminates_the_episode(sc):
    sc.person("1980-01-01", status=[("失业", "2026-03-01")], res_end="2026-04-05")  # eliminated 04-06, late
    assert s2(sc) == (False, 0, 0, 1)


# -- S2: the month of grace ------------------------------------------------------------------


def test_s2_episode_started_years_before_p_is_overdue(sc):
    sc.person("1980-01-01", status=[("失业", "2018-03-01")])
    assert s2(sc) == (False, 1, 1, 0)


@pytest.mark.parametrize(
    "start, as_of, ok",
    [
        ("2026-05-30", "2026-06-30", True),  # D = start + 1 month
        ("2026-05-29", "2026-06-30", False),  # one day more
        ("2026-01-31", "2026-02-28", True),  # Jan 31 + 1 month = Feb 28
        ("2026-01-31", "2026-03-01", False),
        ("2024-01-31", "2024-02-29", True),  # leap year: Feb 29
        ("2024-01-31", "2024-03-01", False),
    ],
)
def test_s2_zero_at_d_has_one_month(sc, start, as_of, ok):
    alone(sc, start)
    assert s2(sc, as_of) == (ok, 1, 0 if ok else 1, 0)


@pytest.mark.parametrize(
    "start, last_zero_day, late",
    [
        ("2026-03-10", "2026-04-09", 0),  # eliminated 04-10 = start + 1 month
        ("2026-03-10", "2026-04-10", 1),  # eliminated a day later
        ("2026-01-31", "2026-02-27", 0),  # eliminated 02-28 = Jan 31 + 1 month
        ("2026-01-31", "2026-02-28", 1),
        ("2026-05-30", "2026-06-29", 0),  # eliminated on D = start + 1 month
        ("2026-05-29", "2026-06-29", 1),  # eliminated on D, a day late
    ],
)
def test_s2_eliminated_within_a_month(sc, start, last_zero_day, late):
    alone(sc, start, last_zero_day)
    assert s2(sc) == (late == 0, 0, 0, late)


@pytest.mark.parametrize("last_zero_day, late", [("2025-06-29", 0), ("2025-06-30", 1)])
def test_s2_elimination_before_p_is_not_counted(sc, last_zero_day, late):
    # eliminated 2025-06-30 (= D − 1 year, before P) or 2025-07-01 (first day of P)
    alone(sc, "2024-01-01", last_zero_day)
    assert s2(sc) == (late == 0, 0, 0, late)


def test_s2_two_episodes_of_one_household_count_twice(sc):
    sc.person(
        "1980-01-01",
        status=[
            ("失业", "2025-08-01", "2025-09-30"),  # eliminated 10-01 > 09-01: late
            ("就业", "2025-10-01", "2025-12-31"),
            ("失业", "2026-01-01", "2026-03-01"),  # eliminated 03-02 > 02-01: late
            ("就业", "2026-03-02", "2026-05-31"),
            ("失业", "2026-06-01"),  # zero at D, since 06-01: within the month
        ],
    )
    assert s2(sc) == (False, 1, 0, 2)


def test_s2_episode_spans_status_rows_of_several_members(sc):
    # A's 失业 ends, B's starts the next day: one run, not two.
    hh = sc.household()
    sc.person(
        "1980-01-01", hh=hh, status=[("失业", "2026-03-01", "2026-03-20"), ("无就业意愿", "2026-03-21")]
    )
    sc.person("1981-01-01", hh=hh, status=[("在校学生", "2015-01-01", "2026-03-20"), ("失业", "2026-03-21")])
    assert s2(sc) == (False, 1, 1, 0)


# -- S3 ---------------------------------------------------------------------------------------


def dibao_household(
    sc, employed: int, unemployed: int, not_willing: int, start="2024-01-01", end=None
) -> str:
    hh = sc.household("农村")
    n = 0
    for status, count in (("就业", employed), ("失业", unemployed), ("无就业意愿", not_willing)):
        for _ in range(count):
            n += 1
            sc.person(f"19{70 + n}-01-01", hh=hh, status=status)
    sc.dibao(hh, start, end)
    return hh


def s3(sc, as_of=D) -> tuple:
    r = sc.standards(as_of)["s3"]
    return r["pass"], r["value"], r["numerator"], r["denominator"]


def test_s3_exactly_30_percent_passes(sc):
    dibao_household(sc, employed=7, unemployed=2, not_willing=1)
    assert s3(sc) == (True, 0.3, 3, 10)


def test_s3_over_30_percent_fails(sc):
    dibao_household(sc, employed=6, unemployed=2, not_willing=1)
    assert s3(sc) == (False, 0.333333, 3, 9)


def test_s3_not_willing_counts_as_not_working(sc):
    dibao_household(sc, employed=1, unemployed=0, not_willing=1)
    assert s3(sc) == (False, 0.5, 1, 2)


@pytest.mark.parametrize("end, counted", [(D - ONE, False), (D, True), (None, True)])
def test_s3_dibao_episode_must_cover_d(sc, end, counted):
    dibao_household(sc, employed=0, unemployed=1, not_willing=0, end=end)
    assert s3(sc) == ((False, 1.0, 1, 1) if counted else (True, None, 0, 0))


def test_s3_dibao_starting_on_d_covers_d(sc):
    dibao_household(sc, employed=1, unemployed=0, not_willing=0, start=D)
    assert s3(sc) == (True, 0.0, 0, 1)


def test_s3_counts_resident_able_members_only(sc):
    hh = dibao_household(sc, employed=1, unemployed=0, not_willing=0)
    sc.person("1980-05-05", hh=hh, status="失业", res_end=D - ONE)  # moved out
    sc.person("1950-05-05", hh=hh, status="失业")  # past working age
    sc.person("1981-05-05", hh=hh, status="丧失劳动能力")
    sc.person("2008-05-05", hh=hh, status="在校学生")
    sc.person("1982-05-05", hh=hh, status="退休")
    sc.person("1983-05-05", hh=hh, status="其他")
    sc.person("1984-05-05", status="失业")  # another household, no 低保
    assert s3(sc) == (True, 0.0, 0, 1)
