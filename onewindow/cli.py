"""Command-line tools: flask --app app <command>."""

from __future__ import annotations

import ipaddress

import click
from flask import Flask
from flask.cli import AppGroup
from flask_migrate import upgrade

from .config import DEV_SECRET, LOOPBACK
from .core import clock
from .extensions import db


def init_app(app: Flask) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(quickstart_command)
    app.cli.add_command(audit_purge_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(access_matrix_command)
    app.cli.add_command(prints_cli)
    app.cli.add_command(registry_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(purge_drafts_command)
    app.cli.add_command(tls_cli)


def _commit_or_fail(action):
    from .errors import DomainError

    try:
        result = action()
        db.session.commit()
        return result
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc


@click.command("create-user")
@click.argument("username")
@click.option("--full-name", required=True, help="ФИО сотрудника")
@click.option("--role", required=True,
              type=click.Choice(["specialist", "chief", "director", "archivist", "admin"]))
@click.option("--position", default=None, help="Должность")
@click.password_option(help="Пароль (не короче 10 символов)")
def create_user_command(username, full_name, role, position, password):
    """Create a staff account with a role."""
    from .auth.services import create_user

    user = _commit_or_fail(lambda: create_user(
        db.session, username=username, full_name=full_name, role=role, password=password,
        position=position,
    ))
    click.echo(f"Создан пользователь {user.username} ({user.role_name})")


@click.command("seed")
def seed_command():
    """Load the catalog of services (idempotent: a second run changes nothing)."""
    from .catalog.services import seed_catalog

    added = _commit_or_fail(lambda: seed_catalog(db.session))
    click.echo(
        f"Справочник услуг: добавлено услуг {added['services']}, категорий "
        f"{added['categories']}, групп {added['groups']}"
    )


@click.command("demo")
@click.option("--applicants", default=300, show_default=True, help="сколько заявителей")
@click.option("--applications", default=None, type=int, help="сколько заявлений (≈ 2× заявителей)")
@click.option("--seed", "random_seed", default=20261128, show_default=True)
def demo_command(applicants, applications, random_seed):
    """Create demo staff, applicants and applications (the catalog is seeded first)."""
    from .catalog.services import seed_catalog
    from .demo import make_demo

    seed_catalog(db.session)
    report = make_demo(db.session, applicants=applicants, applications=applications,
                       random_seed=random_seed)
    db.session.commit()
    click.echo(report)


@click.command("quickstart")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--applicants", default=300, show_default=True)
@click.option("--no-serve", is_flag=True, help="only prepare the database")
def quickstart_command(host, port, applicants, no_serve):
    """Migrate, seed the catalog, create demo data once, and serve on this machine."""
    from flask import current_app

    if current_app.config.get("SECRET_KEY") == DEV_SECRET and host not in LOOPBACK:
        raise click.UsageError(
            "Ключ SECRET_KEY — опубликованный ключ разработки: с ним любой подделает вход "
            "администратора. Запустите на 127.0.0.1 или задайте свой SECRET_KEY.")
    from sqlalchemy import select

    from .auth.models import User
    from .catalog.services import seed_catalog
    from .config import PLACEHOLDER_ADDRESS
    from .demo import DEMO_PASSWORD, make_demo
    from .queue.services import seed_queue

    upgrade()
    seed_catalog(db.session)
    seed_queue(db.session)
    if db.session.scalar(select(User).limit(1)) is None:
        click.echo(make_demo(db.session, applicants=applicants, applications=None,
                             random_seed=20261128))
    db.session.commit()
    click.echo("")
    click.echo(f"Адрес:  http://{host}:{port}/")
    click.echo(f"Вход:   specialist / {DEMO_PASSWORD}  (также chief, director, archivist, admin)")
    if current_app.config["INSTITUTION_ADDRESS"] == PLACEHOLDER_ADDRESS:
        click.echo("Адрес учреждения в расписках и письмах — заглушка: задайте переменные "
                   "INSTITUTION_ADDRESS, INSTITUTION_PHONE, INSTITUTION_NAME (см. README).")
    if no_serve:
        return
    from waitress import serve

    serve(current_app._get_current_object(), host=host, port=port, threads=8)


@click.command("audit-purge")
@click.option("--days", type=int, default=None,
              help="срок хранения в днях (по умолчанию AUDIT_RETENTION_DAYS)")
@click.option("--yes", is_flag=True, help="не спрашивать подтверждения")
def audit_purge_command(days, yes):
    """Delete audit entries older than the retention period (the purge itself is logged)."""
    import getpass
    from datetime import timedelta

    from flask import current_app

    from .security.audit import purge

    days = days if days is not None else current_app.config["AUDIT_RETENTION_DAYS"]
    if days < 1:
        raise click.ClickException("Срок хранения должен быть не меньше 1 дня")
    now = clock.now()
    before = now - timedelta(days=days)
    if not yes:
        click.confirm(f"Удалить записи журнала старше {before:%d.%m.%Y}?", abort=True)
    count = _commit_or_fail(lambda: purge(
        db.session, before=before, now=now, actor=f"cli:{getpass.getuser()}"[:64]))
    click.echo(f"Удалено записей журнала: {count}")


def _audit_cli(action: str, *, result: str = "ok", details: str | None = None) -> None:
    """Record a command in the audit, committed at once, as done by the system user."""
    import getpass

    from .security.audit import record

    db.session.remove()
    record(db.session, action=action, now=clock.now(), username=f"cli:{getpass.getuser()}"[:64],
           object_type="database", result=result, details=details)
    db.session.commit()


@click.command("backup")
@click.argument("path", type=click.Path())
@click.option("--keep-daily", type=click.IntRange(min=1), default=None,
              help="PATH is a directory: keep the newest backup of each of the N latest days")
@click.option("--keep-monthly", type=click.IntRange(min=0), default=None,
              help="PATH is a directory: keep the newest backup of each of the M latest months")
def backup_command(path, keep_daily, keep_monthly):
    """Write a backup of the database (SQLite copy or pg_dump -Fc), mode 0600.

    PATH is a file, or a directory (existing, or ending with /, or given with --keep-*):
    then the backup is named onewindow-YYYYMMDD-HHMMSS.backup (office time) and the
    older ones beyond the retention are deleted.
    """
    from pathlib import Path

    from .security.backup import BackupError, backup, prune, rotated_name

    target = Path(path)
    rotating = (keep_daily is not None or keep_monthly is not None or target.is_dir()
                or path.endswith(("/", "\\")))
    if rotating:
        target = target / rotated_name(clock.now())
    try:
        target = backup(db.engine, target)
    except BackupError as exc:
        _audit_cli("backup", result="failed", details=str(exc))
        raise click.ClickException(str(exc)) from exc
    _audit_cli("backup", details=f"файл {target}")
    click.echo(f"Резервная копия записана: {target}")
    if rotating and (keep_daily is not None or keep_monthly is not None):
        deleted = prune(target.parent, keep_daily=keep_daily or 1,
                        keep_monthly=keep_monthly or 0)
        click.echo(f"Удалено старых копий: {len(deleted)}")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, exists=True))
