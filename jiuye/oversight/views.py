"""Oversight pages: dashboards, reports, the public notice board, certification, filing, subsidies.

Thin views: the figures come from ``dashboards``/``reports``/``noticeboard`` (saved
evaluations, set-wise counts) and every write from ``jiuye.oversight.services``; their
OversightError messages are shown to the user, PermissionDenied becomes a 403.
"""

import datetime as dt
import functools
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jiuye.bilingual import one_language
from jiuye.dbrouters import replica_reads
from jiuye.divisions.codes import is_city
from jiuye.divisions.models import Division, Level
from jiuye.oversight import dashboards, selectors, services, trendfill
from jiuye.oversight import filing as filing_mod
from jiuye.oversight.forms import NoticeContactForm, NoticeSupervisionForm
from jiuye.oversight.models import (
    OPEN_STATUSES,
    Certification,
    CertificationStatus,
    Evidence,
    EvidenceStandard,
    NoticeContact,
    NoticeSupervision,
    OversightError,
    Recheck,
    RecommendationLevel,
    SubsidyKind,
)
from jiuye.registry.scoping import scope_prefix
from jiuye.standards.views import LABELS, as_of_from

logger = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def percent(share) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def _with_percents(data: dict) -> None:
    for line in [data["summary"], *data["standards"], *data["children"], *data["districts"], *data["trend"]]:
        line["percent"] = percent(line.get("share"))
        if "target_share" in line:
            line["target_percent"] = percent(line["target_share"])


# -- dashboards ---------------------------------------------------------------------


def _start_trend_fill(user, days) -> None:
    """Run after the page has been sent (the response's closer): the page never waits for it."""
    try:
        trendfill.trend_fill_start(user=user, days=days)
    except Exception:  # noqa: BLE001 - the page is gone already; the next visit tries again
        logger.exception("could not start the dashboard trend's background job")


@login_required
def dashboard(request, code: str | None = None):
    today = dt.date.today()
    as_of, as_of_error = as_of_from(request, today)
    try:
        data = dashboards.dashboard_for_view(user=request.user, code=code, today=today,
                                             as_of=as_of if as_of != today else None)
    except ValueError:
        raise Http404 from None
    labels = dict(LABELS)
    filling = None
    if data:
        _with_percents(data)
        for s in data["standards"]:
            s["label"] = labels.get(s["key"], "")
        if data["weakest"]:
            data["weakest"]["label"] = labels.get(data["weakest"]["key"], "")
        if data["community"]:
            data["community_rows"] = [
                {"key": key, "label": label, "result": data["community"]["standards"][key.lower()]}
                for key, label in LABELS
            ]
        if data["missing"]:
            pending = trendfill.trend_fill_pending()
            filling = {"count": len(data["missing"]), "first": data["missing"][0].isoformat(),
                       "last": data["missing"][-1].isoformat(), "started": pending is not None}
    chart = None
    if data:
        chart = {
            "trend": {"labels": [p["as_of"] for p in data["trend"]],
                      "share": [p["share"] for p in data["trend"]],
                      "met": [p.get("standards_met") for p in data["trend"]],
                      "community": data["level"] == "community"},
            "standards": {"labels": [s["key"] for s in data["standards"]],
                          "passing": [s["passing"] for s in data["standards"]],
                          "failing": [s["failing"] for s in data["standards"]]},
            "text": {"share": _("Share meeting every standard"), "met": _("Standards met (of 8)"),
                     "passing": _("Communities meeting it"), "failing": _("Communities not meeting it")},
        }
    response = render(request, "oversight/dashboard.html", {
        "data": data, "chart": chart, "filling": filling, "today": today.isoformat(),
        "as_of_value": request.GET.get("as_of", "") if as_of_error else (as_of.isoformat() if as_of != today else ""),
        "as_of_error": as_of_error, "query": f"?as_of={as_of.isoformat()}" if as_of != today else "",
    }, status=400 if as_of_error else 200)
    if filling and not filling["started"]:
        response._resource_closers.append(functools.partial(_start_trend_fill, request.user, data["missing"]))
    return response


