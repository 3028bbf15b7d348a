"""Two app servers and a job worker on one PostgreSQL database, as a region runs them.

Server A is gunicorn, server B waitress (the README's Linux and Windows recipes), each its
own process on its own port, with the same SECRET_KEY and ``SELECTIONS_WORKER=process``.
Through both, over plain HTTP: a session begun on one goes on on the other; registrations
alternate between them with gapless numbers; desks on both call tickets that the other's
hall board shows; a selection import submitted on one is run by a worker process started
separately; and server A killed with SIGKILL in the middle of a registration loop leaves
every registration complete with its number, or absent.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from benchmarks.server import Client, free_port
from onewindow.catalog.services import seed_catalog
from onewindow.core import clock
from onewindow.extensions import db
from onewindow.queue.models import VisitPurpose
from onewindow.queue.services import issue_ticket, seed_queue

from ..conftest import _pg_admin_engine, make_test_app, missing, throwaway_database
from ..factories import DEFAULT_PASSWORD, make_applicant, make_user
from ..selections.helpers import csv_bytes, snils

ROOT = Path(__file__).resolve().parents[2]
SECRET = "several-servers-" + uuid.uuid4().hex
SELECTION_ROWS = 3000
KILL_AFTER = 6  # registrations answered by server A before it is killed
CUTTERS = 3  # threads registering through server A at once


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    """A migrated, seeded throwaway PostgreSQL database: its URL and the people in it."""
    engine, error = _pg_admin_engine()
    if engine is None:
        missing("PostgreSQL", f"start it: pg_ctlcluster … main start; {error}")
    with throwaway_database(engine, "onewindow_region") as url:
        app = make_test_app(url)
        with app.app_context():
            upgrade()
            seed_catalog(db.session)
            seed_queue(db.session)
            people = {
                "desk1": make_user(db.session, role="specialist").username,
                "desk2": make_user(db.session, role="specialist").username,
                "applicants": [make_applicant(db.session).id for _ in range(8)],
            }
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        yield url, people
    engine.dispose()


class Process:
    """A subprocess in a process group of its own (gunicorn's workers die with it)."""

    def __init__(self, cmd: list[str], env: dict[str, str], log: Path):
        self.log = log
        with open(log, "wb") as out:
            self.popen = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out,
                                          stderr=subprocess.STDOUT, start_new_session=True)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-3000:]

    def kill(self, sig: int = signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)
        try:
            self.popen.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)


_open: list[Client] = []


def _client(port: int, cookies: dict | None = None) -> Client:
    """A connection of the test's, closed after the test (see ``_close_clients``)."""
    client = Client(port, dict(cookies or {}), timeout=30)
    _open.append(client)
    return client


@pytest.fixture(autouse=True)
def _close_clients():
    yield
    while _open:
        _open.pop().close()


def _wait_until_serving(process: Process, port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.popen.poll() is None, process.output()
        probe = Client(port, timeout=5)
        try:
            status, _h, _b = probe.request("GET", "/login")
            if status == 200:
                return
        except OSError:
            pass
        finally:
            probe.close()
        time.sleep(0.1)
    raise AssertionError("server did not start: " + process.output())


@pytest.fixture(scope="module")
def servers(region, tmp_path_factory):
    url, _people = region
    logs = tmp_path_factory.mktemp("region-logs")
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET,
           "SELECTIONS_WORKER": "process", "SESSION_COOKIE_SECURE": "0",
           # The uploads every server and worker reads: shared storage in a region.
           "UPLOAD_DIR": str(tmp_path_factory.mktemp("shared-uploads"))}
    env.pop("FLASK_APP", None)
    ports = {"A": free_port(), "B": free_port()}
    python = sys.executable
    started = {
        "A": Process([python, "-m", "gunicorn", "-w", "1", "--threads", "4", "-b",
                      f"127.0.0.1:{ports['A']}", "--log-level", "warning", "app:app"],
                     env, logs / "a.log"),
        "B": Process([python, "-m", "waitress", f"--listen=127.0.0.1:{ports['B']}",
                      "--threads=4", "app:app"], env, logs / "b.log"),
    }
    try:
        for name, process in started.items():
            _wait_until_serving(process, ports[name])
        yield {"ports": ports, "processes": started, "env": env, "logs": logs}
    finally:
        for process in started.values():
            process.kill(signal.SIGTERM)


