"""S5 long-term unemployed, S6 targets (re-employment, hardship), complaints and outreach."""

import datetime as dt

import pytest

from tests.scenario import Scenario

pytestmark = pytest.mark.django_db

D = dt.date(2026, 6, 30)
ONE = dt.timedelta(days=1)
REEMPLOYED = "再就业人数"
HARDSHIP = "就业困难人员再就业人数"


@pytest.fixture
def sc(tmp_path):
    return Scenario(tmp_path)


def long_term(sc, as_of=D) -> int:
    return sc.standards(as_of)["s5"]["long_term"]


# -- S5 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("first_day, expected", [("2025-06-30", 1), ("2025-07-01", 0)])
def test_s5_spell_joined_from_two_rows_started_d_minus_one_year(sc, first_day, expected):
    p = sc.person(
        "1980-01-01", hukou="农村", status=[("失业", first_day, "2025-12-31"), ("失业", "2026-01-01")]
    )
    sc.register(p, "2025-07-02")
    assert long_term(sc) == expected
    assert sc.standards(D)["s5"]["pass"] is (expected == 0)


@pytest.mark.parametrize("first_day, expected", [("2023-02-28", 1), ("2023-03-01", 0)])
def test_s5_one_year_before_leap_day_clamps(sc, first_day, expected):
    # D = 2024-02-29: D − 1 year = 2023-02-28
    p = sc.person("1980-01-01", hukou="农村", status=[("失业", first_day)])
    sc.register(p, "2023-03-05")
    assert long_term(sc, dt.date(2024, 2, 29)) == expected


def test_s5_rows_with_a_gap_are_two_spells(sc):
    p = sc.person(
        "1980-01-01", hukou="农村", status=[("失业", "2025-01-01", "2025-12-31"), ("失业", "2026-01-02")]
    )
    sc.register(p, "2025-01-05")
    assert long_term(sc) == 0


@pytest.mark.parametrize("cancelled, expected", [(D, 0), (D + ONE, 1), (None, 1)])
def test_s5_registration_cancelled_on_d_is_not_active(sc, cancelled, expected):
    p = sc.person("1980-01-01", hukou="农村", status=[("失业", "2024-01-01")])
    sc.register(p, "2024-01-05", cancelled)
    assert long_term(sc) == expected


def test_s5_registration_filed_on_d_is_active(sc):
    p = sc.person("1980-01-01", hukou="农村", status=[("失业", "2024-01-01")])
    sc.register(p, D)
    assert long_term(sc) == 1


def test_s5_active_registration_but_not_unemployed_at_d(sc):
    p = sc.person(
        "1980-01-01", hukou="农村", status=[("失业", "2024-01-01", "2026-06-29"), ("就业", "2026-06-30")]
    )
    sc.register(p, "2024-01-05")
    q = sc.person("1981-01-01", hukou="农村", status=[("失业", "2024-01-01", "2026-06-29")])  # unknown at D
    sc.register(q, "2024-01-05")
    assert long_term(sc) == 0


def test_s5_counts_persons_not_registrations(sc):
    p = sc.person("1980-01-01", hukou="农村", status=[("失业", "2024-01-01")])
    sc.register(p, "2024-01-05")
    sc.register(p, "2025-01-05")
    assert long_term(sc) == 1


# -- S6 targets: computed indicators ---------------------------------------------------------


def assert_actual(sc, indicator: str, expected: int, as_of=D) -> None:
    """The computed actual is ``expected``: a target of it is met, one more is not."""
    sc.target(indicator, expected, year=as_of.year)
    assert indicator not in sc.standards(as_of)["s6"]["targets_unmet"]
    sc.target(indicator, expected + 1, year=as_of.year)
    assert indicator in sc.standards(as_of)["s6"]["targets_unmet"]


