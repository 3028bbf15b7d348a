"""Archive factories: make_case_file, make_box (sensible defaults, overrides welcome)."""

from __future__ import annotations

from datetime import datetime

from onewindow.archive import services

from ..factories import make_applicant

NOW = datetime(2026, 11, 27, 10, 0)


def make_case_file(session, *, user=None, applicant=None, service_code="ESP", now=NOW,
                   **overrides):
    applicant = applicant or make_applicant(session)
    return services.open_case_file(session, applicant_id=applicant.id,
                                   service_code=service_code,
                                   user_id=user.id if user else None, now=now, **overrides)


def make_box(session, *, room="Архив", rack=1, shelf=1, capacity=50, **overrides):
    room_obj = services.get_or_create_room(session, room)
    shelf_obj = services.get_or_create_shelf(session, room=room_obj, rack_number=rack,
                                             shelf_number=shelf)
    return services.create_box(session, shelf=shelf_obj, capacity=capacity, **overrides)
