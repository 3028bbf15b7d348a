"""What an outside attack found (issue 21): each finding refused, each with its test."""

from __future__ import annotations

import csv
import io
import itertools
import logging
import stat
import tomllib
import unicodedata
import zipfile
from datetime import date, datetime, timedelta

import pytest
from flask import request
from openpyxl.xml import DEFUSEDXML
from packaging.requirements import Requirement
from packaging.version import Version
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from onewindow import ROOT
from onewindow.applicants.queries import search_applicants
from onewindow.applicants.services import DuplicateWarning, create_applicant
from onewindow.archive import importing
from onewindow.auth.passwords import DEMO_PASSWORD, check_password_policy, common_passwords
from onewindow.auth.services import normalize_username
from onewindow.config import DEV_SECRET, Config
from onewindow.core import clock, filetypes, tables
from onewindow.core.filetypes import FileTypeMismatch, check_content
from onewindow.core.text import clean_text, normalize_search
from onewindow.errors import InvalidInput
from onewindow.intake.models import Application
from onewindow.queue import services as queue_services
from onewindow.queue.models import Ticket, VisitPurpose
from onewindow.security import audit
from onewindow.security.models import AuditEntry, AuditPurgePermit
from onewindow.selections import views as selection_views
from onewindow.selections.models import Selection

from ..conftest import login
from ..factories import DEFAULT_PASSWORD, make_applicant, make_application, make_user
from ..pdfcheck import pdf_text
from ..selections.helpers import xlsx_bytes
from .test_backup import _require_pg_tools
from .test_uploads import (
    SELECTION_ROWS,
    UPLOADERS,
    _field_error,
    _files,
    _selections,
)

# A small "billion laughs": enough to prove refusal, far too small to hurt the test process.
LAUGHS = ('<?xml version="1.0" encoding="UTF-8"?>\n'
          '<!DOCTYPE worksheet [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;">'
          '<!ENTITY c "&b;&b;&b;">]>\n')