# -- reports ------------------------------------------------------------------------


def _month(value: str, today: dt.date) -> tuple[int, int]:
    from jiuye.oversight import reports  # loads openpyxl: not at start-up

    if not value:
        last = today.replace(day=1) - dt.timedelta(days=1)
        return last.year, last.month
    try:
        year, month = (int(part) for part in value.split("-", 1))
        dt.date(year, month, 1)
    except ValueError:
        raise reports.ReportError(_("Give the month as YYYY-MM: %(value)s") % {"value": value}) from None
    return year, month


@login_required
def report_index(request):
    today = dt.date.today()
    dashboards.resolve_scope(request.user)  # no scope: 403
    last = today.replace(day=1) - dt.timedelta(days=1)
    return render(request, "oversight/reports.html", {
        "default_month": last.strftime("%Y-%m"), "default_year": today.year if today.month > 1 else today.year - 1,
        "code": request.GET.get("code", ""),
    })


@login_required
@require_GET
def report_monthly(request):
    from jiuye.oversight import reports  # loads openpyxl: not at start-up

    today = dt.date.today()
    code = request.GET.get("code") or None
    try:
        year, month = _month(request.GET.get("month", ""), today)
        content = reports.report_monthly_xlsx(user=request.user, code=code, year=year, month=month, today=today)
    except reports.ReportError as exc:
        return render(request, "oversight/reports.html", {"error": str(exc), "code": code or ""}, status=400)
    except ValueError:
        raise Http404 from None
    scope = dashboards.resolve_scope(request.user, code) or "city"
    return _download(content, f"jiuye-monthly-{scope}-{year}-{month:02d}.xlsx", XLSX)


@login_required
@require_GET
def report_yearly(request):
    from jiuye.oversight import reports  # loads openpyxl: not at start-up

    today = dt.date.today()
    code = request.GET.get("code") or None
    try:
        year = int(request.GET.get("year") or today.year)
        content = reports.report_yearly_xlsx(user=request.user, code=code, year=year, today=today)
    except reports.ReportError as exc:
        return render(request, "oversight/reports.html", {"error": str(exc), "code": code or ""}, status=400)
    except ValueError:
        raise Http404 from None
    scope = dashboards.resolve_scope(request.user, code) or "city"
    return _download(content, f"jiuye-yearly-{scope}-{year}.xlsx", XLSX)


# -- the public notice board (no login) ---------------------------------------------


def _board(code: str) -> dict:
    from jiuye.oversight import noticeboard  # loads pandas: not at start-up

    with replica_reads():
        board = noticeboard.notice_board(code, dt.date.today())
    if board is None:
        raise Http404
    return board


@require_GET
def notice(request, code: str):
    board = _board(code)
    user = request.user
    prefix = scope_prefix(user) if user.is_authenticated else None
    mine = prefix is not None and code.startswith(prefix)
    return render(request, "oversight/notice.html", {
        "board": board,
        "edit_community": mine and _role(user) == "community",
        "edit_district": code[:6] if mine and _role(user) == "district" else "",
    })


