"""What the hall board says aloud: letters by name, numbers in words, no leading zeros."""

from __future__ import annotations

import pytest

from onewindow.core.speech import call_announcement, spoken_ticket


@pytest.mark.parametrize(("number", "spoken"), [
    ("А-015", "А пятнадцать"),
    ("А-001", "А один"),
    ("Б-002", "Бэ два"),
    ("В-101", "Вэ сто один"),
    ("Л-020", "Эль двадцать"),
    ("С-999", "Эс девятьсот девяносто девять"),
    ("Ж-1000", "Жэ одна тысяча"),
])
def test_spoken_ticket(number, spoken):
    assert spoken_ticket(number) == spoken


def test_call_announcement():
    assert call_announcement("А-015", 3) == "Талон А пятнадцать, окно три"
    assert call_announcement("Б-042", 12) == "Талон Бэ сорок два, окно двенадцать"
    assert call_announcement("В-007", 1) == "Талон Вэ семь, окно один"


def test_unexpected_number_is_read_as_is():
    assert spoken_ticket("без номера") == "без номера"