def _with_dtd(xlsx: bytes, *, encoding: str = "utf-8") -> bytes:
    """The same workbook with a DTD of nested entities in its first worksheet."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = body.decode("utf-8").split("?>", 1)[-1]
                text = LAUGHS + text.replace("<v>", "<v>&c;", 1)
                if encoding != "utf-8":
                    text = text.replace('encoding="UTF-8"', 'encoding="UTF-16"')
                body = text.encode(encoding)
            target.writestr(info.filename, body)
    return buffer.getvalue()


# ------------------------------------------------------------------ 1. XML bombs


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_xlsx_with_a_dtd_is_refused_before_parsing(encoding, tmp_path):
    good = xlsx_bytes(SELECTION_ROWS)
    check_content(good, "xlsx")
    with pytest.raises(FileTypeMismatch, match="DTD"):
        check_content(_with_dtd(good, encoding=encoding), "xlsx")
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(_with_dtd(good, encoding=encoding))
    with pytest.raises(FileTypeMismatch, match="DTD"):
        check_content(path, "xlsx")


def test_declaration_split_between_chunks_is_found(monkeypatch):
    monkeypatch.setattr(filetypes, "XML_CHUNK", 5)
    with pytest.raises(FileTypeMismatch, match="DTD"):
        check_content(_with_dtd(xlsx_bytes(SELECTION_ROWS)), "xlsx")


@pytest.mark.parametrize("area", UPLOADERS)
def test_xlsx_bomb_upload_is_refused_next_to_the_file_field(client, users, session, uploads,
                                                           area):
    role, post = UPLOADERS[area]
    login(client, users[role])
    response = post(client, _with_dtd(xlsx_bytes(SELECTION_ROWS)), "список.xlsx")
    assert response.status_code == 422
    message = _field_error(response.get_data(as_text=True))
    assert "DTD" in message and "сохраните её заново" in message
    assert _files(uploads) == [] and _selections(session) == 0


@pytest.mark.parametrize("content", ["bomb", "garbage"])
def test_a_stored_draft_that_cannot_be_read_is_marked_failed_and_parsed_once(
        client, users, session, uploads, monkeypatch, content):
    """A draft stored before the upload check (or broken on disk): its page shows why, and
    the file is parsed on the first visit only (a bomb once crashed every visit)."""
    path = uploads / "selections" / "0123456789abcdef0123456789abcdef.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_with_dtd(xlsx_bytes(SELECTION_ROWS)) if content == "bomb"
                     else b"PK\x03\x04" + bytes(range(256)) * 4)
    selection = Selection(source="sfr", period="2026-11", filename="список.xlsx",
                          file_format="xlsx", sha256="0" * 64, stored_path=str(path),
                          status="draft", imported_by_id=users["specialist"].id)
    session.add(selection)
    session.commit()
    selection_id = selection.id
    parsed = []
    real_preview = selection_views.preview
    monkeypatch.setattr(selection_views, "preview",
                        lambda *a, **k: parsed.append(a) or real_preview(*a, **k))
    login(client, users["specialist"])
    pages = [client.get(f"/selections/{selection_id}/mapping") for _ in range(3)]
    reason = "DTD" if content == "bomb" else "повреждён"
    for page in pages:
        assert page.status_code == 200 and reason in page.get_data(as_text=True)
    assert len(parsed) == 1
    session.expire_all()
    failed = session.get(Selection, selection_id)
    assert failed.status == "unreadable" and reason in failed.error
    session.rollback()
    card = client.get(f"/selections/{selection_id}").get_data(as_text=True)
    assert "файл не читается" in card and reason in card
    started = client.post(f"/selections/{selection_id}/import", data={})
    assert started.status_code == 422 and len(parsed) == 1


def test_a_failed_archive_register_leaves_no_draft(client, users, session, uploads):
    """The archive's draft is saved only once its head was read: a file that cannot be
    read is refused on upload, kept nowhere, and has no page to revisit."""
    login(client, users["archivist"])
    # A bomb and garbage are refused by the content check, a wide file by its head.
    wide = ";".join(f"c{i}" for i in range(300)).encode() + b"\n1;2\n"
    for data, name in ((_with_dtd(xlsx_bytes(SELECTION_ROWS)), "реестр.xlsx"),
                       (b"PK\x03\x04" + b"\x00" * 300, "реестр.xlsx"), (wide, "реестр.csv")):
        response = client.post("/archive/import", data={
            "file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
        assert response.status_code == 422
        assert _files(uploads) == []


def test_openpyxl_reads_through_defusedxml():
    assert DEFUSEDXML


def test_old_expat_is_warned_about_at_start(make_app, monkeypatch, caplog):
    monkeypatch.setattr("pyexpat.EXPAT_VERSION", "expat_2.5.0")
    with caplog.at_level(logging.WARNING, logger="onewindow"):
        make_app()
    assert any("expat 2.5.0" in r.getMessage() and "2.7.0" in r.getMessage()
               for r in caplog.records)
    caplog.clear()
    monkeypatch.setattr("pyexpat.EXPAT_VERSION", "expat_2.7.1")
    with caplog.at_level(logging.WARNING, logger="onewindow"):
        make_app()
    assert not [r for r in caplog.records if "expat" in r.getMessage()]


# ------------------------------------------------------------------ 2. masking in PDFs


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit() or ch == "*")


@pytest.mark.parametrize("role", ["director", "admin"])
def test_receipt_and_its_reprint_are_masked_for_director_and_admin(client, users, session,
                                                                   role):
    applicant = make_applicant(session)
    application = make_application(session, applicant=applicant, user=users["specialist"],
                                   representative_name="Петров Пётр Петрович",
                                   representative_document="паспорт 1804 654321")
    session.commit()
    app_id, full, masked = application.id, applicant.snils_display, applicant.snils_masked
    login(client, users["specialist"])
    printed = client.get(f"/applications/{app_id}/receipt.pdf?copies=1")
    text = pdf_text(printed.data)
    assert full in text and "654321" in text  # the desk's copy: in full
    print_id = printed.headers["X-Print-Id"]
    client.post("/logout")

    login(client, users[role])
    own = pdf_text(client.get(f"/applications/{app_id}/receipt.pdf?copies=1").data)
    assert masked in own and full not in own and full.replace("-", "") not in _digits(own)
    assert "654321" not in own and "**** ***321" in own
    reprint = client.get(f"/prints/{print_id}.pdf")
    if reprint.status_code == 303:
        reprint = client.get(reprint.headers["Location"])
    assert reprint.status_code == 200 and reprint.mimetype == "application/pdf"
    text = pdf_text(reprint.data)
    assert masked in text and full not in text and "654321" not in text


def test_selection_hit_snils_is_masked_for_the_admin(app):
    with app.test_request_context():
        render = app.jinja_env.from_string("{{ '11223344595'|snils }}").render
        assert render() == "***-***-*45 95"


# ------------------------------------------------------------------ 3. login names


def _spellings(name: str):
    """Mixed case, spaces, full-width letters, a zero-width space: one account each time."""
    for n in itertools.count():
        mixed = "".join(ch.upper() if (n >> (i % 6)) & 1 else ch for i, ch in enumerate(name))
        yield (mixed, f"  {mixed} ", unicodedata.normalize("NFKD", mixed),
               "".join(chr(ord(ch) + 0xFEE0) if ch.isascii() and ch.isalpha() else ch
                       for ch in mixed), mixed[:2] + "\u200b" + mixed[2:])[n % 5]


def test_account_lockout_is_not_bypassed_by_the_spelling_of_the_name(make_app, users, session):
    username = users["director"].username  # read before the requests (SQLite write lock)
    client = make_app(LOGIN_MAX_FAILURES_ADDRESS=1000).test_client()
    spellings = _spellings(username)
    for n in range(40):
        r = client.post("/login", data={"username": next(spellings), "password": "nope-nope"},
                        environ_base={"REMOTE_ADDR": f"10.0.{n}.1"})
        assert r.status_code in (422, 429)
    r = client.post("/login", data={"username": username.capitalize(),
                                    "password": DEFAULT_PASSWORD},
                    environ_base={"REMOTE_ADDR": "10.0.99.1"})
    assert r.status_code == 429
    assert "Слишком много неудачных попыток входа" in r.get_data(as_text=True)
    session.rollback()
    names = set(session.scalars(select(AuditEntry.username).where(
        AuditEntry.action == "login_failed")))
    assert names == {username}


def test_login_name_is_normalised_once():
    assert normalize_username(" ＤＩＲＥＣ\u200bＴＯＲ\u202e ") == "director"
    assert normalize_username("Director") == normalize_username("dIrector") == "director"


# ------------------------------------------------------------------ 4. quick start key


def test_quick_start_makes_its_own_secret_key_once(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("ONEWINDOW_ENV", "development")
    first = Config(str(tmp_path)).SECRET_KEY
    kept = tmp_path / "secret_key"
    assert first != DEV_SECRET and len(first) == 64
    assert kept.read_text().strip() == first
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert Config(str(tmp_path)).SECRET_KEY == first  # the same after a restart
    assert Config(str(tmp_path / "other")).SECRET_KEY != first


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::"])
def test_quick_start_refuses_the_development_key_off_loopback(make_app, host):
    application = make_app(SECRET_KEY=DEV_SECRET)
    with application.app_context():
        result = application.test_cli_runner().invoke(
            args=["quickstart", "--host", host, "--no-serve"])
    assert result.exit_code != 0
    assert "опубликованный ключ разработки" in result.output


# ------------------------------------------------------------------ 5. invisible characters


def test_zero_width_and_bidi_characters_are_dropped_from_names(session):
    today = date(2026, 11, 28)
    first = create_applicant(session, values={
        "surname": "Ёлкина", "name": "Анна", "patronymic": "Петровна",
        "birth_date": date(1980, 5, 1), "sex": "F"}, today=today)
    session.flush()
    # The same person typed with a zero-width space, an RTL override and a decomposed «ё».
    same = {"surname": "Ёл\u200bкина", "name": "\u202eАнна\u202c",
            "patronymic": unicodedata.normalize("NFD", "Петровна\ufeff"),
            "birth_date": date(1980, 5, 1), "sex": "F"}
    warned = create_applicant(session, values=same, today=today)
    assert isinstance(warned, DuplicateWarning) and warned.others == [first]
    created = create_applicant(session, values=same, today=today, confirm_duplicate=True)
    assert (created.surname, created.name, created.patronymic) == ("Ёлкина", "Анна",
                                                                   "Петровна")
    assert {a.id for a in search_applicants(session, "ёл\u200bки")} == {first.id, created.id}
    assert {a.id for a in search_applicants(session, "Ел\u2060кина А.\u200fП.")} == {
        first.id, created.id}


def test_clean_text():
    assert clean_text("И\u0306\u200dванов\u00ad") == "Иванов".replace("И", "Й", 1)
    assert normalize_search("\u202eЁлкина\u202c") == "елкина"


# ------------------------------------------------------------------ 6. password policy


@pytest.mark.parametrize(("password", "why"), [
    ("aaaaaaaa", "не менее 10"),
    ("aaaaaaaaaaaa", "повторов"),
    ("Volga-12345-x", "повторов"),
    ("zyxw-Volga-river", "повторов"),
    ("abcabcabcabc", "повторов"),
    ("qwertyuiop", "распространённых"),
    ("йцукенгшщз", "распространённых"),  # qwertyuiop typed in the Russian layout
    ("Password2026!", "распространённых"),
    ("1q2w3e4r5t", "распространённых"),
    (DEMO_PASSWORD, "демонстрационных"),
    ("Ivanova-volga-7", "имя пользователя"),
])
def test_weak_passwords_are_refused_with_the_reason(password, why):
    assert len(common_passwords()) > 5000
    with pytest.raises(InvalidInput, match=why) as refused:
        check_password_policy(password, username="ivanova")
    assert refused.value.field == "password"


def test_good_passwords_and_the_demo_pass():
    for password in ("Zvezda-Volga-77", "long-secret-phrase", "Test-password-42",
                     "кот Барсик спит на печи"):
        check_password_policy(password, username="ivanova")
    check_password_policy(DEMO_PASSWORD, demo=True)


def test_every_way_to_set_a_password_keeps_the_policy(app, client, users, session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "petrov", "--full-name", "Петров П. П.",
                                 "--role", "specialist", "--password", DEMO_PASSWORD])
    assert result.exit_code != 0 and "демонстрационных" in result.output
    login(client, users["admin"])
    new_user = {"username": "sidorova", "full_name": "Сидорова А. А.", "position": "",
                "role": "specialist", "password": "aaaaaaaa", "password2": "aaaaaaaa"}
    response = client.post("/admin/users/new", data=new_user)
    assert response.status_code == 422 and "не менее 10" in response.get_data(as_text=True)
    target = users["archivist"].id
    response = client.post(f"/admin/users/{target}/password",
                           data={"password": "Volga-9999-x", "password2": "Volga-9999-x"})
    assert response.status_code == 422 and "повторов" in response.get_data(as_text=True)
    client.post("/logout")
    login(client, users["specialist"])
    response = client.post("/account/password", data={
        "current": DEFAULT_PASSWORD, "password": DEMO_PASSWORD, "repeat": DEMO_PASSWORD})
    assert response.status_code == 422
    assert "демонстрационных" in response.get_data(as_text=True)


# ------------------------------------------------------------------ 7. proxy and HSTS


def test_behind_a_proxy_each_client_has_its_own_address(make_app, users, session):
    username = users["chief"].username
    direct = make_app(LOGIN_MAX_FAILURES_ADDRESS=3).test_client()
    proxied = make_app(LOGIN_MAX_FAILURES_ADDRESS=3, PROXY_FIX=1).test_client()
    for n in range(3):
        proxied.post("/login", data={"username": f"guess{n}", "password": "nope-nope"},
                     headers={"X-Forwarded-For": "10.1.1.7"})
    # The guessing desk is locked out; the rest of the office behind the proxy is not.
    r = proxied.post("/login", data={"username": username, "password": DEFAULT_PASSWORD},
                     headers={"X-Forwarded-For": "10.1.1.7"})
    assert r.status_code == 429
    r = proxied.post("/login", data={"username": username, "password": DEFAULT_PASSWORD},
                     headers={"X-Forwarded-For": "10.1.1.8"})
    assert r.status_code == 302
    session.rollback()
    addresses = set(session.scalars(select(AuditEntry.remote_addr)))
    session.rollback()
    assert addresses == {"10.1.1.7", "10.1.1.8"}
    # Without PROXY_FIX the header is not believed (anyone could send it).
    r = direct.post("/login", data={"username": "guess", "password": "nope-nope"},
                    headers={"X-Forwarded-For": "10.9.9.9"})
    session.rollback()
    assert "10.9.9.9" not in set(session.scalars(select(AuditEntry.remote_addr)))
    session.rollback()


def test_hsts_only_when_cookies_are_secure(make_app):
    plain = make_app().test_client().get("/login")
    assert "Strict-Transport-Security" not in plain.headers
    secure = make_app(SESSION_COOKIE_SECURE=True).test_client().get("/login")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"


# ------------------------------------------------------------------ 7. backups


def test_backup_is_private_and_backup_and_restore_are_audited(app, session, tmp_path):
    _require_pg_tools(session)
    session.remove()
    path = tmp_path / "onewindow.backup"
    path.write_bytes(b"old")
    path.chmod(0o644)  # an older, world-readable file of the same name
    runner = app.test_cli_runner()
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.stat().st_size > 3
    fresh = tmp_path / "fresh.backup"
    assert runner.invoke(args=["backup", str(fresh)]).exit_code == 0
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
    session.remove()
    rows = list(session.execute(select(AuditEntry.action, AuditEntry.object_type,
                                       AuditEntry.result, AuditEntry.username)))
    assert rows[:1] == [("backup", "database", "ok", rows[0][3])]
    assert len(rows) == 2 and rows[0][3].startswith("cli:")
    session.remove()
    result = runner.invoke(args=["restore", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    session.remove()
    actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    # The copy was taken before its own row was written: the restore's row only.
    assert actions == ["restore"]
    session.remove()


# ------------------------------------------------------------------ 7. audit append-only


def test_the_database_refuses_to_change_or_delete_audit_entries(app, session):
    entry = audit.record(session, action="view", now=clock.now(), username="x")
    session.commit()
    statements = [f"UPDATE audit_entries SET result = 'denied' WHERE id = {entry.id}",
                  f"DELETE FROM audit_entries WHERE id = {entry.id}",
                  "DELETE FROM audit_entries"]
    if session.get_bind().dialect.name == "postgresql":  # SQLite has no TRUNCATE
        statements += ["TRUNCATE audit_entries", "TRUNCATE audit_entries CASCADE"]
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(statement))
        session.rollback()
    assert session.scalar(select(AuditEntry.result).where(AuditEntry.id == entry.id)) == "ok"
    session.rollback()
    # The retention purge is the one deletion, and leaves no permit behind.
    audit.record(session, action="view", now=clock.now() - timedelta(days=4000),
                 username="old")
    session.commit()
    entry_id = entry.id
    purged = app.test_cli_runner().invoke(args=["audit-purge", "--yes"])
    assert purged.exit_code == 0, purged.output
    session.remove()
    names = set(session.scalars(select(AuditEntry.username)))
    assert "old" not in names and "x" in names
    assert session.get(AuditEntry, entry_id) is not None
    assert session.scalar(select(func.count()).select_from(AuditPurgePermit)) == 0
    session.rollback()


# ------------------------------------------------------------------ 7. transfer register


@pytest.mark.parametrize(("role", "allowed"), [("specialist", False), ("director", False),
                                               ("chief", True)])
def test_only_the_chief_marks_another_specialists_day(client, users, session, role, allowed):
    owner = users["specialist"] if role != "specialist" else make_user(session)
    nine = datetime.combine(clock.today(), datetime.min.time()).replace(hour=9)
    app_id = make_application(session, user=owner, now=nine).id
    session.commit()
    owner_id = owner.id
    login(client, users[role])
    day = clock.today().isoformat()
    page = client.get(f"/applications/register?day={day}&user_id={owner_id}")
    assert page.status_code == 200
    assert ('name="expected"' in page.get_data(as_text=True)) is allowed
    done = client.post(f"/applications/register/transfer?day={day}&user_id={owner_id}",
                       data={"expected": "1"}, follow_redirects=True)
    session.expire_all()
    status = session.get(Application, app_id).status
    session.rollback()
    assert status == ("transferred" if allowed else "accepted")
    if not allowed:
        assert "может только главный специалист" in done.get_data(as_text=True)


def test_dependency_floors_are_past_known_vulnerable_releases():
    floors = {}
    for line in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
            "dependencies"]:
        requirement = Requirement(line)
        for spec in requirement.specifier:
            if spec.operator == ">=":
                floors[requirement.name.lower()] = Version(spec.version)
    assert floors["waitress"] >= Version("3.0.1")  # CVE-2024-49768, CVE-2024-49769
    assert floors["gunicorn"] >= Version("23.0")  # CVE-2024-6827 (request smuggling)
    assert floors["werkzeug"] >= Version("3.0.6") and floors["jinja2"] >= Version("3.1.6")


# ------------------------------------------------------------------ 8. kiosk limits


@pytest.fixture
def kiosk_device(app, session, users, monkeypatch):
    monkeypatch.setitem(app.config, "KIOSK_TICKETS_PER_MINUTE", 4)
    monkeypatch.setitem(app.config, "KIOSK_CODE_ATTEMPTS_PER_MINUTE", 3)
    queue_services.seed_queue(session)
    kiosk = queue_services.issue_kiosk(session, name="Терминал в холле",
                                       user_id=users["admin"].id, now=clock.now())
    session.commit()
    device = app.test_client()
    assert device.get(f"/kiosk/activate/{kiosk.token}").status_code == 303
    return device, kiosk.id


def _kiosk_audit(session, kiosk_id):
    session.rollback()
    rows = list(session.execute(select(AuditEntry.action, AuditEntry.result).where(
        AuditEntry.object_type == "kiosk", AuditEntry.object_id == str(kiosk_id))))
    session.rollback()
    return rows


def test_kiosk_wrong_booking_codes_are_limited_per_minute(kiosk_device, session, monkeypatch):
    device, kiosk_id = kiosk_device
    statuses = [device.post("/kiosk/booking", data={"code": f"{100000 + n}"}).status_code
                for n in range(10)]
    assert statuses == [422] * 3 + [429] * 7
    refused = device.post("/kiosk/booking", data={"code": "123456"})
    assert "Подождите минуту" in refused.get_data(as_text=True)
    rows = _kiosk_audit(session, kiosk_id)
    assert rows.count(("kiosk_code_failed", "failed")) == 3
    assert rows.count(("kiosk_locked", "throttled")) == 1  # one lockout, not one per try
    # A minute later the device may try again.
    later = clock.now() + timedelta(minutes=1, seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert device.post("/kiosk/booking", data={"code": "654321"}).status_code == 422


def test_kiosk_tickets_are_limited_per_minute(kiosk_device, session):
    device, kiosk_id = kiosk_device
    session.rollback()
    purpose_id = session.scalar(select(VisitPurpose.id).where(VisitPurpose.active))
    session.rollback()
    statuses = [device.post("/kiosk/tickets", data={"purpose_id": purpose_id}).status_code
                for _ in range(8)]
    assert statuses == [303] * 4 + [429] * 4
    session.rollback()
    assert session.scalar(select(func.count(Ticket.id))) == 4
    assert _kiosk_audit(session, kiosk_id) == [("kiosk_locked", "throttled")]


# ------------------------------------------------------------------ 13. csv.excel


def test_importing_a_csv_of_another_dialect_leaves_the_global_dialect_alone():
    """The importer once set delimiter and quoting on ``csv.excel`` for every later reader."""
    attributes = ("delimiter", "quotechar", "doublequote", "skipinitialspace",
                  "lineterminator", "quoting", "escapechar")
    before = {name: getattr(csv.excel, name) for name in attributes}
    dialect = csv.get_dialect("excel")
    before_registered = {name: getattr(dialect, name) for name in attributes}
    # A ragged file the old sniffer could not place (it then set ";" on csv.excel itself).
    text = "ФИО;Услуга\r\nПетров Пётр;EDV;;;\r\nИванов, Иван;ESP\r\n"
    with pytest.raises(csv.Error):
        csv.Sniffer().sniff(text, delimiters=";,\t")
    raw = importing.read_register(text.encode("cp1251"), "reestr.csv")
    assert [row["full_name"] for row in raw] == ["Петров Пётр", "Иванов, Иван"]
    assert {name: getattr(csv.excel, name) for name in attributes} == before
    assert {name: getattr(csv.get_dialect("excel"), name)
            for name in attributes} == before_registered
    assert next(csv.reader(io.StringIO("a,b;c\n"))) == ["a", "b;c"]


# ------------------------------------------------------------------ 7. no 500 from input


BIG = str(2**63)


def test_the_seven_inputs_that_gave_a_500(client, users, session, uploads):
    """Each once answered 500 (nothing was saved); now a 404 or a 422 with a message."""
    specialist = users["specialist"].id
    session.rollback()
    login(client, users["admin"])
    gets = {
        "/queue/bookings?applicant_id=" + BIG: (200,),
        f"/registry/handovers/new?leaver_id={BIG}": (200,),
        f"/applicants/{BIG}": (404,),
        f"/applications/register?day=9999-12-31&user_id={specialist}": (200, 422),
        "/applications/register?day=31.12.9999": (200, 422),
        "/prints/?day=9999-12-31": (200, 422),
        "/reports/intake?period=custom&date_from=01.01.2026&date_to=31.12.9999": (200, 422),
        "/reports/intake?period=year&year=9999": (200, 422),
    }
    for url, statuses in gets.items():
        response = client.get(url)
        assert response.status_code in statuses, (url, response.status)
    for slot_id in ("x", BIG, "²"):
        response = client.post("/queue/bookings", data={"slot_id": slot_id,
                                                        "citizen_name": "Петров П. П."})
        assert response.status_code in (404, 422), (slot_id, response.status)
    for desk_id in ("x", BIG):
        response = client.post("/queue/desk/select", data={"desk_id": desk_id})
        assert response.status_code < 500, (desk_id, response.status)
    for leaver_id in (BIG, "x"):
        response = client.post("/registry/handovers", data={
            "leaver_id": leaver_id, "receiver_id": specialist, "reason": "leave"})
        assert response.status_code == 422, (leaver_id, response.status)
    # A CSV field longer than csv's 131,072-character limit.
    wide = ("№ дела;ФИО;Дата рождения;Услуга;Годы\n;" + "Ж" * 140_000
            + ";01.01.1950;EDV;2015\n").encode("utf-8")
    response = client.post("/archive/import", data={"file": (io.BytesIO(wide), "r.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "длиннее" in response.get_data(as_text=True)


# ------------------------------------------------------------------ 5. column amplification


def test_the_widest_table_allowed_makes_a_mapping_page_of_bounded_size(client, users, session,
                                                                       uploads):
    """1,000,000 columns once made a 344 MB page; the file is refused past 200 columns, and
    a file of 200 columns with long headers stays a page of bounded size."""
    login(client, users["specialist"])
    names = [f"Столбец номер {i} " + "Ж" * 150 for i in range(tables.MAX_COLUMNS)]
    wide = (";".join(names) + "\n" + ";".join("1" for _ in names) + "\n").encode("utf-8")
    response = _upload_selection(client, wide)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert len(page.data) < 300_000, len(page.data)  # 1.2 MB when each list had them all
    # 300,000 empty columns (kept under the size werkzeug spools to disk in a test).
    too_wide = ("a" + ";" * 300_000 + "\n1\n").encode()
    refused = _upload_selection(client, too_wide)
    if refused.status_code == 303:
        refused = client.get(refused.headers["Location"])
    assert "больше предела 200" in refused.get_data(as_text=True)
    assert len(refused.data) < 200_000


def _upload_selection(client, data: bytes):
    form = {"source": "sfr", "period": "11.2026", "encoding": "auto", "delimiter": "auto",
            "file": (io.BytesIO(data), "wide.csv")}
    return client.post("/selections/upload", data=form, content_type="multipart/form-data")


def test_integers_read_from_any_parameter_keep_to_64_bits(app):
    big = str(2**63)
    with app.test_request_context(f"/?a={big}&b=12&c=²", method="POST",
                                  data={"d": big, "e": "7"}):
        for params in (request.args, request.form, request.values):
            assert params.get("a", type=int) is None or params is request.form
            assert params.get("d", type=int) is None
        assert request.values.get("b", type=int) == 12
        assert request.values.get("e", type=int) == 7
        assert request.args.get("c", type=int) is None
        assert request.values.getlist("d", type=int) == []
    assert app.url_map.converters["int"].__name__ == "IdConverter"
