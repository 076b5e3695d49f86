"""The ten ledgers in the browser: a filterable list each, and a workbook to print."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from jiuye.divisions.models import Division
from jiuye.ledgers.screen import PAGE_SIZE, ledger_screen_page
from jiuye.registry.scoping import scope_prefix

FILTER_KEYS = ("q", "status", "category", "date_from", "date_to")


def _division_code(request) -> str:
    code = request.GET.get("division") or (request.user.scope_code if request.user.scope_id else "")
    if not code:
        raise PermissionDenied
    return code


def _as_of(request) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("as_of", ""))
    except ValueError:
        return dt.date.today()


def _filters(request, ledger) -> dict:
    return {k: request.GET.get(k, "").strip() for k in FILTER_KEYS if k in ledger.filters and request.GET.get(k)}


@login_required
def index(request):
    from jiuye.ledgers.printed import LEDGERS  # with pandas and openpyxl: not at start-up

    if scope_prefix(request.user) is None:
        raise PermissionDenied
    return render(request, "ledgers/index.html", {"ledgers": LEDGERS, "english": get_language() == "en"})


@login_required
def ledger(request, slug: str):
    from jiuye.ledgers.printed import BY_SLUG, LedgerError, can_reveal_ids  # not at start-up

    spec = BY_SLUG.get(slug)
    if spec is None:
        raise Http404
    code, as_of, filters = _division_code(request), _as_of(request), _filters(request, spec)
    error = None
    try:
        columns, page, body = ledger_screen_page(user=request.user, slug=slug, division_code=code, as_of=as_of,
                                                 filters=filters, page=request.GET.get("page"))
    except LedgerError as exc:
        columns, error = [], str(exc)
        page, body = Paginator([], PAGE_SIZE).get_page(1), ""
    except (Division.DoesNotExist, ValueError):
        raise Http404 from None
    english = get_language() == "en"
    # The other pages and the workbook keep the division, the date and the filters.
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("reveal", None)
    return render(request, "ledgers/ledger.html", {
        "ledger": spec, "columns": columns, "page": page, "body": body, "error": error,
        "as_of": as_of,
        "filters": filters, "division": code, "english": english, "can_reveal": can_reveal_ids(request.user),
        "title": spec.en if english else spec.zh, "query": query.urlencode(),
    })


@login_required
def workbook(request, slug: str):
    from jiuye.ledgers.printed import BY_SLUG, LedgerError, ledger_workbook  # not at start-up

    if slug not in BY_SLUG:
        raise Http404
    spec = BY_SLUG[slug]
    code, as_of = _division_code(request), _as_of(request)
    reveal = request.GET.get("reveal") == "1"
    try:
        data = ledger_workbook(user=request.user, slug=slug, division_code=code, as_of=as_of,
                               filters=_filters(request, spec), reveal_ids=reveal)
    except LedgerError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    except (Division.DoesNotExist, ValueError):
        raise Http404 from None
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    filename = f"{spec.zh}-{code}-{as_of.isoformat()}.xlsx"
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
