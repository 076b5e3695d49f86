from django import template

from jiuye.ledgers import idnumber

register = template.Library()


@register.filter
def mask_id(value: str) -> str:
    """500103198003150119 → 500103********0119"""
    return idnumber.mask(value or "")


@register.filter
def mask_phone(value: str) -> str:
    """13812345678 → 138****5678"""
    value = value or ""
    return value[:3] + "*" * max(0, len(value) - 7) + value[-4:] if len(value) > 7 else "*" * len(value)
