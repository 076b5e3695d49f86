"""Backup and restore of the whole database: SQLite's online backup API, PostgreSQL's
pg_dump / pg_restore (custom format). A backup is a consistent snapshot even while the
application writes; a restore replaces everything but the audit log, which stays append-only:
the events written since the backup are set aside before and put back after."""

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, transaction

from jiuye.audit.models import AuditEvent
from jiuye.divisions.revisions import policy_changed


class BackupError(RuntimeError):
    pass


def _pg_env() -> tuple[list[str], dict]:
    s = connection.settings_dict
    args = ["--host", s.get("HOST") or "localhost", "--port", str(s.get("PORT") or 5432),
            "--username", s.get("USER") or "postgres", "--dbname", s["NAME"]]
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = s["PASSWORD"]
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"找不到 {name}，请安装 postgresql-client / {name} not found: install postgresql-client")
    return path


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def database_backup(path: Path) -> int:
    """Write the database to ``path``; returns its size in bytes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    elif connection.vendor == "postgresql":
        args, env = _pg_env()
        out = subprocess.run([_tool("pg_dump"), "--format=custom", "--file", str(path), *args], env=env,
                             capture_output=True, text=True)
        if out.returncode:
            raise BackupError(f"pg_dump 失败 / pg_dump failed: {out.stderr.strip()}")
    else:
        raise BackupError(f"不支持的数据库 / unsupported database: {connection.vendor}")
    return path.stat().st_size


def _backup_check(path: Path) -> None:
    """Refuse what is not a backup before anything is touched."""
    if not path.is_file():
        raise BackupError(f"找不到备份文件 / backup not found: {path}")
    if connection.vendor == "sqlite":
        try:
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                source.execute("PRAGMA schema_version").fetchone()
            finally:
                source.close()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"不是有效的备份 / not a valid backup: {exc}") from None
    elif connection.vendor == "postgresql":
        out = subprocess.run([_tool("pg_restore"), "--list", str(path)], capture_output=True, text=True)
        if out.returncode:
            raise BackupError(f"不是有效的备份 / not a valid backup: {out.stderr.strip()[:500]}")
    else:
        raise BackupError(f"不支持的数据库 / unsupported database: {connection.vendor}")


def _replace(path: Path) -> None:
    if connection.vendor == "sqlite":
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        connection.ensure_connection()
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    else:
        args, env = _pg_env()
        connection.close()
        out = subprocess.run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
                              *args, str(path)], env=env, capture_output=True, text=True)
        if out.returncode:
            raise BackupError(f"pg_restore 失败 / pg_restore failed: {out.stderr.strip()[:2000]}")


# -- the audit log across a restore ----------------------------------------------------------------

COLUMNS = ("id", "at", "user_id", "actor", "action", "division_code", "target", "detail")


def _same(row: dict) -> tuple:
    """What tells one event from another with the same id (a database of another history)."""
    return row["at"], row["actor"], row["action"], row["target"]


def audit_set_aside(path: Path) -> int:
    """Write every audit event of the database to ``path`` (JSON lines); returns how many."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as fh:
        for values in AuditEvent.objects.order_by("id").values_list(*COLUMNS).iterator(chunk_size=2000):
            row = dict(zip(COLUMNS, values, strict=True))
            row["at"] = row["at"].isoformat()
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    path.chmod(0o600)
    return count


def _batches(path: Path, size: int = 2000):
    batch = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            batch.append(json.loads(line))
            if len(batch) == size:
                yield batch
                batch = []
    if batch:
        yield batch


def audit_put_back(path: Path) -> int:
    """Put back the events of ``path`` (``audit_set_aside``) that the database does not hold, with
    their own ids and times; one whose id is taken by another event gets a new id. Returns how
    many were put back."""
    from django.contrib.auth import get_user_model

    fields = {name: AuditEvent._meta.get_field("user" if name == "user_id" else name) for name in COLUMNS}
    table, quote = AuditEvent._meta.db_table, connection.ops.quote_name
    users = set(get_user_model().objects.values_list("pk", flat=True))
    put = 0
    with transaction.atomic():
        for batch in _batches(path):
            held = {values[0]: dict(zip(COLUMNS, values, strict=True)) for values in
                    AuditEvent.objects.filter(id__in=[row["id"] for row in batch]).values_list(*COLUMNS)}
            for row in batch:
                row["at"] = dt.datetime.fromisoformat(row["at"])
                if row["user_id"] not in users:
                    row["user_id"] = None  # a user added after the backup: the actor's name stays
                other = held.get(row["id"])
                if other is not None and _same(other) == _same(row):
                    continue  # in the backup already
                names = [n for n in COLUMNS if not (n == "id" and other is not None)]
                values = [fields[n].get_db_prep_save(row[n], connection) for n in names]
                with connection.cursor() as cursor:
                    cursor.execute(f"INSERT INTO {quote(table)} ({', '.join(quote(n) for n in names)}) "
                                   f"VALUES ({', '.join(['%s'] * len(names))})", values)
                put += 1
        with connection.cursor() as cursor:  # new events are numbered after those put back
            for sql in connection.ops.sequence_reset_sql(no_style(), [AuditEvent]):
                cursor.execute(sql)
    return put


def database_restore(path: Path) -> dict:
    """Replace the database's contents with the backup at ``path``, keeping the audit log:
    every event of the database that the backup does not hold is set aside (a file under
    ``VAR_DIR/restore/``) before and put back after. Returns what the restore's audit event
    records: the backup's checksum and size, when it was made (its ``database.backup`` event,
    if known), and how many events were kept."""
    path = Path(path)
    _backup_check(path)
    checksum, size = file_sha256(path), path.stat().st_size
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = Path(settings.VAR_DIR) / "restore" / f"audit-{stamp}-{os.getpid()}.jsonl"
    audit_set_aside(aside)
    _replace(path)
    # The restored data are not those of any page cached since the backup: every page is recomputed.
    policy_changed(jump=True)
    try:
        kept = audit_put_back(aside)
    except Exception as exc:
        raise BackupError(
            f"数据库已恢复，但审计日志未能放回，已保存在 {aside}：请运行 jiuye restore --put-back-audit {aside} / "
            f"restored, but the audit events could not be put back; they are kept in {aside}: run "
            f"jiuye restore --put-back-audit {aside} ({type(exc).__name__})") from exc
    aside.unlink()
    made = (AuditEvent.objects.filter(action="database.backup", detail__sha256=checksum)
            .order_by("-at").values_list("at", flat=True).first())
    return {"sha256": checksum, "bytes": size, "backed_up_at": made.isoformat() if made else None,
            "events_kept": kept}
