"""S2 Zero-employment households (零就业家庭): none older than a month.

Pass when every household zero-employment at D has D ≤ start + s2_grace_months,
and every episode eliminated within P was eliminated on or before start + grace.
"""

import numpy as np

from jiuye.standards.context import Context
from jiuye.standards.dates import add_months
from jiuye.standards.zero_employment import episodes


def frames(ctx: Context):
    ep = episodes(ctx).copy()
    ep["deadline"] = add_months(ep["start"].to_numpy(), ctx.params["s2_grace_months"])
    ep["comm"] = ctx.households["comm"].reindex(ep["hh"].to_numpy()).to_numpy()
    current = ep[ep["eliminated"] == ctx.D + 1]
    overdue = current[current["deadline"] < ctx.D]
    late = ep[(ep["eliminated"] >= ctx.p_start) & (ep["eliminated"] <= ctx.D) & (ep["eliminated"] > ep["deadline"])]
    return current, overdue, late


def evaluate(ctx: Context) -> list[dict]:
    current, overdue, late = frames(ctx)
    n = ctx.n_communities
    zero = np.bincount(current["comm"].to_numpy(dtype=np.int64), minlength=n)
    over = np.bincount(overdue["comm"].to_numpy(dtype=np.int64), minlength=n)
    late_n = np.bincount(late["comm"].to_numpy(dtype=np.int64), minlength=n)
    return [
        {"pass": o == 0 and lt == 0, "zero_employment": z, "overdue": o, "eliminated_late": lt}
        for z, o, lt in zip(zero.tolist(), over.tolist(), late_n.tolist(), strict=True)
    ]
