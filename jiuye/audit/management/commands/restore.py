from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiuye.audit.backup import BackupError, audit_put_back, database_restore
from jiuye.audit.services import audit_event_record


class Command(BaseCommand):
    help = ("Restore the whole database from a backup FILE made by `jiuye backup` (replaces everything but the "
            "audit log: the events written since the backup are kept). 恢复")
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, nargs="?")
        parser.add_argument("--put-back-audit", type=Path, metavar="JSONL",
                            help="only put back audit events set aside by a restore that could not finish")

    def handle(self, *args, file: Path | None, put_back_audit: Path | None = None, **options):
        if put_back_audit is not None:
            kept = audit_put_back(put_back_audit)
            self.stdout.write(f"已放回审计记录 / audit events put back: {kept}")
            return
        if file is None:
            raise CommandError("用法 / usage: jiuye restore FILE")
        try:
            restored = database_restore(file)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        audit_event_record(action="database.restore", target=file.name, detail={"backup": file.name, **restored})
        self.stdout.write(f"已恢复 {file}（sha256 {restored['sha256']}，保留审计记录 {restored['events_kept']} 条）"
                          f" / restored: {file} (sha256 {restored['sha256']}; audit events kept: {restored['events_kept']})")
