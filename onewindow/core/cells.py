"""Cells of incoming tables (CSV, XLSX, DBF) as the office writes them: text, dates, СНИЛС.

Shared by every upload that reads a spreadsheet kept by hand (selections, the archive
register): a date may be a real Excel date cell, ``дд.мм.гггг`` text or eight digits; a
СНИЛС may be ``112-233-445 95``, ``11223344595``, ``112 233 445 95`` or a number that lost
its leading zeros.
"""

from __future__ import annotations

from datetime import date, datetime

from .snils import is_valid_snils
from .text import parse_date_ru, plural_ru

__all__ = ["cell_text", "date_from_cell", "snils_from_cell"]

# Spaces and the dashes people paste from Word/PDF, dropped from a СНИЛС.
_SNILS_SEPARATORS = " -\u2010\u2011\u2012\u2013\u2014\u2212\t\u00a0"


def cell_text(value) -> str:
    """A cell as the text the specialist sees: dates as дд.мм.гггг, 12.0 as 12."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def date_from_cell(value) -> date | None:
    """The date of a cell, None when empty; ValueError (in Russian) when it is no date."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    if not text:
        return None
    if text.isdigit() and len(text) == 8:
        text = f"{text[:2]}.{text[2:4]}.{text[4:]}"
    try:
        # A date cell exported as text may carry a time: «04.03.1950 0:00:00».
        return parse_date_ru(text.split(" ")[0])
    except ValueError:
        raise ValueError(f"«{text}» — не дата (ожидается дд.мм.гггг)") from None


def snils_from_cell(value) -> str | None:
    """The 11 digits of a СНИЛС cell, None when empty; ValueError (in Russian) otherwise.

    A number cell of a spreadsheet drops the leading zeros of 001-234-567 89: they are put
    back when the checksum then agrees; a short number otherwise is reported as short
    («10 цифр вместо 11»), not as a wrong checksum.
    """
    if value in (None, ""):
        return None
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if numeric:
        digits = str(int(value))
    else:
        digits = "".join(ch for ch in str(value) if ch not in _SNILS_SEPARATORS)
    if not digits:
        return None
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError(f"СНИЛС «{cell_text(value)}» — не только цифры")
    if len(digits) < 11 and (numeric or len(digits) >= 9) and is_valid_snils(digits.zfill(11)):
        digits = digits.zfill(11)
    if len(digits) != 11:
        raise ValueError(f"СНИЛС «{cell_text(value)}» — {len(digits)} "
                         f"{plural_ru(len(digits), ('цифра', 'цифры', 'цифр'))} вместо 11")
    if not is_valid_snils(digits):
        raise ValueError(f"СНИЛС «{cell_text(value)}» — неверная контрольная сумма")
    return digits
