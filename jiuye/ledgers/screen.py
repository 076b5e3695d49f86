"""A ledger's page on screen: its rows of one page rendered as table rows, once per page.

The whole ledger (``rows.ledger_page_rows``, cached per revision) is a few thousand rows; a
view shows 100 of them. Reading all of them back from the cache and rendering the page's cells
took most of a cached view (a 1,400-row ledger: ~14 ms to unpickle, ~15 ms to render), so the
rendered page is cached too, under the same revision, per page number and language.
"""

import datetime as dt

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.utils import formats, translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

PAGE_SIZE = 100  # rows per page on screen; the workbook holds them all
MAX_PAGE = 10_000  # a page number past this is read as this one (a bounded number of cached pages)


def cell_text(value) -> str:
    """A cell as the screen shows it: nothing for an empty cell, a date as 2026-06-30, any other
    value as the template would show it (localised numbers)."""
    if value is None:
        return ""
    if type(value) is dt.date:
        return value.isoformat()
    if isinstance(value, dt.date):  # a datetime: the date filter's own rendering
        return formats.date_format(value, "Y-m-d")
    return str(formats.localize(value))


def table_body(rows) -> str:
    """The rows of one page as table rows: plain text cells, each escaped (a page shows up to
    100 rows of up to 20 cells; the template language took longer than the rest of the page)."""
    return mark_safe("".join(
        "<tr>" + "".join(f"<td>{escape(cell_text(v))}</td>" for v in row) + "</tr>" for row in rows))


def _page_number(requested) -> int:
    try:
        return max(1, min(int(str(requested)), MAX_PAGE))
    except (TypeError, ValueError):
        return 1  # as Paginator.get_page reads a page that is not a number


def ledger_screen_page(*, user, slug: str, division_code: str, as_of: dt.date, filters=None,
                       page=None, memo: dict | None = None) -> tuple[list, Page, str]:
    """(columns, page, body): the ledger's columns, the page asked for (a ``Page`` of the rows'
    count: its numbers and neighbours) and its rows rendered (``table_body``). Computed once per
    division, date, filters, page, language, day and revision, under the key of the ledger's
    rows (``rows.ledger_cache_key``: a search is not cached; the user's scope is checked before
    any cached page). ``memo``: as for ``ledger_page_rows``."""
    from jiuye.divisions.revisions import cached
    from jiuye.ledgers.printed.rows import ledger_cache_key, ledger_page_rows

    number = _page_number(page)

    def render() -> tuple[list, int, int, str]:
        columns, rows = ledger_page_rows(user=user, slug=slug, division_code=division_code, as_of=as_of,
                                         filters=filters, memo=memo)
        shown = Paginator(rows, PAGE_SIZE).get_page(number)
        return columns, len(rows), shown.number, str(table_body(shown.object_list))

    key = ledger_cache_key(user=user, slug=slug, division_code=division_code, as_of=as_of, filters=filters)
    if key is None:
        columns, count, shown, body = render()
    else:
        scope, (ledger, division, day, *shown_filters) = key
        columns, count, shown, body = cached("ledger-screen", scope, dt.date.today(), render, ledger, division, day,
                                             number, get_language(), *shown_filters)
    return columns, Paginator(range(count), PAGE_SIZE).get_page(shown), mark_safe(body)


def ledger_pages_warm(*, community: str, today: dt.date) -> int:
    """Compute the rows and the first screen page of each ledger of a community, as of ``today``
    and unfiltered (what a worker opens), into the page cache (the nightly run, after the
    community's desk pages), as one of its workers sees it. The number of ledgers computed."""
    from jiuye.accounts.models import Role, User
    from jiuye.ledgers.printed.definitions import LEDGERS

    user = (User.objects.filter(is_active=True, role=Role.COMMUNITY, scope__code=community)
            .select_related("scope").order_by("pk").first())
    if user is None:
        return 0
    memo: dict = {}  # the division's persons, statuses, registrations and services read once for the ten
    with translation.override(settings.LANGUAGE_CODE):
        for ledger in LEDGERS:  # its rows and its first page
            ledger_screen_page(user=user, slug=ledger.slug, division_code=community, as_of=today, memo=memo)
    return len(LEDGERS)
