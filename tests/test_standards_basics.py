"""standards.md Conventions and Working age, and S1, at their boundaries."""

import datetime as dt

import pytest

from jiuye.standards.parameters import load_parameters
from tests.scenario import Scenario, day, plus

pytestmark = pytest.mark.django_db

D = dt.date(2026, 6, 30)
ONE = dt.timedelta(days=1)


@pytest.fixture
def sc(tmp_path):
    return Scenario(tmp_path)


# -- P, the 12 months ending at D ---------------------------------------------------------


@pytest.mark.parametrize(
    "as_of, last_out, first_in",
    [
        ("2026-06-30", "2025-06-30", "2025-07-01"),
        ("2024-02-29", "2023-02-28", "2023-03-01"),  # D − 1 year clamps to Feb 28
        ("2025-02-28", "2024-02-28", "2024-02-29"),
        ("2025-03-01", "2024-03-01", "2024-03-02"),
    ],
)
def test_period_excludes_d_minus_one_year_and_includes_the_day_after(sc, as_of, last_out, first_in):
    # D − 1 year itself is out, the day after is in: complaints, registrations, migrant services.
    sc.complaint(last_out)
    early = sc.person("1980-01-01", hukou="农村", status="就业")
    sc.register(early, last_out)
    migrant_early = sc.person("1981-01-01", hukou="农村", status="就业", categories="农民工")
    sc.service(migrant_early, last_out, "上门走访")
    result = sc.result(as_of)
    assert result["period"] == {"start": first_in, "end": as_of}
    s = next(c for c in result["communities"] if c["code"] == sc.code)["standards"]
    assert s["s6"]["valid_complaints"] == 0
    assert (s["s4"]["denominator"], s["s4"]["pending"]) == (0, 0)
    assert s["s6"]["outreach_denominator"] == 0
    assert (s["s7"]["migrant_numerator"], s["s7"]["migrant_denominator"]) == (0, 1)

    sc.complaint(first_in)
    late = sc.person("1982-01-01", hukou="农村", status="就业")
    sc.register(late, first_in)
    sc.service(migrant_early, first_in, "其他")
    s = sc.standards(as_of)
    assert s["s6"]["valid_complaints"] == 1
    assert (s["s4"]["numerator"], s["s4"]["denominator"], s["s4"]["pending"]) == (0, 1, 0)
    assert s["s6"]["outreach_denominator"] == 1
    assert (s["s7"]["migrant_numerator"], s["s7"]["migrant_denominator"]) == (1, 1)


# -- facts dated after D do not exist -------------------------------------------------------


def test_status_episode_starting_after_d_is_ignored(sc):
    # 失业 up to D, 就业 from D + 1: still 失业 at D, and not re-employed.
    sc.person("1980-01-01", hukou="农村", status=[("失业", "2026-01-05", D), ("就业", D + ONE)])
    # Only an episode starting D + 1: status unknown at D.
    sc.person("1981-01-01", hukou="农村", status=[("就业", D + ONE)])
    sc.target("再就业人数", 1, year=2026)
    r = sc.evaluate(D)
    assert r["standards"]["s1"] == {"pass": False, "value": 0.0, "numerator": 0, "denominator": 1}
    assert r["data_quality"]["unknown_status"] == 1
    assert r["standards"]["s6"]["targets_unmet"] == ["再就业人数"]


def test_registration_dated_after_d_is_ignored(sc):
    p = sc.person("1980-01-01", hukou="农村", status=[("失业", "2024-01-01")])
    sc.register(p, D + ONE)
    s = sc.standards(D)
    assert s["s4"] == {"pass": True, "numerator": 0, "denominator": 0, "pending": 0}
    assert s["s5"] == {"pass": True, "long_term": 0}
    assert s["s6"]["outreach_denominator"] == 0


def test_service_dated_after_d_is_ignored(sc):
    p = sc.person("1980-01-01", hukou="农村", status=[("失业", "2026-01-05")], categories="农民工")
    sc.register(p, "2026-06-24")  # deadline 06-29 < D: due
    sc.service(p, D + ONE, "职业指导")
    s = sc.standards(D)
    assert (s["s4"]["numerator"], s["s4"]["denominator"]) == (0, 1)
    assert (s["s7"]["active_numerator"], s["s7"]["active_denominator"]) == (0, 1)
    assert (s["s7"]["migrant_numerator"], s["s7"]["migrant_denominator"]) == (0, 1)


