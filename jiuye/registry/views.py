"""Register pages: search, person and household with their dated history."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_POST

from jiuye.audit.services import audit_event_record
from jiuye.ledgers import idnumber
from jiuye.registry import models as m
from jiuye.registry import selectors


def can_reveal(user) -> bool:
    return user.is_superuser or user.has_perm("registry.view_full_id")


@login_required
def search(request):
    query = request.GET.get("q", "")
    people = selectors.person_search(request.user, query)
    template = "registry/_results.html" if request.headers.get("HX-Request") else "registry/search.html"
    return render(request, template, {"query": query, "people": people})


@login_required
def person(request, pk: int):
    try:
        context = selectors.person_detail(request.user, pk)
    except m.Person.DoesNotExist:
        raise Http404 from None
    context["can_reveal"] = can_reveal(request.user)
    return render(request, "registry/person.html", context)


@login_required
@require_POST
def reveal(request, pk: int):
    """Show one person's full ID and phone numbers: needs the permission and a reason; logged."""
    try:
        context = selectors.person_detail(request.user, pk)
    except m.Person.DoesNotExist:
        raise Http404 from None
    reason = request.POST.get("reason", "").strip()
    person = context["person"]
    if not can_reveal(request.user) or not reason:
        context.update({"can_reveal": can_reveal(request.user), "reveal_error": True})
        return render(request, "registry/person.html", context, status=403 if not can_reveal(request.user) else 400)
    audit_event_record(user=request.user, action="person.reveal_id", target=f"person:{person.pk}",
                       division_code=person.household.community.code, detail={"reason": reason})
    context.update({"can_reveal": True, "revealed": True})
    return render(request, "registry/person.html", context)


@login_required
def household(request, pk: int):
    try:
        context = selectors.household_detail(request.user, pk)
    except m.Household.DoesNotExist:
        raise Http404 from None
    return render(request, "registry/household.html", context)


def masked(value: str) -> str:
    return idnumber.mask(value)