@login_required
def notice_edit(request, code: str):
    """The community's worker sets its board's contact, period and issuer; the district its
    supervision line. A division neither within the user's scope nor above it: 404; another
    role: 403."""
    from jiuye.oversight import noticeboard  # loads pandas: not at start-up

    prefix = scope_prefix(request.user)
    level = {12: Level.COMMUNITY, 6: Level.DISTRICT}.get(len(code)) if code.isdigit() else None
    division = Division.objects.filter(code=code, level=level).first() if level else None
    if division is None or prefix is None or not (code.startswith(prefix) or prefix.startswith(code)):
        raise Http404
    role = _role(request.user)
    posted = request.method == "POST"
    if level == Level.COMMUNITY:
        if role != "community":
            raise PermissionDenied(_("Only the community's worker sets what its notice board prints."))
        contact = NoticeContact.objects.filter(community=division).first()
        initial = {k: getattr(contact, k) for k in ("contact_name", "station_phone", "period_start", "period_end",
                                                    "issuer")} if contact else {}
        form = NoticeContactForm(request.POST if posted else None, initial=initial,
                                 default_issuer=noticeboard.default_issuer(division.name))
        action, done = services.notice_contact_set, _("The notice board is updated.")
        extra = {"community": code}
    else:
        if role != "district":
            raise PermissionDenied(_("Only the district sets the supervision line."))
        line = NoticeSupervision.objects.filter(district=division).first()
        form = NoticeSupervisionForm(request.POST if posted else None,
                                     initial={"phone": line.phone, "body": line.body} if line else {},
                                     default_body=noticeboard.default_supervisor(division.name))
        action, done = services.notice_supervision_set, _("The supervision line is updated.")
        extra = {"district": code}
    if posted and form.is_valid():
        try:
            action(user=request.user, **extra, **form.cleaned_data)
        except OversightError as exc:
            form.add_error(None, one_language(str(exc)))
        else:
            messages.success(request, done)
            return redirect("notice" if level == Level.COMMUNITY else "notice_edit", code)
    context = {"form": form, "division": division, "kind": level}
    if level == Level.DISTRICT:
        with_contact = set(NoticeContact.objects.filter(community__code__startswith=code)
                           .values_list("community__code", flat=True))
        context["communities"] = [{"code": c, "name": n, "contact_set": c in with_contact} for c, n in
                                  Division.objects.filter(level=Level.COMMUNITY, code__startswith=code)
                                  .order_by("code").values_list("code", "name")]
    return render(request, "oversight/notice_edit.html", context, status=400 if posted else 200)


@require_GET
def notice_poster(request, code: str):
    from jiuye.oversight import noticeboard  # loads pandas: not at start-up

    board = _board(code)
    missing = noticeboard.poster_missing()
    if not missing:
        try:
            pdf = noticeboard.poster_pdf(board)
        except (ImportError, OSError) as exc:
            missing = [noticeboard.INSTALL_HINT, "pip install weasyprint", str(exc)]  # failed while rendering
        else:
            response = HttpResponse(pdf, content_type="application/pdf")
            response["Content-Disposition"] = f'inline; filename="notice-{code}.pdf"'
            return response
    return render(request, "oversight/poster_missing.html", {"board": board, "missing": missing}, status=503)



# -- certification (验收), re-checks (复查) -------------------------------------------


def _act(request, action, success: str, **kwargs):
    """Run one service; its OversightError becomes a message (PermissionDenied stays a 403)."""
    try:
        result = action(user=request.user, **kwargs)
    except OversightError as exc:
        messages.error(request, one_language(str(exc)))
        return None
    messages.success(request, success)
    return result


def _role(user) -> str:
    return getattr(user, "role", "") or ""


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@login_required
def certification_list(request):
    status = request.GET.get("status") or None
    if status and status not in CertificationStatus.values:
        status = None
    rows = list(selectors.certifications_for_user(request.user, status=status).order_by("community__code", "-applied_at"))
    pending = {c.pk for c in selectors.certifications_pending(request.user)}
    can_apply = False
    if _role(request.user) == "community" and request.user.scope_code:
        can_apply = not Certification.objects.filter(community__code=request.user.scope_code,
                                                     status__in=list(OPEN_STATUSES)).exists()
    return render(request, "oversight/certification_list.html", {
        "rows": rows, "pending": pending, "can_apply": can_apply, "status": status or "",
        "statuses": CertificationStatus.choices,
    })


def _standard_rows(standards: dict) -> list[dict]:
    labels = dict(LABELS)
    return [{"key": key.upper(), "label": labels[key.upper()], "pass": bool(standards[key]["pass"])}
            for key in dashboards.STANDARDS if key in standards]


