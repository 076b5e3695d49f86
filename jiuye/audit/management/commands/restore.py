from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiuye.audit.backup import BackupError, database_restore
from jiuye.audit.services import audit_event_record


class Command(BaseCommand):
    help = "Restore the whole database from a backup FILE made by `jiuye backup` (replaces everything). 恢复"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            database_restore(file)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        audit_event_record(action="database.restore", target=file.name)
        self.stdout.write(f"已恢复 / restored: {file}")
