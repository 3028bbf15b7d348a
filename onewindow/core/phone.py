"""Telephone numbers as the office writes them: ``+7 (XXX) XXX-XX-XX``.

Whatever the specialist types (``8 917 123-45-67``, ``+79171234567``, ``(8442) 12-34-56``
with the city code) is read by Google's libphonenumber rules for Russia and refused when
no Russian number can be that (``12``, a missing digit, an unassigned code).
"""

from __future__ import annotations

import phonenumbers

__all__ = ["MSG_PHONE", "normalize_phone"]

MSG_PHONE = ("Неверный номер телефона: нужен российский номер из 10 цифр после +7 или 8, "
             "например +7 (917) 123-45-67")


def normalize_phone(raw: str) -> str:
    """The number as ``+7 (917) 123-45-67``; ValueError (with MSG_PHONE) when impossible."""
    text = (raw or "").strip()
    if not text or not any(ch.isdigit() for ch in text):
        raise ValueError(MSG_PHONE)
    try:
        number = phonenumbers.parse(text, "RU")
    except phonenumbers.NumberParseException:
        raise ValueError(MSG_PHONE) from None
    digits = str(number.national_number)
    if (number.country_code != 7 or len(digits) != 10
            or not phonenumbers.is_valid_number(number)):
        raise ValueError(MSG_PHONE)
    return f"+7 ({digits[:3]}) {digits[3:6]}-{digits[6:8]}-{digits[8:]}"
