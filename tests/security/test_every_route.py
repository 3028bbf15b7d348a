"""Property-based: every route of the URL map, fed hostile values, never answers 5xx and
never half-saves (issue 21, finding 7).

Routes are enumerated from ``app.url_map``, so a new route is fuzzed without a line
here. Which query-string and form fields a route reads is learnt by opening it once
with a request whose parameter dicts record every key looked up (WTForms asks for each
field of its form, views ask for ``request.args.get(...)``). Each route is then sent
hypothesis-drawn values for its path parameters and those fields: non-numbers,
negatives, 2**63 and beyond (SQLite's 64-bit limit), years 0001, 1899, 2101, 9999,
impossible dates, control characters, long strings and ids of real records.

Asserted for every request: no 5xx and no exception; a 422 carries a Russian message;
after a refusal (4xx) the row count of every table is what it was. A route that is not
fuzzed must be listed in ``EXEMPT`` with its reason, and a POST route whose fields could
not be learnt fails unless ``NO_FIELDS`` says why it has none.
"""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import AnyConverter, IntegerConverter

from onewindow.applicants.models import Applicant
from onewindow.auth.models import User
from onewindow.core import clock
from onewindow.demo import make_demo
from onewindow.extensions import db
from onewindow.feedback import services as feedback_services
from onewindow.queue import services as queue_services
from onewindow.queue.models import Desk

from ..factories import DEFAULT_PASSWORD, make_user
from .test_crawl import _sample_ids

# Routes not fuzzed, each with the reason.
EXEMPT = {
    ("static", "GET"): "files from disk by werkzeug's safe_join; no database",
    ("account.logout", "POST"): "takes no parameter and would end the fuzzing session",
    ("account.login", "POST"): "fuzzed by test_hostile_input-style tests of its own: "
                               "a 401/429 here would lock the fuzzing account out",
}
# POST routes that read no form field, and why (a route that reads fields but whose
# fields were not learnt fails the coverage test instead of passing unfuzzed).
NO_FIELDS = {
    "account.logout": "ends the session",
    "queue.desk_next": "calls the next ticket of the desk the user sits at",
    "queue.desk_release": "leaves the desk",
}
# Tables a refused request may legitimately add to: the audit of refusals (wrong
# booking codes, kiosk lockouts), and nothing else.
MAY_GROW_ON_REFUSAL = {"audit_entries"}

INTS = ["", "abc", "-1", "0", "1", "2", str(2**31), str(2**63 - 1), str(2**63),
        str(2**64), "9" * 40, "-" + "9" * 25, "1.5", "1e5", " 7 ", "١٢", "²", "0x1F"]
DATES = ["0001-01-01", "01.01.0001", "1899-12-31", "31.12.1899", "2101-01-01",
         "01.01.2101", "9999-12-31", "31.12.9999", "29.02.2027", "2026-13-40",
         "00.00.0000", "2026-W01", "99999-01-01", "сегодня"]
TEXTS = ["\x00", "<script>alert(1)</script>", "' OR 1=1 --", "Ж" * 3000, "\u202e\u200b",
         "on", "true", "y", "pdf", "csv", "xlsx", "in", "out", "open", "chief", "admin",
         "ESP", "%", "_", "../../etc/passwd"]
PATH_INTS = [0, 2**63 - 1, 2**63, 2**64, 10**30]
PATH_TEXTS = ["zz", "%00", "..", "x" * 300, str(2**64), "\u202e"]
ONE_AT_A_TIME = [str(2**63), "31.12.9999", "9999-12-31", "²"]
MAX_EXAMPLES = 8
ACCEPTED = {200, 204, 301, 302, 303, 304, 400, 401, 403, 404, 405, 409, 410, 413, 422, 429}
CYRILLIC = re.compile("[А-Яа-яЁё]")


# --------------------------------------------------------------------------- learning

class _Seen:
    keys: set[str] = set()


class _RecordingParams(ImmutableMultiDict):
    """Request parameters that note every key a view or a form looks up."""

    def __getitem__(self, key):
        _Seen.keys.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None, type=None):  # noqa: A002 - werkzeug's signature
        _Seen.keys.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):  # noqa: A002
        _Seen.keys.add(key)
        return super().getlist(key, type)

    def __contains__(self, key):
        _Seen.keys.add(key)
        return super().__contains__(key)


