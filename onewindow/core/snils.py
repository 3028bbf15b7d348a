"""СНИЛС (insurance number of an individual personal account) helpers.

Checksum algorithm (Пенсионный фонд РФ): digits 1..9 are multiplied by weights
9..1 and summed. sum < 100 -> control = sum; sum == 100 or 101 -> 00;
sum > 101 -> sum % 101, and a remainder of 100 gives 00. The check applies only
to numbers whose first nine digits are greater than 001-001-998.
"""

from __future__ import annotations

__all__ = [
    "CHECK_THRESHOLD",
    "format_snils",
    "is_valid_snils",
    "make_snils",
    "mask_digits",
    "mask_snils",
    "normalize_snils",
    "snils_checksum",
    "validate_snils",
]

# Numbers with the first nine digits <= this value were issued before the
# checksum was introduced: any control number is accepted for them.
CHECK_THRESHOLD = 1001998

MSG_LENGTH = "СНИЛС должен содержать 11 цифр"
MSG_CHECKSUM = "Неверная контрольная сумма СНИЛС"

# Hyphen-minus plus the Unicode dashes people paste from Word/PDF.
_SEPARATORS = str.maketrans("", "", "-\u2010\u2011\u2012\u2013\u2014\u2212")


def _is_ascii_digits(s: str) -> bool:
    return s.isascii() and s.isdigit()


def normalize_snils(raw: str) -> str:
    """Strip whitespace and dashes; return exactly 11 digits or raise ValueError."""
    if raw is None:
        raise ValueError(MSG_LENGTH)
    digits = "".join(str(raw).split()).translate(_SEPARATORS)
    if len(digits) != 11 or not _is_ascii_digits(digits):
        raise ValueError(MSG_LENGTH)
    return digits


def snils_checksum(first9: str) -> int:
    """Control number (0..99) for the first nine digits."""
    if len(first9) != 9 or not _is_ascii_digits(first9):
        raise ValueError("Для расчёта контрольной суммы нужны 9 цифр СНИЛС")
    total = sum(int(ch) * weight for ch, weight in zip(first9, range(9, 0, -1), strict=True))
    if total < 100:
        return total
    if total in (100, 101):
        return 0
    rem = total % 101
    return 0 if rem == 100 else rem


def is_valid_snils(digits11: str) -> bool:
    """True for a well-formed 11-digit string with a correct control number."""
    if not isinstance(digits11, str) or len(digits11) != 11 or not _is_ascii_digits(digits11):
        return False
    first9, control = digits11[:9], int(digits11[9:])
    if int(first9) <= CHECK_THRESHOLD:
        return True
    return snils_checksum(first9) == control


def validate_snils(raw: str) -> str:
    """Normalize and validate user input; return the 11 digits or raise ValueError."""
    digits = normalize_snils(raw)
    if not is_valid_snils(digits):
        raise ValueError(MSG_CHECKSUM)
    return digits


def format_snils(digits11: str) -> str:
    """'11223344595' -> '112-233-445 95' (input may be in any accepted form)."""
    d = normalize_snils(digits11)
    return f"{d[0:3]}-{d[3:6]}-{d[6:9]} {d[9:11]}"


def mask_snils(digits11: str) -> str:
    """'11223344595' -> '***-***-*45 95': only the 8th-9th digits and the control shown."""
    d = normalize_snils(digits11)
    return f"***-***-*{d[7:9]} {d[9:11]}"


def mask_digits(text: str, *, keep: int = 3) -> str:
    """Hide every digit of ``text`` but the last ``keep`` ('4510 123456' -> '**** ***456')."""
    total = sum(ch.isdigit() for ch in text)
    seen, out = 0, []
    for ch in text:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen > total - keep else "*")
        else:
            out.append(ch)
    return "".join(out)


def make_snils(first9: str | int) -> str:
    """Build a valid 11-digit СНИЛС from its first nine digits (demo data)."""
    if isinstance(first9, bool):
        raise TypeError("first9 must be str or int")
    if isinstance(first9, int):
        if not 0 <= first9 <= 999_999_999:
            raise ValueError("first9 must be in 0..999999999")
        first9 = f"{first9:09d}"
    return f"{first9}{snils_checksum(first9):02d}"
