"""The request edge: access rules, page or fragment, the one transaction per request.

- Every view declares who may open it with ``@allow(...)`` (roles) or ``@public``; a view
  without a declaration is refused, and tests enumerate the URL map against the matrix.
- :func:`render` decides page or fragment (the one place that reads HX-* headers).
- :func:`transaction_edge` wraps every view (``create_app`` applies it): the view's work
  is committed once when the view returns and rolled back when it raises. A refused
  domain action inside a view goes through :func:`form_action`, which rolls back and puts
  the message next to the field it names. Views never type commit or rollback.
- What must be durable beside the view's work — a document handed out, a read of
  personal data — is queued here and sent as a domain event at the edge, in the same
  commit (after a GET: in a write transaction of its own, begun after the read one ends).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

from flask import (
    abort,
    after_this_request,
    current_app,
    g,
    has_request_context,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import Session
from werkzeug.routing import IntegerConverter

from .core import clock, rating_tokens
from .core.text import INT64_MAX
from .database import (
    own_write_transaction,
    reset_write_intent,
    set_write_intent,
    write_intended,
)
from .errors import DomainError
from .events import (
    Actor,
    DataRead,
    HandedOut,
    document_handed_out,
    personal_data_read,
    template_hook,
)
from .extensions import db, htmx

ACCESS_ATTR = "_onewindow_access"
PUBLIC = "public"
ANY_USER = "any_user"


# --------------------------------------------------------------------------- access

def allow(*roles: str) -> Callable:
    """Let users having one of ``roles`` in (admin always may); roles empty = any user."""

    def decorate(view):
        setattr(view, ACCESS_ATTR, frozenset(roles) if roles else ANY_USER)
        return view

    return decorate


def public(view):
    """Mark a view that needs no login (kiosk, display board, login page, static)."""
    setattr(view, ACCESS_ATTR, PUBLIC)
    return view


READ_ONLY_ATTR = "_onewindow_read_only"


def read_only(view):
    """Mark a POST view that only reads (a search sent by POST to keep data out of URLs).

    On SQLite its transaction then begins deferred and does not queue behind the desks
    that are registering (measured: search p95 80 → 35 ms under load).
    """
    setattr(view, READ_ONLY_ATTR, True)
    return view


def read_only_when(predicate):
    """Like :func:`read_only` for a POST view that only reads when ``predicate()`` holds.

    The predicate reads the request (e.g. the archive scan's mode) before the transaction
    begins; a lookup then does not take SQLite's write lock.
    """
    def mark(view):
        setattr(view, READ_ONLY_ATTR, predicate)
        return view
    return mark


def is_read_only(view) -> bool:
    flag = getattr(view, READ_ONLY_ATTR, False)
    return bool(flag()) if callable(flag) else bool(flag)


def access_rule(view) -> frozenset | str | None:
    return getattr(view, ACCESS_ATTR, None)


def check_access(view) -> None:
    """Refuse the request unless the view's rule admits the current user."""
    rule = access_rule(view)
    if rule is None:
        abort(403)
    if rule == PUBLIC:
        return
    if not current_user.is_authenticated:
        abort(401)
    if rule == ANY_USER:
        return
    if current_user.role == "admin" or current_user.role in rule:
        return
    abort(403)


def has_role(*roles: str) -> bool:
    return current_user.is_authenticated and (
        current_user.role == "admin" or current_user.role in roles
    )


def current_actor() -> Actor | None:
    """The logged-in user of this request (None outside a request or when anonymous)."""
    if not has_request_context():
        return None
    user = current_user
    if not getattr(user, "is_authenticated", False):
        return Actor(id=None, username=None, role=None, remote_addr=request.remote_addr)
    return Actor(id=user.id, username=user.username, role=user.role,
                 remote_addr=request.remote_addr)


def is_write_request() -> bool:
    return request.method not in ("GET", "HEAD", "OPTIONS")


class IdConverter(IntegerConverter):
    """``<int:…>`` in URLs: an id beyond 64 bits matches no route (404) instead of
    reaching the database (SQLite raises on binding it)."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=INT64_MAX,  # noqa: A002
                 signed=False):
        super().__init__(url_map, fixed_digits, min, max, signed)


# --------------------------------------------------------------------------- responses

def wants_fragment() -> bool:
    """Answer with a fragment only for a plain htmx request (not boosted, not history)."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(page: str, fragment: str | None = None, /, **context):
    """Render the full page, or only its fragment for an htmx request.

    Only template context is taken by keyword; a status other than 200 is given the Flask
    way, ``return render(...), 422``, so no template variable can be read as one.
    """
    template = fragment if (fragment and wants_fragment()) else page
    response = make_response(render_template(template, **context))
    response.vary.add("HX-Request")
    return response


def history_url() -> str | None:
    """Where the address bar goes back to when a form sent without htmx is answered with a
    page (a refusal: success redirects): the page the form was sent from.

    Left on the POST URL, a reload would send the form again or get «405 Метод не
    поддерживается»; ``static/js/app.js`` replaces the history entry with this URL, so a
    reload opens the form's page (GET).
    """
    if not is_write_request() or htmx:
        return None
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or not referrer.path.startswith("/"):
        return None
    return referrer.path + (f"?{referrer.query}" if referrer.query else "")


def template_digest(name: str) -> str:
    """A short digest of a template's source: the same in every worker and on every server.

    Read again only when the file changes (keyed by its modification time) — looked at
    only where templates reload (development); in production, once per process.
    """
    env = current_app.jinja_env
    if not env.auto_reload and name in _settled_digests:
        return _settled_digests[name]
    filename = env.get_template(name).filename
    digest = _digest_of(filename, os.stat(filename).st_mtime_ns) if filename else ""
    if not env.auto_reload:
        _settled_digests[name] = digest
    return digest


_settled_digests: dict[str, str] = {}


@functools.lru_cache(maxsize=64)
def _digest_of(filename: str, _mtime_ns: int) -> str:
    with open(filename, "rb") as fh:
        return hashlib.sha1(fh.read(), usedforsecurity=False).hexdigest()[:12]


def render_conditional(etag_data: object, fragment: str, /, **context):
    """Render ``fragment`` unless the client already holds it: then 304, nothing rendered.

    The ETag is a digest of ``etag_data`` (everything the fragment shows) and of the
    template's source. ``Cache-Control: no-cache`` lets the browser keep the fragment and
    ask each time with If-None-Match (``no-store`` would forbid both).
    """
    etag = hashlib.sha1(repr((etag_data, template_digest(fragment))).encode(),
                        usedforsecurity=False).hexdigest()[:20]
    if request.if_none_match.contains(etag):
        response = current_app.response_class(status=304)
    else:
        response = make_response(render_template(fragment, **context))
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"
    return response


def redirect_to(url: str):
    """Post/Redirect/Get for both plain forms and htmx forms (full navigation)."""
    if htmx:
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)


