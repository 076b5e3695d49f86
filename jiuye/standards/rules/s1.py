"""S1 Employment rate ≥ 95% (就业率).

Denominator: resident persons in the labour force at D (working age, 就业 or 失业).
Numerator: of them, 就业 at D. Pass when the ratio ≥ s1_min_rate; no denominator: pass.
Also counts data_quality.unknown_status: resident, of working age, no status at D.
"""

import numpy as np

from jiuye.standards.context import (
    EMPLOYED,
    UNEMPLOYED,
    UNKNOWN,
    Context,
    per_community,
    resident_at,
    status_at_d,
    working_age_at,
)
from jiuye.standards.parameters import ratio


def masks(ctx: Context) -> dict:
    status, _ = status_at_d(ctx)
    base = resident_at(ctx, ctx.D) & working_age_at(ctx, ctx.D)
    labour = base & np.isin(status, [EMPLOYED, UNEMPLOYED])
    return {"labour": labour, "employed": labour & (status == EMPLOYED), "unknown": base & (status == UNKNOWN)}


def evaluate(ctx: Context) -> tuple[list[dict], dict]:
    mk = masks(ctx)
    den = per_community(ctx, mk["labour"])
    num = per_community(ctx, mk["employed"])
    unknown = per_community(ctx, mk["unknown"])
    threshold = ratio(ctx.params["s1_min_rate"])
    results = []
    for n, d in zip(num.tolist(), den.tolist(), strict=True):
        results.append(
            {
                "pass": d == 0 or n * threshold.denominator >= threshold.numerator * d,
                "value": round(n / d, 6) if d else None,
                "numerator": n,
                "denominator": d,
            }
        )
    return results, {"unknown_status": unknown.tolist()}


def explain(ctx: Context) -> dict:
    mk = masks(ctx)
    return {"unemployed": mk["labour"] & ~mk["employed"], "unknown_status": mk["unknown"]}
