"""Policy parameters, rollups above the community, --division and --save."""

import datetime as dt

import pytest

from jiuye.divisions.models import Division, Level
from jiuye.standards.models import EvaluationSnapshot, PolicyParameter
from jiuye.standards.parameters import load_parameters
from tests.conftest import run_jiuye
from tests.scenario import Scenario, plus

pytestmark = pytest.mark.django_db

D = dt.date(2026, 6, 30)
ONE = dt.timedelta(days=1)


@pytest.fixture
def sc(tmp_path):
    return Scenario(tmp_path)


# -- policy as data ------------------------------------------------------------------------------


def six_months_unemployed(sc) -> None:
    """Registered 失业 persons whose spells start exactly D − 6 months and a day later."""
    for i, since in enumerate([plus(D, months=-6), plus(D, months=-6) + ONE]):
        p = sc.person(f"198{i}-01-01", hukou="农村", status=[("失业", since)])
        sc.register(p, since)


def test_default_long_term_is_twelve_months(sc):
    six_months_unemployed(sc)
    result = sc.result(D)
    assert result["parameters"]["s5_long_term_months"] == 12
    assert result["communities"][0]["standards"]["s5"] == {"pass": True, "long_term": 0}


def test_s5_months_from_parameters_argument(sc):
    six_months_unemployed(sc)
    result = sc.result(D, params=load_parameters({"s5_long_term_months": 6}))
    assert result["parameters"]["s5_long_term_months"] == 6
    assert result["communities"][0]["standards"]["s5"] == {"pass": False, "long_term": 1}


def test_s5_months_from_policy_parameter_row(sc):
    six_months_unemployed(sc)
    PolicyParameter.objects.update_or_create(key="s5_long_term_months", defaults={"value": 6})
    result = sc.result(D)
    assert result["parameters"]["s5_long_term_months"] == 6
    assert result["communities"][0]["standards"]["s5"] == {"pass": False, "long_term": 1}


def test_parameters_list_every_threshold_used(sc):
    params = sc.result(D)["parameters"]
    for key in (
        "period_months",
        "working_age_min_years",
        "retirement",
        "s1_min_rate",
        "s2_grace_months",
        "s3_max_rate",
        "s4_working_days",
        "s5_long_term_months",
        "s6_outreach_after_days",
        "s7_active_after_days",
        "s7_active_window_days",
        "s8_min_staff",
        "hardship_age_women",
        "hardship_age_men",
        "hardship_long_term_months",
        "district_targets",
    ):
        assert key in params


# -- rollups -------------------------------------------------------------------------------------

PASSING = ["500103001001", "500103002001", "500101001001"]
FAILING = ["500103001002", "500154001001"]


def communities(sc, year: int = 2026) -> None:
    """Five empty communities; those with a complete 组织建设 row pass every standard."""
    for code in PASSING + FAILING:
        if code != sc.code:
            sc.community(code)
    for code in PASSING:
        sc.organization(year, community=code)


def lines(rows: list[dict]) -> dict:
    return {r["code"]: (r["evaluated"], r["passing"], r["share"]) for r in rows}


def test_rollups_street_district_city(sc):
    communities(sc)
    result = sc.result(D, rollups=True)
    assert [c["code"] for c in result["communities"]] == sorted(PASSING + FAILING)
    assert {c["code"] for c in result["communities"] if c["pass"]} == set(PASSING)
    roll = result["rollups"]
    assert lines(roll["streets"]) == {
        "500101001": (1, 1, 1.0),
        "500103001": (2, 1, 0.5),
        "500103002": (1, 1, 1.0),
        "500154001": (1, 0, 0.0),
    }
    assert lines(roll["districts"]) == {
        "500101": (1, 1, 1.0),
        "500103": (3, 2, 0.666667),
        "500154": (1, 0, 0.0),
    }
    district = {d["code"]: d for d in roll["districts"]}
    assert (
        district["500103"]["group"],
        district["500103"]["target_share"],
        district["500103"]["meets_target"],
    ) == (
        "A",
        0.9,
        False,
    )
    assert (district["500101"]["group"], district["500101"]["meets_target"]) == ("B", True)
    assert (district["500154"]["group"], district["500154"]["meets_target"]) == ("C", False)
    assert (
        roll["city"]["code"],
        roll["city"]["evaluated"],
        roll["city"]["passing"],
        roll["city"]["share"],
    ) == (
        "500000",
        5,
        3,
        0.6,
    )


@pytest.mark.parametrize(
    "year, shares",
    [
        (2011, (None, None, None)),
        (2012, (0.9, 0.7, 0.5)),
        (2019, (0.9, 0.7, 0.5)),
        (2020, (0.9, 0.9, 0.9)),
        (2026, (0.9, 0.9, 0.9)),
    ],
)
def test_rollups_district_target_share_by_milestone(sc, year, shares):
    communities(sc, year)
    roll = sc.result(dt.date(year, 6, 30), rollups=True)["rollups"]
    district = {d["code"]: d for d in roll["districts"]}
    assert (
        district["500103"]["target_share"],
        district["500101"]["target_share"],
        district["500154"]["target_share"],
    ) == shares
    if shares[0] is None:
        assert all(d["meets_target"] is None for d in roll["districts"])


