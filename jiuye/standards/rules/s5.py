"""S5 No long-term unemployed among the registered (长期失业).

Registered unemployed at D: a registration active at D ([登记日期, 注销日期)) and
status 失业 at D. Long-term: the 失业 spell covering D started on or before
D − s5_long_term_months. Counts persons; pass when there are none.
"""

import numpy as np

from jiuye.standards.context import UNEMPLOYED, Context, per_community, status_at_d
from jiuye.standards.dates import add_months


def mask(ctx: Context) -> np.ndarray:
    r = ctx.registrations
    active = r[(r["registered"] <= ctx.D) & (ctx.D < r["cancelled"])]["person"].unique()
    status, spell = status_at_d(ctx)
    limit = add_months(np.array([ctx.D]), -ctx.params["s5_long_term_months"])[0]
    registered = np.isin(ctx.persons.index.to_numpy(), active)
    return registered & (status == UNEMPLOYED) & (spell <= limit)


def evaluate(ctx: Context) -> list[dict]:
    long_term = per_community(ctx, mask(ctx))
    return [{"pass": n == 0, "long_term": n} for n in long_term.tolist()]
