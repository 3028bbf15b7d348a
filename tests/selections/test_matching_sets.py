"""Matching as set operations: rule order, kept hits, notes, fuzzy edits, re-matching."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from onewindow.applicants.models import Applicant
from onewindow.applicants.services import update_applicant
from onewindow.selections import services
from onewindow.selections.matching import match_selection
from onewindow.selections.models import SelectionHit, SelectionRow

from ..archive.helpers import make_case_file
from ..factories import make_applicant
from .helpers import csv_bytes, import_file, make_recipient, snils

NOW = datetime(2026, 11, 28, 10, 0)


def _row(snils_="", surname="", name="", patronymic="", born=""):
    return [snils_, surname, name, patronymic, born, "умер", "", ""]


def _hits(session, selection) -> set[tuple[int, int, str]]:
    """(line number, applicant, rule) of every hit of the selection."""
    return set(session.execute(
        select(SelectionRow.line_no, SelectionHit.applicant_id, SelectionHit.rule)
        .join(SelectionRow, SelectionRow.id == SelectionHit.row_id)
        .where(SelectionHit.selection_id == selection.id)).all())


def _hit(session, selection, line_no: int) -> SelectionHit:
    return session.scalar(select(SelectionHit).join(SelectionRow).where(
        SelectionHit.selection_id == selection.id, SelectionRow.line_no == line_no))


def _notes(session, selection) -> dict[int, str | None]:
    return dict(session.execute(select(SelectionRow.line_no, SelectionRow.match_note).where(
        SelectionRow.selection_id == selection.id)).all())


def test_an_earlier_rule_takes_the_row_and_one_rule_hits_every_recipient(session, tmp_path):
    born = date(1980, 5, 1)
    by_snils = make_recipient(session, surname="Орлова", name="Анна", patronymic="Петровна",
                              birth_date=born, snils=snils(21))
    make_recipient(session, surname="Орлова", name="Анна", patronymic="Петровна",
                   birth_date=born, snils=None)  # same name and date: rule 2, not offered
    other_name = make_recipient(session, surname="Белых", name="Нина", patronymic="Ивановна",
                                birth_date=date(1970, 1, 1), snils=snils(22))
    same_name = make_recipient(session, surname="Белова", name="Нина", patronymic="Ивановна",
                               birth_date=date(1970, 1, 1), snils=None)
    conflict = make_recipient(session, surname="Зотова", name="Вера", patronymic="Ильинична",
                              birth_date=date(1961, 1, 1), snils=snils(23))
    make_recipient(session, surname="Котова", name="Вира", patronymic="Ильинична",
                   birth_date=date(1960, 2, 2), snils=None)  # one letter: rule 4, not offered
    twins = [make_recipient(session, surname="Лисина", name="Ольга", patronymic="Павловна",
                            birth_date=date(1955, 3, 3), snils=None) for _ in range(2)]
    session.commit()
    selection, job = import_file(session, tmp_path, csv_bytes([
        _row(snils(21), "Орлова", "Анна", "Петровна", "01.05.1980"),       # line 2
        _row(snils(22), "Белова", "Нина", "Ивановна", "01.01.1970"),       # line 3
        _row(snils(23), "Котова", "Вера", "Ильинична", "02.02.1960"),      # line 4
        _row("", "Лисина", "Ольга", "Павловна", "03.03.1955"),             # line 5
    ]))
    assert job.status == "done"
    assert _hits(session, selection) == {
        (2, by_snils.id, "snils"), (3, same_name.id, "name_birth"),
        (4, conflict.id, "snils_other_name"),
        (5, twins[0].id, "name_birth"), (5, twins[1].id, "name_birth")}
    assert other_name.id not in {a for _l, a, _r in _hits(session, selection)}


def test_decided_and_worked_hits_are_kept_and_their_rows_not_offered_again(
        session, tmp_path, users):
    fuzzy = make_recipient(session, surname="Рыбина", name="Ева", patronymic="Львовна",
                           birth_date=date(1950, 1, 2), snils=None)
    worked = make_recipient(session, surname="Сомова", name="Ия", patronymic="Петровна",
                            birth_date=date(1951, 3, 4), snils=snils(41))
    untouched = make_recipient(session, surname="Щукина", name="Ася", patronymic="Юрьевна",
                               birth_date=date(1952, 5, 6), snils=None)
    session.commit()
    selection, _job = import_file(session, tmp_path, csv_bytes([
        _row("", "Рыбина", "Ева", "Ильвовна", "02.01.1950"),               # line 2 fuzzy
        _row(snils(41), "Сомова", "Ия", "Петровна", "04.03.1951"),         # line 3 snils
        _row("", "Щукина", "Ася", "Юрьева", "06.05.1952"),                 # line 4 fuzzy
    ]))
    assert _hits(session, selection) == {(2, fuzzy.id, "fuzzy_name"),
                                         (3, worked.id, "snils"),
                                         (4, untouched.id, "fuzzy_name")}
    rejected, done = _hit(session, selection, 2), _hit(session, selection, 3)
    services.decide_hit(session, rejected, confirm=False, user_id=users["specialist"].id,
                        now=NOW)
    services.record_outcome(session, done, outcome="not_required", comment=None,
                            user_id=users["specialist"].id, now=NOW)
    kept_ids = {rejected.id, done.id}
    # New recipients who now match each line exactly by name and birth date.
    exact = [make_recipient(session, surname=s, name=n, patronymic=p, birth_date=b, snils=None)
             for s, n, p, b in (("Рыбина", "Ева", "Ильвовна", date(1950, 1, 2)),
                                ("Сомова", "Ия", "Петровна", date(1951, 3, 4)),
                                ("Щукина", "Ася", "Юрьева", date(1952, 5, 6)))]
    session.commit()
    match_selection(session, selection)
    session.commit()
    assert _hits(session, selection) == {(2, fuzzy.id, "fuzzy_name"),
                                         (3, worked.id, "snils"),
                                         (4, exact[2].id, "name_birth")}
    assert kept_ids <= set(session.scalars(select(SelectionHit.id)))
    assert session.get(SelectionHit, rejected.id).status == "rejected"
    assert session.get(SelectionHit, done.id).outcome == "not_required"


def test_rows_that_find_only_a_non_recipient_are_noted(session, tmp_path):
    no_file = make_applicant(session, surname="Носова", name="Ада", patronymic="Львовна",
                             birth_date=date(1944, 4, 4), snils=snils(31))
    make_recipient(session, active=False, surname="Закрытов", name="Ян", patronymic="Ильич",
                   birth_date=date(1945, 5, 5), snils=None)
    make_applicant(session, surname="Шубина", name="Ада", patronymic="Львовна",
                   birth_date=date(1946, 6, 6), snils=snils(33))
    recipient = make_recipient(session, surname="Шубина", name="Ада", patronymic="Львовна",
                               birth_date=date(1946, 6, 6), snils=None)
    session.commit()
    selection, _job = import_file(session, tmp_path, csv_bytes([
        _row(snils(31), "Носова", "Ада", "Львовна", "04.04.1944"),         # line 2 by СНИЛС
        _row("", "Закрытов", "Ян", "Ильич", "05.05.1945"),                 # line 3 by name
        _row(snils(33), "Шубина", "Ада", "Львовна", "06.06.1946"),         # line 4 matched
        _row("", "Неизвестная", "Ада", "", "07.07.1947"),                  # line 5 unknown
    ]))
    assert _hits(session, selection) == {(4, recipient.id, "name_birth")}
    assert _notes(session, selection) == {2: "not_recipient", 3: "not_recipient", 4: None,
                                          5: None}
    # The applicant without a case file gets one: the line is matched, the note gone.
    make_case_file(session, applicant=no_file)
    session.commit()
    match_selection(session, selection)
    session.commit()
    assert (2, no_file.id, "snils") in _hits(session, selection)
    assert _notes(session, selection)[2] is None


def test_fuzzy_names_one_insertion_deletion_or_substitution_anywhere(session, tmp_path):
    maria = make_recipient(session, surname="Кузнецова", name="Мария", patronymic="Олеговна",
                           birth_date=date(1985, 6, 7), snils=None)
    session.commit()
    rows = {
        2: ("Узнецова", "Мария", "Олеговна"),      # deletion at the start
        3: ("Скузнецова", "Мария", "Олеговна"),    # insertion at the start
        4: ("Гузнецова", "Мария", "Олеговна"),     # substitution at the start
        5: ("Кузнецова", "Марияя", "Олеговна"),    # insertion in the middle
        6: ("Кузнецова", "Мари", "Олеговна"),      # deletion in the middle
        7: ("Кузнецова", "Мария", "Олеговно"),     # substitution at the end
        8: ("Кузнецова", "Мария", "Олеговн"),      # deletion at the end
        9: ("Кузнецова", "Мария", "Олеговнаа"),    # insertion at the end
        10: ("Кузнецова", "Мраия", "Олеговна"),    # two letters swapped: two edits
        11: ("Гузнецова", "Мария", "Олеговно"),    # two substitutions
        12: ("Кузнецова", "Мари", "Олеговн"),      # two deletions
    }
    selection, _job = import_file(session, tmp_path, csv_bytes(
        [_row("", *rows[line], "07.06.1985") for line in sorted(rows)]
        + [_row("", "Кузнецова", "Мария", "Олеговно", "08.06.1985")]))  # line 13: other date
    assert _hits(session, selection) == {(line, maria.id, "fuzzy_name")
                                         for line in range(2, 10)}
    assert all(h.status == "candidate" for h in session.scalars(select(SelectionHit)))


def test_rematch_after_new_applicants_counts_rules_and_rows(session, tmp_path):
    known = make_recipient(session, surname="Попова", name="Зоя", patronymic="Петровна",
                           birth_date=date(1950, 8, 9), snils=snils(51))
    session.commit()
    selection, _job = import_file(session, tmp_path, csv_bytes([
        _row(snils(51), "Попова", "Зоя", "Петровна", "09.08.1950"),
        _row("", "Титова", "Раиса", "Ивановна", "10.10.1949"),
        _row("", "Фомина", "Лидия", "Карповна", "11.11.1948"),
    ]))
    assert _hits(session, selection) == {(2, known.id, "snils")}
    newcomer = make_recipient(session, surname="Титова", name="Раиса", patronymic="Ивановна",
                              birth_date=date(1949, 10, 10), snils=None)
    near = make_recipient(session, surname="Фомина", name="Лидия", patronymic="Карпова",
                          birth_date=date(1948, 11, 11), snils=None)
    session.commit()
    ticks = []
    counts = match_selection(session, selection, tick=lambda *tick: ticks.append(tick))
    session.commit()
    assert counts == {"snils": 1, "name_birth": 1, "snils_other_name": 0, "fuzzy_name": 1}
    assert ticks == [(1, 1), (2, 2), (3, 2), (4, 3)]
    assert _hits(session, selection) == {(2, known.id, "snils"),
                                         (3, newcomer.id, "name_birth"),
                                         (4, near.id, "fuzzy_name")}


def test_the_applicants_name_key_follows_the_name(session):
    applicant = make_applicant(session, surname="Петрова-Водкина", name="Мария",
                               patronymic="Ёрина", birth_date=date(1975, 3, 9), snils=None)
    session.commit()

    def key():
        return session.scalar(select(Applicant.name_key).where(Applicant.id == applicant.id))

    assert key() == "петроваводкинамарияерина"
    update_applicant(session, applicant, values={
        "surname": "Петрова Водкина", "name": "Мария", "patronymic": "Юрьевна",
        "birth_date": date(1975, 3, 9), "sex": "F", "snils": "",
        "id_doc_type": "passport_ru", "id_doc_series": "1804", "id_doc_number": "000001",
        "address": "г. Волгоград", "phone": "+7 900 000-00-00"}, today=date(2026, 11, 28))
    session.commit()
    assert key() == "петроваводкинамарияюрьевна"


def test_short_names_one_letter_apart_are_candidates_too(session, tmp_path):
    """Keys under twelve letters are not narrowed by their first / last six letters."""
    li = make_recipient(session, surname="Ли", name="Ян", patronymic=None,
                        birth_date=date(1990, 1, 2), snils=None)
    long_key = make_recipient(session, surname="Кузнецова", name="Мария",
                              patronymic="Олеговна", birth_date=date(1990, 1, 2), snils=None)
    session.commit()
    selection, _job = import_file(session, tmp_path, csv_bytes([
        _row("", "Ли", "Яна", "", "02.01.1990"),                    # line 2: «лияна», 5
        _row("", "Ли", "Ян", "", "02.01.1991"),                     # line 3: other date
        _row("", "Кузнецова", "Мария", "", "02.01.1990"),          # line 4: a word short
    ]))
    assert _hits(session, selection) == {(2, li.id, "fuzzy_name")}
    assert long_key.id not in {a for _l, a, _r in _hits(session, selection)}