def _on(client: Client, port: int) -> Client:
    """The same browser (cookies) talking to another server."""
    other = _client(port, client.cookies)
    other.csrf = getattr(client, "csrf", None)
    return other


def _login(port: int, username: str) -> Client:
    client = _client(port).login(username, DEFAULT_PASSWORD)
    client.csrf = client.csrf_token("/applications/new")
    return client


def _registration(applicant_id: int, key: str | None = None) -> dict:
    # ESP's first document (the application itself) received: a valid registration.
    return {"csrf_token": "", "applicant_id": applicant_id, "service": "ESP",
            "idempotency_key": key or uuid.uuid4().hex,
            "doc-1-received": "1", "doc-1-sheets": "2"}


def _register(client: Client, applicant_id: int, key: str | None = None) -> int:
    form = _registration(applicant_id, key)
    form["csrf_token"] = client.csrf
    status, headers, body = client.request("POST", "/applications/", form)
    assert status == 303, body.decode("utf-8", "replace")[:800]
    match = re.search(r"/applications/(\d+)", headers["Location"])
    return int(match.group(1))


def _rows(url: str, sql: str, **params) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(sql), params))
    finally:
        engine.dispose()


def test_a_session_begun_on_one_server_goes_on_on_the_other(servers, region):
    _url, people = region
    a, b = servers["ports"]["A"], servers["ports"]["B"]
    client = _login(a, people["desk1"])
    status, _h, body = _on(client, b).request("GET", "/applications/new")
    assert status == 200
    assert "Выйти" in body.decode()  # signed in on B with A's cookie
    # …and the CSRF token A gave is accepted by B: signing out there is signing out.
    on_b = _on(client, b)
    status, _h, _b = on_b.request("POST", "/logout", {"csrf_token": client.csrf})
    assert status in (302, 303)
    status, headers, _b = _client(a, on_b.cookies).request("GET", "/applications/new")
    assert status == 302 and "/login" in headers["Location"]


def test_registrations_alternate_between_servers_with_gapless_numbers(servers, region):
    url, people = region
    ports = servers["ports"]
    client = _login(ports["A"], people["desk1"])
    before = _rows(url, "SELECT count(*) FROM applications")[0][0]
    made = []
    for i in range(10):
        port = ports["A" if i % 2 == 0 else "B"]
        app_id = _register(_on(client, port), people["applicants"][i % 8])
        # Registered on one server, shown with its number by the other.
        other = ports["B" if i % 2 == 0 else "A"]
        status, _h, body = _on(client, other).request("GET", f"/applications/{app_id}")
        number = _rows(url, "SELECT number FROM applications WHERE id = :i", i=app_id)[0][0]
        assert status == 200 and number in body.decode()
        made.append(app_id)
    seqs = [r[0] for r in _rows(url, "SELECT seq FROM applications ORDER BY seq")]
    assert len(seqs) == before + 10
    assert seqs == list(range(1, len(seqs) + 1))  # gapless and unique


