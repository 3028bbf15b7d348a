"""The applicant form as a specialist types it: Russian layout, 40–120 ms per key (issue 17,
item 5: every error at once, the focus on the first one, СНИЛС checked while typed)."""

from __future__ import annotations

import random
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from onewindow.applicants.models import Applicant
from onewindow.core import clock
from onewindow.core.snils import MSG_CHECKSUM, is_valid_snils, make_snils

from .keyboard import type_ru
from .test_intake import keyboard_login

pytestmark = pytest.mark.browser


def _type(page, text: str, rng: random.Random) -> None:
    for char in text:
        type_ru(page, char, delay_ms=rng.randint(40, 120))


def _tab_to(page, field_id: str) -> None:
    """Tab through the form as a specialist does until ``field_id`` has the focus."""
    for _ in range(30):
        if page.evaluate("document.activeElement.id") == field_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{field_id}")


def test_every_error_at_once_focus_on_the_first_and_snils_while_typed(page, users, session):
    rng = random.Random(17)
    keyboard_login(page, users["specialist"].username)
    page.goto("/applicants/new")
    expect(page.locator("#surname")).to_be_focused()
    _type(page, "Сидорова", rng)
    _tab_to(page, "name")
    _type(page, "Анна", rng)
    _tab_to(page, "birth_date")
    future = clock.today().replace(year=clock.today().year + 2)
    _type(page, future.strftime("%d.%m.%Y"), rng)
    _tab_to(page, "snils")
    _type(page, "112-233-445 96", rng)
    # Said while typing, before any submit.
    page.wait_for_selector("#field-snils [data-snils-live]:not([hidden])")
    assert MSG_CHECKSUM in page.inner_text("#field-snils")
    page.keyboard.press("Backspace")
    _type(page, "5", rng)  # 112-233-445 95 is right: the message goes
    page.wait_for_selector("#field-snils [data-snils-live]", state="hidden")
    _tab_to(page, "phone")
    _type(page, "12", rng)
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#phone-error")
    page_text = page.inner_text("#applicant-form")
    for message in ("в будущем", "Укажите пол", "Неверный номер телефона"):
        assert message in page_text
    # The first field in error has the focus, not «Фамилия».
    expect(page.locator("#birth_date")).to_be_focused()

    page.fill("#birth_date", "")
    _type(page, "02.03.1975", rng)
    page.select_option("#sex", "F")
    page.fill("#phone", "")
    page.focus("#phone")
    _type(page, "8 917 123-45-67", rng)
    page.keyboard.press("Control+Enter")
    page.wait_for_url(re.compile(r"/applicants/\d+$"))
    session.rollback()  # see what the server committed
    stored = session.scalar(select(Applicant).where(Applicant.surname == "Сидорова"))
    assert stored.phone == "+7 (917) 123-45-67" and stored.snils == "11223344595"


def test_snils_js_is_the_twin_of_the_python_check(page, users):
    keyboard_login(page, users["specialist"].username)
    rng = random.Random(5)
    numbers = [make_snils(rng.randrange(1_002_000, 999_999_999)) for _ in range(60)]
    numbers += [n[:9] + f"{(int(n[9:]) + 1) % 100:02d}" for n in numbers[:60]]
    numbers += ["00100199800", "00100199812", "11223344595"]
    verdicts = page.evaluate("ns => ns.map(n => window.owSnils.problem(n) === '')", numbers)
    assert verdicts == [is_valid_snils(n) for n in numbers]
