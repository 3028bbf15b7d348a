"""Refused selection actions: 422, the message next to its field, nothing of them kept."""

from __future__ import annotations

import os
import re

from sqlalchemy import func, select

from onewindow.selections.models import MappingProfile, Selection

from .helpers import csv_bytes, fresh, import_file
from .test_import import GOOD, _mapping_form, _upload


def _field_error(html: str, field_id: str) -> str | None:
    found = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">([^<]*)</p>', html)
    return found.group(1) if found else None


def test_refused_import_keeps_neither_the_new_profile_nor_the_settings(
        specialist_client, session, tmp_path):
    data = csv_bytes(GOOD)
    import_file(session, tmp_path, data)
    session.close()
    response = _upload(specialist_client, data)
    sid = int(response.headers["Location"].split("/")[-2])
    session.rollback()
    # A duplicate not confirmed: refused after the profile was saved and the settings set.
    response = specialist_client.post(f"/selections/{sid}/import", data=_mapping_form(
        profile_name="СФР — новый профиль", encoding="utf-8", delimiter=";"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'<p class="error">[^<]*загрузить повторно', html)
    selection = fresh(session).get(Selection, sid)
    assert (selection.status, selection.encoding, selection.delimiter) == ("draft", "auto",
                                                                           "auto")
    assert session.scalar(select(func.count(MappingProfile.id))) == 0


def test_cancel_refused_next_to_the_reason_keeps_the_draft_and_its_file(
        specialist_client, session):
    response = _upload(specialist_client, csv_bytes(GOOD))
    sid = int(response.headers["Location"].split("/")[-2])
    stored = fresh(session).get(Selection, sid).stored_path
    session.rollback()
    response = specialist_client.post(f"/selections/{sid}/cancel", data={"reason": "  "})
    assert response.status_code == 422
    assert _field_error(response.get_data(as_text=True), "reason") == "Укажите причину отмены"
    assert fresh(session).get(Selection, sid).status == "draft"
    assert os.path.exists(stored)