@click.option("--yes", is_flag=True, help="не спрашивать подтверждения")
@click.option("--no-upgrade", is_flag=True,
              help="не применять миграции после восстановления (копия старой версии)")
def restore_command(path, yes, no_upgrade):
    """Replace the database with the backup at PATH (stop the app servers first), then bring
    its schema to the code's migrations (a backup made before an update is behind)."""
    from pathlib import Path

    from .ops import health
    from .security.backup import BackupError, restore

    if not yes:
        click.confirm("Текущие данные будут заменены резервной копией. Продолжить?", abort=True)
    db.session.remove()
    source = Path(path).resolve()
    try:
        restore(db.engine, Path(path))
    except BackupError as exc:
        _audit_cli("restore", result="failed", details=str(exc))
        raise click.ClickException(str(exc)) from exc
    click.echo("База данных восстановлена из резервной копии")
    db.session.remove()
    behind = health.check_migrations(db.session, health.code_heads())
    db.session.remove()
    if behind and not no_upgrade:
        try:
            upgrade()
        except Exception as exc:  # noqa: BLE001 - e.g. a copy made by a newer version
            raise click.ClickException(
                f"Миграции не применились ({exc}): копия сделана другой версией программы? "
                "Установите её версию или восстановите другую копию.") from exc
        click.echo("Схема базы доведена до текущей версии программы (миграции применены)")
    elif behind:
        click.echo(f"Схема базы отстаёт от программы: {behind}")
    # Recorded in the restored database: the row written before would be replaced.
    _audit_cli("restore", details=f"из файла {source}")


