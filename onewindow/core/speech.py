"""Texts the hall board speaks aloud: letters and numbers as a Russian voice should say them."""

from __future__ import annotations

import re

from .text import number_in_words

# How Russian speakers name the letters of ticket numbers («Бэ», not a bare «б»).
LETTER_NAMES = {
    "А": "А", "Б": "Бэ", "В": "Вэ", "Г": "Гэ", "Д": "Дэ", "Е": "Е", "Ж": "Жэ", "З": "Зэ",
    "И": "И", "К": "Ка", "Л": "Эль", "М": "Эм", "Н": "Эн", "О": "О", "П": "Пэ", "Р": "Эр",
    "С": "Эс", "Т": "Тэ", "У": "У", "Ф": "Эф", "Х": "Ха", "Ц": "Цэ", "Ч": "Че", "Ш": "Ша",
    "Э": "Э", "Ю": "Ю", "Я": "Я",
}

_NUMBER = re.compile(r"^\s*([^\W\d_]*)[\s-]*(\d+)\s*$")


def spoken_ticket(number: str) -> str:
    """«А-015» → «А пятнадцать»; «Б-101» → «Бэ сто один» (leading zeros are not read)."""
    match = _NUMBER.match(number or "")
    if match is None:
        return number
    letters, digits = match.groups()
    words = [LETTER_NAMES.get(ch, ch) for ch in letters.upper()]
    return " ".join([*words, number_in_words(int(digits))])


def call_announcement(number: str, desk_number: int) -> str:
    """What the board says on a call: «Талон А пятнадцать, окно три»."""
    return f"Талон {spoken_ticket(number)}, окно {number_in_words(int(desk_number))}"