def hook(name: str, **kwargs) -> Markup:
    """Fill the named template slot with what the areas listening for it return (markup
    rendered from their own templates)."""
    parts = [Markup(rv) for _receiver, rv in template_hook.send(name, **kwargs) if rv]  # noqa: S704
    return Markup("").join(parts)


def rating_url(*, application=None, ticket=None) -> str:
    """The public rating page of a receipt (application) or a ticket, absolute URL."""
    if application is not None:
        kind, object_id = "a", application.id
    elif ticket is not None:
        kind, object_id = "t", ticket.id
    else:
        raise ValueError("application or ticket is required")
    token = rating_tokens.make_token(current_app.config["SECRET_KEY"], kind=kind,
                                     object_id=object_id)
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + url_for("feedback.rate", token=token)
    return url_for("feedback.rate", token=token, _external=True)


# --------------------------------------------------------------------------- transaction edge

@dataclass
class Outcome:
    """What :func:`form_action` saw: ``ok``, or the refusal and the message left unplaced."""

    ok: bool = True
    error: DomainError | None = None
    message: str | None = None


def place_error(form, exc: DomainError, *, field: str | None = None) -> str | None:
    """Put ``exc``'s message next to the field it names (else ``field``); None when placed.

    Returns the message when the form has no such field, for the page to show on top.
    """
    target = None
    for name in (exc.field, field):
        candidate = getattr(form, name, None) if (form is not None and name) else None
        if candidate is not None and hasattr(candidate, "errors"):
            target = candidate
            break
    if target is None:
        return exc.message
    target.errors = list(target.errors or []) + [exc.message]
    return None


