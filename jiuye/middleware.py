"""Chinese by default; English (or another listed language) only when the user picks it."""

from django.conf import settings
from django.utils import translation


class DefaultChineseLocaleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class DatabaseUnavailableMiddleware:
    """A database that is restarting or unreachable gives a clear 503 (with Retry-After),
    not a server error; a connection is checked before each request reuses it (and the broken
    ones closed here), so the next request after the database is back is served without
    restarting the application."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db import InterfaceError, OperationalError, connections
        from django.http import HttpResponse

        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        import logging

        # The error's type and SQLSTATE only: a driver's message may quote data.
        sqlstate = getattr(exception.__cause__, "sqlstate", None) or "-"
        logging.getLogger("jiuye").warning("database unavailable: %s (SQLSTATE %s)", type(exception).__name__, sqlstate)
        for connection in connections.all(initialized_only=True):
            connection.close_if_unusable_or_obsolete()
        response = HttpResponse(
            "数据库暂时不可用，请稍后重试。/ The database is briefly unavailable; please try again.",
            status=503, content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = "5"
        return response


class StartupProblemMiddleware:
    """While a problem of start-up stands (``jiuye.checks.startup_problem``: a field key that does
    not match the database), every request is answered 503 with its message, instead of a
    page that fails (a 500 on every page showing a person). First in the chain after the
    security middleware: nothing else runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from jiuye.checks import startup_problem

        try:
            problem = startup_problem(thorough=False)
        except Exception:  # noqa: BLE001 - cannot be told now (e.g. no database): the request says so itself
            problem = None
        if problem:
            from django.http import HttpResponse

            response = HttpResponse(problem, status=503, content_type="text/plain; charset=utf-8")
            response["Retry-After"] = "60"
            return response
        return self.get_response(request)
