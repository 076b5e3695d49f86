"""Error pages in the user's language, inside the site's layout: 400, 403, 404, 500 and a
refused form (CSRF). ``jiuye/urls.py`` names the handlers, ``settings.CSRF_FAILURE_VIEW``
the last one; the lockout after failed logins is the login page (``accounts.views.locked_out``).

The language is the one the locale middleware chose for the request (Chinese unless the
user picked another). A refusal's own message is shown in that language only when it is
meant for the user (``PermissionDenied("…")``); an error page never repeats what was asked
for (not even in the language menu, which goes back to the start page: the address may
name a division or a record the user may not know of).
"""

from django.shortcuts import render
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

from jiuye.bilingual import one_language

HOME = {"language_next": "/"}  # the language menu of an error page leads to the start page


@requires_csrf_token
def bad_request(request, exception=None):
    return render(request, "400.html", HOME, status=400)


@requires_csrf_token
def permission_denied(request, exception=None):
    reason = str(exception) if exception is not None and exception.args else ""
    return render(request, "403.html", {**HOME, "reason": one_language(reason)}, status=403)


@requires_csrf_token
def page_not_found(request, exception=None):
    return render(request, "404.html", HOME, status=404)


def server_error(request):
    """Rendered without the request's context processors (they may be what failed: the
    database, the session), so the page has no user menu and no navigation."""
    from django.http import HttpResponseServerError

    return HttpResponseServerError(loader.get_template("500.html").render({"plain": True}))


def csrf_failure(request, reason=""):
    """A form sent without its security token, or with an old one (the page was open too long,
    or the session ended): say so and how to go on. Django's reason is not shown."""
    from django.utils.http import url_has_allowed_host_and_scheme

    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = ""
    return render(request, "403_csrf.html", {**HOME, "back": back}, status=403)
