"""Pages of background jobs: start an import or export, watch it, download the export."""

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiuye.bilingual import one_language
from jiuye.registry.paging import list_page
from jiuye.registry.scoping import can_reveal_ids, scope_prefix
from jiuye.tasks import services
from jiuye.tasks.forms import ExportForm, ImportForm
from jiuye.tasks.models import JobKind, JobState
from jiuye.tasks.preview import findings_shown, preview_tables
from jiuye.tasks.selectors import job_for_user, job_status, jobs_for_user


def _scoped(request):
    if scope_prefix(request.user) is None:
        raise PermissionDenied


@login_required
def import_start(request):
    _scoped(request)
    # Bound on every POST, even one without any field: a missing file is then an error on the form.
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    if request.method == "POST" and form.is_valid():
        # A preview first (a dry run in the background): nothing is written until the user confirms it.
        job = services.job_start(user=request.user, kind=JobKind.IMPORT, params={"dry_run": True},
                                 files=form.cleaned_data["files"])
        return redirect("job_detail", pk=job.pk)
    return render(request, "tasks/import.html", {"form": form})


@login_required
def export_start(request):
    _scoped(request)
    form = ExportForm(request.POST) if request.method == "POST" else ExportForm()
    if request.method == "POST" and form.is_valid():
        job = services.job_start(user=request.user, kind=JobKind.EXPORT,
                                 params={"format": form.cleaned_data["format"]})
        return redirect("job_detail", pk=job.pk)
    return render(request, "tasks/export.html", {"form": form, "can_reveal": can_reveal_ids(request.user)})


@login_required
def job_list(request):
    page, filters = list_page(request, jobs_for_user(request.user))
    jobs = list(page.object_list)
    services.jobs_stopped_fail(jobs)  # a job whose process died is shown (and recorded) failed
    return render(request, "tasks/jobs.html", {"jobs": jobs, "page": page, "filters": filters})


def _job_context(request, pk: int) -> dict:
    job = job_for_user(request.user, pk)
    if job is None:
        raise Http404
    services.jobs_stopped_fail([job])
    context = {"job": job, "status": job_status(job), "owner": job.user_id == request.user.pk}
    if job.kind == JobKind.IMPORT and job.finished:
        result = job.result or {}
        context.update(
            findings=findings_shown(result.get("findings")), warning_findings=findings_shown(result.get("warning_findings")),
            preview=preview_tables(result.get("preview"), reveal=can_reveal_ids(request.user)),
            is_preview=bool(job.params.get("dry_run")), pending=job.preview_pending and context["owner"],
            confirmed_as=job.params.get("import"))
    return context


@login_required
def job_detail(request, pk: int):
    return render(request, "tasks/job.html", _job_context(request, pk))


@login_required
def job_progress(request, pk: int):
    """The job's box alone, polled by htmx every second until the job has finished."""
    return render(request, "tasks/_job.html", _job_context(request, pk))


def _preview_decide(request, pk: int, decide):
    job = job_for_user(request.user, pk)
    if job is None or job.kind != JobKind.IMPORT or not job.params.get("dry_run"):
        raise Http404
    if job.user_id != request.user.pk:
        raise PermissionDenied
    try:
        return decide(job)
    except services.PreviewGone as gone:
        messages.warning(request, one_language(str(gone)))
        job.refresh_from_db()
        return redirect("job_detail", pk=job.params.get("import") or job.pk)


@login_required
@require_POST
def import_confirm(request, pk: int):
    """Confirm a preview: the import of the same stored files starts (once)."""
    def confirm(job):
        real = services.import_confirm(user=request.user, job=job)
        return redirect("job_detail", pk=real.pk)
    return _preview_decide(request, pk, confirm)


@login_required
@require_POST
def import_cancel(request, pk: int):
    """Cancel a preview: its stored files are discarded, nothing is written."""
    def cancel(job):
        services.import_cancel(user=request.user, job=job)
        messages.info(request, _("The import was cancelled: nothing was written and the uploaded files are deleted."))
        return redirect("job_detail", pk=job.pk)
    return _preview_decide(request, pk, cancel)


@login_required
def job_download(request, pk: int):
    """The exported file, for the user who asked for it only (audited)."""
    job = job_for_user(request.user, pk)
    if job is None or job.user_id != request.user.pk or job.kind != JobKind.EXPORT or job.state != JobState.DONE:
        raise Http404
    path = Path(job.result_path)
    if not path.is_file():
        raise Http404
    services.export_download_record(user=request.user, job=job)
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)
