"""The whole intake with the keyboard only, in headless Chromium."""

from __future__ import annotations

import re
import time
from datetime import datetime

import pytest
from sqlalchemy import select

from onewindow.catalog.seed_data import SERVICES
from onewindow.core import clock
from onewindow.core.layout import code_matches, latin_candidates, to_cyrillic, to_latin
from onewindow.intake import services
from onewindow.intake.models import Application

from ..factories import DEFAULT_PASSWORD, make_applicant, make_application
from ..pdfcheck import pdf_text
from .keyboard import ALT, SHIFT, press_key, type_ru

pytestmark = pytest.mark.browser

CODES = [s["code"] for s in SERVICES]


def keyboard_login(page, username):
    page.goto("/login")
    # The field has the focus by itself (autofocus), once the page has settled.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'username'")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(DEFAULT_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/$"))


def test_keyboard_only_intake_and_receipt(page, users, session):
    applicant = make_applicant(session, surname="Ёлкина", name="Алёна", patronymic="Петровна")
    session.commit()
    applicant_id = applicant.id
    keyboard_login(page, users["specialist"].username)
    assert users["specialist"].full_name in page.inner_text("header")

    page.keyboard.press("Enter")  # the autofocused "find applicant" link
    page.wait_for_url(re.compile(r"/applicants/$"))
    type_ru(page, "елкина а.п.")  # the Russian layout is active from here on
    page.wait_for_selector("#applicant-results [data-item]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/applicants/{applicant_id}$"))

    page.keyboard.press("Enter")  # "Принять заявление" has the focus
    page.wait_for_url(re.compile(r"/applications/new"))
    assert page.evaluate("document.activeElement.id") == "service"
    type_ru(page, to_cyrillic("GAZ"))  # the keys of GAZ, shown as «ПФЯ»
    page.keyboard.press("Enter")  # the picker chooses on Enter, not on the first letter
    page.wait_for_selector("[data-checklist] #doc-1-received:focus")
    page.keyboard.press("1")  # tick document 1 (already focused) …
    page.keyboard.press("2")  # … and document 2 with one key each
    assert page.is_checked("#doc-1-received") and page.is_checked("#doc-2-received")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(re.compile(r"/applications/\d+\?registered=1"))
    assert "Заявление зарегистрировано" in page.inner_text("main")

    session.rollback()  # end the test's read snapshot: the server has written since
    number = session.scalar(select(Application.number))
    assert number and number in page.inner_text("h1")
    with page.context.expect_page() as popup_info:
        page.keyboard.press("Enter")  # "Печать расписки" is focused
    popup = popup_info.value
    popup.wait_for_load_state()
    assert popup.url.endswith("/receipt.pdf")
    response = page.request.get(popup.url)
    assert response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.body())
    assert "Ёлкина Алёна Петровна" in text and number in text


# ------------------------------------------------ as specialists really type (issue 17)


def _console_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def _open_intake(page, users, session, **applicant):
    applicant = make_applicant(session, **applicant)
    session.commit()
    applicant_id = applicant.id
    keyboard_login(page, users["specialist"].username)
    page.goto(f"/applications/new?applicant_id={applicant_id}")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'service'")
    return applicant_id


def _choose_service(page, typed: str, code: str, *, delay_ms: int = 60) -> None:
    """Type into the service picker in the Russian layout, Enter, wait for the checklist."""
    page.focus("#service")
    page.keyboard.press("Control+A")
    type_ru(page, typed, delay_ms=delay_ms)
    page.keyboard.press("Enter")
    _wait_for_checklist(page, code)


def _wait_for_checklist(page, code: str) -> None:
    """Wait until the service's checklist is shown and its first document has the focus."""
    page.wait_for_selector(f"#checklist [data-checklist][data-service='{code}'] "
                           "#doc-1-received:focus")
    assert page.input_value("input[name=service]") == code


@pytest.mark.parametrize("layout", ["russian", "latin"])
def test_every_service_code_typed_at_scanner_speed_picks_that_service(page, users, session,
                                                                      layout):
    _open_intake(page, users, session)
    for code in CODES:
        if layout == "russian":
            _choose_service(page, to_cyrillic(code), code, delay_ms=5)
        else:
            page.focus("#service")
            page.keyboard.press("Control+A")
            page.keyboard.type(code, delay=5)
            page.keyboard.press("Enter")
            _wait_for_checklist(page, code)


