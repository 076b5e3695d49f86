"""Hardship (就业困难) on a given day, per standards.md S6.

Any of: women aged ≥ 40 or men aged ≥ 50 (4050人员, reached on the birthday); a
member of a household whose 低保 episode covers t; a member of a household
zero-employment on t; 人员类别 contains 残疾人; a 失业 spell covering t that
started on or before t − 12 months.
"""

import numpy as np
import pandas as pd

from jiuye.standards.context import UNEMPLOYED, Context
from jiuye.standards.dates import add_months
from jiuye.standards.zero_employment import zero_employment_on


def in_hardship(ctx: Context, person: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Whether ``person[i]`` is in hardship on ``day[i]``."""
    params = ctx.params
    p = ctx.persons.reindex(person)
    male = p["male"].to_numpy(dtype=bool)
    birth = p["birth"].to_numpy()
    age_limit = np.where(male, params["hardship_age_men"], params["hardship_age_women"]) * 12
    result = day >= add_months(birth, age_limit)
    result |= p["categories"].fillna("").str.contains("残疾人", regex=False).to_numpy()
    hh = p["hh"].to_numpy()
    result |= _dibao_on(ctx, hh, day)
    result |= zero_employment_on(ctx, hh, day)
    result |= _long_unemployed_on(ctx, person, day, params["hardship_long_term_months"])
    return result


def _dibao_on(ctx: Context, hh: np.ndarray, day: np.ndarray) -> np.ndarray:
    query = pd.DataFrame({"hh": hh, "day": day, "i": np.arange(len(hh))})
    joined = query.merge(ctx.dibao, on="hh")
    hit = joined[(joined["start"] <= joined["day"]) & (joined["day"] <= joined["end"])]["i"].to_numpy()
    result = np.zeros(len(hh), dtype=bool)
    result[hit] = True
    return result


def _long_unemployed_on(ctx: Context, person: np.ndarray, day: np.ndarray, months: int) -> np.ndarray:
    s = ctx.statuses
    s = s[s["status"] == UNEMPLOYED]
    query = pd.DataFrame({"person": person, "day": day, "i": np.arange(len(person))})
    joined = query.merge(s, on="person")
    covering = joined[(joined["start"] <= joined["day"]) & (joined["day"] <= joined["end"])]
    long_term = covering["spell_start"].to_numpy() <= add_months(covering["day"].to_numpy(), -months)
    result = np.zeros(len(person), dtype=bool)
    result[covering["i"].to_numpy()[long_term]] = True
    return result
