"""Logins in the audit log: success, failure (never the password) and lockout by django-axes."""

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from jiuye.accounts.models import User
from jiuye.audit.services import audit_event_record


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or the header the reverse proxy sets (JIUYE_CLIENT_IP_HEADER)."""
    if request is None:
        return ""
    header = settings.JIUYE_CLIENT_IP_HEADER
    if header:
        forwarded = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


def _scope_of(username: str) -> str:
    """The division of the account a login attempt names, so its district sees the attempt."""
    user = User.objects.filter(username=username).select_related("scope").first()
    return (user.scope_code or "") if user else ""


@receiver(user_logged_in, dispatch_uid="jiuye-login")
def _logged_in(sender, request, user, **kwargs):
    from jiuye.accounts.middleware import session_started

    session_started(request)
    audit_event_record(user=user, action="login", target=user.get_username(),
                       division_code=user.scope_code or "", detail={"ip": client_ip(request)})


@receiver(user_logged_out, dispatch_uid="jiuye-logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        detail = {"ip": client_ip(request)}
        reason = getattr(request, "jiuye_logout_reason", "")  # the session expired (middleware)
        if reason:
            detail["expired"] = reason
        audit_event_record(user=user, action="logout", target=user.get_username(),
                           division_code=user.scope_code or "", detail=detail)


@receiver(user_login_failed, dispatch_uid="jiuye-login-failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    # Django has already replaced the password in ``credentials``; only the user name is kept.
    username = str(credentials.get("username") or "")[:150]
    audit_event_record(actor="anonymous", action="login.failed", target=username,
                       division_code=_scope_of(username), detail={"ip": client_ip(request)})


@receiver(user_locked_out, dispatch_uid="jiuye-login-locked")
def _locked_out(sender, request, username, ip_address, **kwargs):
    username = str(username or "")[:150]
    audit_event_record(actor="anonymous", action="login.locked", target=username,
                       division_code=_scope_of(username), detail={"ip": ip_address or ""})