def test_picker_filters_by_code_or_name_and_changes_nothing_before_enter(page, users, session):
    errors = _console_errors(page)
    _open_intake(page, users, session)
    page.focus("#service")
    type_ru(page, "есп")
    options = page.locator("#service-options [role=option]:visible")
    assert options.first.get_attribute("data-code") == "ESP"
    assert page.input_value("input[name=service]") == ""  # nothing chosen yet
    assert page.locator("#checklist [data-checklist]").count() == 0
    page.keyboard.press("Control+A")
    type_ru(page, to_cyrillic("ESP"))  # «ЫЗ» after «У»: the keys of ESP
    assert options.first.get_attribute("data-code") == "ESP"
    page.keyboard.press("Control+A")
    type_ru(page, "ребен")  # a word of the name, ё typed as е
    codes = options.evaluate_all("els => els.map(e => e.dataset.code)")
    assert "CHILD" in codes and "GAZ" not in codes
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    _wait_for_checklist(page, codes[1])
    assert errors == []


def test_picker_knows_word_forms(page, users, session):
    """Issue 17, item 10: «ребенок» or «детей» typed whole still finds «на ребёнка»."""
    _open_intake(page, users, session)
    options = page.locator("#service-options [role=option]:visible")
    for typed in ("ребенок", "детей", "пособия ребенку", "погребения"):
        page.focus("#service")
        page.keyboard.press("Control+A")
        type_ru(page, typed, delay_ms=40)
        codes = options.evaluate_all("els => els.map(e => e.dataset.code)")
        expected = "BURY" if typed == "погребения" else "CHILD"
        assert expected in codes, (typed, codes)
        assert "GAZ" not in codes


def test_changing_the_service_three_times_keeps_one_form_and_what_was_typed(page, users,
                                                                          session):
    errors = _console_errors(page)
    _open_intake(page, users, session)
    _choose_service(page, to_cyrillic("GAZ"), "GAZ")
    page.focus("[name=representative_name]")
    type_ru(page, "Петров Пётр Петрович")
    page.focus("[name=representative_document]")
    type_ru(page, "доверенность 34АА 123456")
    page.focus("[name=notes]")
    type_ru(page, "звонить после 17")
    _choose_service(page, to_cyrillic("EDV"), "EDV")
    _choose_service(page, to_cyrillic("RAD"), "RAD")
    _choose_service(page, to_cyrillic("ESP"), "ESP")
    assert page.locator("form").filter(has=page.locator("[name=service]")).count() == 1
    assert page.locator("[name=representative_name]").count() == 1
    assert page.locator("#checklist").count() == 1
    page.keyboard.press("1")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(re.compile(r"/applications/\d+\?registered=1"))
    session.rollback()
    application = session.scalar(select(Application))
    assert application.service.code == "ESP"
    assert application.representative_name == "Петров Пётр Петрович"
    assert application.representative_document == "доверенность 34АА 123456"
    assert application.notes == "звонить после 17"
    assert errors == []


def test_sheets_and_original_or_copy_of_every_line_by_keyboard(page, users, session):
    _open_intake(page, users, session)
    _choose_service(page, to_cyrillic("GAZ"), "GAZ")
    page.wait_for_selector("#doc-1-received:focus")
    page.keyboard.press("Space")  # tick document 1
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "doc-1-form"
    type_ru(page, "п")  # «подлинник»
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "doc-1-sheets"
    type_ru(page, "3")
    page.keyboard.press("2")  # a digit in the sheets field is the count, not a tick
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "doc-2-received"
    page.keyboard.press("Space")
    press_key(page, "Equal", modifiers=SHIFT)  # «+» on a line: one more sheet
    press_key(page, "Equal", modifiers=SHIFT)
    press_key(page, "Minus")
    assert page.input_value("[name=doc-2-sheets]") == "2"
    total = page.inner_text("[data-doc-total]")
    assert "документов: 2" in total and "листов: 34" in total
    # «подлинник» is shown in full in its select
    fits = page.evaluate("""() => {
        const sel = document.querySelector('[name=doc-1-form]');
        const probe = document.createElement('span');
        probe.style.font = getComputedStyle(sel).font;
        probe.textContent = 'подлинник';
        document.body.appendChild(probe);
        const ok = probe.offsetWidth + 16 <= sel.clientWidth;
        probe.remove();
        return ok;
    }""")
    assert fits
    page.keyboard.press("Control+Enter")
    page.wait_for_url(re.compile(r"/applications/\d+\?registered=1"))
    session.rollback()
    docs = session.scalar(select(Application)).documents
    assert (docs[0].form, docs[0].sheets) == ("original", 32)
    assert docs[1].sheets == 2 and docs[1].received


