"""One page of a list page's rows, and the filters its page links keep (``templates/_pages.html``)."""

from django.core.paginator import Page, Paginator

PAGE_SIZE = 25


def list_page(request, rows, size: int = PAGE_SIZE, number=None) -> tuple[Page, str]:
    """The requested page of ``rows`` (``?page=``, or ``number``) and the query string of the
    filters, without the page number and without any value that may hold an ID or phone
    number (such a value never travels in a URL: ``selectors.carries_number``)."""
    from jiuye.registry.selectors import carries_number

    if getattr(rows, "ordered", True) is False:  # an annotated list loses its model's order: pages need one
        rows = rows.order_by(*(rows.model._meta.ordering or ["pk"]))
    page = Paginator(rows, size).get_page(number if number is not None else request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    for key in [k for k, values in query.lists() if any(carries_number(v) for v in values)]:
        query.pop(key)
    return page, query.urlencode()
