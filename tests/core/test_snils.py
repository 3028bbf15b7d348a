"""Tests for СНИЛС normalization, checksum, formatting and generation."""

import random

import pytest

from onewindow.core.snils import (
    format_snils,
    is_valid_snils,
    make_snils,
    mask_snils,
    normalize_snils,
    snils_checksum,
    validate_snils,
)


def weighted_sum(first9: str) -> int:
    return sum(int(c) * w for c, w in zip(first9, range(9, 0, -1), strict=True))


def find_first9(target_sum: int) -> str:
    """Deterministically find nine digits (> 001001998) with the given weighted sum."""
    rng = random.Random(target_sum)
    for _ in range(2_000_000):
        s = f"{rng.randrange(1_001_999, 1_000_000_000):09d}"
        if weighted_sum(s) == target_sum:
            return s
    raise AssertionError(f"no number with weighted sum {target_sum}")


@pytest.mark.parametrize(
    "raw", ["112-233-445 95", "11223344595", " 112 233 445 95 ", "112-233-445-95"]
)
def test_known_valid_number_all_forms(raw):
    assert normalize_snils(raw) == "11223344595"
    assert validate_snils(raw) == "11223344595"
    assert is_valid_snils("11223344595")


def test_checksum_of_example():
    # 1*9 + 1*8 + 2*7 + 2*6 + 3*5 + 3*4 + 4*3 + 4*2 + 5*1 = 95
    assert snils_checksum("112233445") == 95


@pytest.mark.parametrize("raw", ["112-233-445 96", "11223344500", "11223344594"])
def test_wrong_control_number(raw):
    assert not is_valid_snils(normalize_snils(raw))
    with pytest.raises(ValueError, match="Неверная контрольная сумма СНИЛС"):
        validate_snils(raw)


@pytest.mark.parametrize("raw", ["", "1122334459", "112233445951", "112-233-445 9a", "СНИЛС", None])
def test_wrong_length_or_characters(raw):
    with pytest.raises(ValueError, match="СНИЛС должен содержать 11 цифр"):
        normalize_snils(raw)
    with pytest.raises(ValueError, match="СНИЛС должен содержать 11 цифр"):
        validate_snils(raw)


def test_non_ascii_digits_rejected():
    with pytest.raises(ValueError):
        normalize_snils("١١٢٢٣٣٤٤٥٩٥")  # Arabic-Indic digits
    assert not is_valid_snils("１１２２３３４４５９５")  # fullwidth digits


def test_unicode_dash_and_nbsp_accepted():
    assert normalize_snils("112\u2013233\u2013445\u00a095") == "11223344595"


@pytest.mark.parametrize(
    ("first9", "expected_sum", "control"),
    [
        ("001508815", 100, 0),  # sum 100 -> 00
        ("001437544", 101, 0),  # sum 101 -> 00
        ("001318759", 102, 1),  # 102 % 101 = 1
        ("002569961", 150, 49),  # 150 % 101 = 49
        ("006996682", 201, 0),  # 201 % 101 = 100 -> 00
        ("999999997", 403, 0),  # 403 % 101 = 100 -> 00
        ("999999999", 405, 1),  # 405 % 101 = 1
    ],
)
def test_checksum_edge_cases_concrete(first9, expected_sum, control):
    assert weighted_sum(first9) == expected_sum
    assert snils_checksum(first9) == control
    assert is_valid_snils(f"{first9}{control:02d}")
    assert validate_snils(f"{first9}{control:02d}") == f"{first9}{control:02d}"


@pytest.mark.parametrize("target", [100, 101])
def test_sum_100_and_101_give_00(target):
    first9 = find_first9(target)
    assert snils_checksum(first9) == 0
    assert is_valid_snils(first9 + "00")
    # Naive truncations of "100"/"101" are wrong.
    assert not is_valid_snils(first9 + "10")
    assert not is_valid_snils(first9 + "01")


@pytest.mark.parametrize("target", [102, 150, 199, 250, 302, 350])
def test_sum_over_101_is_mod_101(target):
    first9 = find_first9(target)
    expected = target % 101
    expected = 0 if expected == 100 else expected
    assert snils_checksum(first9) == expected
    assert is_valid_snils(f"{first9}{expected:02d}")


def test_sum_below_100_is_sum():
    assert snils_checksum("001001999") == 1 * 7 + 1 * 4 + 9 * 3 + 9 * 2 + 9 * 1
    assert snils_checksum("100000000") == 9


@pytest.mark.parametrize("first9", ["000000000", "001001001", "001001998"])
def test_old_numbers_accept_any_control(first9):
    for control in ("00", "13", "99"):
        assert is_valid_snils(first9 + control)
        assert validate_snils(first9 + control) == first9 + control


def test_threshold_boundary():
    # 001-001-999 is the first number that is checked.
    good = f"001001999{snils_checksum('001001999'):02d}"
    assert is_valid_snils(good)
    bad = "001001999" + ("00" if good[9:] != "00" else "01")
    assert not is_valid_snils(bad)


def test_format_and_mask():
    assert format_snils("11223344595") == "112-233-445 95"
    assert format_snils(" 112 233 445 95 ") == "112-233-445 95"
    assert mask_snils("11223344595") == "***-***-*45 95"
    assert mask_snils("112-233-445 95") == "***-***-*45 95"
    with pytest.raises(ValueError):
        format_snils("123")


def test_is_valid_rejects_garbage():
    assert not is_valid_snils("112-233-445 95")  # expects bare digits
    assert not is_valid_snils("1122334459")
    assert not is_valid_snils(11223344595)  # type: ignore[arg-type]


def test_make_snils_examples():
    assert make_snils("112233445") == "11223344595"
    assert make_snils(112233445) == "11223344595"
    assert make_snils(0) == "00000000000"
    assert make_snils(999999999) == "99999999901"
    with pytest.raises(ValueError):
        make_snils(1_000_000_000)
    with pytest.raises(ValueError):
        make_snils("12345")


def test_make_snils_round_trip_random():
    rng = random.Random(20240601)
    for _ in range(5000):
        n = rng.randrange(0, 1_000_000_000)
        s = make_snils(n)
        assert len(s) == 11 and s.isdigit()
        assert s[:9] == f"{n:09d}"
        assert is_valid_snils(s)
        assert validate_snils(format_snils(s)) == s