def test_shortcuts_work_in_the_russian_layout_with_one_meaning_each(page, users, session):
    applicant_id = _open_intake(page, users, session)
    page.goto("/applicants/")
    press_key(page, "KeyN", modifiers=ALT)  # «Новый заявитель»
    page.wait_for_url(re.compile(r"/applicants/new"))
    page.goto(f"/applicants/{applicant_id}")
    help_line = page.inner_text("[data-shortcut-help]")
    assert "Alt+A" in help_line and "Alt+P" in help_line and "Alt+O" in help_line
    press_key(page, "KeyO", modifiers=ALT)  # the header field «Открыть»
    assert page.evaluate("document.activeElement.name") == "code"
    press_key(page, "KeyA", modifiers=ALT)  # «Принять заявление»
    page.wait_for_url(re.compile(r"/applications/new"))
    page.wait_for_function("document.activeElement && document.activeElement.id === 'service'")
    _choose_service(page, to_cyrillic("DONOR"), "DONOR")
    page.keyboard.press("1")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(re.compile(r"/applications/\d+\?registered=1"))
    with page.context.expect_page() as popup_info:
        press_key(page, "KeyP", modifiers=ALT)  # «Печать» — the page's document
    assert popup_info.value.url.endswith("/receipt.pdf")
    page.keyboard.press("F1")
    assert page.is_visible("#shortcut-help")


def test_keys_typed_while_the_checklist_loads_are_not_lost(page, users, session, monkeypatch):
    slow = services.checklist_lines

    def slow_checklist(service):
        time.sleep(0.6)
        return slow(service)

    monkeypatch.setattr(services, "checklist_lines", slow_checklist)
    _open_intake(page, users, session)
    page.focus("#service")
    type_ru(page, to_cyrillic("GAZ"), delay_ms=50)
    page.keyboard.press("Enter")
    type_ru(page, "13", delay_ms=50)  # at once, the checklist not there yet
    page.keyboard.press("Control+Enter")
    page.wait_for_url(re.compile(r"/applications/\d+\?registered=1"))
    session.rollback()
    application = session.scalar(select(Application))
    assert application.service.code == "GAZ"
    assert [d.position for d in application.documents if d.received] == [1, 3]


def test_layout_js_is_the_twin_of_the_python_helper(page, users, session):
    _open_intake(page, users, session)
    probes = ["ёйцукенгшщзхъфывапролджэячсмитьбю", "ЁЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮ",
              "Rbctktdf", "`qwertyuiop[]asdfghjkl;'zxcvbnm,.", "1 2-3 №;?", "Соколова-Микитова"]
    for text in probes:
        assert page.evaluate("t => owLayout.toLatin(t)", text) == to_latin(text)
        assert page.evaluate("t => owLayout.toCyrillic(t)", text) == to_cyrillic(text)
    chars = "ёйцукенгшщзхъфывапролджэячсмитьбюabcdefghijklmnopqrstuvwxyz1-"
    assert page.evaluate("cs => Array.from(cs).map(c => owLayout.latinCandidates(c))",
                         chars) == [latin_candidates(c) for c in chars]
    typed = [to_cyrillic(c)[:n] for c in CODES for n in (1, 3)] + ["есп", "ЕЫЗ", "газ", "x"]
    js = page.evaluate("""([typed, codes]) => typed.map(
        t => codes.filter(c => owLayout.codeMatches(t, c)))""", [typed, CODES])
    assert js == [[c for c in CODES if code_matches(t, c)] for t in typed]


def test_marking_the_day_transferred_asks_first_naming_how_many(page, users, session):
    nine = datetime.combine(clock.today(), datetime.min.time()).replace(hour=9)
    for k, code in enumerate(("GAZ", "EDV", "RAD")):
        make_application(session, user=users["specialist"], service_code=code,
                         now=nine.replace(minute=k))
    session.commit()
    keyboard_login(page, users["specialist"].username)
    page.goto("/applications/register")
    asked: list[str] = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.click("text=Отметить 3 заявления как переданные в отдел")
    page.wait_for_timeout(300)
    assert asked and "3 заявления" in asked[0]
    session.rollback()
    assert {a.status for a in session.scalars(select(Application))} == {"accepted"}
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("text=Отметить 3 заявления как переданные в отдел")
    page.wait_for_selector("text=Передано в отдел заявлений: 3")
    session.rollback()
    assert {a.status for a in session.scalars(select(Application))} == {"transferred"}
