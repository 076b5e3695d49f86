"""Date arithmetic of standards.md on whole arrays.

Dates are int64 day numbers (days since 1970-01-01). Adding months or years
clamps the day to the end of the target month, as ``dateutil.relativedelta``
does; ``OPEN`` stands for a blank end date (still open).
"""

import datetime as dt

import numpy as np
from dateutil.relativedelta import relativedelta

EPOCH = dt.date(1970, 1, 1)
OPEN = np.int64(10**7)  # far beyond any real date


def to_day(value: dt.date) -> int:
    return (value - EPOCH).days


def from_day(day) -> dt.date | None:
    day = int(day)
    return None if day >= OPEN else EPOCH + dt.timedelta(days=day)


def add_months_scalar(value: dt.date, months: int) -> dt.date:
    return value + relativedelta(months=months)


def split_ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d64 = days.astype("datetime64[D]")
    months = d64.astype("datetime64[M]")
    years = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (d64 - months).astype(np.int64) + 1
    return years, month, day


def add_months(days: np.ndarray, months) -> np.ndarray:
    """``days + months`` (array or scalar months), clamped once to the month's end."""
    days = np.asarray(days, dtype=np.int64)
    _, _, day = split_ymd(days)
    first = days.astype("datetime64[D]").astype("datetime64[M]") + np.asarray(months, dtype=np.int64)
    length = ((first + 1).astype("datetime64[D]") - first.astype("datetime64[D]")).astype(np.int64)
    return first.astype("datetime64[D]").astype(np.int64) + np.minimum(day, length) - 1