@login_required
def certification_apply(request):
    """Eligibility first (no application under way, a passing evaluation), then the evidence: a
    community that cannot apply is told why, and is never asked for files."""
    if _role(request.user) != "community" or not request.user.scope_code:
        raise PermissionDenied(_("Only a community worker applies for certification."))
    code = request.user.scope_code
    today = dt.date.today()
    check = selectors.certification_eligibility(request.user, today)
    labels = dict(LABELS)
    for row in check["today"]["shortfall"]:
        row["label"] = labels.get(row["key"], "")
    check["today"]["rows"] = _standard_rows(check["today"]["standards"])
    if check["saved"]:
        check["saved"]["rows"] = _standard_rows(check["saved"]["standards"])
    error = None
    if request.method == "POST":
        if not check["eligible"]:
            error = _("Your community cannot apply now: see what is missing below.")
        else:
            choice = request.POST.get("snapshot", "")
            snapshot = _int(choice) if choice else None
            evidence = {key: request.FILES.getlist(key) for key in ("s6", "s7", "s8")}
            try:
                certification = services.certification_apply(
                    user=request.user, community=code, snapshot=snapshot, evidence=evidence,
                    note=request.POST.get("note", ""))
            except OversightError as exc:
                error = one_language(str(exc))
            else:
                messages.success(request, _("The application was sent to the street for review."))
                return redirect("certification_detail", pk=certification.pk)
    saved = check["saved"]
    return render(request, "oversight/certification_apply.html", {
        "check": check, "error": error, "community": request.user.scope, "note": request.POST.get("note", ""),
        "evidence_standards": EvidenceStandard.choices,
        "offer_saved": bool(saved and saved["pass"] and saved["fresh"]),
    }, status=400 if error else 200)


@login_required
def certification_detail(request, pk: int):
    certification = selectors.certification_detail(request.user, pk)
    if certification is None:
        raise Http404
    code = certification.community.code
    entry = next((c for _, c in dashboards.community_rows([certification.snapshot_id], code)), None)
    labels = dict(LABELS)
    standards = [{"key": key.upper(), "label": labels[key.upper()], "pass": entry["standards"][key]["pass"]}
                 for key in dashboards.STANDARDS] if entry else []
    return render(request, "oversight/certification_detail.html", {
        "c": certification,
        "steps": selectors.certification_steps(request.user, certification),
        "actions": selectors.certification_allowed_actions(request.user, certification),
        "standards": standards,
        "evidence": certification.evidence.all(),
        "rechecks": certification.rechecks.all(),
        "subsidies": certification.subsidies.all(),
        "recommendations": certification.recommendations.all(),
        "today": dt.date.today(),
        "subsidy_kinds": SubsidyKind.choices,
    })


def _certification_or_404(user, pk):
    certification = selectors.certification_detail(user, pk)
    if certification is None:
        raise Http404
    return certification


@login_required
@require_POST
def certification_review(request, pk: int):
    certification = _certification_or_404(request.user, pk)
    approve = request.POST.get("decision") == "approve"
    _act(request, services.certification_review,
         _("Approved and forwarded to the district.") if approve else _("Returned to the community."),
         certification=certification, approve=approve, reason=request.POST.get("reason", ""))
    return redirect("certification_detail", pk=pk)


@login_required
@require_POST
def certification_accept(request, pk: int):
    certification = _certification_or_404(request.user, pk)
    accept = request.POST.get("decision") == "accept"
    _act(request, services.certification_accept,
         _("The community is certified.") if accept else _("Returned to the community."),
         certification=certification, accept=accept, reason=request.POST.get("reason", ""),
         accepted_on=request.POST.get("accepted_on") or None)
    return redirect("certification_detail", pk=pk)


@login_required
@require_POST
def certification_revoke(request, pk: int):
    certification = _certification_or_404(request.user, pk)
    _act(request, services.certification_revoke, _("The certification is revoked."),
         certification=certification, reason=request.POST.get("reason", ""))
    return redirect("certification_detail", pk=pk)


