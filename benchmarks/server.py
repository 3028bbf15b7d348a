"""A gunicorn server under test, its memory, and a small logged-in HTTP client.

Only the standard library: ``http.client`` connections (one per thread), cookies kept
by hand, the CSRF token read from the forms the way a browser gets it.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kb(pid: int) -> int:
    """Resident set size of a process in kB (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return 0.0
    # fields[0] is the state (3rd field of stat); utime and stime are the 14th and 15th.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as fh:
                out.extend(int(p) for p in fh.read().split())
    except (FileNotFoundError, ProcessLookupError):
        pass
    return out


@dataclass
class MemoryPeak:
    """Peak RSS seen while sampling: the whole server and the largest single worker."""

    total_kb: int = 0
    worker_kb: int = 0
    workers: int = 0
    samples: int = 0

    def as_dict(self) -> dict:
        return {"peak_total_mb": round(self.total_kb / 1024, 1),
                "peak_worker_mb": round(self.worker_kb / 1024, 1),
                "workers": self.workers, "samples": self.samples}


class Server:
    """``gunicorn -w 2 -b 127.0.0.1:<free port> <app>`` with RSS sampled from /proc."""

    def __init__(self, app_spec: str, *, env: dict[str, str], workers: int = 2,
                 log_path: Path | None = None):
        self.app_spec = app_spec
        self.env = {**os.environ, **env}
        self.workers = workers
        self.port = free_port()
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self.memory = MemoryPeak()
        self._stop = threading.Event()
        self._sampler: threading.Thread | None = None
        self._log = None

    @property
    def address(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)

    def start(self, *, ready_path: str = "/login", timeout: float = 60) -> Server:
        cmd = [sys.executable, "-m", "gunicorn", "-w", str(self.workers), "-b",
               f"127.0.0.1:{self.port}", "--timeout", "300", "--graceful-timeout", "5",
               "--log-level", "warning", self.app_spec]
        self._log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=self._log,
                                        stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode} "
                                   f"(log: {self.log_path})")
            try:
                status, _h, _b = Client(self.port).request("GET", ready_path)
                if status < 500 and len(children(self.process.pid)) >= self.workers:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("gunicorn did not answer in time")
            time.sleep(0.1)
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.sample_once()
            self._stop.wait(0.1)

    def sample_once(self) -> None:
        if self.process is None:
            return
        master = self.process.pid
        workers = children(master)
        sizes = [rss_kb(p) for p in workers]
        m = self.memory
        m.total_kb = max(m.total_kb, rss_kb(master) + sum(sizes))
        m.worker_kb = max([m.worker_kb, *sizes])
        m.workers = max(m.workers, len(workers))
        m.samples += 1

    def cpu_seconds(self) -> float:
        """CPU time used so far by the master and its workers (robust to a busy machine)."""
        if self.process is None:
            return 0.0
        pids = [self.process.pid, *children(self.process.pid)]
        return sum(cpu_seconds(p) for p in pids)

    def stop(self) -> None:
        self._stop.set()
        if self._sampler is not None:
            self._sampler.join(timeout=2)
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._log not in (None, subprocess.DEVNULL):
            self._log.close()
            self._log = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


@dataclass
class Client:
    """One keep-alive-if-possible connection with its own cookies."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    timeout: float = 300

    def __post_init__(self):
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)

    def clone(self) -> Client:
        return Client(self.port, dict(self.cookies), self.timeout)

    def close(self) -> None:
        self.conn.close()

    def request(self, method: str, path: str, form: dict | list | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, http.client.HTTPMessage,
                                                                bytes]:
        hdrs = dict(headers or {})
        body = None
        if form is not None:
            body = urlencode(form, doseq=True).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.conn.request(method, path, body=body, headers=hdrs)
            resp = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # A sync worker closed the previous connection: reconnect once.
            self.conn.close()
            self.conn.request(method, path, body=body, headers=hdrs)
            resp = self.conn.getresponse()
        data = resp.read()
        for raw in resp.headers.get_all("Set-Cookie") or []:
            pair = raw.split(";", 1)[0]
            name, _, value = pair.partition("=")
            self.cookies[name.strip()] = value.strip()
        if resp.will_close:
            self.conn.close()
        return resp.status, resp.headers, data

    def csrf_token(self, path: str) -> str:
        status, _h, body = self.request("GET", path)
        match = CSRF_RE.search(body.decode("utf-8", "replace"))
        if status != 200 or match is None:
            raise RuntimeError(f"no CSRF token on {path} (HTTP {status})")
        return match.group(1)

    def login(self, username: str, password: str) -> Client:
        token = self.csrf_token("/login")
        status, headers, _b = self.request(
            "POST", "/login", {"csrf_token": token, "username": username, "password": password})
        if status != 302:
            raise RuntimeError(f"login as {username} failed: HTTP {status}")
        return self
