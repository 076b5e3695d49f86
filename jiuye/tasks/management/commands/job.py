from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Background jobs. `run ID`: what the web server starts for a job when no broker is configured "
            "(the job in a process of its own, with JIUYE_JOB_MEMORY_MB and JIUYE_JOB_TIME_LIMIT). `watch`: "
            "fail the jobs whose process died (what every look at the jobs and celery beat do). 后台任务")
    requires_system_checks = []  # `run` checks the field key itself, and records it on the job

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["run", "watch"])
        parser.add_argument("job", nargs="?", type=int)

    def handle(self, *args, action, job=None, **options):
        if action == "watch":
            from jiuye.tasks.runner import jobs_stopped_fail

            for stopped in jobs_stopped_fail():
                self.stdout.write(f"#{stopped.pk} {stopped.message}")
            return
        if job is None:
            raise CommandError("用法 / usage: jiuye job run ID")
        from jiuye.tasks.process import job_process_run

        if job_process_run(job):
            raise CommandError(f"任务 #{job} 未正常结束 / job #{job} did not end normally", returncode=1)
