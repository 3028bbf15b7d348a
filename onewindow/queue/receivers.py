"""The queue's part in intake: an application registered during a visit joins its ticket."""

from __future__ import annotations

from sqlalchemy import select

from ..events import application_registered, user_signed_out
from . import desks
from .models import ACTIVE_STATUSES, Ticket
from .services import link_application


@application_registered.connect
def link_to_current_visit(application, *, session, user_id, **_):
    ticket = session.scalar(
        select(Ticket).where(Ticket.specialist_id == user_id,
                             Ticket.status.in_(ACTIVE_STATUSES),
                             Ticket.called_at <= application.registered_at)
        .order_by(Ticket.called_at.desc()).limit(1)
    )
    if ticket is not None:
        # The registration inserts every row at once: no flush here.
        link_application(session, ticket, application, flush=False)


@user_signed_out.connect
def leave_the_desk(user_id, *, session, now, reason, at=None, **_):
    """Logging out or an expired login ends the sign-in at the window."""
    desks.sign_out(session, user_id=user_id, now=now, reason=reason, at=at)
