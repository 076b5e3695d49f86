from django import template

from jiuye.registry.rules import idnumber

register = template.Library()


@register.filter
def mask_id(value: str) -> str:
    """500103198003150119 → 500103********0119"""
    return idnumber.mask(value or "")


@register.filter
def mask_phone(value: str) -> str:
    """13812345678 → 138****5678"""
    return idnumber.mask_phone(value)


@register.filter
def attr_htmx(field):
    """Render the registration date field so that changing it shows the guidance deadline."""
    from django.urls import reverse

    return field.as_widget(attrs={"hx-get": reverse("deadline"), "hx-trigger": "load, change", "hx-target": "#deadline"})


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key, "")
