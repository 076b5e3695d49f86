import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from jiuye.tasks.models import JobState


class Command(BaseCommand):
    help = ("Run a scheduled job now, here (what celery beat sends): nightly evaluation or morning reminders. "
            "定时任务")
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("which", choices=["nightly", "reminders"])
        parser.add_argument("--date", help="YYYY-MM-DD (default: today)")

    def handle(self, *args, which, date=None, **options):
        from jiuye.tasks.models import Job
        from jiuye.tasks.tasks import morning_reminders, nightly_evaluation

        if date:
            try:
                dt.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"日期格式应为 YYYY-MM-DD / --date must be YYYY-MM-DD: {date}") from None
        job = Job.objects.get(pk=(nightly_evaluation if which == "nightly" else morning_reminders).run(date))
        if job.state != JobState.DONE:
            raise CommandError(job.message)
        self.stdout.write(job.message)
