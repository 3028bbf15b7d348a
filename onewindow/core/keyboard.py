"""Codes typed by a keyboard-wedge scanner with either keyboard layout active.

A scanner sends key presses, not characters: with the Russian ЙЦУКЕН layout active, the
code ``ASP/11/00009`` arrives as «ФЫЗ.11.00009». The two tables below are the same keys of
a standard PC keyboard (unshifted, then shifted) in the US and the Russian layout, so a
scanned text can be read back as the keys pressed, in either layout.

A case number that the office wrote in Cyrillic (``ЕДВ-2015-00123``) cannot go into
Code128; its barcode carries the US keys that type it with the Russian layout active
(:func:`barcode_text`), so it arrives right with the Russian layout and is read back with
the US one.
"""

from __future__ import annotations

__all__ = ["as_latin_keys", "as_russian_keys", "barcode_text", "scan_variants"]

_US = ("`1234567890-=qwertyuiop[]\\asdfghjkl;'zxcvbnm,./"
       "~!@#$%^&*()_+QWERTYUIOP{}|ASDFGHJKL:\"ZXCVBNM<>?")
_RU = ("ё1234567890-=йцукенгшщзхъ\\фывапролджэячсмитьбю."
       "Ё!\"№;%:?*()_+ЙЦУКЕНГШЩЗХЪ/ФЫВАПРОЛДЖЭЯЧСМИТЬБЮ,")

_TO_LATIN = str.maketrans(_RU, _US)
_TO_RUSSIAN = str.maketrans(_US, _RU)


def as_latin_keys(text: str) -> str:
    """The text as the same keys give it in the US layout: «ФЫЗ.11» -> 'ASP/11'."""
    return text.translate(_TO_LATIN)


def as_russian_keys(text: str) -> str:
    """The text as the same keys give it in the Russian layout: 'TLD-1' -> «ЕДВ-1»."""
    return text.translate(_TO_RUSSIAN)


def scan_variants(code: str) -> list[str]:
    """What a scanned code may stand for, most likely first (no duplicates, no blanks).

    As typed; read back from the Russian layout (a Latin code scanned with it active);
    read as Russian (a Cyrillic number's barcode scanned with the US layout active); and
    each of those with Caps Lock on (the scanner's Shift then gives small letters).
    """
    code = (code or "").strip()
    readings = (code, as_latin_keys(code), as_russian_keys(code))
    result: list[str] = []
    for variant in (*readings, *(r.swapcase() for r in readings)):
        if variant and variant not in result:
            result.append(variant)
    return result


def barcode_text(number: str) -> str:
    """The ASCII text a Code128 barcode carries for a number; ValueError when there is none.

    A Latin number is its own barcode. A Cyrillic one is carried as the US keys that type
    it with the Russian layout active; it must then be typeable in that layout alone (no
    Latin letters mixed in), or a scan could not give it back.
    """
    if number.isascii():
        return number
    keys = as_latin_keys(number)
    if not keys.isascii() or as_russian_keys(keys) != number:
        raise ValueError(f"Номер «{number}» нельзя закодировать штрихкодом: в нём смешаны "
                         "русские и латинские буквы или есть знаки, которых нет на клавиатуре")
    return keys
