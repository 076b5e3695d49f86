"""S7 Everyone unemployed is active; migrant workers served.

- active: every resident 失业 at D, of working age, whose 失业 spell started on or
  before D − 30 days has an active-preparation service with D − 90 days < date ≤ D;
- migrants: every resident at D whose 人员类别 contains 农民工 has a service in P.
"""

import numpy as np

from jiuye.standards.context import (
    UNEMPLOYED,
    Context,
    per_community,
    resident_at,
    status_at_d,
    working_age_at,
)


def masks(ctx: Context) -> dict:
    params = ctx.params
    status, spell = status_at_d(ctx)
    resident = resident_at(ctx, ctx.D)
    ids = ctx.persons.index.to_numpy()
    due = (
        resident
        & working_age_at(ctx, ctx.D)
        & (status == UNEMPLOYED)
        & (spell <= ctx.D - params["s7_active_after_days"])
    )
    sv = ctx.services
    window = sv[
        sv["type"].isin(params["s7_active_service_types"])
        & (sv["date"] > ctx.D - params["s7_active_window_days"])
        & (sv["date"] <= ctx.D)
    ]
    active = due & np.isin(ids, window["person"].unique())
    migrant = resident & ctx.persons["categories"].fillna("").str.contains("农民工", regex=False).to_numpy()
    served_in_p = sv[(sv["date"] >= ctx.p_start) & (sv["date"] <= ctx.D)]["person"].unique()
    served = migrant & np.isin(ids, served_in_p)
    return {"due": due, "active": active, "migrant": migrant, "served": served}


def evaluate(ctx: Context) -> list[dict]:
    mk = masks(ctx)
    counts = {k: per_community(ctx, v).tolist() for k, v in mk.items()}
    return [
        {
            "pass": a == d and s == mi,
            "active_numerator": a,
            "active_denominator": d,
            "migrant_numerator": s,
            "migrant_denominator": mi,
        }
        for a, d, s, mi in zip(counts["active"], counts["due"], counts["served"], counts["migrant"], strict=True)
    ]
