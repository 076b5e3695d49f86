"""S3 低保 members able to work: not employed ≤ 30%.

低保 members at D: resident members of a household whose 低保 episode covers D.
Denominator: of them, working age with status 就业, 失业 or 无就业意愿.
Numerator: of those, 失业 or 无就业意愿. Pass when ≤ s3_max_rate; no denominator: pass.
"""

import numpy as np

from jiuye.standards.context import (
    EMPLOYED,
    NOT_WILLING,
    UNEMPLOYED,
    Context,
    per_community,
    resident_at,
    status_at_d,
    working_age_at,
)
from jiuye.standards.parameters import ratio


def masks(ctx: Context) -> dict:
    d = ctx.dibao
    households = d[(d["start"] <= ctx.D) & (ctx.D <= d["end"])]["hh"].unique()
    member = np.isin(ctx.persons["hh"].to_numpy(), households)
    status, _ = status_at_d(ctx)
    able = member & resident_at(ctx, ctx.D) & working_age_at(ctx, ctx.D) & np.isin(status, [EMPLOYED, UNEMPLOYED, NOT_WILLING])
    return {"able": able, "not_working": able & np.isin(status, [UNEMPLOYED, NOT_WILLING])}


def evaluate(ctx: Context) -> list[dict]:
    mk = masks(ctx)
    den = per_community(ctx, mk["able"])
    num = per_community(ctx, mk["not_working"])
    limit = ratio(ctx.params["s3_max_rate"])
    return [
        {
            "pass": d == 0 or n * limit.denominator <= limit.numerator * d,
            "value": round(n / d, 6) if d else None,
            "numerator": n,
            "denominator": d,
        }
        for n, d in zip(num.tolist(), den.tolist(), strict=True)
    ]
