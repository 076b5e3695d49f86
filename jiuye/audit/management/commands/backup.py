from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiuye.audit.backup import BackupError, database_backup, file_sha256
from jiuye.audit.services import audit_event_record


class Command(BaseCommand):
    help = "Back up the whole database to FILE (SQLite: a copy; PostgreSQL: pg_dump custom format). 备份"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            size = database_backup(file)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        checksum = file_sha256(file)  # a restore names the backup by it
        audit_event_record(action="database.backup", target=file.name, detail={"bytes": size, "sha256": checksum})
        self.stdout.write(f"已备份 / backed up: {file} ({size} bytes, sha256 {checksum})")