def test_s6_reemployment_count(sc):
    rural = {"hukou": "农村"}
    # counts: 失业 on 02-28, 就业 from 03-01
    sc.person("1990-01-01", **rural, status=[("失业", "2025-10-01", "2026-02-28"), ("就业", "2026-03-01")])
    # a job after a job is not re-employment
    sc.person("1990-01-02", **rural, status=[("就业", "2015-01-01", "2026-02-28"), ("就业", "2026-03-01")])
    # a job after a gap is not
    sc.person("1990-01-03", **rural, status=[("失业", "2025-10-01", "2026-02-27"), ("就业", "2026-03-01")])
    # s = Jan 1, s − 1 in the previous year: counts
    sc.person("1990-01-04", **rural, status=[("失业", "2025-10-01", "2025-12-31"), ("就业", "2026-01-01")])
    # s = Dec 31 of the previous year: not in year(D)
    sc.person("1990-01-05", **rural, status=[("失业", "2025-10-01", "2025-12-30"), ("就业", "2025-12-31")])
    # s = D counts, s = D + 1 does not exist yet
    sc.person("1990-01-06", **rural, status=[("失业", "2026-01-01", "2026-06-29"), ("就业", D)])
    sc.person("1990-01-07", **rural, status=[("失业", "2026-01-01", D), ("就业", D + ONE)])
    # twice in the year: one person
    sc.person(
        "1990-01-08",
        **rural,
        status=[
            ("失业", "2026-01-10", "2026-01-31"),
            ("就业", "2026-02-01", "2026-03-31"),
            ("失业", "2026-04-01", "2026-04-30"),
            ("就业", "2026-05-01"),
        ],
    )
    # s − 1 in a 失业 spell joined from two rows
    sc.person(
        "1990-01-09",
        **rural,
        status=[
            ("失业", "2025-11-01", "2025-12-31"),
            ("失业", "2026-01-01", "2026-01-31"),
            ("就业", "2026-02-01"),
        ],
    )
    # from another status (student) to a job: not re-employment
    sc.person(
        "2005-01-10", **rural, status=[("在校学生", "2015-01-01", "2026-06-14"), ("就业", "2026-06-15")]
    )
    assert_actual(sc, REEMPLOYED, 5)


def test_s6_reemployment_counts_anyone_of_the_community(sc):
    # Not resident at D, status unknown at D, past working age: counted all the same.
    jobs = [("失业", "2025-10-01", "2026-02-28"), ("就业", "2026-03-01", "2026-05-31")]
    sc.person("1990-01-01", hukou="农村", status=jobs, res_end="2026-06-01")
    sc.person("1950-01-01", hukou="农村", status=jobs)
    sc.community("500103001002")
    sc.person("1990-01-02", hukou="农村", status=jobs, community="500103001002")  # another community
    assert_actual(sc, REEMPLOYED, 2)


def test_s6_typed_actual_on_computed_indicator_is_ignored(sc):
    sc.target(REEMPLOYED, 1, 99, year=2026)
    sc.target(HARDSHIP, 0, 0, year=2026)
    assert sc.standards(D)["s6"]["targets_unmet"] == [REEMPLOYED]


def reemployed(sc, birth="1990-05-05", sex="男", hukou="农村", since="2025-10-01", **kwargs) -> str:
    """Re-employed on s = 2026-03-01 (s − 1 = 2026-02-28) after 失业 from ``since``."""
    return sc.person(
        birth, sex, hukou=hukou, status=[("失业", since, "2026-02-28"), ("就业", "2026-03-01")], **kwargs
    )


def test_s6_hardship_none(sc):
    reemployed(sc)
    assert_actual(sc, HARDSHIP, 0)
    assert_actual(sc, REEMPLOYED, 1)


@pytest.mark.parametrize(
    "birth, sex, expected",
    [
        ("1986-02-28", "女", 1),  # 40 on s − 1
        ("1986-03-01", "女", 0),  # 40 on s
        ("1976-02-28", "男", 1),  # 50 on s − 1
        ("1976-02-29", "男", 1),  # 50th birthday 2026-02-28 (clamped) = s − 1
        ("1976-03-01", "男", 0),
        ("1980-01-01", "男", 0),  # a man of 46 is not a 4050 person
    ],
)
def test_s6_hardship_by_age_reached_on_birthday(sc, birth, sex, expected):
    reemployed(sc, birth, sex)
    assert_actual(sc, HARDSHIP, expected)


@pytest.mark.parametrize(
    "start, end, expected",
    [("2026-01-01", "2026-02-28", 1), ("2026-01-01", "2026-02-27", 0), ("2026-03-01", None, 0)],
)
def test_s6_hardship_by_dibao_covering_s_minus_1(sc, start, end, expected):
    p = reemployed(sc)
    sc.dibao(sc.household_of[p], start, end)
    assert_actual(sc, HARDSHIP, expected)


def test_s6_hardship_by_zero_employment_household(sc):
    reemployed(sc, hukou="城镇")  # alone, 失业: zero-employment on s − 1
    assert_actual(sc, HARDSHIP, 1)


def test_s6_no_hardship_when_household_has_an_employed_member(sc):
    p = reemployed(sc, hukou="城镇")
    sc.person("1991-01-01", hh=sc.household_of[p], status="就业")
    assert_actual(sc, HARDSHIP, 0)


def test_s6_hardship_before_any_of_several_starts(sc):
    # 39 before the first re-employment (03-01), 40 before the second (05-01)
    sc.person(
        "1986-04-15",
        "女",
        hukou="农村",
        status=[
            ("失业", "2026-01-10", "2026-02-28"),
            ("就业", "2026-03-01", "2026-03-31"),
            ("失业", "2026-04-01", "2026-04-30"),
            ("就业", "2026-05-01"),
        ],
    )
    assert_actual(sc, HARDSHIP, 1)
    assert_actual(sc, REEMPLOYED, 1)


