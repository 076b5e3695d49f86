"""Background jobs (imports, exports, nightly evaluations, reminders) and the morning digest.

A ``Job`` row records who started what, in which division, and how it ended. While a
job runs, its live progress lives in the ``progress`` cache (``jiuye.tasks.progress``),
not in this table: an import holds the database's write lock (SQLite) or an open
transaction (PostgreSQL) until it is done, and the progress must be readable meanwhile.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class JobKind(models.TextChoices):
    IMPORT = "import", _("Import")
    EXPORT = "export", _("Export")
    EVALUATE = "evaluate", _("Nightly evaluation")
    REMINDERS = "reminders", _("Morning reminders")
    TREND = "trend", _("Dashboard trend: month ends")
    PREPARE = "prepare", _("Pages of the day, prepared after an import")


class JobState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class JobFailure(models.TextChoices):
    """Why a job failed, when it was not the input's fault (an import's rejected rows are
    ``Job.errors``). The job page explains each in the reader's language (``explanation``)."""

    MEMORY = "memory", _("Memory limit")
    TIME = "time", _("Time limit")
    STOPPED = "stopped", _("Process stopped")
    INTERNAL = "internal", _("Internal error")
    KEY = "key", _("Wrong field key")
    NO_INPUT = "no_input", _("No file")


FAILURE_EXPLANATIONS = {
    JobFailure.MEMORY: _(
        "The job needed more memory than a job may use (%(memory)s MB) and was stopped.%(unchanged)s "
        "Split the input into smaller files (for example one community each) and import them one after "
        "the other, or ask your administrator to raise JIUYE_JOB_MEMORY_MB."),
    JobFailure.TIME: _(
        "The job ran longer than a job may run (%(seconds)s seconds) and was stopped.%(unchanged)s "
        "Split the input into smaller files and import them one after the other, or ask your "
        "administrator to raise JIUYE_JOB_TIME_LIMIT."),
    JobFailure.STOPPED: _(
        "The job's process stopped before the job was finished (it was killed, the machine ran out of "
        "memory, or the server was restarted).%(unchanged)s Start the job again; if it stops again, "
        "tell your administrator."),
    JobFailure.INTERNAL: _(
        "The job failed because of an error in jiuye itself.%(unchanged)s Tell your administrator: the "
        "details are in the server's log under job #%(job)s."),
    JobFailure.KEY: _(
        "The server's field key (JIUYE_FIELD_KEY) does not match the database, so the job was not run. "
        "Tell your administrator."),
    JobFailure.NO_INPUT: _("No file was uploaded for this import. Start it again with the file to import."),
}
# Said in the explanation of a failed import or export, which changes nothing unless it finishes.
UNCHANGED = _("The register was not changed.")


class JobQuerySet(models.QuerySet):
    def for_user(self, user):
        """A user's own jobs; staff users also see the jobs of their division (deny by default)."""
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        visible = Q(user=user)
        scope = getattr(user, "scope_code", None)
        if user.is_staff and scope:
            from jiuye.divisions.codes import is_city

            visible |= Q() if is_city(scope) else Q(division_code__startswith=scope)
        return self.filter(visible)


class Job(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=JobKind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="background_jobs", verbose_name=_("user"))
    division_code = models.CharField(_("division"), max_length=12, blank=True, db_index=True)
    state = models.CharField(_("state"), max_length=8, choices=JobState.choices, default=JobState.QUEUED)
    done = models.PositiveBigIntegerField(default=0)
    total = models.PositiveBigIntegerField(null=True, blank=True)
    message = models.TextField(blank=True)
    failure = models.CharField(_("failure"), max_length=10, blank=True, choices=JobFailure.choices)
    process_id = models.PositiveIntegerField(_("process"), null=True, blank=True,
                                             help_text="the pid of the process that ran the job")
    process_host = models.CharField(_("host"), max_length=255, blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    result_path = models.TextField(blank=True)
    errors = models.JSONField(default=list, blank=True, help_text="[table, row, column, message], at most ERRORS_KEPT")
    error_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = JobQuerySet.as_manager()

    ERRORS_KEPT = 5000

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} {self.state}"

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)

    @property
    def preview_pending(self) -> bool:
        """A preview (a dry-run import) that passed and waits for its user to confirm or cancel it."""
        return self.kind == JobKind.IMPORT and self.state == JobState.DONE and self.params.get("preview") == "pending"

    @property
    def failure_explanation(self) -> str:
        """What happened and what to do, in the active language ("" if not failed that way)."""
        if not self.failure or self.failure not in FAILURE_EXPLANATIONS:
            return ""
        limit = (self.result or {}).get("limit")  # the limit in force when the job ran
        unchanged = f" {UNCHANGED}" if self.kind in (JobKind.IMPORT, JobKind.EXPORT) else ""
        return FAILURE_EXPLANATIONS[self.failure] % {
            "memory": limit or settings.JIUYE_JOB_MEMORY_MB, "seconds": limit or settings.JIUYE_JOB_TIME_LIMIT,
            "job": self.pk, "unchanged": unchanged}


class MorningDigest(models.Model):
    """Each worker's queue as counted by the morning run: shown at the top of the Today page."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests")
    day = models.DateField()
    total = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    by_kind = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="one_digest_per_user_and_day")]
