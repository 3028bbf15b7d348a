"""Tests for the keyboard-layout helper (ЙЦУКЕН <-> QWERTY, service codes in any layout)."""

import pytest

from onewindow.catalog.seed_data import SERVICES
from onewindow.core.layout import (
    KEYS,
    code_matches,
    key_for,
    latin_candidates,
    to_cyrillic,
    to_latin,
)

CODES = [s["code"] for s in SERVICES]


@pytest.mark.parametrize(("typed", "latin"), [
    ("ПФЯ", "GAZ"), ("пфя", "gaz"), ("ЕЫЗ", "TSP"), ("Ёлка", "~krf"), ("хъжэбю", "[];',."),
    ("1 2-3", "1 2-3"),  # digits, spaces and dashes are the same in both layouts
])
def test_to_latin_reads_the_keys_pressed(typed, latin):
    assert to_latin(typed) == latin


@pytest.mark.parametrize(("typed", "cyrillic"), [
    ("Rbctktdf", "Киселева"), ("GAZ", "ПФЯ"), ("cjrjkjdf-vbrbnjdf", "соколова-микитова"),
    ("[];',.`", "хъжэбюё"),
])
def test_to_cyrillic_reads_the_keys_pressed(typed, cyrillic):
    assert to_cyrillic(typed) == cyrillic


def test_round_trip_over_every_russian_letter():
    letters = "ёйцукенгшщзхъфывапролджэячсмитьбю"
    assert to_cyrillic(to_latin(letters)) == letters
    assert to_cyrillic(to_latin(letters.upper())) == letters.upper()
    assert len({to_latin(c) for c in letters}) == len(letters)


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("how", ["latin", "russian layout", "lower case"])
def test_every_service_code_typed_in_full_picks_only_itself(code, how):
    typed = {"latin": code, "russian layout": to_cyrillic(code),
             "lower case": to_cyrillic(code).lower()}[how]
    assert [c for c in CODES if code_matches(typed, c) and len(c) == len(code)] == [code]


@pytest.mark.parametrize(("typed", "code", "expected"), [
    ("ПФЯ", "GAZ", True), ("газ", "GAZ", True), ("ga", "GAZ", True), ("есп", "ESP", True),
    ("ЕЫЗ", "ESP", True), ("ESP", "ESP", True), ("ЕСП", "ESP", True), ("e", "EDV", True),
    ("ESPX", "ESP", False), ("", "ESP", False), ("   ", "ESP", False), ("EDV", "ESP", False),
    ("ПФЯ", "DONOR", False), ("1", "GAZ", False),
])
def test_code_matches_letter_by_letter(typed, code, expected):
    assert code_matches(typed, code) is expected


def test_latin_candidates_by_key_sound_and_look():
    assert latin_candidates("р") == "HRP"  # key H, sounds R, looks like P
    assert latin_candidates("g") == "G"
    assert latin_candidates("5") == ""


def test_key_for_gives_the_physical_key_and_shift():
    assert key_for("п") == ("KeyG", False)
    assert key_for("П") == ("KeyG", True)
    assert key_for("№") == ("Digit3", True)
    assert key_for(".") == ("Slash", False)
    assert key_for("g", layout="en") == ("KeyG", False)
    with pytest.raises(KeyError):
        key_for("ü")
    # Every key types a distinct character in each layout and shift state.
    for column in range(4):
        chars = [k[column] for code, k in KEYS.items() if code != "Space"]
        assert len(set(chars)) == len(chars)