def _recording_request(base):
    class RecordingRequest(base):
        parameter_storage_class = type("Params", (_RecordingParams, base.parameter_storage_class),
                                       {})

    return RecordingRequest


# --------------------------------------------------------------------------- set-up

def _tables(session) -> dict[str, int]:
    tables = [t for t in db.metadata.sorted_tables if t.name not in MAY_GROW_ON_REFUSAL]
    query = select(*(select(func.count()).select_from(t).scalar_subquery() for t in tables))
    session.rollback()
    counts = list(session.execute(query).one())
    session.rollback()
    return dict(zip((t.name for t in tables), counts, strict=True))


class Fuzzer:
    """A client logged in as an administrator (every route admits one), on a kiosk and a
    rating tablet (device cookies), and the ids of real records for path parameters."""

    def __init__(self, app, session):
        self.app, self.session = app, session
        make_demo(session, applicants=6, applications=10, random_seed=3)
        self.admin = make_user(session, role="admin", username="fuzz-admin")
        kiosk = queue_services.issue_kiosk(session, name="Киоск", user_id=self.admin.id,
                                           now=clock.now())
        desk_id = session.scalar(select(Desk.id).order_by(Desk.id))
        tablet = feedback_services.issue_device(session, name="Планшет", desk_id=desk_id,
                                                user_id=self.admin.id, now=clock.now())
        session.commit()
        self.ids = _sample_ids(session)
        self.ids["user_id"] = session.scalar(select(User.id).where(User.role == "specialist")
                                             .order_by(User.id))
        self.ids["applicant_id"] = session.scalar(select(Applicant.id).order_by(Applicant.id))
        session.rollback()
        self.client = app.test_client()
        assert self.client.get(f"/kiosk/activate/{kiosk.token}").status_code < 400
        assert self.client.get(f"/feedback/tablet/activate/{tablet.token}").status_code < 400
        self.login()
        self.id_values = sorted({str(v) for v in self.ids.values() if v})
        self.counts = _tables(session)

    def login(self):
        r = self.client.post("/login", data={"username": "fuzz-admin",
                                             "password": DEFAULT_PASSWORD})
        assert r.status_code == 302, r.get_data(as_text=True)[:300]

    def keep_logged_in(self, response):
        location = response.headers.get("Location", "")
        if response.status_code == 401 or "/login" in location:
            self.login()

    def path_values(self, rule) -> dict:
        values = {}
        for name, converter in rule._converters.items():
            if isinstance(converter, AnyConverter):
                values[name] = sorted(converter.items)[0]
            elif isinstance(converter, IntegerConverter):
                values[name] = self.ids.get(name) or 1
            else:
                values[name] = "zz-sample"
        return values

    def url(self, rule, values: dict, method: str) -> str:
        adapter = self.app.url_map.bind("localhost")
        return adapter.build(rule.endpoint, values, method=method)

    def learn(self, rule, method: str, monkeypatch) -> list[str]:
        """The parameter names the route looks up when opened with valid path values."""
        monkeypatch.setattr(self.app, "request_class",
                            _recording_request(type(self).base_request))
        try:
            _Seen.keys = set()
            url = self.url(rule, self.path_values(rule), method)
            if method == "GET":
                response = self.client.get(url, query_string={"_probe": "1"})
            else:
                response = self.client.post(url, data={"_probe": "1"})
            self.keep_logged_in(response)
            self.counts = _tables(self.session)
            assert response.status_code < 500, (url, response.status)
        finally:
            monkeypatch.setattr(self.app, "request_class", type(self).base_request)
        return sorted(_Seen.keys - {"_probe", "csrf_token", "next"})

    def send(self, rule, method: str, path: dict, params: dict, htmx: bool):
        url = self.url(rule, path, method)
        headers = {"HX-Request": "true"} if htmx else {}
        if method == "GET":
            return url, self.client.get(url, query_string=params, headers=headers)
        data = {k: (io.BytesIO(v.encode("utf-8", "surrogatepass")), "x.csv")
                if k == "file" else v for k, v in params.items()}
        return url, self.client.post(url, query_string={k: v for k, v in params.items()
                                                        if k != "file"},
                                     data=data, headers=headers,
                                     content_type="multipart/form-data")