def test_complaint_and_dibao_dated_after_d_are_ignored(sc):
    sc.complaint(D + ONE)
    p = sc.person("1980-01-01", status="失业")
    sc.dibao(sc.household_of[p], D + ONE)
    s = sc.standards(D)
    assert s["s6"]["valid_complaints"] == 0
    assert s["s3"] == {"pass": True, "value": None, "numerator": 0, "denominator": 0}


# -- working age -----------------------------------------------------------------------------


def _in_labour_force(sc, as_of, **kwargs) -> bool:
    return sc.standards(as_of, **kwargs)["s1"]["denominator"] == 1


@pytest.mark.parametrize("as_of, expected", [("2026-06-29", 0), ("2026-06-30", 1)])
def test_working_age_starts_on_16th_birthday(sc, as_of, expected):
    sc.person("2010-06-30", status=[("就业", "2026-06-01")])
    sc.person("2010-06-30", "女")  # no status row: unknown, counted only once of working age
    r = sc.evaluate(as_of)
    assert r["standards"]["s1"]["denominator"] == expected
    assert r["data_quality"]["unknown_status"] == expected


def test_born_feb_29_is_16_on_feb_29_of_a_leap_year(sc):
    sc.person("2008-02-29", status=[("就业", "2024-01-01")])
    assert not _in_labour_force(sc, "2024-02-28")
    assert _in_labour_force(sc, "2024-02-29")


def test_born_feb_29_turns_16_on_feb_28_when_the_year_is_not_leap(sc):
    # 2084 + 16 = 2100, not a leap year: birth + 16 years = 2100-02-28.
    sc.person("2084-02-29", status=[("就业", "2100-01-01")])
    assert not _in_labour_force(sc, "2100-02-27")
    assert _in_labour_force(sc, "2100-02-28")


def test_born_feb_29_minimum_age_17_reached_on_feb_28(sc):
    sc.person("2008-02-29", status=[("就业", "2024-01-01")])
    params = load_parameters({"working_age_min_years": 17})
    assert not _in_labour_force(sc, "2025-02-27", params=params)
    assert _in_labour_force(sc, "2025-02-28", params=params)


@pytest.mark.parametrize(
    "birth, sex, ret50, retires",
    [
        ("1964-12-15", "男", False, "2024-12-15"),  # before the first cohort: no delay
        ("1965-01-10", "男", False, "2025-02-10"),  # m = 0: 1 month
        ("1965-04-30", "男", False, "2025-05-30"),  # m = 3: 1 month
        ("1965-05-31", "男", False, "2025-07-31"),  # m = 4: 2 months
        ("1976-09-01", "男", False, "2039-09-01"),  # m = 140: 36 months, retires at 63
        ("1980-01-01", "男", False, "2043-01-01"),  # capped at 36
        ("1969-12-31", "女", False, "2024-12-31"),  # no delay
        ("1970-01-15", "女", False, "2025-02-15"),  # base 55, 1 month
        ("1970-12-31", "女", False, "2026-03-31"),  # m = 11: 3 months
        ("1974-12-31", "女", True, "2024-12-31"),  # base 50, before the first cohort
        ("1975-01-31", "女", True, "2025-02-28"),  # 50 years 1 month, clamped
        ("1976-02-29", "女", True, "2026-09-29"),  # the spec's check: 50 y 7 m in one step
        ("1984-10-05", "女", True, "2039-09-05"),  # m = 117: 59 months
        ("1984-11-05", "女", True, "2039-11-05"),  # m = 118: 60 months, retires at 55
        ("1990-03-03", "女", True, "2045-03-03"),  # capped at 60
    ],
)
def test_retirement_date(sc, birth, sex, ret50, retires):
    sc.person(birth, sex, ret50=ret50, status="就业")
    retires = day(retires)
    assert _in_labour_force(sc, retires - ONE)
    assert not _in_labour_force(sc, retires)


def test_woman_of_base_55_born_1970_01_is_delayed_one_month(sc):
    sc.person("1970-01-01", "女", status="就业")
    assert _in_labour_force(sc, "2025-01-31")
    assert not _in_labour_force(sc, "2025-02-01")