@login_required
def evidence_download(request, pk: int, evidence_pk: int):
    item = Evidence.objects.for_user(request.user).filter(pk=evidence_pk, certification_id=pk).first()
    if item is None or not item.file:
        raise Http404
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=item.original_name)


def _recheck_message(request, summary: dict) -> None:
    """What a run did, counted: a run with nothing to re-check says so instead of "done"."""
    year = summary["year"]
    if not summary["checked"]:
        messages.warning(request, _("No community to re-check in %(year)s: none in your scope was certified "
                                    "before %(year)s and is still certified.") % {"year": year})
        return
    counts = {key: len(summary[key]) for key in ("passed", "flagged", "cleared", "unchanged")}
    messages.success(request, _(
        "Re-check of %(year)s run as of %(as_of)s on %(checked)s communities: %(passed)s passed, "
        "%(flagged)s failed (rectification due), %(cleared)s passed after rectification, %(unchanged)s "
        "already re-checked earlier.") % {"year": year, "as_of": summary["as_of"].isoformat(),
                                          "checked": summary["checked"], **counts})


@login_required
def recheck_list(request):
    today = dt.date.today()
    year = _int(request.GET.get("year")) or today.year
    may_run = _role(request.user) in ("district", "city")
    if request.method == "POST":
        if not may_run:
            raise PermissionDenied(_("Only a district or city user runs the re-check."))
        year = _int(request.POST.get("year"), today.year)
        try:
            summary = services.recheck_run(user=request.user, year=year, as_of=request.POST.get("as_of") or None)
        except OversightError as exc:
            messages.error(request, one_language(str(exc)))
        else:
            _recheck_message(request, summary)
            return redirect(f"{reverse('recheck_list')}?year={year}")
    overview = selectors.recheck_overview(request.user, year=year, today=today)
    return render(request, "oversight/rechecks.html", {
        **overview, "due": selectors.rechecks_due(request.user, today), "may_run": may_run,
        "may_clear": _role(request.user) == "district", "today": today,
        "years": list(range(today.year, today.year - 6, -1)),
    })


@login_required
@require_POST
def recheck_clear(request, pk: int):
    recheck = Recheck.objects.for_user(request.user).filter(pk=pk).first()
    if recheck is None:
        raise Http404
    _act(request, services.recheck_clear, _("The community passes again: the re-check is cleared."),
         recheck=recheck, as_of=request.POST.get("as_of") or None)
    return redirect(f"{reverse('recheck_list')}?year={recheck.year}")


# -- December filing (备案) -----------------------------------------------------------


@login_required
def filing(request):
    today = dt.date.today()
    year = _int(request.GET.get("year")) or today.year
    role = _role(request.user)
    context = {"year": year, "years": list(range(today.year, today.year - 6, -1)), "role": role}
    if role == "district":
        try:
            context["f"] = filing_mod.filing_build(user=request.user, district_code=request.user.scope_code, year=year)
        except OversightError as exc:
            context["error"] = str(exc)
    elif role == "city" or request.user.is_superuser:
        context["overview"] = selectors.filing_overview(user=request.user, year=year)
        context["proposed"] = list(selectors.recommendations_for_user(
            request.user, year=year, level=RecommendationLevel.DISTRICT).order_by("community__code"))
        models_ = set(selectors.recommendations_for_user(request.user, year=year, level=RecommendationLevel.CITY)
                      .values_list("community_id", flat=True))
        for rec in context["proposed"]:
            rec.is_model = rec.community_id in models_
        context["eligible"] = selectors.demonstration_eligible(user=request.user, year=year)
    else:
        raise PermissionDenied(_("The December filing is for district and city users."))
    return render(request, "oversight/filing.html", context)