@contextlib.contextmanager
def form_action(form=None, *, field: str | None = None):
    """Run a domain action; a refusal rolls back and is mapped onto the form.

    ``with form_action(form, field="reason") as outcome: services.cancel(...)`` — then
    ``outcome.ok`` tells whether to redirect or re-render with 422.
    """
    outcome = Outcome()
    try:
        yield outcome
    except DomainError as exc:
        db.session.rollback()
        outcome.ok, outcome.error = False, exc
        outcome.message = place_error(form, exc, field=field)


_QUEUE = "_onewindow_edge_queue"
_AFTER = "_onewindow_edge_after"


def _queue(signal, payload, after: Callable | None = None) -> None:
    g.setdefault(_QUEUE, []).append((signal, payload, after))


def write_at_edge(action: Callable[[Session], None]) -> None:
    """Run a small write of a reading request at the edge (a desk page's heartbeat; a
    draft found unreadable marked failed by the page that found it, never parsed again):
    in the request's own transaction, or — for a GET, which only read — in a short write
    transaction after the view, with the reads and prints it queued."""
    g.setdefault(_QUEUE, []).append((None, action, None))


def after_commit(action: Callable[[], Callable[[Session], object] | None]) -> None:
    """Run ``action`` once this request's work is committed (start a job on its row, drop a
    file the import consumed, send an e-mail); it does not run when the request rolls back.

    Slow outside work is done there, holding no lock; when the action returns a callable,
    that records its result in a short write transaction of its own.
    """
    g.setdefault(_AFTER, []).append((True, action))


def after_rollback(action: Callable[[], None]) -> None:
    """Run ``action`` when this request's work is rolled back (drop a file just stored)."""
    g.setdefault(_AFTER, []).append((False, action))


def _run_after(committed: bool) -> None:
    for when, action in g.pop(_AFTER, []):
        if when is not committed:
            continue
        # What the action reads is read in a plain (deferred) transaction: on SQLite a
        # POST's transactions begin IMMEDIATE, and the slow work must not hold the lock.
        token = set_write_intent(False)
        try:
            record = action()
            if callable(record):
                with own_write_transaction(db.session):
                    record(db.session)
        finally:
            db.session.commit()
            reset_write_intent(token)


def transaction_edge(view):
    """Commit the request's work once when the view returns; roll back when it raises."""

    @functools.wraps(view)
    def edge(*args, **kwargs):
        try:
            response = make_response(view(*args, **kwargs))
            queued = g.pop(_QUEUE, [])
            if queued and not write_intended():
                # A GET's (or a read-only POST's) transaction only read — deferred on
                # SQLite, where it may not take the write lock half-way: write in a new one.
                with own_write_transaction(db.session):
                    _send(queued, response)
            else:
                _send(queued, response)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            g.pop(_QUEUE, None)  # what the failed view queued is not handed to the next one
            _run_after(committed=False)
            raise
        _run_after(committed=True)
        return response

    return edge


def _send(queued, response) -> None:
    for signal, payload, after in queued:
        if signal is None:
            payload(db.session)
            continue
        results = [rv for _receiver, rv in signal.send(payload, session=db.session)]
        if after is not None:
            after(response, results)


def record_read(action: str, *, object_type: str | None = None, object_id=None,
                details: str | None = None) -> None:
    """Record a read of personal data (view, export, print) at the edge of this request."""
    _queue(personal_data_read, DataRead(action=action, object_type=object_type,
                                        object_id=object_id, details=details,
                                        actor=current_actor(), now=clock.now()))