def test_desks_on_both_servers_and_each_call_on_the_other_servers_board(servers, region):
    url, people = region
    ports = servers["ports"]
    app = make_test_app(url)
    with app.app_context():
        purpose = db.session.query(VisitPurpose).filter_by(letter="А").one()
        numbers = [issue_ticket(db.session, purpose_id=purpose.id, now=clock.now()).number
                   for _ in range(6)]
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    desks = {}
    for desk_number, (user, server) in enumerate(
            [(people["desk1"], "A"), (people["desk2"], "B")], start=1):
        client = _login(ports[server], user)
        desk_id = _rows(url, "SELECT id FROM queue_desks WHERE number = :n", n=desk_number)[0][0]
        status, _h, _b = client.request("POST", "/queue/desk/select",
                                        {"csrf_token": client.csrf, "desk_id": desk_id})
        assert status == 303
        desks[server] = (client, desk_id, desk_number)
    called = []
    for i in range(len(numbers)):
        server, other = ("A", "B") if i % 2 == 0 else ("B", "A")
        client, desk_id, desk_number = desks[server]
        status, _h, _b = client.request("POST", "/queue/desk/next", {"csrf_token": client.csrf})
        assert status == 303
        ticket_id, number = _rows(
            url, "SELECT id, number FROM queue_tickets WHERE desk_id = :d AND status = 'called'",
            d=desk_id)[0]
        status, _h, body = _client(ports[other]).request("GET", "/board/calls")
        assert status == 200
        assert re.search(rf'data-number="{number}".*?board-desk">{desk_number}<',
                         body.decode(), re.S), body.decode()[:1500]
        called.append(number)
        status, _h, _b = client.request("POST", f"/queue/desk/tickets/{ticket_id}/finish",
                                        {"csrf_token": client.csrf})
        assert status == 303
    assert sorted(called) == sorted(numbers)  # every ticket called once, by either desk


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    for name, (filename, data) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
                     + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _post_multipart(client: Client, path: str, fields, files):
    body, content_type = _multipart(fields, files)
    headers = {"Content-Type": content_type}
    if client.cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    client.conn.request("POST", path, body=body, headers=headers)
    response = client.conn.getresponse()
    data = response.read()
    if response.will_close:
        client.conn.close()
    return response.status, response.headers, data


def test_an_import_submitted_on_one_server_is_run_by_a_separate_worker(servers, region,
                                                                        tmp_path):
    url, people = region
    ports = servers["ports"]
    client = _login(ports["A"], people["desk1"])
    rows = [[snils(n), f"Фамилия{n}", "Имя", "Отчество", "01.01.1950", "умер", "01.11.2026", ""]
            for n in range(1, SELECTION_ROWS + 1)]
    token = client.csrf_token("/selections/")
    status, headers, body = _post_multipart(
        client, "/selections/upload",
        {"csrf_token": token, "source": "sfr", "period": "11.2026", "encoding": "auto",
         "delimiter": "auto"}, {"file": ("умершие.csv", csv_bytes(rows))})
    assert status == 303, body.decode("utf-8", "replace")[:800]
    selection_id = int(re.search(r"/selections/(\d+)/mapping", headers["Location"]).group(1))
    # The mapping is confirmed on the other server (the file is on the shared storage).
    other = _on(client, ports["B"])
    status, _h, page = other.request("GET", f"/selections/{selection_id}/mapping")
    assert status == 200
    mapping = {"snils": "СНИЛС", "surname": "Фамилия", "name": "Имя",
               "patronymic": "Отчество", "birth_date": "Дата рождения",
               "event_type": "Событие", "event_date": "Дата события"}
    status, _h, body = other.request("POST", f"/selections/{selection_id}/import", {
        "csrf_token": token, "encoding": "auto", "delimiter": "auto", "profile_id": "",
        **mapping})
    assert status == 303, body.decode("utf-8", "replace")[:800]
    # No web server runs jobs: nothing is alive to take it, and /healthz says so.
    status, _h, body = _client(ports["A"]).request("GET", "/healthz")
    assert status == 503 and b"no worker process alive" in body
    job = _rows(url, "SELECT status, worker FROM selection_jobs WHERE selection_id = :s",
                s=selection_id)
    assert [tuple(job[0])] == [("queued", None)]

    worker = Process([sys.executable, "-m", "flask", "--app", "app", "worker"],
                     servers["env"], tmp_path / "worker.log")
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert worker.popen.poll() is None, worker.output()
            state = _rows(url, "SELECT status, worker FROM selection_jobs "
                               "WHERE selection_id = :s", s=selection_id)[0]
            if state[0] not in ("queued", "running"):
                break
            time.sleep(0.2)
        assert tuple(state) == ("done", f"{socket.gethostname()}:{worker.popen.pid}"), \
            worker.output()
        loaded = _rows(url, "SELECT count(*) FROM selection_rows WHERE selection_id = :s",
                       s=selection_id)[0][0]
        assert loaded == SELECTION_ROWS
        # The page on server B shows the finished load; both servers are healthy now.
        status, _h, body = other.request("GET", f"/selections/{selection_id}")
        assert status == 200 and f"{SELECTION_ROWS}" in body.decode().replace("\xa0", "")
        for port in ports.values():
            status, _h, body = _client(port).request("GET", "/healthz")
            assert status == 200, body
    finally:
        worker.kill(signal.SIGTERM)