@pytest.mark.parametrize("passing, meets", [(7, True), (6, False)])
def test_rollups_target_share_compared_exactly(tmp_path, passing, meets):
    # Group B in 2015: 70 %; 7 of 10 communities meet it exactly.
    sc = Scenario(tmp_path, code="500101001001")
    codes = [f"500101001{i:03d}" for i in range(1, 11)]
    for code in codes[1:]:
        sc.community(code)
    for code in codes[:passing]:
        sc.organization(2015, community=code)
    (line,) = sc.result(dt.date(2015, 6, 30), rollups=True)["rollups"]["districts"]
    assert (line["code"], line["evaluated"], line["passing"], line["target_share"]) == (
        "500101",
        10,
        passing,
        0.7,
    )
    assert line["meets_target"] is meets


def test_rollups_community_in_development_zone_counts_toward_the_zone(sc):
    communities(sc)
    sc.load()
    zone, _ = Division.objects.get_or_create(
        code="Z99", defaults={"name": "测试开发区", "level": Level.ZONE, "group": "A"}
    )
    Division.objects.filter(code="500103001001").update(zone=zone)
    roll = sc.result(D, rollups=True)["rollups"]
    assert lines(roll["districts"]) == {
        "500101": (1, 1, 1.0),
        "500103": (2, 1, 0.5),
        "500154": (1, 0, 0.0),
        "Z99": (1, 1, 1.0),
    }
    z99 = next(d for d in roll["districts"] if d["code"] == "Z99")
    assert (z99["group"], z99["target_share"], z99["meets_target"]) == ("A", 0.9, True)
    assert roll["city"]["evaluated"] == 5


# -- the command: --division and --save ------------------------------------------------------------


def evaluate_cli(*args: str):
    run = run_jiuye("evaluate", "--as-of", D.isoformat(), "--format", "json", *args)
    assert run.code == 0, run.stderr
    return run


@pytest.mark.parametrize(
    "division, expected",
    [
        ("500000", sorted(PASSING + FAILING)),
        ("500103", ["500103001001", "500103001002", "500103002001"]),
        ("500103001", ["500103001001", "500103001002"]),
        ("500103001002", ["500103001002"]),
        ("500154", ["500154001001"]),
    ],
)
def test_division_restricts_output(sc, division, expected):
    communities(sc)
    sc.load()
    result = evaluate_cli("--division", division).json()
    assert [c["code"] for c in result["communities"]] == expected


@pytest.mark.parametrize("division", ["50010", "5001030", "50010300100", "abcdef"])
def test_division_code_must_have_6_9_or_12_digits(sc, division):
    sc.load()
    run = run_jiuye("evaluate", "--as-of", D.isoformat(), "--format", "json", "--division", division)
    assert run.code != 0
    assert run.stdout == ""


def community(result: dict, code: str) -> dict:
    return next(c for c in result["communities"] if c["code"] == code)


def test_save_creates_an_immutable_snapshot(sc):
    communities(sc)
    sc.load()
    run = evaluate_cli("--save")
    assert EvaluationSnapshot.objects.count() == 1
    snapshot = EvaluationSnapshot.objects.get()
    assert snapshot.as_of == D
    assert snapshot.result == run.json()
    saved = run.json()

    # Data changes later: a new evaluation differs, the snapshot does not.
    sc.complaint("2026-01-15", community="500103001001")
    sc.load()
    again = evaluate_cli().json()
    assert community(again, "500103001001")["standards"]["s6"]["valid_complaints"] == 1
    snapshot.refresh_from_db()
    assert snapshot.result == saved
    assert community(saved, "500103001001")["standards"]["s6"]["valid_complaints"] == 0

    snapshot.result = again
    with pytest.raises(PermissionError):
        snapshot.save()
    with pytest.raises(PermissionError):
        snapshot.delete()
    snapshot.refresh_from_db()
    assert snapshot.result == saved
    assert EvaluationSnapshot.objects.count() == 1


def test_save_with_division_records_it(sc):
    communities(sc)
    sc.load()
    result = evaluate_cli("--save", "--division", "500103001").json()
    snapshot = EvaluationSnapshot.objects.get()
    assert snapshot.division_code == "500103001"
    assert [c["code"] for c in snapshot.result["communities"]] == [c["code"] for c in result["communities"]]


def test_rollups_zone_without_a_group_is_group_a(sc):
    communities(sc)
    sc.load()
    zone = Division.objects.create(code="Z98", name="无分组开发区", level=Level.ZONE, group="")
    Division.objects.filter(code="500154001001").update(zone=zone)
    roll = sc.result(D, rollups=True)["rollups"]
    z98 = next(d for d in roll["districts"] if d["code"] == "Z98")
    assert (z98["evaluated"], z98["group"], z98["target_share"], z98["meets_target"]) == (1, "A", 0.9, False)
    assert "500154" not in {d["code"] for d in roll["districts"]}
