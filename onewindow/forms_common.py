"""Form pieces shared by several areas."""

from __future__ import annotations

from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation, ValidationError

from .core.text import format_date, parse_date_ru


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
