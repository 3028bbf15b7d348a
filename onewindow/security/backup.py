"""Backup and restore of the whole database (SQLite online backup API / pg_dump).

subprocess runs pg_dump/pg_restore with fixed argument lists, never through a shell.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # nosec B404
from pathlib import Path

from sqlalchemy.engine import Engine, make_url


class BackupError(RuntimeError):
    pass


def _pg_args(engine: Engine) -> tuple[list[str], dict]:
    url = make_url(str(engine.url.render_as_string(hide_password=False)))
    args = ["--host", url.host or "localhost", "--port", str(url.port or 5432),
            "--username", url.username or "postgres", "--dbname", url.database or ""]
    env = {}
    if url.password:
        env["PGPASSWORD"] = url.password
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} не найден: установите клиент PostgreSQL (postgresql-client)")
    return path


def _run(cmd: list[str], env: dict) -> None:
    result = subprocess.run(  # nosec B603
        cmd, env={**os.environ, **env}, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name}: {result.stderr.strip()[:500]}")


def _private_file(target: Path) -> None:
    """Create (or empty) ``target`` readable and writable by its owner only (0600)."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    os.chmod(target, 0o600)  # an existing file keeps its mode through O_CREAT


def backup(engine: Engine, target: Path) -> Path:
    """Write a consistent copy of the live database to ``target`` (mode 0600)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _private_file(target)
    if engine.dialect.name == "sqlite":
        source = sqlite3.connect(engine.url.database)
        dest = sqlite3.connect(str(target))
        try:
            source.backup(dest)  # online: other connections may keep working
        finally:
            dest.close()
            source.close()
        return target
    args, env = _pg_args(engine)
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), *args], env)
    return target


def restore(engine: Engine, source: Path) -> None:
    """Replace the database's contents with the backup at ``source``."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"файл резервной копии не найден: {source}")
    engine.dispose()
    if engine.dialect.name == "sqlite":
        src = sqlite3.connect(str(source))
        dest = sqlite3.connect(engine.url.database)
        try:
            if src.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError("резервная копия повреждена")
            src.backup(dest)
        finally:
            dest.close()
            src.close()
        return
    args, env = _pg_args(engine)
    _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
          *args, str(source)], env)
