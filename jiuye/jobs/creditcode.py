"""The unified social credit code (统一社会信用代码, GB 32100-2015) of an employer."""

from jiuye.jobs.occupations import normalize_text

CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    total = sum(CREDIT_CHARSET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARSET[(31 - total % 31) % 31]


def credit_code_valid(value) -> bool:
    """Whether ``value`` is an 18-character unified social credit code with a correct check character."""
    code = normalize_text(value).upper()
    if len(code) != 18 or any(c not in CREDIT_CHARSET for c in code):
        return False
    return credit_code_check_char(code[:17]) == code[17]
