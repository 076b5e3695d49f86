"""Division codes as given on the command line and in the API."""

import re

from django.conf import settings

CODE_RE = re.compile(r"^(\d{6}|\d{9}|\d{12})$")


def normalize_division_code(code: str) -> str:
    """Return the code trimmed, or raise ValueError when it is not 6, 9 or 12 digits."""
    code = (code or "").strip()
    if not CODE_RE.match(code):
        raise ValueError(f"区划代码须为 6、9 或 12 位数字 / division code must have 6, 9 or 12 digits: {code!r}")
    return code


def is_city(code: str) -> bool:
    return code == settings.JIUYE_CITY_CODE


def community_prefix(code: str) -> str:
    """The prefix shared by the codes of every community under ``code`` ('' for the city)."""
    code = normalize_division_code(code)
    return "" if is_city(code) else code
