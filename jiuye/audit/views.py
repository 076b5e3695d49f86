"""The audit log, read-only, for district and city administrators. Looking at it is audited too."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jiuye.audit import selectors
from jiuye.audit.forms import AuditSearchForm
from jiuye.audit.services import audit_event_record

PAGE_SIZE = 50


@login_required
@require_GET
def search(request):
    user = request.user
    if not selectors.audit_search_allowed(user):
        raise PermissionDenied
    form = AuditSearchForm(request.GET, seen=selectors.audit_actions(user))
    valid = form.is_valid()
    events = selectors.audit_events_search(user, **form.filters()) if valid else selectors.audit_events_visible(user).none()
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # read before this very look is audited
    # Every other page keeps the filters: only the page number changes.
    query = request.GET.copy()
    query.pop("page", None)
    audit_event_record(
        user=user, action="audit.view", target="audit", division_code=user.scope_code or "",
        detail={"filters": {k: str(v) for k, v in (form.cleaned_data if valid else {}).items() if v},
                "page": page.number},
    )
    return render(request, "audit/search.html", {
        "form": form, "page": page, "rows": selectors.audit_rows(page.object_list), "query": query.urlencode(),
    })
