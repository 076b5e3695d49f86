"""Policy as data: every threshold and window of standards.md, with its default.

The defaults are Chongqing's 2007 notice. A deployment changes a value in the
``PolicyParameter`` table (Django admin, or ``jiuye policy set KEY JSON``); the
evaluation prints the values it used under ``parameters``. Windows are in months
or days; ratios are compared exactly (``Fraction(str(value))``).
"""

import copy
from fractions import Fraction

DEFAULTS: dict = {
    "period_months": 12,
    "working_age_min_years": 16,
    "retirement": {
        "men": {"base": 60, "first_cohort": "1965-01", "months_per_step": 4, "max_delay": 36},
        "women": {"base": 55, "first_cohort": "1970-01", "months_per_step": 4, "max_delay": 36},
        "women_50": {"base": 50, "first_cohort": "1975-01", "months_per_step": 2, "max_delay": 60},
    },
    "s1_min_rate": 0.95,
    "s2_grace_months": 1,
    "s3_max_rate": 0.3,
    "s4_working_days": 3,
    "s4_guidance_service_types": ["职业指导"],
    "s5_long_term_months": 12,
    "s6_outreach_after_days": 30,
    "s6_outreach_service_types": ["政策宣传", "政策咨询"],
    "s7_active_after_days": 30,
    "s7_active_window_days": 90,
    "s7_active_service_types": ["职业指导", "职业介绍", "培训推荐", "技能培训", "创业服务", "公益性岗位安置"],
    "s8_min_staff": 1,
    "hardship_age_women": 40,
    "hardship_age_men": 50,
    "hardship_long_term_months": 12,
    # Share of a district's communities that must be 达标, by the latest milestone year
    # not after the year of D; groups from the district table (development zones: A).
    "district_targets": [
        {"from_year": 2012, "shares": {"A": 0.9, "B": 0.7, "C": 0.5}},
        {"from_year": 2020, "shares": {"A": 0.9, "B": 0.9, "C": 0.9}},
    ],
}

NOTES = {
    "period_months": "评估期：截至评估日的月数 / evaluation period in months",
    "s1_min_rate": "S1 就业率下限 / minimum employment rate",
    "s2_grace_months": "S2 零就业家庭消除时限（月）/ months to clear a zero-employment household",
    "s3_max_rate": "S3 低保对象未就业比例上限 / maximum share of 低保 members not working",
    "s4_working_days": "S4 职业指导时限（工作日）/ working days for vocational guidance",
    "s5_long_term_months": "S5 长期失业（月）/ months of unemployment that make it long-term",
    "s6_outreach_after_days": "S6 政策宣传期限（天）/ days after registration for policy outreach",
    "s7_active_after_days": "S7 失业天数起算 / days unemployed before activity is required",
    "s7_active_window_days": "S7 服务窗口（天）/ window of an active-preparation service",
    "hardship_long_term_months": "就业困难：长期失业（月）/ months that make a hardship long-term",
}


def seed_parameters() -> None:
    """Store each default that the deployment has not set yet (run after migrate)."""
    from jiuye.standards.models import PolicyParameter

    stored = set(PolicyParameter.objects.values_list("key", flat=True))
    PolicyParameter.objects.bulk_create(
        [
            PolicyParameter(key=key, value=value, note=NOTES.get(key, ""))
            for key, value in DEFAULTS.items()
            if key not in stored
        ]
    )


def load_parameters(overrides: dict | None = None) -> dict:
    """The parameters in force: defaults, then the deployment's table, then ``overrides``."""
    from jiuye.standards.models import PolicyParameter

    params = copy.deepcopy(DEFAULTS)
    for key, value in PolicyParameter.objects.values_list("key", "value"):
        if key in params:
            params[key] = value
    if overrides:
        params.update(copy.deepcopy(overrides))
    return params


def ratio(value) -> Fraction:
    """A configured ratio as an exact fraction (0.95 → 19/20)."""
    return Fraction(str(value))


def district_target_share(params: dict, group: str, year: int) -> float | None:
    """The target share for ``group`` in ``year``: that of the latest milestone not after it."""
    share = None
    for milestone in sorted(params["district_targets"], key=lambda m: m["from_year"]):
        if milestone["from_year"] <= year:
            share = milestone["shares"].get(group, milestone["shares"].get("*"))
    return share
