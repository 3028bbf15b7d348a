"""Domain events: the named channels through which one area reacts to another.

The sender passes the session; receivers may add rows but never commit. Example: when
intake registers an application, the archive opens the case file, the registry sends the
interagency requests and the queue links the visitor's ticket — all or nothing.

Two events are sent by the request edge (``web``) rather than by a service: a document
handed out (the print journal and the audit receive it) and a read of personal data (the
audit receives it). ``template_hook`` lets an area fill a named slot of another area's
page (the applicant card's case files, the header's deadline badge) without the page's
area importing it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from blinker import Namespace

_events = Namespace()


@dataclass(frozen=True)
class Actor:
    """Who acts in a request (set on the session at the request edge; the audit reads it)."""

    id: int | None
    username: str | None
    role: str | None
    remote_addr: str | None


#: session.info key under which the request edge puts the :class:`Actor`
ACTOR_KEY = "onewindow_actor"


@dataclass(frozen=True)
class HandedOut:
    """A document handed out (printed, opened, downloaded) in a request."""

    pdf: bytes
    filename: str
    kind: str
    url: str
    params: dict = field(default_factory=dict)
    object_type: str | None = None
    object_id: object = None
    actor: Actor | None = None
    now: datetime | None = None


@dataclass(frozen=True)
class DataRead:
    """A read of personal data: a card viewed, a list exported, a journal re-printed."""

    action: str  # an audit action: view, export, print
    object_type: str | None = None
    object_id: object = None
    details: str | None = None
    actor: Actor | None = None
    now: datetime | None = None


#: sent as application_registered.send(application, session=, now=, user_id=) while the
#: new application is still pending: no id yet, a stand-in number (autoflush is off).
#: Receivers add their rows without flushing; a row that needs a gapless number gets a
#: stand-in (``numbering.placeholder``) and reserves its number with ``numbering.defer``;
#: work that must run under the numbers' lock goes to ``numbering.then``. Then every row
#: is inserted at once, and the numbers are taken last.
application_registered = _events.signal("application-registered")
#: sent as application_filed.send(application, session=, now=, user_id=) right after the
#: registration's rows were inserted (ids known, numbers not yet taken), inside its
#: transaction
application_filed = _events.signal("application-filed")
#: sent as application_status_changed.send(application, session=, now=, status_from=, user_id=)
application_status_changed = _events.signal("application-status-changed")
#: sent as user_signed_out.send(user_id, session=, now=, reason="logout"|"expired", at=)
#: (``at``: when the user was last active; None means now)
user_signed_out = _events.signal("user-signed-out")
#: sent as document_handed_out.send(HandedOut, session=); a receiver may return the id
#: of the print journal entry it made
document_handed_out = _events.signal("document-handed-out")
#: sent as personal_data_read.send(DataRead, session=)
personal_data_read = _events.signal("personal-data-read")
#: sent as template_hook.send(name, **kwargs) while a page renders; receivers connected
#: for that name (``template_hook.connect_via(name)``) return markup or None
template_hook = _events.signal("template-hook")