def audited_view(object_type: str, arg: str | None = None):
    """Record in the audit log each successful view of the object the URL argument ``arg``
    names; without ``arg``, of a list or search that shows people's records (one row per
    view, with its filter: the query string, or the form of a search sent by POST)."""
    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            response = make_response(view(*args, **kwargs))
            if response.status_code == 200:
                if arg is None:
                    record_read("view_list", object_type=object_type, details=list_filter())
                else:
                    record_read("view", object_type=object_type, object_id=kwargs.get(arg))
            return response
        return wrapper
    return decorate


def list_filter() -> str | None:
    """The filter of this request as the audit keeps it: ``key=value&…``, sorted, readable."""
    params = request.form if is_write_request() else request.args
    pairs = sorted((k, v.strip()) for k, v in params.items(multi=True)
                   if v.strip() and k != "csrf_token")
    return "&".join(f"{k}={v}" for k, v in pairs)[:500] or None


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_MIMETYPES = {"xlsx": XLSX_MIMETYPE, "csv": "text/csv; charset=utf-8"}
IGNORED_PRINT_ARGS = ("download",)


def _file_response(body: bytes, filename: str, mimetype: str, *, disposition: str):
    response = make_response(body)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _set_print_id(response, results) -> None:
    ids = [rv for rv in results if isinstance(rv, int)]
    if ids:
        response.headers["X-Print-Id"] = str(ids[0])


def pdf_response(pdf: bytes, filename: str, *, kind: str | None = None,
                 object_type: str | None = None, object_id=None):
    """Open the PDF in the browser's viewer, ready to print (``?download=1`` saves it).

    With ``kind`` the document is handed out as a domain event at the edge: the print
    journal keeps it (bytes included, for an identical re-print, its id in ``X-Print-Id``)
    and the audit records the print, in the request's commit.
    """
    disposition = "attachment" if request.args.get("download") == "1" else "inline"
    response = _file_response(pdf, filename, "application/pdf", disposition=disposition)
    if kind is not None:
        hand_out(pdf, filename, kind=kind, object_type=object_type, object_id=object_id,
                 after=_set_print_id)
    return response


def hand_out(pdf: bytes, filename: str, *, kind: str, object_type: str | None = None,
             object_id=None, url: str | None = None, after: Callable | None = None) -> None:
    """Record a document given out by this request (the print journal keeps ``pdf``).

    For a page that prints the document itself (the kiosk ticket): the journal keeps the
    PDF of the same ticket, re-made from ``url`` (default: this request's address).
    """
    pairs = [(k, v) for k, v in request.args.items(multi=True) if k not in IGNORED_PRINT_ARGS]
    params: dict = {}
    for key, value in pairs:
        params.setdefault(key, []).append(value)
    if url is None:
        url = request.path + ("?" + urlencode(pairs) if pairs else "")
    actor = current_actor()
    _queue(document_handed_out, HandedOut(
        pdf=pdf, filename=filename, kind=kind, url=url, params=params,
        object_type=object_type, object_id=object_id,
        actor=actor if actor and actor.id is not None else None, now=clock.now(),
    ), after=after)


def export_response(body: bytes, filename: str, *, object_type: str,
                    object_id=None, details: str | None = None):
    """Hand out an XLSX/CSV export as a download and record it in the audit log."""
    fmt = filename.rsplit(".", 1)[-1]
    response = _file_response(body, filename, EXPORT_MIMETYPES[fmt], disposition="attachment")
    record_read("export", object_type=object_type, object_id=object_id,
                details=details or fmt.upper())
    return response


# Chromium caps a cookie's lifetime at 400 days (and stores no longer, whatever is asked):
# a device renews its cookie on every use (renew_device) instead.
DEVICE_COOKIE_AGE = 400 * 24 * 3600


def bind_device(response, cookie: str, token: str):
    """Bind this browser (a kiosk, a desk tablet) to its device token for 400 days."""
    response.set_cookie(cookie, token, max_age=DEVICE_COOKIE_AGE, httponly=True,
                        samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def renew_device(cookie: str, token: str) -> None:
    """The device is in use: its cookie runs 400 days from now (sent with this response)."""
    after_this_request(lambda response: bind_device(response, cookie, token))
