"""Zero-employment households (零就业家庭), day by day up to D.

A household is zero-employment on t when its 户口性质 is 城镇 and, among its
members resident at t, at least one is in the labour force and none in the labour
force is 就业. Each member contributes the intervals on which they are resident,
of working age and 就业 or 失业; a sweep over the households' change points gives
the episodes (maximal runs), which may start years before P.
"""

import numpy as np
import pandas as pd

from jiuye.standards.context import EMPLOYED, UNEMPLOYED, Context


def episodes(ctx: Context) -> pd.DataFrame:
    """One row per episode: hh, start, eliminated (first day after the run; D+1 if ongoing at D)."""
    if "ze_episodes" in ctx.cache:
        return ctx.cache["ze_episodes"]
    s = ctx.statuses
    s = s[s["status"].isin([EMPLOYED, UNEMPLOYED])]
    p = ctx.persons.reindex(s["person"].to_numpy())
    urban = ctx.households["urban"].reindex(p["hh"].to_numpy()).to_numpy(dtype=bool)
    lo = np.maximum.reduce([s["start"].to_numpy(), p["res_start"].to_numpy(), p["age16"].to_numpy()])
    hi = np.minimum.reduce(
        [s["end"].to_numpy(), p["res_end"].to_numpy(), p["retire"].to_numpy() - 1, np.full(len(s), ctx.D)]
    )
    keep = (lo <= hi) & urban
    hh = p["hh"].to_numpy()[keep]
    lo, hi = lo[keep], hi[keep]
    employed = (s["status"].to_numpy() == EMPLOYED)[keep].astype(np.int64)
    unemployed = 1 - employed
    events = pd.DataFrame(
        {
            "hh": np.concatenate([hh, hh]),
            "t": np.concatenate([lo, hi + 1]),
            "dE": np.concatenate([employed, -employed]),
            "dU": np.concatenate([unemployed, -unemployed]),
        }
    )
    events = events.groupby(["hh", "t"], sort=True, as_index=False)[["dE", "dU"]].sum()
    cE = events.groupby("hh")["dE"].cumsum().to_numpy()
    cU = events.groupby("hh")["dU"].cumsum().to_numpy()
    zero = (cU > 0) & (cE == 0)
    hh_arr = events["hh"].to_numpy()
    t = events["t"].to_numpy()
    first_of_hh = np.ones(len(events), dtype=bool)
    first_of_hh[1:] = hh_arr[1:] != hh_arr[:-1]
    previous = np.zeros(len(events), dtype=bool)
    previous[1:] = zero[:-1]
    previous[first_of_hh] = False
    starts = np.flatnonzero(zero & ~previous)
    ends = np.flatnonzero(~zero & np.concatenate([[False], zero[:-1]]) & ~first_of_hh)
    # Each run ends at the next change point where the household is no longer zero-employment;
    # every interval closes by D + 1, so each start has its end, in order.
    result = pd.DataFrame({"hh": hh_arr[starts], "start": t[starts], "eliminated": t[ends]})
    ctx.cache["ze_episodes"] = result
    return result


def zero_employment_on(ctx: Context, hh: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Whether household ``hh[i]`` is zero-employment on ``day[i]`` (day ≤ D)."""
    ep = episodes(ctx)
    if len(hh) == 0 or len(ep) == 0:
        return np.zeros(len(hh), dtype=bool)
    query = pd.DataFrame({"hh": hh, "day": day, "i": np.arange(len(hh))})
    joined = query.merge(ep, on="hh")
    hit = joined[(joined["start"] <= joined["day"]) & (joined["day"] < joined["eliminated"])]["i"].to_numpy()
    result = np.zeros(len(hh), dtype=bool)
    result[hit] = True
    return result
