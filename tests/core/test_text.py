"""Tests for Russian text helpers."""

from datetime import date, datetime

import pytest

from onewindow.core.text import (
    format_date,
    format_datetime,
    full_name,
    initials,
    normalize_person_key,
    normalize_search,
    number_in_words,
    parse_date_ru,
    plural_ru,
)

# -------------------------------------------------------------- normalization


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ёлкина  Анна-Мария", "елкина анна-мария"),
        ("  ЁЛКИНА\tАнна - Мария \n", "елкина анна-мария"),
        ("Петрова -Водкина", "петрова-водкина"),
        ("Петрова\u2013Водкина", "петрова-водкина"),  # en dash
        ("ИВАНОВ   иван\u00a0ИВАНОВИЧ", "иванов иван иванович"),
        ("Семён Фёдорович", "семен федорович"),
        ("", ""),
        ("   ", ""),
        (None, ""),
    ],
)
def test_normalize_search(raw, expected):
    assert normalize_search(raw) == expected


def test_normalize_search_idempotent():
    s = normalize_search("  Ёлкина  Анна - Мария ")
    assert normalize_search(s) == s


def test_normalize_person_key():
    keys = {
        normalize_person_key("Петрова-Водкина"),
        normalize_person_key("Петрова Водкина"),
        normalize_person_key("петроваводкина"),
        normalize_person_key(" ПЕТРОВА - водкина "),
    }
    assert keys == {"петроваводкина"}
    assert normalize_person_key("Ёлкина") == normalize_person_key("ЕЛКИНА") == "елкина"
    assert normalize_person_key(None) == ""


# ---------------------------------------------------------------------- names


def test_initials():
    assert initials("Иванов", "Иван", "Петрович") == "Иванов И. П."
    assert initials("Иванов", "иван", None) == "Иванов И."
    assert initials("Иванов", "Иван") == "Иванов И."
    assert initials(" Иванов ", " Иван ", " ") == "Иванов И."
    assert initials("Ёлкина", "Анна-Мария", "Олеговна") == "Ёлкина А.-М. О."
    assert initials("Иванов", "", "") == "Иванов"


def test_full_name():
    assert full_name("Иванов", "Иван", "Петрович") == "Иванов Иван Петрович"
    assert full_name("Иванов", "Иван", None) == "Иванов Иван"
    assert full_name(" Иванов ", "Иван", "") == "Иванов Иван"
    assert full_name("Петрова-Водкина", "Анна", "Сергеевна") == "Петрова-Водкина Анна Сергеевна"


# ---------------------------------------------------------------------- dates


def test_format_date():
    assert format_date(date(2027, 2, 5)) == "05.02.2027"
    assert format_date(datetime(2027, 2, 5, 13, 7)) == "05.02.2027"
    assert format_date(None) == ""


def test_format_datetime():
    assert format_datetime(datetime(2027, 2, 5, 9, 3)) == "05.02.2027 09:03"
    assert format_datetime(datetime(2026, 12, 31, 23, 59, 59)) == "31.12.2026 23:59"
    assert format_datetime(None) == ""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("05.02.2027", date(2027, 2, 5)),
        ("5.2.2027", date(2027, 2, 5)),
        (" 31.12.2026 ", date(2026, 12, 31)),
        ("2027-02-05", date(2027, 2, 5)),
        ("29.02.2028", date(2028, 2, 29)),
        # The key left of «.» on the Russian layout is the US «.» key, which gives «ю»
        # (and the US «,» key «б»): a date typed with the layout switched, or with a comma.
        ("05ю02ю2027", date(2027, 2, 5)),
        ("5Б2Б2027", date(2027, 2, 5)),
        ("05,02,2027", date(2027, 2, 5)),
    ],
)
def test_parse_date_ru(raw, expected):
    assert parse_date_ru(raw) == expected


@pytest.mark.parametrize("raw", ["", "2027/02/05", "05-02-2027", "05.02.27", "завтра", "2027-2-5"])
def test_parse_date_ru_bad_format(raw):
    with pytest.raises(ValueError, match="Неверный формат даты"):
        parse_date_ru(raw)


@pytest.mark.parametrize("raw", ["31.02.2027", "2027-13-01", "00.01.2027", "29.02.2027"])
def test_parse_date_ru_nonexistent(raw):
    with pytest.raises(ValueError, match="Несуществующая дата"):
        parse_date_ru(raw)


def test_parse_date_round_trip():
    d = date(2027, 2, 20)
    assert parse_date_ru(format_date(d)) == d


# ------------------------------------------------------------ numbers in words


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "ноль"),
        (1, "один"),
        (2, "два"),
        (10, "десять"),
        (11, "одиннадцать"),
        (12, "двенадцать"),
        (14, "четырнадцать"),
        (19, "девятнадцать"),
        (20, "двадцать"),
        (21, "двадцать один"),
        (40, "сорок"),
        (90, "девяносто"),
        (100, "сто"),
        (101, "сто один"),
        (111, "сто одиннадцать"),
        (112, "сто двенадцать"),
        (200, "двести"),
        (999, "девятьсот девяносто девять"),
        (1000, "одна тысяча"),
        (1200, "одна тысяча двести"),
        (2000, "две тысячи"),
        (4000, "четыре тысячи"),
        (5000, "пять тысяч"),
        (11000, "одиннадцать тысяч"),
        (12000, "двенадцать тысяч"),
        (21000, "двадцать одна тысяча"),
        (22000, "двадцать две тысячи"),
        (111111, "сто одиннадцать тысяч сто одиннадцать"),
        (1000000, "один миллион"),
        (2000000, "два миллиона"),
        (5000000, "пять миллионов"),
        (21001001, "двадцать один миллион одна тысяча один"),
        (
            999999999,
            "девятьсот девяносто девять миллионов девятьсот девяносто девять тысяч "
            "девятьсот девяносто девять",
        ),
    ],
)
def test_number_in_words_masculine(n, expected):
    assert number_in_words(n) == expected


@pytest.mark.parametrize(
    ("n", "gender", "expected"),
    [
        (1, "f", "одна"),
        (2, "f", "две"),
        (21, "f", "двадцать одна"),
        (22, "f", "двадцать две"),
        (1, "n", "одно"),
        (2, "n", "два"),
        (21, "n", "двадцать одно"),
        (12, "f", "двенадцать"),
        (101, "f", "сто одна"),
        (2002, "f", "две тысячи две"),
        (2002, "m", "две тысячи два"),
        (1001, "n", "одна тысяча одно"),
        (1000000, "f", "один миллион"),
        (0, "f", "ноль"),
    ],
)
def test_number_in_words_gender(n, gender, expected):
    assert number_in_words(n, gender=gender) == expected


def test_number_in_words_errors():
    with pytest.raises(ValueError):
        number_in_words(-1)
    with pytest.raises(ValueError):
        number_in_words(1_000_000_000)
    with pytest.raises(ValueError):
        number_in_words(5, gender="x")
    with pytest.raises(TypeError):
        number_in_words(1.5)  # type: ignore[arg-type]


FORMS = ("дело", "дела", "дел")


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "дел"),
        (1, "дело"),
        (2, "дела"),
        (4, "дела"),
        (5, "дел"),
        (11, "дел"),
        (12, "дел"),
        (14, "дел"),
        (21, "дело"),
        (22, "дела"),
        (25, "дел"),
        (101, "дело"),
        (111, "дел"),
        (112, "дел"),
        (1000, "дел"),
        (2001, "дело"),
        (-3, "дела"),
    ],
)
def test_plural_ru(n, expected):
    assert plural_ru(n, FORMS) == expected
