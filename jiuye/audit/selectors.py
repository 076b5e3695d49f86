"""Reading the audit log: district administrators see their district, city administrators everything."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from jiuye.accounts.models import Role
from jiuye.audit.models import AuditEvent

SEARCH_ROLES = (Role.DISTRICT, Role.CITY)


def audit_search_allowed(user) -> bool:
    return bool(user.is_authenticated and user.role in SEARCH_ROLES and user.scope_id)


def audit_events_visible(user) -> QuerySet:
    """Events under the user's district (by division code) plus the user's own; all for the city."""
    if not audit_search_allowed(user):
        return AuditEvent.objects.none()
    if user.role == Role.CITY:
        return AuditEvent.objects.all()
    return AuditEvent.objects.filter(Q(division_code__startswith=user.scope_code) | Q(user=user))


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_events_search(user, **filters) -> QuerySet:
    """The events ``user`` may see, filtered (see ``audit_events_filter``)."""
    return audit_events_filter(audit_events_visible(user), **filters)


def audit_events_filter(
    events: QuerySet,
    *,
    actor: str = "",
    action: str = "",
    target: str = "",
    division: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet:
    """Filters, each optional: actor and target contain the text, action and division code start
    with it (``login`` finds ``login.failed`` too), days inclusive in local time. Newest first."""
    if actor:
        events = events.filter(actor__icontains=actor)
    if action:
        events = events.filter(action__startswith=action)
    if target:
        events = events.filter(target__icontains=target)
    if division:
        events = events.filter(division_code__startswith=division)
    if since:
        events = events.filter(at__gte=_start_of(since))
    if until:
        events = events.filter(at__lt=_start_of(until + dt.timedelta(days=1)))
    return events.order_by("-at", "-id")


def audit_actions(user) -> list[str]:
    """The distinct actions the user can see, for the filter's suggestions."""
    return list(audit_events_visible(user).order_by("action").values_list("action", flat=True).distinct())