def test_s6_hardship_by_disability(sc):
    reemployed(sc, categories="残疾人;农民工")
    assert_actual(sc, HARDSHIP, 1)


@pytest.mark.parametrize("since, expected", [("2025-02-28", 1), ("2025-03-01", 0)])
def test_s6_hardship_by_long_term_unemployment(sc, since, expected):
    reemployed(sc, since=since)
    assert_actual(sc, HARDSHIP, expected)


# -- S6 targets: manual indicators, listing --------------------------------------------------------


def test_s6_targets_unmet_sorted_each_once(sc):
    sc.target("新增就业岗位数", 10, 5, year=2026)
    sc.target("职业培训人数", 5, 5, year=2026)
    sc.target("公益性岗位安置数", 2, None, year=2026)
    sc.target(REEMPLOYED, 1, year=2026)
    sc.target(HARDSHIP, 1, year=2026)
    sc.target("创业带动人数", 3, 0, year=2025)  # another year
    sc.target("创业带动人数", 0, None, year=2026)
    s6 = sc.standards(D)["s6"]
    assert s6["targets_unmet"] == ["公益性岗位安置数", REEMPLOYED, HARDSHIP, "新增就业岗位数"]
    assert s6["targets_unmet"] == sorted(s6["targets_unmet"])
    assert s6["pass"] is False


@pytest.mark.parametrize("target, met", [(0, True), (1, False)])
def test_s6_blank_manual_actual_is_zero(sc, target, met):
    sc.target("新增就业岗位数", target, None, year=2026)
    s6 = sc.standards(D)["s6"]
    assert s6["targets_unmet"] == ([] if met else ["新增就业岗位数"])
    assert s6["pass"] is met


def test_s6_no_target_rows_passes(sc):
    sc.target("新增就业岗位数", 10, 0, year=2025)
    assert sc.standards(D)["s6"] == {
        "pass": True,
        "targets_unmet": [],
        "valid_complaints": 0,
        "outreach_numerator": 0,
        "outreach_denominator": 0,
    }


# -- S6 complaints --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "date, valid, counted",
    [
        ("2025-07-01", True, 1),  # first day of P
        ("2025-06-30", True, 0),  # the day before P
        ("2026-06-30", True, 1),  # D
        ("2026-07-01", True, 0),  # after D
        ("2026-01-15", False, 0),  # 否
    ],
)
def test_s6_complaints(sc, date, valid, counted):
    sc.complaint(date, valid)
    s6 = sc.standards(D)["s6"]
    assert s6["valid_complaints"] == counted
    assert s6["pass"] is (counted == 0)


def test_s6_complaints_of_another_community_do_not_count(sc):
    sc.community("500103001002")
    sc.complaint("2026-01-15", community="500103001002")
    assert sc.standards(D)["s6"]["valid_complaints"] == 0
    assert sc.standards(D, code="500103001002")["s6"]["valid_complaints"] == 1


# -- S6 outreach ------------------------------------------------------------------------------------


@pytest.mark.parametrize("days_before_d, due", [(30, 1), (29, 0)])
def test_s6_outreach_due_from_d_minus_30_days(sc, days_before_d, due):
    p = sc.person("1980-01-01", hukou="农村", status="就业")
    sc.register(p, D - dt.timedelta(days=days_before_d))
    s6 = sc.standards(D)["s6"]
    assert (s6["outreach_numerator"], s6["outreach_denominator"], s6["pass"]) == (0, due, due == 0)


@pytest.mark.parametrize(
    "service_date, kind, reached",
    [
        ("2026-05-03", "政策宣传", False),  # the day before R
        ("2026-05-04", "政策宣传", True),  # on R
        ("2026-06-30", "政策咨询", True),  # on D
        ("2026-07-01", "政策咨询", False),  # after D
        ("2026-05-05", "职业指导", False),  # not outreach
    ],
)
def test_s6_outreach_service_in_r_to_d(sc, service_date, kind, reached):
    p = sc.person("1980-01-01", hukou="农村", status="就业")
    sc.register(p, "2026-05-04")
    sc.service(p, service_date, kind)
    s6 = sc.standards(D)["s6"]
    assert (s6["outreach_numerator"], s6["outreach_denominator"]) == (int(reached), 1)


def test_s6_outreach_counts_non_residents(sc):
    p = sc.person("1980-01-01", hukou="农村", status="就业", res_end="2026-05-10")
    sc.register(p, "2026-05-04")
    s = sc.standards(D)
    assert (s["s6"]["outreach_numerator"], s["s6"]["outreach_denominator"]) == (0, 1)
    assert (s["s4"]["numerator"], s["s4"]["denominator"]) == (0, 1)


def test_s6_outreach_registration_before_p_not_due(sc):
    p = sc.person("1980-01-01", hukou="农村", status="就业")
    sc.register(p, "2025-06-30")
    assert sc.standards(D)["s6"]["outreach_denominator"] == 0
