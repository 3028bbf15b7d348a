"""Abandoned drafts (uploaded, never mapped and loaded) are cancelled with their files."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from onewindow.core import clock
from onewindow.selections import jobs
from onewindow.selections.models import Selection

from .helpers import fresh

NOW = datetime(2026, 12, 7, 10, 0)


@pytest.fixture
def drafts(session, tmp_path, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    made = {}
    for name, status, age in (("old", "draft", 8), ("young", "draft", 6),
                              ("loaded", "done", 30), ("failed", "failed", 30)):
        path = tmp_path / f"{name}.csv"
        path.write_bytes(b"x")
        selection = Selection(source="sfr", period="2026-11", filename=f"{name}.csv",
                              file_format="csv", sha256=name * 8, status=status,
                              stored_path=str(path), imported_at=NOW - timedelta(days=age))
        session.add(selection)
        session.flush()
        made[name] = (selection.id, path)
    session.commit()
    return made


def _state(session, made):
    fresh(session)
    return {name: (session.get(Selection, sid).status, path.exists())
            for name, (sid, path) in made.items()}


def test_cli_cancels_drafts_older_than_the_setting_and_deletes_their_files(app, session,
                                                                          drafts):
    app.config["SELECTIONS_DRAFT_DAYS"] = 7
    result = app.test_cli_runner().invoke(args=["selections-purge-drafts"])
    assert result.exit_code == 0, result.output
    assert "Черновиков селекций отменено: 1 (старше 7 дн.)" in result.output
    assert _state(session, drafts) == {"old": ("cancelled", False), "young": ("draft", True),
                                       "loaded": ("done", True), "failed": ("failed", True)}
    old = session.get(Selection, drafts["old"][0])
    assert old.stored_path is None and "удалён автоматически" in old.error
    # A shorter period given on the command line takes the young draft too.
    result = app.test_cli_runner().invoke(args=["selections-purge-drafts", "--days", "5"])
    assert "отменено: 1" in result.output
    assert _state(session, drafts)["young"] == ("cancelled", False)


def test_worker_pass_cancels_old_drafts(app, session, drafts):
    app.config["SELECTIONS_DRAFT_DAYS"] = 7
    lines = []
    jobs.work(app, once=True, log=lines.append)
    assert "1 draft selection(s) cancelled, files deleted" in lines
    assert _state(session, drafts)["old"] == ("cancelled", False)
    assert _state(session, drafts)["young"] == ("draft", True)


def test_zero_days_is_refused(app, session, drafts):
    result = app.test_cli_runner().invoke(args=["selections-purge-drafts", "--days", "0"])
    assert result.exit_code != 0 and "не меньше одного дня" in result.output
    assert fresh(session).scalar(select(Selection).where(
        Selection.status == "cancelled")) is None
