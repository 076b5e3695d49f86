"""Jobs pages: vacancies and the residents to call, a resident's best vacancies, referrals, employers."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiuye.jobs import models as j
from jiuye.jobs import selectors, services
from jiuye.jobs.forms import EmployerForm, VacancyForm, WishForm
from jiuye.registry import models as m
from jiuye.registry.paging import list_page
from jiuye.registry.services import ValidationFailed
from jiuye.registry.services import today as register_today


def _get(model, user, pk):
    try:
        return model.objects.for_user(user).get(pk=pk)
    except model.DoesNotExist:
        raise Http404 from None


def _next(request) -> str:
    """The page to go back to, if it is one of ours ("//host" and "https://host" are not)."""
    target = request.POST.get("next", "")
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts=None) else ""


def _text_param(request, name: str) -> str:
    """A search text from the query string, without NUL characters (no text holds one, and PostgreSQL
    refuses them in a query)."""
    return request.GET.get(name, "").replace("\x00", "")


def _community(user):
    if not user.scope_id or user.scope.level != "community":
        raise PermissionDenied
    return user.scope


@login_required
def vacancies(request):
    query = _text_param(request, "q")
    rows = selectors.vacancy_list(request.user, open_only=request.GET.get("all") != "1", query=query)
    page, filters = list_page(request, rows)
    return render(request, "jobs/vacancies.html", {"vacancies": page.object_list, "query": query, "page": page,
                                                   "filters": filters})


@login_required
def vacancy_new(request):
    community = _community(request.user)
    form = VacancyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            vacancy = services.vacancy_create(user=request.user, community=community, **form.cleaned_data)
        except ValidationFailed as exc:
            form.add_service_errors(exc.errors)
        else:
            return redirect("vacancy", pk=vacancy.pk)
    return render(request, "jobs/form.html", {"form": form, "title": _("New vacancy")})


@login_required
def vacancy(request, pk: int):
    from jiuye.jobs import matching  # loads NumPy: not at start-up

    vacancy = _get(j.Vacancy, request.user, pk)
    ranked = matching.persons_for_vacancy(request.user, vacancy, on=register_today(), limit=30)
    referrals = selectors.referral_list(request.user, vacancy=vacancy)
    return render(request, "jobs/vacancy.html", {"vacancy": vacancy, "ranked": ranked, "referrals": referrals,
                                                 "part_labels": matching.PART_LABELS})


@login_required
@require_POST
def refer(request, pk: int, person_pk: int):
    vacancy = _get(j.Vacancy, request.user, pk)
    person = _get(m.Person, request.user, person_pk)
    try:
        services.referral_create(user=request.user, vacancy=vacancy, person=person, referred_on=register_today(),
                                 handler=request.user.get_username())
    except ValidationFailed as exc:
        messages.error(request, "；".join(exc.errors.values()))
    else:
        messages.success(request, _("Referred %(name)s.") % {"name": person.name})
    return redirect(_next(request) or reverse("vacancy", kwargs={"pk": pk}))


@login_required
def person_jobs(request, pk: int):
    from jiuye.jobs import matching  # loads NumPy: not at start-up

    person = _get(m.Person, request.user, pk)
    profile = selectors.wish_for(request.user, person)
    initial = {"desired": profile.desired_text, "wage_min": profile.wage_min, "hours": profile.hours,
               "training_wish": profile.training_wish, "certificates": profile.certificates} if profile else {}
    form = WishForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.wish_save(user=request.user, person=person, **form.cleaned_data)
        except ValidationFailed as exc:
            form.add_service_errors(exc.errors)
        else:
            messages.success(request, _("Job wishes saved."))
            return redirect("person_jobs", pk=pk)
    today = register_today()
    return render(request, "jobs/person.html", {
        "person": person, "form": form, "profile": profile,
        "matches": matching.vacancies_for_person(request.user, person, on=today, limit=10),
        "placement": selectors.immediate_placement(request.user, person, on=today),
        "referrals": selectors.referral_list(request.user, person=person),
        "part_labels": matching.PART_LABELS,
    })


@login_required
def referrals(request):
    stage = request.GET.get("stage") or None
    page, filters = list_page(request, selectors.referral_list(request.user, stage=stage))
    return render(request, "jobs/referrals.html", {
        "referrals": page.object_list, "page": page, "filters": filters,
        "funnel": selectors.referral_funnel(request.user),
        "checks": selectors.checks_due(request.user, on=register_today()),
    })


@login_required
@require_POST
def referral_step(request, pk: int, step: str):
    referral = _get(j.Referral, request.user, pk)
    today = register_today()
    try:
        day = dt.date.fromisoformat(request.POST.get("date") or today.isoformat())
    except ValueError:
        day = today
    try:
        if step == "interview":
            services.referral_interview(user=request.user, referral=referral, interview_on=day)
        elif step == "hire":
            services.referral_hire(user=request.user, referral=referral, start=day,
                                   employment_form=request.POST.get("form") or "单位就业")
        elif step == "reject":
            services.referral_reject(user=request.user, referral=referral, decided_on=day,
                                     reason=request.POST.get("reason", ""))
        elif step in ("check3", "check6"):
            services.referral_check(user=request.user, referral=referral, months=int(step[-1]), checked_on=day)
        else:
            raise Http404
    except ValidationFailed as exc:
        messages.error(request, "；".join(exc.errors.values()))
    else:
        messages.success(request, _("Saved."))
    return redirect(_next(request) or reverse("referrals"))


@login_required
def employers(request):
    form = EmployerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.employer_create(user=request.user, community=_community(request.user), **form.cleaned_data)
        except ValidationFailed as exc:
            form.add_service_errors(exc.errors)
        else:
            messages.success(request, _("Employer added."))
            return redirect("employers")
    page, filters = list_page(request, selectors.employer_list(request.user, query=_text_param(request, "q")))
    return render(request, "jobs/employers.html", {"employers": page.object_list, "form": form, "page": page,
                                                   "filters": filters})


def _form_post(request, form, run, success):
    """Run ``run(cleaned_data)`` for a valid POST; service errors go beside the fields."""
    if request.method == "POST" and form.is_valid():
        try:
            run(form.cleaned_data)
        except ValidationFailed as exc:
            form.add_service_errors(exc.errors)
        else:
            messages.success(request, _("Saved."))
            return success
    return None


@login_required
def employer(request, pk: int):
    from jiuye.jobs.forms import AgreementForm, DemandForm

    _get(j.Employer, request.user, pk)  # 404 outside the scope
    detail = selectors.employer_detail(request.user, pk)
    which = request.POST.get("form")
    agreement = AgreementForm(request.POST if which == "agreement" else None, prefix="a")
    demand = DemandForm(request.POST if which == "demand" else None, prefix="d")
    done = None
    if which == "agreement":
        done = _form_post(request, agreement, lambda d: services.employer_agreement_add(
            user=request.user, employer=detail["employer"], **d), redirect("employer", pk=pk))
    elif which == "demand":
        done = _form_post(request, demand, lambda d: services.employer_demand_add(
            user=request.user, employer=detail["employer"], **d), redirect("employer", pk=pk))
    return done or render(request, "jobs/employer.html", {**detail, "agreement_form": agreement, "demand_form": demand})


@login_required
def posts(request):
    from jiuye.jobs.forms import PostForm

    form = PostForm(request.POST or None)
    done = _form_post(request, form, lambda d: services.post_create(
        user=request.user, community=_community(request.user), **d), redirect("posts"))
    if done:
        return done
    today = register_today()
    page, filters = list_page(request, selectors.post_list(request.user, on=today))
    return render(request, "jobs/posts.html", {"posts": page.object_list, "form": form, "page": page,
                                               "filters": filters})


@login_required
def post(request, pk: int):
    _get(j.DevelopedPost, request.user, pk)  # 404 outside the scope
    detail = selectors.post_detail(request.user, pk)
    if request.method == "POST":
        chosen = request.POST.get("person", "")
        person = _get(m.Person, request.user, int(chosen)) if chosen.isdigit() else None
        try:
            start = dt.date.fromisoformat(request.POST.get("start", ""))
        except ValueError:
            start = None
        if person is None or start is None:
            messages.error(request, _("Choose a resident and the first day."))
        else:
            try:
                services.post_assign(user=request.user, post=detail["post"], person=person, start=start,
                                     handler=request.user.get_username())
            except ValidationFailed as exc:
                messages.error(request, "；".join(exc.errors.values()))
            else:
                messages.success(request, _("%(name)s holds the post from %(day)s.") % {
                    "name": person.name, "day": start.isoformat()})
        return redirect("post", pk=pk)
    return render(request, "jobs/post.html", {**detail, "urgent": selectors.urgent_persons(request.user)})
