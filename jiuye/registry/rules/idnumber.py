"""Resident ID numbers (GB 11643-1999): checksum, birth date and sex; masking of ID and phone numbers."""

import datetime as dt
import operator
import re

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


def birth_date(value: str) -> dt.date | None:
    try:
        return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


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
