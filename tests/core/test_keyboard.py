"""Codes typed by a scanner with either keyboard layout active."""

import pytest

from onewindow.core.keyboard import (
    as_latin_keys,
    as_russian_keys,
    barcode_text,
    scan_variants,
)


def test_a_latin_code_typed_with_the_russian_layout_reads_back():
    assert as_russian_keys("ASP/11/00009") == "ФЫЗ.11.00009"
    assert scan_variants("ФЫЗ.11.00009")[:2] == ["ФЫЗ.11.00009", "ASP/11/00009"]
    assert "BOX000012" in scan_variants("ИЩЧ000012")


@pytest.mark.parametrize("number", ["ЕДВ-2015-00123", "Л-345/2019", "Ё-1", "№ 5 ЖКУ",
                                    "12/2019", "ESP/26/00001"])
def test_a_number_survives_its_barcode_in_both_layouts(number):
    code = barcode_text(number)
    assert code.isascii()
    # The scanner types the barcode's keys; the active layout decides the characters.
    assert number in scan_variants(code)
    assert number in scan_variants(as_russian_keys(code))


def test_cyrillic_number_is_carried_as_keys():
    assert barcode_text("ЕДВ-2015-00123") == "TLD-2015-00123"
    assert barcode_text("Л-345/2019") == "K-345|2019"
    assert as_latin_keys("Л-345/2019") == "K-345|2019"


@pytest.mark.parametrize("number", ["ЕДВ-A1", "Дело «5»"])
def test_numbers_a_scan_could_not_give_back_are_refused(number):
    with pytest.raises(ValueError, match="нельзя закодировать"):
        barcode_text(number)


def test_a_code_scanned_with_caps_lock_on_is_read_back():
    """Caps Lock on: the scanner's Shift gives small letters, in either layout."""
    from onewindow.core.keyboard import scan_variants

    assert "ASP/26/00001" in scan_variants("фыз.26.00001")
    assert "ASP/26/00001" in scan_variants("asp/26/00001")
    assert "ЕДВ-2015-00123" in scan_variants("едв-2015-00123")
