"""Keyboard layouts: text typed in ЙЦУКЕН read as QWERTY and back, and service-code matching.

A specialist types a surname, so the Russian layout is active when the next field wants a
Latin code: ``GAZ`` arrives as «ПФЯ», a surname typed in the Latin layout as ``Rbctktdf``.
Pure functions, no Flask; ``static/js/layout.js`` is the browser's twin of this module
(keep the two tables equal — a browser test compares them).
"""

from __future__ import annotations

__all__ = [
    "KEYS",
    "code_matches",
    "key_for",
    "latin_candidates",
    "to_cyrillic",
    "to_latin",
]

# Physical key (KeyboardEvent.code) -> (Latin, Latin with Shift, Russian, Russian with Shift)
# on a standard PC keyboard (US QWERTY and Russian ЙЦУКЕН).
KEYS: dict[str, tuple[str, str, str, str]] = {
    "Backquote": ("`", "~", "ё", "Ё"),
    "Digit1": ("1", "!", "1", "!"),
    "Digit2": ("2", "@", "2", '"'),
    "Digit3": ("3", "#", "3", "№"),
    "Digit4": ("4", "$", "4", ";"),
    "Digit5": ("5", "%", "5", "%"),
    "Digit6": ("6", "^", "6", ":"),
    "Digit7": ("7", "&", "7", "?"),
    "Digit8": ("8", "*", "8", "*"),
    "Digit9": ("9", "(", "9", "("),
    "Digit0": ("0", ")", "0", ")"),
    "Minus": ("-", "_", "-", "_"),
    "Equal": ("=", "+", "=", "+"),
    "KeyQ": ("q", "Q", "й", "Й"),
    "KeyW": ("w", "W", "ц", "Ц"),
    "KeyE": ("e", "E", "у", "У"),
    "KeyR": ("r", "R", "к", "К"),
    "KeyT": ("t", "T", "е", "Е"),
    "KeyY": ("y", "Y", "н", "Н"),
    "KeyU": ("u", "U", "г", "Г"),
    "KeyI": ("i", "I", "ш", "Ш"),
    "KeyO": ("o", "O", "щ", "Щ"),
    "KeyP": ("p", "P", "з", "З"),
    "BracketLeft": ("[", "{", "х", "Х"),
    "BracketRight": ("]", "}", "ъ", "Ъ"),
    "KeyA": ("a", "A", "ф", "Ф"),
    "KeyS": ("s", "S", "ы", "Ы"),
    "KeyD": ("d", "D", "в", "В"),
    "KeyF": ("f", "F", "а", "А"),
    "KeyG": ("g", "G", "п", "П"),
    "KeyH": ("h", "H", "р", "Р"),
    "KeyJ": ("j", "J", "о", "О"),
    "KeyK": ("k", "K", "л", "Л"),
    "KeyL": ("l", "L", "д", "Д"),
    "Semicolon": (";", ":", "ж", "Ж"),
    "Quote": ("'", '"', "э", "Э"),
    "KeyZ": ("z", "Z", "я", "Я"),
    "KeyX": ("x", "X", "ч", "Ч"),
    "KeyC": ("c", "C", "с", "С"),
    "KeyV": ("v", "V", "м", "М"),
    "KeyB": ("b", "B", "и", "И"),
    "KeyN": ("n", "N", "т", "Т"),
    "KeyM": ("m", "M", "ь", "Ь"),
    "Comma": (",", "<", "б", "Б"),
    "Period": (".", ">", "ю", "Ю"),
    "Slash": ("/", "?", ".", ","),
    "Backslash": ("\\", "|", "\\", "/"),
    "Space": (" ", " ", " ", " "),
}

# Only the keys that carry a Russian letter are translated: digits and punctuation mean
# the same thing in both layouts as far as a search is concerned.
_LETTER_KEYS = [k for k in KEYS.values() if k[2].isalpha()]
_TO_LATIN = str.maketrans(
    {ru: en for en, en_up, ru, ru_up in _LETTER_KEYS}
    | {ru_up: en_up for en, en_up, ru, ru_up in _LETTER_KEYS})
_TO_CYRILLIC = str.maketrans(
    {en: ru for en, en_up, ru, ru_up in _LETTER_KEYS}
    | {en_up: ru_up for en, en_up, ru, ru_up in _LETTER_KEYS})

# A Cyrillic letter may also stand for a Latin one by sound (е = E, с = S, п = P: «есп» is
# ESP) or by look (Р = P, С = C, Н = H). Only single letters: codes are short and Latin.
_SOUNDS = {
    "а": "a", "б": "b", "в": "vw", "г": "g", "д": "d", "е": "e", "ё": "e", "з": "z",
    "и": "i", "й": "jy", "к": "kcq", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "sc", "т": "t", "у": "u", "ф": "f", "х": "hx", "ц": "c", "ы": "y",
    "э": "e",
}
_LOOKS = {"а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
          "с": "c", "т": "t", "у": "y", "х": "x"}


def to_latin(text: str) -> str:
    """Read text typed in the Russian layout as the Latin keys pressed: «ПФЯ» -> "GAZ"."""
    return text.translate(_TO_LATIN)


def to_cyrillic(text: str) -> str:
    """Read text typed in the Latin layout as the Russian keys pressed: "Rbctktdf" -> «Киселева»."""
    return text.translate(_TO_CYRILLIC)


def latin_candidates(char: str) -> str:
    """Upper-case Latin letters a typed character may stand for (key, sound or look)."""
    low = char.lower()
    found = low if low.isascii() else to_latin(low) + _SOUNDS.get(low, "") + _LOOKS.get(low, "")
    return "".join(dict.fromkeys(c.upper() for c in found if c.isascii() and c.isalpha()))


def code_matches(typed: str, code: str) -> bool:
    """Whether ``typed`` begins ``code`` letter by letter, in either layout.

    "GAZ", «ПФЯ» (the same keys in ЙЦУКЕН), «газ», «есп», «ЕЫЗ» all begin the codes
    GAZ and ESP; an empty text begins nothing.
    """
    typed = typed.strip()
    if not typed or len(typed) > len(code):
        return False
    return all(c.upper() in latin_candidates(t) for t, c in zip(typed, code, strict=False))


def key_for(char: str, *, layout: str = "ru") -> tuple[str, bool]:
    """The physical key (KeyboardEvent.code) and Shift that type ``char`` in ``layout``."""
    column = 2 if layout == "ru" else 0
    for code, chars in KEYS.items():
        if chars[column] == char:
            return code, False
        if chars[column + 1] == char:
            return code, True
    raise KeyError(f"no key types {char!r} in the {layout} layout")
