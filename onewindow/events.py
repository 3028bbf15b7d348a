"""Domain events that let one area react to another inside the same transaction.

The sender passes the session; receivers may add rows but never commit. Example: when
intake registers an application, the archive opens the case file, the registry sends the
interagency requests and the queue links the visitor's ticket — all or nothing.
"""

from blinker import Namespace

_events = Namespace()

#: sent as application_registered.send(application, session=, now=, user_id=)
application_registered = _events.signal("application-registered")
#: sent as application_status_changed.send(application, session=, now=, status_from=, user_id=)
application_status_changed = _events.signal("application-status-changed")
#: sent as user_signed_out.send(user_id, session=, now=, reason="logout"|"expired", at=)
#: (``at``: when the user was last active; None means now)
user_signed_out = _events.signal("user-signed-out")
