"""Matching rules against recipients with active case files."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from onewindow.selections import services
from onewindow.selections.matching import match_selection
from onewindow.selections.models import SelectionHit

from .helpers import csv_bytes, import_file, make_recipient, snils


def _hits(session, selection):
    return {(h.applicant_id, h.rule): h for h in session.scalars(
        select(SelectionHit).where(SelectionHit.selection_id == selection.id))}


def test_exact_snils_is_confirmed(session, tmp_path):
    anna = make_recipient(session, surname="Иванова", name="Анна", snils=snils(1))
    session.commit()
    selection, job = import_file(session, tmp_path, csv_bytes(
        [[snils(1), "Иванова", "Анна", "Петровна", "01.05.1980", "умер", "", ""]]))
    assert job.status == "done" and selection.status == "done"
    hit = _hits(session, selection)[(anna.id, "snils")]
    assert hit.status == "confirmed" and hit.confidence == 100
    assert hit.rule_name == "СНИЛС совпал"


def test_name_and_birth_date_with_yo_and_double_surname(session, tmp_path):
    yolkina = make_recipient(session, surname="Ёлкина", name="Анна", patronymic="Петровна",
                             birth_date=date(1980, 5, 1), snils=None)
    vodkina = make_recipient(session, surname="Петрова-Водкина", name="Мария",
                             patronymic="Ивановна", birth_date=date(1975, 3, 9), snils=None)
    session.commit()
    selection, _job = import_file(session, tmp_path, csv_bytes([
        ["", "ЕЛКИНА", "анна", "петровна ", "01.05.1980", "умер", "", ""],
        ["", "Петрова Водкина", "Мария", "Ивановна", "09.03.1975", "переезд", "", ""],
        ["", "Петрова Водкина", "Мария", "Ивановна", "10.03.1975", "переезд", "", ""],
    ]))
    hits = _hits(session, selection)
    assert set(hits) == {(yolkina.id, "name_birth"), (vodkina.id, "name_birth")}
    assert all(h.status == "confirmed" and h.confidence == 90 for h in hits.values())


def test_one_letter_difference_is_a_candidate(session, tmp_path):
    anna = make_recipient(session, surname="Иванова", name="Анна", patronymic="Петровна",
                          birth_date=date(1980, 5, 1), snils=None)
    session.commit()
    selection, _job = import_file(session, tmp_path, csv_bytes([
        ["", "Иванова", "Ана", "Петровна", "01.05.1980", "умер", "", ""],      # one letter
        ["", "Иванова", "Анна", "Петровна", "01.05.1981", "умер", "", ""],     # other date
        ["", "Иванова", "Инна", "Павловна", "01.05.1980", "умер", "", ""],     # too far
    ]))
    hits = list(_hits(session, selection).values())
    assert [(h.applicant_id, h.rule, h.status) for h in hits] == [
        (anna.id, "fuzzy_name", "candidate")]
    assert hits[0].row.line_no == 2 and hits[0].confidence == 70


def test_same_snils_other_name_is_a_candidate(session, tmp_path):
    anna = make_recipient(session, surname="Иванова", name="Анна", snils=snils(5))
    session.commit()
    selection, _job = import_file(session, tmp_path, csv_bytes(
        [[snils(5), "Сидорова", "Анна", "Петровна", "01.05.1980", "умер", "", ""]]))
    hits = _hits(session, selection)
    assert list(hits) == [(anna.id, "snils_other_name")]
    assert hits[(anna.id, "snils_other_name")].status == "candidate"


def test_only_active_case_files_are_matched(session, tmp_path):
    make_recipient(session, active=False, surname="Закрытова", snils=snils(7))
    from tests.factories import make_applicant

    make_applicant(session, surname="Беделова", snils=snils(8))  # no case file at all
    session.commit()
    selection, _job = import_file(session, tmp_path, csv_bytes([
        [snils(7), "Закрытова", "Анна", "Петровна", "01.05.1980", "умер", "", ""],
        [snils(8), "Беделова", "Анна", "Петровна", "01.05.1980", "умер", "", ""]]))
    assert _hits(session, selection) == {}
    assert selection.rows_good == 2


def test_earlier_rule_wins_and_actions_follow_profile(session, tmp_path, users):
    anna = make_recipient(session, surname="Иванова", name="Анна", snils=snils(9),
                          birth_date=date(1980, 5, 1))
    profile = services.save_profile(session, source="sfr", name="СФР — умершие",
                                    mapping={}, user_id=None, now=datetime(2026, 11, 28))
    services.update_profile(session, profile, actions_text="Умер = Прекратить выплату",
                            default_action="Проверить", active=True)
    session.commit()
    from onewindow.selections.parsing import guess_mapping

    from .helpers import HEADER

    profile.mapping = guess_mapping(HEADER)
    session.commit()
    selection, _job = import_file(session, tmp_path, csv_bytes([
        [snils(9), "Иванова", "Анна", "Петровна", "01.05.1980", "умер", "", ""]]),
        profile=profile)
    hits = _hits(session, selection)
    assert list(hits) == [(anna.id, "snils")]  # not again by name + birth date
    assert hits[(anna.id, "snils")].action == "Прекратить выплату"
    # Re-matching keeps what people decided and does not duplicate hits.
    match_selection(session, selection)
    session.commit()
    assert len(_hits(session, selection)) == 1