def test_a_server_killed_mid_registration_loses_nothing_and_leaves_nothing_half_saved(
        servers, region):
    """kill -9 of server A while three desks register through it; the desks then resend
    what got no answer through server B (the same form: the same idempotency key)."""
    url, people = region
    ports = servers["ports"]
    victim = servers["processes"]["A"]
    client = _login(ports["A"], people["desk1"])
    answered: list[str] = []  # keys of registrations server A confirmed
    cut: list[str] = []  # keys sent to A that got no answer
    lock = threading.Lock()
    stop = threading.Event()

    in_flight: list[str] = []  # of those, sent and never answered (not refused at connect)
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())

    def desk(n: int) -> None:
        # A connection per form and no resend (the benchmark client reconnects once).
        i = 0
        while not stop.is_set():
            key = f"cut-{n}-{i}-{uuid.uuid4().hex[:8]}"
            i += 1
            form = _registration(people["applicants"][(n + i) % 8], key)
            form["csrf_token"] = client.csrf
            conn = http.client.HTTPConnection("127.0.0.1", ports["A"], timeout=30)
            try:
                conn.request("POST", "/applications/", body=urlencode(form), headers={
                    "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
                status = conn.getresponse().status
            except ConnectionRefusedError:
                with lock:
                    cut.append(key)
                return
            except (OSError, http.client.HTTPException):
                with lock:
                    cut.append(key)
                    in_flight.append(key)
                return
            finally:
                conn.close()
            assert status == 303
            with lock:
                answered.append(key)

    threads = [threading.Thread(target=desk, args=(n,), daemon=True) for n in range(CUTTERS)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while len(answered) < KILL_AFTER and time.monotonic() < deadline:
        time.sleep(0.005)
    assert len(answered) >= KILL_AFTER, servers["processes"]["A"].output()
    victim.kill(signal.SIGKILL)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert victim.popen.returncode == -signal.SIGKILL
    assert in_flight, "no registration was in flight when the server was killed"

    # Every registration is whole: its number, its document, its first event, its case file.
    for row in _rows(url, """
            SELECT a.number, a.seq,
                   (SELECT count(*) FROM application_documents d WHERE d.application_id = a.id),
                   (SELECT count(*) FROM application_events e WHERE e.application_id = a.id),
                   (SELECT count(*) FROM case_file_applications c
                    WHERE c.application_id = a.id)
            FROM applications a"""):
        number, seq, documents, events, case_files = row
        assert number and number.endswith(f"{seq}") and documents >= 1 and events == 1, row
        assert case_files == 1, row
    present = {r[0] for r in _rows(url, "SELECT idempotency_key FROM applications "
                                        "WHERE idempotency_key LIKE 'cut-%'")}
    assert set(answered) <= present  # nothing confirmed is lost
    assert present <= set(answered) | set(cut)

    # The desks resend the unanswered forms through server B: each registered exactly once.
    survivor = _on(client, ports["B"])
    for key in cut:
        _register(survivor, people["applicants"][0], key)
    keys = [r[0] for r in _rows(url, "SELECT idempotency_key FROM applications "
                                     "WHERE idempotency_key LIKE 'cut-%'")]
    assert sorted(keys) == sorted(answered + cut)
    seqs = [r[0] for r in _rows(url, "SELECT seq FROM applications ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1))  # no number lost with the killed server
    counter = _rows(url, "SELECT max(value) FROM number_counters "
                         "WHERE journal = 'applications'")
    assert counter[0][0] == len(seqs)