@click.command("access-matrix")
def access_matrix_command():
    """Print the route × role table (docs/ACCESS.md is made of it)."""
    from flask import current_app

    from .security.matrix import markdown_table

    click.echo(markdown_table(_rules_by_endpoint(current_app)), nl=False)


def _rules_by_endpoint(app) -> dict[str, list[str]]:
    rules: dict[str, list[str]] = {}
    for rule in app.url_map.iter_rules():
        rules.setdefault(rule.endpoint, []).append(rule.rule)
    return {k: sorted(v) for k, v in rules.items()}



prints_cli = AppGroup("prints", help="The print journal.")
registry_cli = AppGroup("registry", help="Deadlines, requests, notices.")
tls_cli = AppGroup("tls", help="HTTPS on the office network: the office CA and certificate.")


@tls_cli.command("init")
@click.option("--host", "hosts", multiple=True, required=True,
              help="имя сервера в сети офиса (можно несколько раз)")
@click.option("--ip", "ips", multiple=True, help="адрес сервера в сети офиса (можно несколько)")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="папка сертификатов (по умолчанию instance/tls)")
def tls_init_command(hosts, ips, out):
    """Create the office CA (kept if present) and issue the server's HTTPS certificate."""
    from pathlib import Path

    from flask import current_app

    from .ops import tls

    directory = Path(out) if out else Path(current_app.instance_path) / "tls"
    for ip in ips:
        try:
            ipaddress.ip_address(ip.strip())
        except ValueError as exc:
            raise click.BadParameter(f"«{ip}» — не IP-адрес", param_hint="--ip") from exc
    issued = tls.issue(directory, hosts=list(hosts), ips=list(ips))
    click.echo(tls.instructions(issued))


@prints_cli.command("purge")
@click.option("--days", type=int, default=None,
              help="Keep the bytes this many days (default PRINT_JOURNAL_RETENTION_DAYS).")
def purge_prints_command(days):
    """Empty the stored copies of documents past the retention period (rows stay)."""
    import os

    from flask import current_app

    from .prints import services

    days = days or int(current_app.config.get("PRINT_JOURNAL_RETENTION_DAYS")
                       or os.environ.get("PRINT_JOURNAL_RETENTION_DAYS", "180"))
    count = services.purge_expired(db.session, now=clock.now(), days=days)
    db.session.commit()
    click.echo(f"Копий очищено: {count}")


@registry_cli.command("apply-handovers")
def apply_handovers_command():
    """Planned handovers whose date has come take effect; past return dates give the items
    back (run daily from cron, early in the morning)."""
    from .registry import handover

    applied, returned = handover.apply_due_handovers(db.session, now=clock.now())
    db.session.commit()
    click.echo(f"Передач вступило в силу: {len(applied)}, возвращено: {len(returned)}")


@registry_cli.command("send-notices")
def send_notices_command():
    """Send pending notices and retry failed ones whose time has come (run from cron)."""
    from flask import current_app

    from .registry import documents, notices

    config = current_app.config
    attempts = notices.retry_due_notices(
        db.session, settings=notices.smtp_settings(config), now=clock.now(),
        make_pdf=lambda n: documents.decision_notice_pdf(n, config=config),
        institution=config["INSTITUTION_NAME"])
    db.session.commit()
    sent = sum(1 for a in attempts if a.ok)
    click.echo(f"Отправлено: {sent}, ошибок: {len(attempts) - sent}")


@click.command("worker")
@click.option("--once", is_flag=True, help="Run the queued jobs, then exit.")
def worker_command(once):
    """Run selection import jobs (any number of these, on any machine)."""
    from flask import current_app

    from .selections import jobs

    jobs.work(current_app._get_current_object(), once=once, log=click.echo)


@click.command("selections-purge-drafts")
@click.option("--days", type=int, default=None,
              help="Older than this many days (default SELECTIONS_DRAFT_DAYS).")
def purge_drafts_command(days):
    """Cancel selection drafts never mapped and loaded, and delete their files."""
    from flask import current_app

    from .errors import DomainError
    from .selections import jobs

    days = days if days is not None else current_app.config["SELECTIONS_DRAFT_DAYS"]
    try:
        count = jobs.purge_drafts(db.session, days=days, now=clock.now())
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    click.echo(f"Черновиков селекций отменено: {count} (старше {days} дн.), файлы удалены")