@login_required
@require_POST
def filing_recommend(request):
    year = _int(request.POST.get("year"), dt.date.today().year)
    certification = selectors.certification_detail(request.user, _int(request.POST.get("certification")))
    if certification is None:
        raise Http404
    level = request.POST.get("level", RecommendationLevel.DISTRICT)
    _act(request, services.recommendation_add,
         _("Picked as a model community.") if level == RecommendationLevel.CITY else _("Recommended."),
         certification=certification, year=year, level=level, reason=request.POST.get("reason", ""))
    return redirect(f"{reverse('filing')}?year={year}")


@login_required
@require_POST
def filing_submit(request):
    year = _int(request.POST.get("year"), dt.date.today().year)
    _act(request, services.filing_submit, _("The filing was submitted to the city."),
         district_code=request.user.scope_code or "", year=year)
    return redirect(f"{reverse('filing')}?year={year}")


def _pdf_unavailable(request, exc):
    return render(request, "oversight/poster_missing.html", {"board": None, "missing": [str(exc)]}, status=503)


@login_required
def filing_xlsx(request, district_code: str, year: int):
    try:
        content = filing_mod.filing_xlsx(user=request.user, district_code=district_code, year=year)
    except OversightError:
        raise Http404 from None
    return _download(content, f"filing-{district_code}-{year}.xlsx", XLSX)


@login_required
def filing_pdf(request, district_code: str, year: int):
    try:
        content = filing_mod.filing_pdf(user=request.user, district_code=district_code, year=year)
    except OversightError:
        raise Http404 from None
    except filing_mod.PdfUnavailable as exc:
        return _pdf_unavailable(request, exc)
    return _download(content, f"filing-{district_code}-{year}.pdf", "application/pdf")


# -- subsidies ---------------------------------------------------------------------------


def _district_of(request) -> str:
    code = (request.GET.get("district") or request.POST.get("district") or "").strip()
    scope = request.user.scope_code or ""
    if not code and len(scope) >= 6 and not is_city(scope):
        code = scope[:6]
    return code


@login_required
def subsidy_ledger(request):
    today = dt.date.today()
    year = _int(request.GET.get("year")) or today.year
    district_code = _district_of(request)
    context = {"year": year, "district_code": district_code, "years": list(range(today.year, today.year - 6, -1)),
               "may_grant": _role(request.user) == "district", "kinds": SubsidyKind.choices}
    if not district_code:
        prefix = dashboards.resolve_scope(request.user)
        context["districts"] = Division.objects.filter(level=Level.DISTRICT, code__startswith=prefix).order_by("code")
        return render(request, "oversight/subsidies.html", context)
    try:
        rows = selectors.subsidy_ledger(user=request.user, district_code=district_code, year=year)
    except ValueError:
        raise Http404 from None
    context.update({"rows": rows, "totals": selectors.subsidy_totals(rows),
                    "district": Division.objects.filter(code=district_code).first()})
    if context["may_grant"]:
        context["certified"] = list(selectors.certified_communities(user=request.user))
    return render(request, "oversight/subsidies.html", context)


@login_required
@require_POST
def subsidy_grant(request):
    year = _int(request.POST.get("year"), dt.date.today().year)
    certification = selectors.certification_detail(request.user, _int(request.POST.get("certification")))
    if certification is None:
        raise Http404
    _act(request, services.subsidy_grant, _("The subsidy is recorded in the ledger."),
         certification=certification, kind=request.POST.get("kind", ""), amount=request.POST.get("amount"),
         year=year, note=request.POST.get("note", ""))
    return redirect(f"{reverse('subsidy_ledger')}?district={certification.community.code[:6]}&year={year}")


@login_required
def subsidy_ledger_xlsx(request, district_code: str, year: int):
    try:
        content = filing_mod.subsidy_ledger_xlsx(user=request.user, district_code=district_code, year=year)
    except ValueError:
        raise Http404 from None
    return _download(content, f"subsidies-{district_code}-{year}.xlsx", XLSX)
