"""The applicant form says every error at once, next to its field (issue 17, item 5)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from onewindow.applicants.models import Applicant
from onewindow.applicants.services import create_applicant
from onewindow.core import clock
from onewindow.core.phone import normalize_phone
from onewindow.errors import InvalidInput

HX = {"HX-Request": "true"}
VALID = {"surname": "Сидоров", "name": "Олег", "birth_date": "02.03.1975", "sex": "M",
         "id_doc_type": "passport_ru"}


def _error_of(page: str, field: str) -> str | None:
    match = re.search(rf'id="{field}-error">([^<]*)<', page)
    return match[1] if match else None


def test_every_error_on_the_first_submit(specialist_client):
    future = clock.today().replace(year=clock.today().year + 1).strftime("%d.%m.%Y")
    r = specialist_client.post("/applicants/new", headers=HX, data={
        "surname": "", "name": "Олег", "birth_date": future, "sex": "",
        "id_doc_type": "passport_ru", "snils": "112-233-445 96", "phone": "12",
        "email": "нет"})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    errors = {field: _error_of(page, field) for field in
              ("surname", "birth_date", "sex", "snils", "phone", "email")}
    assert all(errors.values()), errors
    assert "будущем" in errors["birth_date"]
    assert "контрольная сумма" in errors["snils"]
    assert "телефон" in errors["phone"].lower()
    # The surname field asks for the focus only when nothing is wrong (the script then
    # focuses the first field in error).
    assert "autofocus" not in page


@pytest.mark.parametrize(("typed", "stored"), [
    ("8 917 123-45-67", "+7 (917) 123-45-67"),
    ("+79171234567", "+7 (917) 123-45-67"),
    ("9171234567", "+7 (917) 123-45-67"),
    ("8(8442)12-34-56", "+7 (844) 212-34-56"),
])
def test_phone_numbers_are_normalised(typed, stored):
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize("typed", ["12", "8 917 123", "+7 000 000-00-00", "телефон",
                                   "+1 202 555 0143 7"])
def test_impossible_phone_numbers_are_refused(typed):
    with pytest.raises(ValueError, match="телефон"):
        normalize_phone(typed)


def test_the_form_stores_the_normalised_phone(specialist_client, session):
    r = specialist_client.post("/applicants/new", data=dict(VALID, phone="8 917 123-45-67"))
    assert r.status_code == 303
    applicant = session.scalar(select(Applicant).where(Applicant.surname == "Сидоров"))
    assert applicant.phone == "+7 (917) 123-45-67"


def test_the_service_refuses_a_bad_phone_too(session):
    with pytest.raises(InvalidInput) as caught:
        create_applicant(session, values={
            "surname": "Сидоров", "name": "Олег", "birth_date": clock.today().replace(
                year=1975), "sex": "M", "phone": "12"}, today=clock.today())
    assert caught.value.field == "phone"
