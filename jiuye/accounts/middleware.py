"""Session expiry (idle and absolute) and the second factor (TOTP) for the roles that need it."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import devices_for_user

STARTED = "jiuye_session_started"
SEEN = "jiuye_session_seen"


def _redirect(request, url: str):
    """A redirect; for an htmx request, one htmx follows with the whole page (not into a fragment)."""
    if request.headers.get("HX-Request"):
        return HttpResponse(headers={"HX-Redirect": url})
    return redirect(url)


def session_started(request) -> None:
    """Called at login: the session's clocks start now."""
    session = getattr(request, "session", None)
    if session is not None:
        session[STARTED] = session[SEEN] = int(time.time())


class SessionExpiryMiddleware:
    """Logs out after JIUYE_SESSION_IDLE_SECONDS without a request, or SESSION_COOKIE_AGE after login.

    The last-seen time is written at most every tenth of the idle time (a minute at most),
    so a busy user does not write their session on every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and request.user.is_authenticated:
            now = int(time.time())
            idle = settings.JIUYE_SESSION_IDLE_SECONDS
            started, seen = session.get(STARTED), session.get(SEEN)
            if started is None or seen is None:
                session[STARTED] = session[SEEN] = now
            elif (idle and now - seen > idle) or now - started > settings.SESSION_COOKIE_AGE:
                request.jiuye_logout_reason = "idle" if idle and now - seen > idle else "max-age"
                logout(request)
                messages.warning(request, _("Your session has expired. Please log in again."))
                if request.headers.get("HX-Request"):
                    return _redirect(request, reverse("login"))
            elif now - seen >= min(60, idle // 10 if idle else 60):
                session[SEEN] = now
        return self.get_response(request)


def _is_api(path: str) -> bool:
    return path.startswith("/api/")


def _exempt(path: str) -> bool:
    """Pages an unverified user may still open: logging in and out, the second factor, public pages."""
    open_prefixes = (
        reverse("login"), reverse("logout"), reverse("otp_verify"), reverse("otp_setup"),
        "/notice/", "/i18n/", "/" + settings.STATIC_URL.lstrip("/"),
    )
    return path.startswith(open_prefixes)


class OTPRequiredMiddleware:
    """Users whose role is in JIUYE_OTP_REQUIRED_ROLES must enter a TOTP code after their password.

    Pages send them to the code page (or to enrolment when they have no device yet); the
    API refuses their session (403). API calls with a Bearer token are left to the API's
    own authentication: tokens are handed out by administrators."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        path = request.path_info
        if (
            user.is_authenticated
            and user.role in settings.JIUYE_OTP_REQUIRED_ROLES
            and not getattr(user, "is_verified", lambda: False)()
            and not _exempt(path)
        ):
            if _is_api(path):
                if request.headers.get("Authorization", "").startswith("Bearer "):
                    return self.get_response(request)
                return JsonResponse(
                    {"detail": "需要二次验证（动态口令） / a second factor (TOTP) is required for this session"},
                    status=403,
                )
            enrolled = any(devices_for_user(user, confirmed=True))
            target = reverse("otp_verify" if enrolled else "otp_setup")
            return _redirect(request, target + "?" + urlencode({"next": request.get_full_path()}))
        return self.get_response(request)
