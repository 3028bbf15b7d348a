"""Form pieces shared by several areas."""

from __future__ import annotations

import re

from wtforms import IntegerField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation, ValidationError

from .core.text import INT64_MAX, format_date, parse_date_ru

_WHOLE = re.compile(r"-?[0-9]{1,18}")  # ASCII digits ("²".isdigit() is true), 64 bits


class RuDateField(StringField):
    """A date typed as дд.мм.гггг (ISO гггг-мм-дд is accepted too)."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {}).setdefault("placeholder", "дд.мм.гггг")
        kwargs["render_kw"].setdefault("inputmode", "numeric")
        super().__init__(label, validators, **kwargs)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return format_date(self.data) if self.data else ""

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not (valuelist[0] or "").strip():
            return
        raw = valuelist[0].strip()
        if raw.isdigit() and len(raw) == 8:  # 01051980 typed without dots
            raw = f"{raw[:2]}.{raw[2:4]}.{raw[4:]}"
        try:
            self.data = parse_date_ru(raw)
        except ValueError as exc:
            self.data = None
            raise ValueError(str(exc)) from exc


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value


class Required:
    """DataRequired with a Russian message that also fails on a failed date parse."""

    def __init__(self, message: str = "Обязательное поле"):
        self.message = message
        self.field_flags = {"required": True}

    def __call__(self, form, field):
        if field.data is None or (isinstance(field.data, str) and not field.data.strip()):
            if field.process_errors:
                raise StopValidation()  # the parse error is already shown
            raise ValidationError(self.message)


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class IntField(IntegerField):
    """A whole number (64-bit at most) with a Russian message when it is not one.

    WTForms' IntegerField takes any size and Unicode digits: 2**63 reached the database
    (SQLite cannot bind it) and «²» raised in ``int()``.
    """

    def process_formdata(self, valuelist):
        self.data = None
        raw = ((valuelist[0] if valuelist else "") or "").strip()
        if not raw:
            return
        if not _WHOLE.fullmatch(raw):
            raise ValueError("Введите целое число")
        self.data = int(raw)


def parse_id(raw) -> int | None:
    """An id sent by a page (hidden field, query string): a positive 64-bit number, or None
    for anything else (letters, «²», 2**63, 5,000 digits)."""
    text = raw.strip() if isinstance(raw, str) else str(raw or "")
    if not (text.isascii() and text.isdigit() and len(text) <= 19):
        return None
    number = int(text)
    return number if 0 < number <= INT64_MAX else None
