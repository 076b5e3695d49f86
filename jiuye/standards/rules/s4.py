"""S4 Vocational guidance within 3 working days: 100%.

Every registration with 登记日期 R in P. Deadline(R) = the n-th working day strictly
after R. On time: a 职业指导 dated G with R ≤ G ≤ min(Deadline, D). Pending: not on
time and Deadline ≥ D (left out). Due: all others. Pass when on time = due.
"""

import datetime as dt

import numpy as np
import pandas as pd

from jiuye.standards.context import Context
from jiuye.standards.dates import from_day, to_day


def guidance_deadline(registered_on: dt.date) -> dt.date:
    """The deadline of one registration: the n-th working day strictly after it (n = ``s4_working_days``)."""
    from jiuye.standards.calendar import WorkdayCalendar
    from jiuye.standards.parameters import load_parameters

    days = load_parameters()["s4_working_days"]
    return WorkdayCalendar.from_database().nth_workday_after(registered_on, days)


def deadlines(ctx: Context, registered: np.ndarray) -> np.ndarray:
    """The deadline of each registration day, computed once per distinct day."""
    n = ctx.params["s4_working_days"]
    unique = np.unique(registered)
    table = {int(r): to_day(ctx.calendar.nth_workday_after(from_day(r), n)) for r in unique}
    return np.array([table[int(r)] for r in registered], dtype=np.int64) if len(registered) else np.zeros(0, np.int64)


def frame(ctx: Context) -> pd.DataFrame:
    r = ctx.registrations
    r = r[(r["registered"] >= ctx.p_start) & (r["registered"] <= ctx.D)].copy()
    r["deadline"] = deadlines(ctx, r["registered"].to_numpy())
    r["comm"] = ctx.persons["comm"].reindex(r["person"].to_numpy()).to_numpy()
    sv = ctx.services
    guidance = sv[sv["type"].isin(ctx.params["s4_guidance_service_types"])][["person", "date"]]
    joined = r[["id", "person", "registered", "deadline"]].merge(guidance, on="person")
    hit = joined[
        (joined["registered"] <= joined["date"]) & (joined["date"] <= np.minimum(joined["deadline"], ctx.D))
    ]
    r["on_time"] = r["id"].isin(hit["id"])
    r["pending"] = ~r["on_time"] & (r["deadline"] >= ctx.D)
    first_guidance = joined[joined["date"] >= joined["registered"]].groupby("id")["date"].min()
    r["guidance"] = r["id"].map(first_guidance)
    return r


def evaluate(ctx: Context) -> list[dict]:
    r = frame(ctx)
    n = ctx.n_communities
    comm = r["comm"].to_numpy(dtype=np.int64)
    on_time = np.bincount(comm[r["on_time"].to_numpy()], minlength=n)
    pending = np.bincount(comm[r["pending"].to_numpy()], minlength=n)
    due = np.bincount(comm[~r["pending"].to_numpy()], minlength=n)
    return [
        {"pass": o == d, "numerator": o, "denominator": d, "pending": p}
        for o, d, p in zip(on_time.tolist(), due.tolist(), pending.tolist(), strict=True)
    ]


def working_days_late(ctx: Context, registered: int, deadline: int, guidance) -> int | None:
    """How many working days after the deadline the guidance came (None if none yet)."""
    if guidance is None or pd.isna(guidance):
        end = ctx.D
    else:
        end = int(guidance)
    day, count = from_day(deadline), 0
    while to_day(day) < end:
        day += dt.timedelta(days=1)
        if ctx.calendar.is_workday(day):
            count += 1
    return count
