"""The header field «Открыть» as a specialist uses it: Alt+O with the Russian layout active,
a number typed at 40–120 ms per key, Enter (issue 17, item 7)."""

from __future__ import annotations

import random
import re

import pytest
from sqlalchemy import select

from onewindow.core import clock
from onewindow.core.snils import format_snils
from onewindow.queue import services as queue_services
from onewindow.queue.models import VisitPurpose

from ..factories import make_applicant, make_application
from .keyboard import ALT, press_key, type_ru
from .test_intake import keyboard_login

pytestmark = pytest.mark.browser


def _open(page, typed: str, rng: random.Random) -> None:
    press_key(page, "KeyO", modifiers=ALT)
    page.wait_for_function("document.activeElement && document.activeElement.name === 'code'")
    for char in typed:
        type_ru(page, char, delay_ms=rng.randint(40, 120))
    page.keyboard.press("Enter")


def test_header_field_opens_numbers_tickets_and_people_typed_in_russian(page, users,
                                                                          session):
    rng = random.Random(7)
    now = clock.now()
    applicant = make_applicant(session, surname="Кругликова")
    application = make_application(session, user=users["specialist"], now=now)
    queue_services.seed_queue(session)
    purpose = session.scalar(select(VisitPurpose).where(VisitPurpose.letter == "А"))
    ticket = queue_services.issue_ticket(session, purpose_id=purpose.id, now=now)
    ticket.applications.append(application)
    session.commit()
    ids = application.id, applicant.id
    short = str(int(application.number.split("-")[1]))
    keyboard_login(page, users["specialist"].username)

    _open(page, short, rng)  # «601»: this year's application
    page.wait_for_url(re.compile(rf"/applications/{ids[0]}$"))
    page.goto("/")
    _open(page, application.number.replace("-", ""), rng)
    page.wait_for_url(re.compile(rf"/applications/{ids[0]}$"))
    page.goto("/")
    _open(page, ticket.number, rng)  # «А-001» in the Russian layout: its application
    page.wait_for_url(re.compile(rf"/applications/{ids[0]}$"))
    page.goto("/")
    _open(page, format_snils(applicant.snils), rng)
    page.wait_for_url(re.compile(rf"/applicants/{ids[1]}$"))
    page.goto("/")
    _open(page, "Круглик", rng)  # a surname: the applicant search with its results
    page.wait_for_selector(f'#applicant-results a[href^="/applicants/{ids[1]}"]')
    assert page.input_value("#q") == "Круглик"
