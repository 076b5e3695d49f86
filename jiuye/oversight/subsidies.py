"""Subsidy rules and the oversight workflow's other policy values, as data.

Defaults are the 2007 notice: 10,000–20,000 yuan to a community when it is first
certified, 2,000 yuan per certified community to its street (once), 3,000–6,000
yuan a year to a community that stays certified (passes the year's re-check). The
district sets each amount within its range. A deployment overrides any value with a
``standards.PolicyParameter`` row of the same key (Django admin, or
``jiuye.oversight.services.oversight_parameter_set``); subsidy keys start with
``subsidy_``.
"""

import copy
from decimal import Decimal, InvalidOperation

from django.db.models import Q

from jiuye.oversight.models import OversightError, SubsidyKind

DEFAULTS: dict = {
    "subsidy_first_min": 10000,
    "subsidy_first_max": 20000,
    "subsidy_street_min": 2000,
    "subsidy_street_max": 2000,
    "subsidy_yearly_min": 3000,
    "subsidy_yearly_max": 6000,
    # Whether a community flagged at the year's re-check that was cleared after rectification
    # (整改后合格) still gets that year's subsidy; the notice pays those that pass the re-check.
    "subsidy_yearly_after_rectification": False,
    # Months a community flagged at re-check has to pass again (整改期限).
    "recheck_due_months": 3,
    # Oldest saved evaluation (days before the application) a community may apply with.
    "certification_snapshot_max_age_days": 92,
}

NOTES = {
    "subsidy_first_min": "首次验收补贴下限（元）/ least first-certification subsidy (yuan)",
    "subsidy_first_max": "首次验收补贴上限（元）/ largest first-certification subsidy (yuan)",
    "subsidy_street_min": "街道补贴下限（元/社区）/ least street subsidy per community (yuan)",
    "subsidy_street_max": "街道补贴上限（元/社区）/ largest street subsidy per community (yuan)",
    "subsidy_yearly_min": "年度补贴下限（元）/ least yearly subsidy (yuan)",
    "subsidy_yearly_max": "年度补贴上限（元）/ largest yearly subsidy (yuan)",
    "subsidy_yearly_after_rectification": "整改后合格是否发放年度补贴 / yearly subsidy after rectification",
    "recheck_due_months": "复查不合格的整改期限（月）/ months to pass again after a failed re-check",
    "certification_snapshot_max_age_days": "申请所用评估的最长时效（天）/ oldest evaluation an application may use",
}

KIND_LABELS = {
    SubsidyKind.FIRST: "首次验收补贴",
    SubsidyKind.STREET: "街道补贴",
    SubsidyKind.YEARLY: "年度补贴",
}


def oversight_parameters() -> dict:
    """The values in force: these defaults, then the deployment's ``PolicyParameter`` rows."""
    from jiuye.standards.models import PolicyParameter

    params = copy.deepcopy(DEFAULTS)
    rows = PolicyParameter.objects.filter(Q(key__startswith="subsidy_") | Q(key__in=list(DEFAULTS)))
    for key, value in rows.values_list("key", "value"):
        if key in params:
            params[key] = value
    return params


def subsidy_range(kind: str, params: dict | None = None) -> tuple[Decimal, Decimal]:
    params = params or oversight_parameters()
    return Decimal(str(params[f"subsidy_{kind}_min"])), Decimal(str(params[f"subsidy_{kind}_max"]))


def subsidy_amount(kind: str, amount, params: dict | None = None) -> Decimal:
    """``amount`` (yuan) checked against the kind's range; None means the range's only value."""
    low, high = subsidy_range(kind, params)
    label = KIND_LABELS.get(kind, kind)
    if amount is None or str(amount).strip() == "":
        if low == high:
            return low
        raise OversightError(f"请填写{label}金额（{low:,.0f}–{high:,.0f} 元）/ the amount is required "
                             f"({low:,.0f}–{high:,.0f} yuan)")
    try:
        value = Decimal(str(amount).strip())
    except InvalidOperation:
        raise OversightError(f"金额无效 / not an amount: {amount!r}") from None
    if not value.is_finite() or value.as_tuple().exponent < -2:
        raise OversightError(f"金额至多两位小数 / at most 2 decimals: {amount!r}")
    if not low <= value <= high:
        raise OversightError(
            f"{label}须在 {low:,.0f}–{high:,.0f} 元之间 / the {kind} subsidy must be between "
            f"{low:,.0f} and {high:,.0f} yuan: {value:,.2f}"
        )
    return value
