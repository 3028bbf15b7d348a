"""Finding applicants: СНИЛС, surname prefix, «Фамилия И.О.», ё/е and case folding."""

from __future__ import annotations

import re
from datetime import date

import pytest

from onewindow.applicants.queries import search_applicants
from onewindow.applicants.services import DuplicateWarning, create_applicant, update_applicant
from onewindow.errors import Conflict, InvalidInput

from ..factories import make_applicant

HX = {"HX-Request": "true"}


@pytest.fixture
def people(session):
    made = {
        "elkina": make_applicant(session, surname="Ёлкина", name="Анна", patronymic="Петровна",
                                 snils="11223344595"),
        "elkin": make_applicant(session, surname="Елкин", name="Иван", patronymic="Сергеевич"),
        "petrova": make_applicant(session, surname="Петрова-Водкина", name="Мария",
                                  patronymic="Ильинична"),
        "ivanov": make_applicant(session, surname="Иванов", name="Пётр", patronymic=None),
    }
    session.flush()
    return made


def names(rows):
    return {a.surname for a in rows}


def test_surname_prefix_is_case_and_yo_insensitive(session, people):
    assert names(search_applicants(session, "ЕЛК")) == {"Ёлкина", "Елкин"}
    assert names(search_applicants(session, "ёлкин")) == {"Ёлкина", "Елкин"}
    assert names(search_applicants(session, "петрова-в")) == {"Петрова-Водкина"}
    assert search_applicants(session, "Сидоров") == []


def test_initials_and_full_names(session, people):
    assert names(search_applicants(session, "Елкина А.П.")) == {"Ёлкина"}
    assert names(search_applicants(session, "елкина а. п.")) == {"Ёлкина"}
    assert names(search_applicants(session, "Елкин И")) == {"Елкин"}
    assert names(search_applicants(session, "Елкина Анна")) == {"Ёлкина"}
    assert names(search_applicants(session, "Иванов Петр")) == {"Иванов"}
    assert search_applicants(session, "Елкина Б.") == []


def test_snils_full_and_prefix(session, people):
    assert names(search_applicants(session, "112-233-445 95")) == {"Ёлкина"}
    assert names(search_applicants(session, "11223344595")) == {"Ёлкина"}
    assert names(search_applicants(session, "112-233")) == {"Ёлкина"}
    assert search_applicants(session, "12") == []


def test_search_endpoint_returns_fragment_with_masked_snils(specialist_client, people, session):
    session.commit()
    r = specialist_client.post("/applicants/search", data={"q": "ёлкина"}, headers=HX)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "<html" not in html
    assert "Ёлкина Анна Петровна" in html
    assert "***-***-*45 95" in html and "112-233-445 95" not in html
    full = specialist_client.post("/applicants/search", data={"q": "ёлкина"})
    assert "<html" in full.get_data(as_text=True)
    assert full.headers["Vary"] == "HX-Request" or "HX-Request" in full.headers["Vary"]


def test_duplicate_snils_is_blocked_and_same_person_warns(session, people):
    values = {"surname": "Новая", "name": "Анна", "birth_date": date(1990, 1, 1), "sex": "F",
              "snils": "112 233 445 95"}
    with pytest.raises(Conflict) as err:
        create_applicant(session, values=values, today=date(2026, 11, 28))
    assert err.value.field == "snils"
    same = {"surname": "ЁЛКИНА", "name": "анна", "patronymic": "Петровна",
            "birth_date": date(1980, 5, 1), "sex": "F"}
    result = create_applicant(session, values=same, today=date(2026, 11, 28))
    assert isinstance(result, DuplicateWarning) and result.others[0].surname == "Ёлкина"
    created = create_applicant(session, values=same, today=date(2026, 11, 28),
                               confirm_duplicate=True)
    assert created.id and created.search_name == "елкина анна петровна"


def test_validation_messages(session):
    base = {"surname": "Тест", "name": "Тест", "birth_date": date(1990, 1, 1), "sex": "F"}
    for override, field in [({"snils": "112-233-445 96"}, "snils"),
                            ({"snils": "123"}, "snils"),
                            ({"birth_date": date(2030, 1, 1)}, "birth_date"),
                            ({"surname": "  "}, "surname"),
                            ({"sex": "X"}, "sex")]:
        with pytest.raises(InvalidInput) as err:
            create_applicant(session, values={**base, **override}, today=date(2026, 11, 28))
        assert err.value.field == field


def test_optimistic_locking_refuses_stale_save(session, people):
    applicant = people["ivanov"]
    values = {"surname": "Иванов", "name": "Пётр", "birth_date": applicant.birth_date, "sex": "F"}
    stale = applicant.version
    update_applicant(session, applicant, values=values, today=date(2026, 11, 28),
                     expected_version=stale)
    assert applicant.version == stale + 1
    with pytest.raises(Conflict):
        update_applicant(session, applicant, values=values, today=date(2026, 11, 28),
                         expected_version=stale)


