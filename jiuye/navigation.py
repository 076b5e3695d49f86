"""Which pages the user may open, for the navigation: a link the user could not follow is not shown.

A context processor (``settings.TEMPLATES``): templates read ``nav.<page>`` (True when the
user may open it) and ``nav.current`` (the URL name of the page shown, for
``aria-current``). The rules are the views' own: a scope for the register's pages, the
community worker's role for the Today queue (everyone else's home is the standing page),
district and city administrators for the audit log, district and city users (and
superusers) for the December filing. It sits at the top of the layers because it asks
the apps above the register.
"""

from jiuye.audit.selectors import audit_search_allowed
from jiuye.registry.scoping import scope_prefix

ROLE_COMMUNITY = "community"
FILING_ROLES = ("district", "city")


def pages_for(user) -> dict[str, bool]:
    """Each page of the navigation → whether ``user`` may open it."""
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    scoped = scope_prefix(user) is not None
    role = getattr(user, "role", "") or ""
    return {
        "today": role == ROLE_COMMUNITY,
        "community": role == ROLE_COMMUNITY,  # writes made for one community (a new vacancy, employer, post)
        "search": scoped,
        "zero": scoped,
        "jobs": scoped,
        "ledgers": scoped,
        "standing": scoped,
        "dashboard": scoped,
        "certification": scoped,
        "rechecks": scoped,
        "filing": role in FILING_ROLES or bool(user.is_superuser),
        "subsidies": scoped,
        "reports": scoped,
        "audit": audit_search_allowed(user),
    }


def navigation(request) -> dict:
    match = getattr(request, "resolver_match", None)
    nav = pages_for(getattr(request, "user", None))
    nav["current"] = match.url_name if match else ""
    return {"nav": nav}
