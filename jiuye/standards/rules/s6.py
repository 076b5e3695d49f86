"""S6 Policies, targets, complaints.

- targets: each 目标任务 row of year(D) has actual ≥ target; 再就业人数 and
  就业困难人员再就业人数 are computed (see ``reemployment``), others take 实际值.
- complaints: no valid complaint dated in P.
- outreach: every registration with R in P and R ≤ D − 30 days has a 政策宣传 or
  政策咨询 dated in [R, D].
"""

import datetime as dt

import numpy as np
import pandas as pd

from jiuye.registry.rules.schema import COMPUTED_INDICATORS
from jiuye.standards.context import EMPLOYED, UNEMPLOYED, Context
from jiuye.standards.dates import to_day
from jiuye.standards.hardship import in_hardship


def reemployment(ctx: Context) -> pd.DataFrame:
    """Re-employment starts s (Jan 1 of year(D) ≤ s ≤ D, s − 1 in a 失业 spell), with hardship on s − 1."""
    s = ctx.statuses
    jan1 = to_day(dt.date(ctx.as_of.year, 1, 1))
    jobs = s[(s["status"] == EMPLOYED) & (s["start"] >= jan1) & (s["start"] <= ctx.D)][["person", "start"]]
    unemployed = s[s["status"] == UNEMPLOYED][["person", "start", "end"]]
    joined = jobs.merge(unemployed, on="person", suffixes=("", "_u"))
    day_before = joined["start"] - 1
    joined = joined[(joined["start_u"] <= day_before) & (day_before <= joined["end"])][["person", "start"]]
    joined = joined.drop_duplicates().reset_index(drop=True)
    joined["hardship"] = in_hardship(ctx, joined["person"].to_numpy(), joined["start"].to_numpy() - 1)
    joined["comm"] = ctx.persons["comm"].reindex(joined["person"].to_numpy()).to_numpy()
    return joined


def outreach_frame(ctx: Context) -> pd.DataFrame:
    r = ctx.registrations
    limit = ctx.D - ctx.params["s6_outreach_after_days"]
    r = r[(r["registered"] >= ctx.p_start) & (r["registered"] <= limit)].copy()
    r["comm"] = ctx.persons["comm"].reindex(r["person"].to_numpy()).to_numpy()
    sv = ctx.services
    outreach = sv[sv["type"].isin(ctx.params["s6_outreach_service_types"])][["person", "date"]]
    joined = r[["id", "person", "registered"]].merge(outreach, on="person")
    hit = joined[(joined["registered"] <= joined["date"]) & (joined["date"] <= ctx.D)]
    r["reached"] = r["id"].isin(hit["id"])
    return r


def computed_actuals(ctx: Context) -> dict[str, np.ndarray]:
    re = reemployment(ctx)
    n = ctx.n_communities
    persons = re.drop_duplicates("person")
    hardship = re[re["hardship"]].drop_duplicates("person")
    return {
        COMPUTED_INDICATORS[0]: np.bincount(persons["comm"].to_numpy(dtype=np.int64), minlength=n),
        COMPUTED_INDICATORS[1]: np.bincount(hardship["comm"].to_numpy(dtype=np.int64), minlength=n),
    }


def evaluate(ctx: Context) -> list[dict]:
    n = ctx.n_communities
    computed = computed_actuals(ctx)
    unmet: list[set] = [set() for _ in range(n)]
    for comm, indicator, target, actual in ctx.targets[["comm", "indicator", "target", "actual"]].itertuples(index=False):
        comm = int(comm)
        value = int(computed[indicator][comm]) if indicator in computed else int(0 if pd.isna(actual) else actual)
        if value < target:
            unmet[comm].add(indicator)
    c = ctx.complaints
    valid = c[(c["valid"].astype(bool)) & (c["date"] >= ctx.p_start) & (c["date"] <= ctx.D)]
    complaints = np.bincount(valid["comm"].to_numpy(dtype=np.int64), minlength=n).tolist()
    o = outreach_frame(ctx)
    comm = o["comm"].to_numpy(dtype=np.int64)
    den = np.bincount(comm, minlength=n).tolist()
    num = np.bincount(comm[o["reached"].to_numpy()], minlength=n).tolist()
    return [
        {
            "pass": not unmet[i] and complaints[i] == 0 and num[i] == den[i],
            "targets_unmet": sorted(unmet[i]),
            "valid_complaints": complaints[i],
            "outreach_numerator": num[i],
            "outreach_denominator": den[i],
        }
        for i in range(n)
    ]
