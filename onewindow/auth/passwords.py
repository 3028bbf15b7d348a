"""The password policy: length, common passwords, runs, and never the demo password.

No composition rules (NIST SP 800-63B): a long phrase is good, a common or patterned
one is not. The blocklist ships with the application (``common_passwords.txt``).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from ..core.keyboard import as_latin_keys
from ..errors import InvalidInput

MIN_PASSWORD_LENGTH = 10
# The password published in the README for the demo data (onewindow.demo): never anywhere else.
DEMO_PASSWORD = "demo-odno-okno"
BLOCKLIST = Path(__file__).with_name("common_passwords.txt")
RUN = 4  # this many repeated or consecutive characters make a pattern, not a password
_EDGES = re.compile(r"^[\d\W_]+|[\d\W_]+$")


@cache
def common_passwords() -> frozenset[str]:
    """The shipped blocklist, lower-case."""
    lines = BLOCKLIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines
                     if line.strip() and not line.startswith("#"))


def _has_run(text: str) -> bool:
    """Four equal characters (``aaaa``) or four consecutive ones (``1234``, ``dcba``)."""
    same = up = down = 1
    for before, ch in zip(text, text[1:], strict=False):
        same = same + 1 if ch == before else 1
        up = up + 1 if ord(ch) == ord(before) + 1 else 1
        down = down + 1 if ord(ch) == ord(before) - 1 else 1
        if max(same, up, down) >= RUN:
            return True
    return False


def _repeats_a_unit(text: str) -> bool:
    """One short piece said again and again: ``abcabcabcabc``, ``12121212``."""
    return bool(re.fullmatch(r"(.{1,5})\1+", text))


def _is_common(lowered: str) -> bool:
    common = common_passwords()
    candidates = {lowered, as_latin_keys(lowered)}  # typed in the Russian layout: «йцукен»
    candidates |= {_EDGES.sub("", c) for c in candidates}  # «Password2026!» is «password»
    return any(c in common for c in candidates if c)


def check_password_policy(password: str, *, username: str = "", demo: bool = False) -> None:
    """Raise InvalidInput (field ``password``) saying why a new password is refused."""
    def refuse(message: str):
        raise InvalidInput(message, field="password")

    if len(password) < MIN_PASSWORD_LENGTH:
        refuse(f"Пароль должен содержать не менее {MIN_PASSWORD_LENGTH} символов")
    lowered = password.casefold()
    if lowered == DEMO_PASSWORD and not demo:
        refuse("Это пароль демонстрационных данных, он опубликован — выберите другой")
    if _is_common(lowered):
        refuse("Пароль слишком простой: он в списке самых распространённых — выберите другой")
    if username and username.casefold() in lowered:
        refuse("Пароль не должен содержать имя пользователя")
    if _has_run(lowered) or _repeats_a_unit(lowered):
        refuse("В пароле не должно быть повторов и последовательностей вроде «aaaa», «1234» "
               "или «abcabc» — выберите фразу, которую трудно угадать")
