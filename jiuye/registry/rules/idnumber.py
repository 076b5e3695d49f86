"""Resident ID numbers (GB 11643-1999): checksum, birth date and sex; masking of ID and phone numbers."""

import datetime as dt
import operator
import re
from functools import cache

from jiuye.registry.rules.widths import ascii_forms, trim

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_RE = re.compile(r"^\d{17}[\dX]$", re.ASCII)


def normalize(value: str) -> str:
    """Trimmed, full-width forms read as ASCII, a lowercase x as X."""
    return ascii_forms(trim(value)).upper()


def check_digit(first17: str) -> str:
    if len(first17) != 17:
        raise ValueError("17 digits expected")
    return _CHECK[sum(map(operator.mul, map(int, first17), _WEIGHTS)) % 11]


def is_valid(value: str) -> bool:
    """Shape and checksum (a lowercase x must be normalised first)."""
    return bool(_RE.match(value)) and check_digit(value[:17]) == value[17]


@cache
def _arrays():
    import numpy as np  # only an import needs it (not every command's start)

    return np, np.array(_WEIGHTS, dtype=np.float64), np.frombuffer(_CHECK.encode(), dtype=np.uint8)


def valid_column(values: list) -> list[bool]:
    """``is_valid`` of each of many values (an import's column), in a few array passes: True
    where the value is 18 ASCII characters that pass the check. False says only "not shown
    valid here": such a value (another length, non-ASCII, a failing check) is for ``is_valid``
    to judge, one at a time (as every value of a short column is)."""
    if len(values) < 1000:
        return [False] * len(values)
    np, weights, codes = _arrays()
    flags = np.zeros(len(values), dtype=bool)
    if set(map(type, values)) == {str} and set(map(len, values)) == {18} and "".join(values).isascii():
        candidates = slice(None)  # the usual column: every value a candidate, found so in C
        chosen = values
    else:
        candidates = [i for i, v in enumerate(values) if type(v) is str and len(v) == 18 and v.isascii()]
        chosen = list(map(values.__getitem__, candidates))
    if chosen:
        cells = np.frombuffer("".join(chosen).encode("ascii"), dtype=np.uint8).reshape(-1, 18)
        digits = cells[:, :17].astype(np.int16) - 48
        last = cells[:, 17]
        shaped = ((digits >= 0) & (digits <= 9)).all(axis=1) & (((last >= 48) & (last <= 57)) | (last == 88))
        # The weighted sum as floats (exact: at most 17 * 10 * 9) runs as one matrix product.
        sums = (np.clip(digits, 0, 9).astype(np.float64) @ weights).astype(np.int64)
        flags[candidates] = shaped & (codes[sums % 11] == last)
    return flags.tolist()


def birth_date(value: str) -> dt.date | None:
    try:
        return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def birth_dates(values: list) -> list:
    """``birth_date`` of each of many ID numbers, each distinct date read once."""
    one_each = {value[6:14]: value for value in values}  # an ID number per distinct date text
    by_text = {text: birth_date(value) for text, value in one_each.items()}
    return [by_text[value[6:14]] for value in values]


def sex(value: str) -> str:
    """男 when the 17th digit is odd, 女 when even."""
    return "男" if int(value[16]) % 2 else "女"


def mask(value: str) -> str:
    """Masked for display: the first 6 and last 4 characters (500103********0119)."""
    if not value:
        return ""
    return value[:6] + "*" * max(0, len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """13812345678 → 138****5678 (short numbers: every character masked)."""
    value = value or ""
    return value[:3] + "*" * max(0, len(value) - 7) + value[-4:] if len(value) > 7 else "*" * len(value)
