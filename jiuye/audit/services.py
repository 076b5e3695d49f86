"""Writing audit events. Callers never pass ID or phone numbers in ``detail``."""

import getpass

from jiuye.audit.models import AuditEvent


def _actor(user) -> str:
    if user is not None and getattr(user, "is_authenticated", False):
        return user.get_username()
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "cli"


def audit_event_record(*, user=None, action: str, target: str = "", division_code: str = "", detail=None,
                       actor: str | None = None):
    """``actor`` names who acted when there is no user (``anonymous`` for a failed login)."""
    return AuditEvent.objects.create(
        user=user if user is not None and getattr(user, "pk", None) else None,
        actor=actor or _actor(user),
        action=action,
        target=target,
        division_code=division_code,
        detail=detail or {},
    )
