"""Russian text helpers: search normalization, names, dates, numbers in words."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime

__all__ = [
    "clean_text",
    "format_date",
    "format_datetime",
    "full_name",
    "initials",
    "normalize_person_key",
    "normalize_search",
    "number_in_words",
    "parse_date_ru",
    "plural_ru",
]

# ---------------------------------------------------------------- search keys

# Unicode dashes/hyphens that users paste from Word/PDF are treated as "-".
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"})
_WS_RE = re.compile(r"\s+")
_HYPHEN_RE = re.compile(r"\s*-\s*")


def clean_text(s: str | None) -> str:
    """Typed or pasted text as stored: NFC, without invisible format characters.

    Zero-width spaces and joiners, bidirectional controls (an RTL override prints a name
    backwards), soft hyphens and BOMs (Unicode category Cf) are dropped, so that a name
    compares, searches and prints as it reads.
    """
    if not s:
        return ""
    s = unicodedata.normalize("NFC", s)
    return "".join(ch for ch in s if unicodedata.category(ch) != "Cf")


def normalize_search(s: str | None) -> str:
    """Normalized form for an indexed search column.

    clean_text, casefold, ё -> е, Unicode dashes -> "-", whitespace around hyphens removed,
    whitespace runs collapsed to one space, stripped.
    "Ёлкина  Анна - Мария" -> "елкина анна-мария".
    """
    s = clean_text(s)
    if not s:
        return ""
    s = s.casefold().replace("ё", "е").translate(_DASHES)
    s = _WS_RE.sub(" ", s).strip()
    return _HYPHEN_RE.sub("-", s)


def normalize_person_key(s: str | None) -> str:
    """Key for matching names across files: normalize_search without hyphens/spaces.

    "Петрова-Водкина", "Петрова Водкина" and "петроваводкина" give the same key.
    Apply it to a single name part (surname, name, patronymic) or to a whole
    name; in both cases all spaces and hyphens are dropped.
    """
    return normalize_search(s).replace("-", "").replace(" ", "")


# ---------------------------------------------------------------------- names


def _clean(part: str | None) -> str:
    return _WS_RE.sub(" ", part).strip() if part else ""


def _initial(part: str) -> str:
    """'Иван' -> 'И.', 'Анна-Мария' -> 'А.-М.'."""
    pieces = [p for p in part.split("-") if p]
    return "-".join(p[0].upper() + "." for p in pieces)


def initials(surname: str, name: str | None, patronymic: str | None = None) -> str:
    """'Иванов', 'Иван', 'Петрович' -> 'Иванов И. П.' (missing parts are skipped)."""
    parts = [_clean(surname)]
    for extra in (name, patronymic):
        cleaned = _clean(extra)
        if cleaned:
            parts.append(_initial(cleaned))
    return " ".join(p for p in parts if p)


def full_name(surname: str, name: str | None, patronymic: str | None = None) -> str:
    """Join non-empty name parts with single spaces."""
    return " ".join(p for p in (_clean(surname), _clean(name), _clean(patronymic)) if p)


# ---------------------------------------------------------------------- dates

# Besides «.», what the same keys type in the office: «,» and, with the Russian layout
# active, «ю» and «б» (the US «.» and «,» keys) — dd.mm.gggg typed without switching.
_RU_DATE_RE = re.compile(r"(\d{1,2})[.,юбЮБ](\d{1,2})[.,юбЮБ](\d{4})")
_ISO_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def format_date(d: date | None) -> str:
    """date -> 'дд.мм.гггг'; None -> ''."""
    if d is None:
        return ""
    return f"{d.day:02d}.{d.month:02d}.{d.year:04d}"


def format_datetime(dt: datetime | None) -> str:
    """datetime -> 'дд.мм.гггг чч:мм'; None -> ''."""
    if dt is None:
        return ""
    return f"{format_date(dt)} {dt.hour:02d}:{dt.minute:02d}"


# Dates typed in the office fall in these years; others are typos (9999, 0001) that the
# reports and the databases cannot take (a period running past year 9999 overflows).
YEAR_MIN, YEAR_MAX = 1900, 2100


def parse_date_ru(s: str) -> date:
    """Parse 'дд.мм.гггг' (day/month may be one digit; «,», «ю», «б» also separate) or ISO
    'гггг-мм-дд', years 1900–2100."""
    text = (s or "").strip()
    m = _RU_DATE_RE.fullmatch(text)
    if m:
        day, month, year = (int(g) for g in m.groups())
    else:
        m = _ISO_DATE_RE.fullmatch(text)
        if not m:
            raise ValueError(f"Неверный формат даты «{text}»: ожидается дд.мм.гггг")
        year, month, day = (int(g) for g in m.groups())
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ValueError(f"Год {year} вне допустимого диапазона {YEAR_MIN}–{YEAR_MAX}")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"Несуществующая дата «{text}»") from None


# ------------------------------------------------------------ integers

# The largest integer either database stores (PostgreSQL's BIGINT, SQLite's INTEGER).
INT64_MAX = 2**63 - 1


def int64(value) -> int:
    """``int(value)``, refused (ValueError) beyond 64 bits: SQLite cannot bind such a number
    and PostgreSQL compares it with a BIGINT column only by casting."""
    number = int(value)
    if not -INT64_MAX - 1 <= number <= INT64_MAX:
        raise ValueError(f"{value!r} is out of the 64-bit range")
    return number


# ------------------------------------------------------------ numbers in words

_UNITS_M = ("", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять")
_UNITS_GENDER = {
    "m": ("один", "два"),
    "f": ("одна", "две"),
    "n": ("одно", "два"),
}
_TEENS = (
    "десять",
    "одиннадцать",
    "двенадцать",
    "тринадцать",
    "четырнадцать",
    "пятнадцать",
    "шестнадцать",
    "семнадцать",
    "восемнадцать",
    "девятнадцать",
)
_TENS = (
    "",
    "",
    "двадцать",
    "тридцать",
    "сорок",
    "пятьдесят",
    "шестьдесят",
    "семьдесят",
    "восемьдесят",
    "девяносто",
)
_HUNDREDS = (
    "",
    "сто",
    "двести",
    "триста",
    "четыреста",
    "пятьсот",
    "шестьсот",
    "семьсот",
    "восемьсот",
    "девятьсот",
)
_THOUSAND_FORMS = ("тысяча", "тысячи", "тысяч")
_MILLION_FORMS = ("миллион", "миллиона", "миллионов")


def plural_ru(n: int, forms: Sequence[str]) -> str:
    """Pick the Russian plural form: forms = ("дело", "дела", "дел")."""
    one, few, many = forms
    n = abs(int(n))
    if 11 <= n % 100 <= 14:
        return many
    last = n % 10
    if last == 1:
        return one
    if 2 <= last <= 4:
        return few
    return many


def _triad_words(n: int, gender: str) -> list[str]:
    """Words for 1..999 with the given grammatical gender of 1 and 2."""
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words.append(_HUNDREDS[hundreds])
    if 10 <= rest <= 19:
        words.append(_TEENS[rest - 10])
        return words
    tens, units = divmod(rest, 10)
    if tens:
        words.append(_TENS[tens])
    if units:
        if units <= 2:
            words.append(_UNITS_GENDER[gender][units - 1])
        else:
            words.append(_UNITS_M[units])
    return words


def number_in_words(n: int, gender: str = "m") -> str:
    """Russian cardinal number in words for 0..999 999 999.

    ``gender`` ("m", "f", "n") applies to the last group (один/одна/одно,
    два/две/два); thousands are always feminine, millions masculine:
    1200 -> "одна тысяча двести", 21 (n) -> "двадцать одно".
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError("n must be int")
    if gender not in _UNITS_GENDER:
        raise ValueError("gender must be 'm', 'f' or 'n'")
    if not 0 <= n <= 999_999_999:
        raise ValueError("n must be in 0..999999999")
    if n == 0:
        return "ноль"
    millions, rest = divmod(n, 1_000_000)
    thousands, units = divmod(rest, 1000)
    words: list[str] = []
    if millions:
        words += _triad_words(millions, "m")
        words.append(plural_ru(millions, _MILLION_FORMS))
    if thousands:
        words += _triad_words(thousands, "f")
        words.append(plural_ru(thousands, _THOUSAND_FORMS))
    if units:
        words += _triad_words(units, gender)
    return " ".join(words)