def _routes(app):
    """Every (rule, method): GETs first, then POSTs without path parameters, then POSTs
    on one record (revoking the kiosk before its own routes are learnt would hide them)."""
    pairs = [(rule, method) for rule in app.url_map.iter_rules()
             for method in rule.methods - {"HEAD", "OPTIONS"}]
    return sorted(pairs, key=lambda p: (p[1] != "GET", bool(p[0].arguments), p[0].rule,
                                        p[0].endpoint, p[1]))


def _path_strategy(fuzzer, rule):
    fields = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            fields[name] = st.sampled_from(sorted(converter.items))
        elif isinstance(converter, IntegerConverter):
            fields[name] = st.sampled_from([fuzzer.ids.get(name) or 1, *PATH_INTS])
        else:
            fields[name] = st.sampled_from(["zz-sample", *PATH_TEXTS])
    return st.fixed_dictionaries(fields)


def _value_strategy(fuzzer):
    return st.one_of(st.sampled_from(INTS + DATES + TEXTS + fuzzer.id_values),
                     st.text(max_size=12))


FUZZ_SETTINGS = settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None,
                         deadline=None, phases=[Phase.explicit, Phase.generate],
                         suppress_health_check=list(HealthCheck))


def _check(fuzzer, rule, method, path, params, htmx) -> None:
    url, response = fuzzer.send(rule, method, path, params, htmx)
    fuzzer.keep_logged_in(response)
    status = response.status_code
    where = f"{method} {url} {params!r}"
    assert status in ACCEPTED, f"{where}: {response.status}"
    if status == 422:
        assert CYRILLIC.search(response.get_data(as_text=True)), f"{where}: no message"
    if 400 <= status < 500:
        # Rows change only by a request that succeeded: the counts kept are still those
        # before this one.
        after = _tables(fuzzer.session)
        before = fuzzer.counts
        changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
        fuzzer.counts = after
        assert not changed, f"{where}: {status} but rows changed {changed}"
    elif method != "GET" or response.mimetype == "application/pdf":  # a print is journaled
        fuzzer.counts = _tables(fuzzer.session)


def _fuzz_route(fuzzer, rule, method, names) -> None:
    # Each field alone with the values that once gave a 500, the others absent...
    valid_path = fuzzer.path_values(rule)
    for name in names:
        for value in ONE_AT_A_TIME:
            _check(fuzzer, rule, method, valid_path, {name: value}, htmx=False)
    # ...then hypothesis: path and fields together.
    value = _value_strategy(fuzzer)

    @FUZZ_SETTINGS
    @given(path=_path_strategy(fuzzer, rule),
           params=st.fixed_dictionaries({}, optional={n: value for n in names}),
           htmx=st.booleans())
    def run(path, params, htmx):
        _check(fuzzer, rule, method, path, params, htmx)

    run()


@pytest.fixture
def fuzzer(app, session, uploads, monkeypatch):
    Fuzzer.base_request = app.request_class
    return Fuzzer(app, session)


def test_every_route_survives_hostile_values(app, fuzzer, monkeypatch):
    learnt = [(rule, method, fuzzer.learn(rule, method, monkeypatch))
              for rule, method in _routes(app) if (rule.endpoint, method) not in EXEMPT]
    failures = []
    for rule, method, names in learnt:
        try:
            _fuzz_route(fuzzer, rule, method, names)
        except Exception as exc:  # noqa: BLE001 - every route's failure is reported
            failures.append(f"{rule.endpoint} {method}: {str(exc).splitlines()[0][:400]}")
    assert not failures, "\n".join(failures)
    unlearnt = sorted(f"{rule.endpoint} ({rule.rule})" for rule, method, names
                      in learnt if method == "POST" and not names
                      and not rule._converters and rule.endpoint not in NO_FIELDS)
    assert not unlearnt, f"POST routes whose fields were not learnt: {unlearnt}"


def test_every_route_is_fuzzed_or_exempt_with_a_reason(app):
    routes = {(rule.endpoint, method) for rule, method in _routes(app)}
    assert set(EXEMPT) <= routes, "stale exemptions"
    assert all(reason.strip() for reason in EXEMPT.values())
    assert set(NO_FIELDS) <= {endpoint for endpoint, _ in routes}
    assert len(routes) - len(EXEMPT) > 200
