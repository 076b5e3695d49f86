from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "jiuye.tasks"
    label = "tasks"
    verbose_name = "后台任务 / Background work"

    def ready(self):
        from jiuye.divisions.revisions import register_imported

        register_imported.connect(_prepare_after_import, dispatch_uid="jiuye-prepare-after-import")


def _prepare_after_import(sender, scope: str, **kwargs) -> None:
    """An import committed: its scope's pages of the day are prepared by a background job."""
    from django.conf import settings

    if not settings.JIUYE_PREPARE_AFTER_IMPORT:
        return
    from jiuye.tasks.models import JobKind
    from jiuye.tasks.services import job_start

    job_start(user=None, kind=JobKind.PREPARE, params={"scope": scope})
