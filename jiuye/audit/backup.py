"""Backup and restore of the whole database: SQLite's online backup API, PostgreSQL's
pg_dump / pg_restore (custom format). A backup is a consistent snapshot even while the
application writes; a restore replaces everything."""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connection


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


def database_restore(path: Path) -> None:
    """Replace the database's contents with the backup at ``path``."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"找不到备份文件 / backup not found: {path}")
    if connection.vendor == "sqlite":
        try:
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            source.execute("PRAGMA schema_version").fetchone()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"不是有效的备份 / not a valid backup: {exc}") from None
        connection.ensure_connection()
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    elif connection.vendor == "postgresql":
        args, env = _pg_env()
        connection.close()
        out = subprocess.run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
                              *args, str(path)], env=env, capture_output=True, text=True)
        if out.returncode:
            raise BackupError(f"pg_restore 失败 / pg_restore failed: {out.stderr.strip()[:2000]}")
    else:
        raise BackupError(f"不支持的数据库 / unsupported database: {connection.vendor}")