# -- unknown status --------------------------------------------------------------------------


def test_unknown_status_is_in_no_set_and_counted_when_resident_and_of_working_age(sc):
    sc.person("1980-01-01", status=[("就业", "2015-01-01", D - ONE)])  # ended the day before D
    sc.person("1981-01-01", status=[("失业", D + ONE)])  # starts after D
    sc.person("1982-01-01", res_end=D - ONE)  # not resident at D
    sc.person("1950-01-01")  # past working age
    sc.person("2015-01-01")  # under 16
    sc.person("1983-01-01", status="就业")
    r = sc.evaluate(D)
    assert r["data_quality"]["unknown_status"] == 2
    assert r["standards"]["s1"] == {"pass": True, "value": 1.0, "numerator": 1, "denominator": 1}
    assert r["standards"]["s2"]["zero_employment"] == 0


def test_unknown_status_person_is_counted_by_rules_not_looking_at_status(sc):
    p = sc.person("1980-01-01", hukou="农村", categories="农民工")
    sc.register(p, "2026-05-04")  # deadline 05-08: due, no guidance
    s = sc.standards(D)
    assert (s["s4"]["numerator"], s["s4"]["denominator"]) == (0, 1)
    assert (s["s6"]["outreach_numerator"], s["s6"]["outreach_denominator"]) == (0, 1)
    assert (s["s7"]["migrant_numerator"], s["s7"]["migrant_denominator"]) == (0, 1)
    assert (s["s7"]["active_denominator"], s["s5"]["long_term"]) == (0, 0)


def test_unknown_status_low_income_member_is_not_in_s3(sc):
    hh = sc.household()
    sc.person("1980-01-01", hh=hh)
    sc.person("1981-01-01", hh=hh, status="就业")
    sc.dibao(hh, "2024-01-01")
    s3 = sc.standards(D)["s3"]
    assert (s3["numerator"], s3["denominator"]) == (0, 1)


# -- S1 --------------------------------------------------------------------------------------


def _labour(sc, employed: int, unemployed: int) -> None:
    hh = sc.household("农村")
    for i in range(employed):
        sc.person(plus("1980-01-01", days=i), hh=hh, status="就业")
    for i in range(unemployed):
        sc.person(plus("1985-01-01", days=i), hh=hh, status=[("失业", "2026-06-01")])


def test_s1_exactly_95_percent_passes(sc):
    _labour(sc, 19, 1)
    assert sc.standards(D)["s1"] == {"pass": True, "value": 0.95, "numerator": 19, "denominator": 20}


def test_s1_just_under_95_percent_fails(sc):
    _labour(sc, 18, 1)
    assert sc.standards(D)["s1"] == {"pass": False, "value": 0.947368, "numerator": 18, "denominator": 19}


def test_s1_no_labour_force_passes_with_null_value(sc):
    sc.person("1980-01-01", status="无就业意愿")
    sc.person("1981-01-01", status="在校学生")
    sc.person("1950-01-01", status="就业")  # past working age
    sc.person("1982-01-01", status="失业", res_end=D - ONE)  # moved out
    assert sc.standards(D)["s1"] == {"pass": True, "value": None, "numerator": 0, "denominator": 0}


def test_s1_counts_residents_only(sc):
    _labour(sc, 1, 0)
    sc.person("1982-01-01", status="失业", res_start=D + ONE)  # moves in after D
    sc.person("1983-01-01", status="失业", res_end=D)  # resident on D, the last day
    assert sc.standards(D)["s1"] == {"pass": False, "value": 0.5, "numerator": 1, "denominator": 2}


# -- options add keys, never change the standard ones --------------------------------------


def test_explain_and_rollups_do_not_change_the_results(sc):
    _labour(sc, 3, 2)
    p = sc.person("1980-03-03", status=[("失业", "2025-01-01")], categories="农民工")
    sc.register(p, "2026-05-04")
    sc.complaint("2026-01-01")
    plain = sc.result(D)
    full = sc.result(D, explain=True, rollups=True)
    assert {k: v for k, v in full.items() if k != "rollups"} == plain | {"communities": full["communities"]}
    for a, b in zip(plain["communities"], full["communities"], strict=True):
        assert {k: v for k, v in b.items() if k != "explain"} == a
