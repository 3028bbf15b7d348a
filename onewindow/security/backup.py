"""Backup and restore of the whole database (SQLite online backup API / pg_dump).

subprocess runs pg_dump/pg_restore with fixed argument lists, never through a shell.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess  # nosec B404
import tempfile
from datetime import date, datetime
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
    """Write a consistent copy of the live database to ``target`` (mode 0600: it holds
    every applicant's personal data)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _private_file(target)
    try:
        _copy(engine, target)
    except BaseException:
        target.unlink(missing_ok=True)  # no empty or half-written file passes for a backup
        raise
    return target


def _copy(engine: Engine, target: Path) -> None:
    if engine.dialect.name == "sqlite":
        source = sqlite3.connect(engine.url.database)
        dest = sqlite3.connect(str(target))
        try:
            source.backup(dest)  # online: other connections may keep working
        finally:
            dest.close()
            source.close()
        return
    args, env = _pg_args(engine)
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), *args], env)


def restore(engine: Engine, source: Path) -> None:
    """Replace the database's contents with the backup at ``source``."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"файл резервной копии не найден: {source}")
    engine.dispose()
    if engine.dialect.name == "sqlite":
        _sqlite_restore(source, engine.url.database)
        return
    _pg_restore(engine, source)


def _sqlite_restore(source: Path, database: str) -> None:
    """Check the copy whole, then copy it over the database (one write transaction)."""
    src = sqlite3.connect(Path(source).resolve().as_uri() + "?mode=ro", uri=True)
    try:
        try:
            problems = src.execute("PRAGMA integrity_check").fetchall()
        except sqlite3.DatabaseError as exc:  # not a database, or cut short
            raise BackupError(f"резервная копия повреждена: {exc}") from exc
        if problems != [("ok",)]:
            raise BackupError("резервная копия повреждена: "
                              + "; ".join(str(p[0]) for p in problems[:5]))
        dest = sqlite3.connect(database)
        try:
            src.backup(dest)
        finally:
            dest.close()
    finally:
        src.close()


# Run first in the restore's transaction: every table, view, sequence, function and type of
# the schema goes, so that the copy comes back exactly as it was. ``pg_restore --clean``
# drops only what the copy holds: a table a later migration made survived it, and the
# migrations then stopped on "relation already exists".
PG_EMPTY_SCHEMA = b"""
SET client_min_messages = warning;
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.relname, c.relkind FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') LOOP
    EXECUTE format('DROP %s IF EXISTS public.%I CASCADE',
                   CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                  WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE'
                                  ELSE 'TABLE' END, r.relname);
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
           JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'public' LOOP
    EXECUTE format('DROP ROUTINE IF EXISTS %s CASCADE', r.signature);
  END LOOP;
  FOR r IN SELECT t.typname, t.typtype FROM pg_type t
           JOIN pg_namespace n ON n.oid = t.typnamespace
           WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'c', 'r')
             AND (t.typrelid = 0 OR t.typtype = 'c') LOOP
    EXECUTE format('DROP %s IF EXISTS public.%I CASCADE',
                   CASE r.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, r.typname);
  END LOOP;
END $$;
SET client_min_messages = notice;
"""


def _pg_restore(engine: Engine, source: Path) -> None:
    """Empty the schema and load the copy in one transaction of psql's: either the database
    is the copy, or (a damaged file, any error) it is left as it was."""
    args, env = _pg_args(engine)
    restore_cmd = [_tool("pg_restore"), "--no-owner", "--file", "-", str(source)]
    psql_cmd = [_tool("psql"), "--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1", *args]
    environment = {**os.environ, **env}
    with tempfile.TemporaryFile() as restore_err, tempfile.TemporaryFile() as psql_err:
        script = subprocess.Popen(  # nosec B603
            restore_cmd, env=environment, stdout=subprocess.PIPE, stderr=restore_err)
        psql = subprocess.Popen(  # nosec B603
            psql_cmd, env=environment, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            stderr=psql_err)
        try:
            psql.stdin.write(b"BEGIN;\n" + PG_EMPTY_SCHEMA)
            shutil.copyfileobj(script.stdout, psql.stdin, 1 << 20)
            script_ok = script.wait() == 0
            if script_ok:  # only a whole script is committed; else psql's end rolls back
                psql.stdin.write(b"\nCOMMIT;\n")
        except BrokenPipeError:  # psql stopped at an error (ON_ERROR_STOP)
            script.kill()
            script_ok = False
        finally:
            with contextlib.suppress(BrokenPipeError):
                psql.stdin.close()
            script.stdout.close()
            script.wait()
            psql_ok = psql.wait() == 0
        if not (script_ok and psql_ok):
            restore_err.seek(0)
            psql_err.seek(0)
            problem = (psql_err.read() or restore_err.read()).decode("utf-8", "replace")
            raise BackupError("восстановление не выполнено, база не изменена: "
                              + problem.strip()[:500])


# ------------------------------------------------------------------ rotation

NAME_FORMAT = "onewindow-%Y%m%d-%H%M%S.backup"
NAME_PATTERN = re.compile(r"onewindow-(\d{8}-\d{6})\.backup")


def rotated_name(now: datetime) -> str:
    """The file name of a backup taken at ``now`` (office time) in a backup directory."""
    return now.strftime(NAME_FORMAT)


def taken_at(path: Path) -> datetime | None:
    match = NAME_PATTERN.fullmatch(path.name)
    if match is None:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y%m%d-%H%M%S")
    except ValueError:
        return None


def to_keep(stamps: list[datetime], *, keep_daily: int, keep_monthly: int) -> set[datetime]:
    """The newest backup of each of the ``keep_daily`` latest days that have one, and of
    each of the ``keep_monthly`` latest months (as restic's ``forget --keep-daily``)."""
    keep: set[datetime] = set()
    for count, period in ((keep_daily, lambda s: s.date()),
                          (keep_monthly, lambda s: date(s.year, s.month, 1))):
        seen: set[date] = set()
        for stamp in sorted(stamps, reverse=True):
            if len(seen) >= count:
                break
            if period(stamp) not in seen:
                seen.add(period(stamp))
                keep.add(stamp)
    return keep


def prune(directory: Path, *, keep_daily: int, keep_monthly: int) -> list[Path]:
    """Delete the rotated backups of ``directory`` that the retention does not keep.

    Only files named as :func:`rotated_name` makes them are considered; anything else in
    the directory is left alone. Returns the deleted paths.
    """
    backups = {stamp: path for path in Path(directory).iterdir()
               if path.is_file() and (stamp := taken_at(path)) is not None}
    keep = to_keep(list(backups), keep_daily=keep_daily, keep_monthly=keep_monthly)
    deleted = []
    for stamp, path in sorted(backups.items()):
        if stamp not in keep:
            path.unlink()
            deleted.append(path)
    return deleted
