"""The community worker's desk: today's queue, casework flows, zero-employment households."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiuye.bilingual import is_chinese
from jiuye.casework import services as cs
from jiuye.casework.flows import FLOWS
from jiuye.casework.models import FollowUp, ZeroEmploymentCase
from jiuye.registry import models as m
from jiuye.registry.forms import DATE_RANGE
from jiuye.registry.services import ConfirmationRequired, ValidationFailed
from jiuye.registry.services import today as register_today


@login_required
def today(request):
    if request.user.role and request.user.role != "community" and not request.GET.get("queue"):
        return redirect("standing")
    today = dt.date.today()
    if request.user.role == "community" and request.user.scope_code:
        # The queue's zero-employment households have their case (to recognise) the day they appear.
        cs.zero_employment_sync_when_changed(user=request.user, community=request.user.scope_code, as_of=today)
    # The morning digest (tasks, a layer above) is added by the template's {% morning_digest %}.
    return render(request, "desk/today.html", {"queue": _queue_html(request, today), "today": today})


# Where the request's own CSRF field goes in a cached queue (no item can hold it: titles are escaped).
CSRF_SLOT = "<!--jiuye-csrf-field-->"


def _queue_html(request, today: dt.date) -> str:
    """Today's queue and what was done today, rendered once per scope, day, revision of the
    register and language, and worker when they did something today (``divisions/revisions.py``;
    nothing in it is the viewer's but the CSRF field of each form, put in on every view)."""
    from django.middleware.csrf import get_token
    from django.template.loader import render_to_string
    from django.utils.html import format_html
    from django.utils.safestring import mark_safe
    from django.utils.translation import get_language

    from jiuye.casework.selectors import desk_today, desk_viewer  # pandas: loaded when a page first needs it
    from jiuye.divisions.revisions import cached
    from jiuye.registry.scoping import scope_prefix

    user = request.user

    def render_queue() -> str:
        desk = desk_today(user, today)
        return render_to_string("desk/_queue.html", {"items": desk.items, "done": desk.done,
                                                     "csrf_input": mark_safe(CSRF_SLOT)})

    html = cached("today-html", scope_prefix(user), today, render_queue, desk_viewer(user, today), get_language())
    field = format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request))
    return mark_safe(html.replace(CSRF_SLOT, field))


@login_required
@require_POST
def follow_up_done(request, pk: int):
    """The follow-up visit of a Today item took place today: it leaves the queue."""
    follow_up = FollowUp.objects.for_user(request.user).filter(pk=pk).first()
    if follow_up is None:
        raise Http404
    try:
        cs.follow_up_done(user=request.user, follow_up=follow_up, done_on=dt.date.today())
    except ValidationFailed as exc:
        messages.error(request, "；".join(exc.errors.values()))
    else:
        messages.success(request, _("Follow-up visit recorded."))
    return redirect("home")


def _person(user, pk):
    try:
        return m.Person.objects.for_user(user).select_related("household", "household__community").get(pk=pk)
    except m.Person.DoesNotExist:
        raise Http404 from None


@login_required
def flow(request, pk: int, name: str):
    if name not in FLOWS:
        raise Http404
    spec = FLOWS[name]
    person = _person(request.user, pk)
    form = spec.form(request.POST or None)
    confirmation = None
    if request.method == "POST" and form.is_valid():
        try:
            # What the worker confirmed: the token of the changes shown to them (none at first).
            message = spec.run(request.user, person, form.cleaned_data, request.POST.get("confirm", "") or False)
        except ValidationFailed as exc:
            form.add_service_errors(exc.errors)
        except ConfirmationRequired as exc:
            confirmation = exc  # nothing written: the page shows what would change and asks
        except PermissionDenied:
            raise Http404 from None
        else:
            # A household becomes (or stops being) zero-employment the day the data says so.
            cs.zero_employment_sync(user=request.user, community=person.household.community, as_of=register_today())
            messages.success(request, message)
            response = redirect("person", pk=person.pk)
            response.set_cookie("jiuye_draft_saved", f"{name}-{person.pk}", max_age=60, samesite="Lax")
            return response
    return render(request, "desk/flow.html", {"person": person, "form": form, "flow": spec, "name": name,
                                              "confirmation": confirmation})


@login_required
def deadline(request):
    """The guidance deadline for a registration date, shown beside the date field."""
    from jiuye.standards.rules.s4 import guidance_deadline  # loads pandas: not at start-up

    try:
        day = dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return HttpResponse("")
    if not DATE_RANGE[0] <= day <= DATE_RANGE[1]:
        return HttpResponse("")
    due = guidance_deadline(day)
    weekdays = ["一", "二", "三", "四", "五", "六", "日"] if is_chinese() else \
        ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]  # one language
    return HttpResponse(_("Vocational guidance due by %(date)s (%(weekday)s)") % {
        "date": due.isoformat(), "weekday": weekdays[due.weekday()]})


@login_required
def zero_board(request):
    from jiuye.casework.selectors import zero_employment_board  # pandas: not at start-up

    board = zero_employment_board(request.user, register_today())
    return render(request, "desk/zero.html", {"board": board, "today": register_today()})


def _case(user, pk):
    try:
        return ZeroEmploymentCase.objects.for_user(user).select_related("household").get(pk=pk)
    except ZeroEmploymentCase.DoesNotExist:
        raise Http404 from None


@login_required
@require_POST
def zero_recognize(request, pk: int):
    case = _case(request.user, pk)
    try:
        day = dt.date.fromisoformat(request.POST.get("date", ""))
    except ValueError:
        messages.error(request, _("Enter a date."))
        return redirect("household", pk=case.household_id)
    try:
        cs.zero_employment_recognize(user=request.user, case=case, recognized_on=day,
                                     plan=request.POST.get("plan", ""))
    except ValidationFailed as exc:
        messages.error(request, "；".join(exc.errors.values()))
    else:
        messages.success(request, _("Recognition recorded."))
    return redirect("household", pk=case.household_id)


@login_required
@require_POST
def zero_action(request, pk: int):
    case = _case(request.user, pk)
    action = request.POST.get("action", "").strip()
    try:
        day = dt.date.fromisoformat(request.POST.get("date", ""))
    except ValueError:
        day = None
    if not action or day is None:
        messages.error(request, _("Enter a date and the action."))
    else:
        try:
            cs.assistance_action_add(user=request.user, case=case, date=day, action=action,
                                     handler=request.user.get_username())
        except ValidationFailed as exc:
            messages.error(request, "；".join(exc.errors.values()))
        else:
            messages.success(request, _("Assistance action recorded."))
    return redirect("household", pk=case.household_id)