def test_edit_conflict_shows_new_version(specialist_client, people, session):
    applicant = people["ivanov"]
    session.commit()
    form = {"surname": "Иванов", "name": "Пётр", "birth_date": "01.05.1980", "sex": "M",
            "id_doc_type": "passport_ru", "phone": "8 917 111-11-11",
            "version": str(applicant.version)}
    first = specialist_client.post(f"/applicants/{applicant.id}/edit", data=form)
    assert first.status_code == 303
    second = specialist_client.post(f"/applicants/{applicant.id}/edit",
                                    data={**form, "phone": "8 917 222-22-22"}, headers=HX)
    assert second.status_code == 422
    html = second.get_data(as_text=True)
    assert "изменил другой пользователь" in html and "тел. +7 (917) 111-11-11" in html


def test_service_chosen_in_catalog_reaches_the_intake_form(specialist_client, people, session):
    session.commit()
    r = specialist_client.post("/applicants/search", data={"q": "ёлкина", "service": "gaz"},
                               headers=HX)
    assert "?service=GAZ" in r.get_data(as_text=True)
    card = specialist_client.get(f"/applicants/{people['elkina'].id}?service=GAZ")
    assert f"applicant_id={people['elkina'].id}&amp;service=GAZ" in card.get_data(as_text=True)


def test_new_applicant_with_a_registered_snils_is_422_next_to_the_field(specialist_client,
                                                                        people, session):
    from sqlalchemy import func, select

    from onewindow.applicants.models import Applicant

    session.commit()
    before = session.scalar(select(func.count(Applicant.id)))
    r = specialist_client.post("/applicants/new", headers=HX, data={
        "surname": "Сидоров", "name": "Олег", "birth_date": "02.03.1975", "sex": "M",
        "id_doc_type": "passport_ru", "snils": "112-233-445 95"})
    assert r.status_code == 422
    assert re.search(r'id="snils-error">Заявитель с этим СНИЛС уже зарегистрирован: Ёлкина',
                     r.get_data(as_text=True))
    session.expire_all()
    assert session.scalar(select(func.count(Applicant.id))) == before


@pytest.fixture
def double(session):
    made = {
        "sokolova": make_applicant(session, surname="Соколова-Микитова", name="Вера",
                                   patronymic="Андреевна", birth_date=date(1961, 3, 14)),
        "kiseleva": make_applicant(session, surname="Киселева", name="Ольга",
                                   patronymic="Андреевна", birth_date=date(1975, 8, 2)),
        "mikitov": make_applicant(session, surname="Микитов", name="Семён",
                                  patronymic="Ильич", birth_date=date(1975, 8, 2)),
    }
    session.flush()
    return made


def test_any_part_of_a_double_surname_with_or_without_the_hyphen(session, double):
    """Issue 17, item 8: the second part of a double surname finds its bearer."""
    assert names(search_applicants(session, "Микитова")) == {"Соколова-Микитова"}
    assert names(search_applicants(session, "микит")) == {"Соколова-Микитова", "Микитов"}
    assert names(search_applicants(session, "Соколова Микитова")) == {"Соколова-Микитова"}
    assert names(search_applicants(session, "Микитова Вера")) == {"Соколова-Микитова"}
    assert names(search_applicants(session, "Соколова-Микитова В.А.")) == {
        "Соколова-Микитова"}


def test_name_and_patronymic(session, double):
    assert names(search_applicants(session, "Вера Андреевна")) == {"Соколова-Микитова"}
    assert names(search_applicants(session, "ольга андр")) == {"Киселева"}


def test_birth_date(session, double):
    assert names(search_applicants(session, "02.08.1975")) == {"Киселева", "Микитов"}
    assert names(search_applicants(session, "14.03.1961")) == {"Соколова-Микитова"}
    assert search_applicants(session, "31.02.1975") == []


def test_surname_typed_in_the_latin_layout(session, double):
    assert names(search_applicants(session, "Rbctktdf")) == {"Киселева"}
    assert names(search_applicants(session, "rbctktdf jkmuf")) == {"Киселева"}


def test_search_keys_are_kept_on_edit(session, double):
    applicant = double["kiseleva"]
    update_applicant(session, applicant, values={
        "surname": "Орлова-Киселева", "name": "Ольга", "patronymic": "Андреевна",
        "birth_date": applicant.birth_date, "sex": "F", "snils": applicant.snils,
    }, today=date(2026, 11, 28))
    session.flush()
    assert names(search_applicants(session, "Киселева")) == {"Орлова-Киселева"}
