"""Reading the audit log: district administrators see their district, city administrators everything."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

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
    actions: list[str] | None = None,
    target: str = "",
    division: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet:
    """Filters, each optional: actor and target contain the text, action and division code start
    with it (``login`` finds ``login.failed`` too; the command line's ``--action``), ``actions``
    is a list of codes (the page's choice: one action or an area's), days inclusive in local
    time. Newest first."""
    if actor:
        events = events.filter(actor__icontains=actor)
    if action:
        events = events.filter(action__startswith=action)
    if actions is not None:
        events = events.filter(action__in=actions)
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
    """The distinct actions the user can see."""
    return list(audit_events_visible(user).order_by("action").values_list("action", flat=True).distinct())


# -- the events as the audit page shows them -------------------------------------------------------


def _link(url_name: str | None, value) -> str:
    if not url_name or value is None or isinstance(value, bool) or value == "":
        return ""
    try:
        return reverse(url_name, args=[value])
    except NoReverseMatch:
        return ""


def _value(key: str, value) -> str:
    """A detail value in words: yes/no, blank as —, lists and nested fields one after another."""
    from jiuye.audit.actions import DETAILS, action_name

    if value is None or value == "":
        return "—"
    if value is True:
        return str(_("yes"))
    if value is False:
        return str(_("no"))
    if isinstance(value, list):
        return "、".join(_value(key, v) for v in value) if value else "—"
    if isinstance(value, dict):
        return "; ".join(f"{DETAILS.get(k, (k, None))[0]} {_value(k, v)}" for k, v in value.items()) or "—"
    if key == "action":
        return str(action_name(str(value)))
    if key == "via" and value == "api":
        return str(_("the API"))
    return str(value)


def _actor(actor: str) -> str:
    if actor == "anonymous":
        return str(_("not logged in"))
    if actor == "cli" or actor.startswith("cli:"):
        who = actor.partition(":")[2]
        return str(_("command line (%(user)s)") % {"user": who}) if who else str(_("command line"))
    return actor


def _target(target: str) -> dict:
    from jiuye.audit.actions import TARGETS

    kind, sep, key = target.partition(":")
    if sep and kind in TARGETS and key:
        label, url_name = TARGETS[kind]
        text = f"{label} {key}" if kind == "community" else f"{label} #{key}"
        return {"text": text, "url": _link(url_name, key)}
    return {"text": target, "url": ""}


def audit_rows(events) -> list[dict]:
    """Each event as the page shows it: the action in words, the target and each detail with
    its label, and links to the records they concern (their pages check the reader's scope)."""
    from jiuye.audit.actions import DETAILS, action_name

    rows = []
    for event in events:
        details = []
        for key, value in (event.detail or {}).items():
            label, url_name = DETAILS.get(key, (key, None))
            url = _link(url_name, value) if isinstance(value, int | str) else ""
            details.append({"key": key, "label": label, "value": _value(key, value), "url": url})
        rows.append({"event": event, "at": event.at, "actor": _actor(event.actor), "action": event.action,
                     "name": action_name(event.action), "target": _target(event.target),
                     "division": event.division_code, "details": details})
    return rows
