"""Slots that other areas fill (template hooks) arrive as markup, never escaped text."""

from __future__ import annotations

from ..archive.helpers import make_case_file
from ..conftest import login


def test_case_files_slot_on_the_applicant_card_is_markup(client, users, session):
    case_file = make_case_file(session)
    session.commit()
    login(client, users["specialist"])
    page = client.get(f"/applicants/{case_file.applicant_id}").get_data(as_text=True)
    assert '<section class="card applicant-case-files">' in page
    assert case_file.number in page and "&lt;section" not in page


def test_header_deadlines_slot_is_markup_for_its_roles_only(client, users, session):
    login(client, users["specialist"])
    page = client.get("/").get_data(as_text=True)
    assert 'class="nav-deadlines">Сроки' in page and "&lt;a" not in page
    client.post("/logout")
    login(client, users["admin"])  # admin sees everything, by the role rule
    assert 'class="nav-deadlines"' in client.get("/").get_data(as_text=True)
