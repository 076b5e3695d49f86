"""Register pages: search, person and household with their dated history."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_POST

from jiuye.audit.services import audit_event_record
from jiuye.registry import models as m
from jiuye.registry import selectors
from jiuye.registry.scoping import can_reveal_ids

SEARCH_LIMIT = 500  # matches found at most, shown a page at a time


@login_required
def search(request):
    """Find a resident. The form (and its live results) POST the query, so that an ID or phone
    number never travels in a URL; a name or pinyin initials may still be linked as ``?q=``.
    A number typed into the address bar is not searched: the page sends the worker to the
    form, at an address without it (so that no link of the page repeats it)."""
    if request.method == "POST":
        query = request.POST.get("q", "")
    else:
        query = request.GET.get("q", "")
        if selectors.carries_number(query):
            from django.contrib import messages
            from django.shortcuts import redirect
            from django.utils.translation import gettext as _

            messages.warning(request, _("ID and phone numbers are not searched from the address bar: type the "
                                        "number in the search box."))
            return redirect("search")
    from jiuye.registry.paging import list_page

    people = selectors.person_search(request.user, query, limit=SEARCH_LIMIT)
    # A search sent by the form pages by POST (the query stays out of URLs); a linked ?q=name by links.
    page, filters = list_page(request, people, number=request.POST.get("page") if request.method == "POST" else None)
    template = "registry/_results.html" if request.headers.get("HX-Request") else "registry/search.html"
    return render(request, template, {"query": query, "people": page.object_list, "page": page, "filters": filters,
                                      "post_query": query if request.method == "POST" else None,
                                      "can_add_household": _own_community(request.user) is not None})


def _own_community(user):
    """The community of a community worker (who may add households to it), else None."""
    scope = getattr(user, "scope", None)
    return scope if scope is not None and scope.level == "community" else None


@login_required
def household_new(request):
    """A new household of the worker's community; its members are added from its page."""
    from django.core.exceptions import PermissionDenied
    from django.shortcuts import redirect

    from jiuye.registry import services
    from jiuye.registry.forms import HouseholdForm

    community = _own_community(request.user)
    if community is None:
        raise PermissionDenied  # streets and above: households belong to a community's worker
    form = HouseholdForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            household = services.household_create(user=request.user, community=community,
                                                  values=form.exchange_values())
        except services.ValidationFailed as exc:
            form.add_service_errors(exc.errors)
        except PermissionDenied:
            raise Http404 from None
        else:
            from django.contrib import messages
            from django.utils.translation import gettext as _

            messages.success(request, _("Household %(code)s created. Add its members now.") % {"code": household.code})
            return redirect("household", pk=household.pk)
    return render(request, "registry/household_form.html", {"form": form, "community": community})


@login_required
def person(request, pk: int):
    try:
        context = selectors.person_detail(request.user, pk)
    except m.Person.DoesNotExist:
        raise Http404 from None
    context["can_reveal"] = can_reveal_ids(request.user)
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
    if not can_reveal_ids(request.user) or not reason:
        context.update({"can_reveal": can_reveal_ids(request.user), "reveal_error": True})
        return render(request, "registry/person.html", context, status=403 if not can_reveal_ids(request.user) else 400)
    audit_event_record(user=request.user, action="person.reveal_id", target=f"person:{person.pk}",
                       division_code=person.household.community.code, detail={"reason": reason})
    context.update({"can_reveal": True, "revealed": True})
    return render(request, "registry/person.html", context)


@login_required
def household(request, pk: int):
    try:
        context = selectors.household_page(request.user, pk)
    except m.Household.DoesNotExist:
        raise Http404 from None
    return render(request, "registry/household.html", context)


def _edit(request, form, household=None, person=None):
    from django.contrib import messages
    from django.shortcuts import redirect

    from jiuye.registry import services
    from jiuye.registry.services import EditConflict, ValidationFailed

    conflict = None
    base_missing = False
    if request.method == "POST" and form.is_valid():
        try:
            if person is None:
                person = services.person_create(user=request.user, household=household, values=form.exchange_values())
            else:
                person = services.person_update(user=request.user, person=person, values=form.exchange_values(),
                                                base=form.base_snapshot())
        except ValidationFailed as exc:
            form.add_service_errors(exc.errors)
        except EditConflict as exc:
            # Shown the other change; the form keeps the editor's values and now starts
            # from the stored version, so saving again is a knowing decision. A form posted
            # without its version is treated the same way (it cannot tell what it overwrites).
            conflict, base_missing = exc, form.base_missing
            if base_missing:  # no starting point: show what saving would change, from what is stored
                values = form.exchange_values()
                exc.changes = [c for c in exc.changes if c["column"] in values and c["yours"] != c["now"]]
            data = form.data.copy()
            data["base"] = form.__class__.initial_for(exc.person)["base"]
            # Fields this editor left as they were take the other's value; fields both
            # changed keep this editor's entry, marked for a decision.
            field_of = {column: field for field, column in form.columns.items()}
            for change in exc.changes:
                field = field_of.get(change["column"])
                change["both"] = change["yours"] != change["before"] and change["column"] in form.exchange_values()
                if field and field not in ("id_number", "phone") and not change["both"]:
                    if field == "categories":
                        data.setlist(field, [c for c in change["now"].split(";") if c])
                    else:
                        data[field] = change["now"]
            form = form.__class__(data, person=exc.person)
            form.is_valid()
        else:
            messages.success(request, "已保存 / saved")
            return redirect("person", pk=person.pk)
    return render(request, "registry/person_form.html",
                  {"form": form, "household": household, "person": person, "conflict": conflict,
                   "base_missing": base_missing},
                  status=409 if conflict else 200)


@login_required
def person_add(request, household_pk: int):
    from jiuye.registry.forms import PersonForm

    try:
        household = m.Household.objects.for_user(request.user).select_related("community").get(pk=household_pk)
    except m.Household.DoesNotExist:
        raise Http404 from None
    return _edit(request, PersonForm(request.POST or None), household=household)


@login_required
def person_edit(request, pk: int):
    from jiuye.registry.forms import PersonForm

    try:
        person = m.Person.objects.for_user(request.user).select_related("household").get(pk=pk)
    except m.Person.DoesNotExist:
        raise Http404 from None
    form = PersonForm(request.POST or None, initial=PersonForm.initial_for(person), person=person)
    return _edit(request, form, household=person.household, person=person)
