from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from ..core.tables import DELIMITERS, ENCODINGS
from ..forms_common import Required, choices, strip_filter
from .models import FIELDS, OUTCOMES, SOURCES


class UploadForm(FlaskForm):
    source = SelectField("Источник", choices=choices(SOURCES.items()), validators=[Required()])
    period = StringField("Период (мм.гггг)", filters=[strip_filter], validators=[Required()],
                         render_kw={"placeholder": "мм.гггг", "inputmode": "numeric"})
    file = FileField("Файл (.csv, .xlsx, .dbf)")
    encoding = SelectField("Кодировка", choices=choices(ENCODINGS.items()), default="auto")
    delimiter = SelectField("Разделитель CSV", choices=choices(DELIMITERS.items()),
                            default="auto")


class MappingForm(FlaskForm):
    """Which column of the file feeds which field; optionally saved as a profile."""

    snils = SelectField(FIELDS["snils"], default="", validate_choice=False)
    full_name = SelectField(FIELDS["full_name"], default="", validate_choice=False)
    surname = SelectField(FIELDS["surname"], default="", validate_choice=False)
    name = SelectField(FIELDS["name"], default="", validate_choice=False)
    patronymic = SelectField(FIELDS["patronymic"], default="", validate_choice=False)
    birth_date = SelectField(FIELDS["birth_date"], default="", validate_choice=False)
    event_type = SelectField(FIELDS["event_type"], default="", validate_choice=False)
    event_date = SelectField(FIELDS["event_date"], default="", validate_choice=False)
    encoding = SelectField("Кодировка", choices=choices(ENCODINGS.items()))
    delimiter = SelectField("Разделитель CSV", choices=choices(DELIMITERS.items()))
    profile_id = SelectField("Профиль", coerce=str, validate_choice=False)
    profile_name = StringField("Сохранить как профиль (название)", filters=[strip_filter],
                               validators=[Length(max=120)],
                               render_kw={"placeholder": "например, СФР — умершие"})
    accept_partial = BooleanField("Загрузить только строки без ошибок")
    confirm_duplicate = BooleanField("Этот файл уже загружался — загрузить повторно")

    def set_columns(self, header: list[str]) -> None:
        options = choices([("", "— нет —")] + [(h, h) for h in header])
        for name in FIELDS:
            getattr(self, name).choices = options

    def show_columns_once(self) -> None:
        """For the page: each list keeps «— нет —» and its chosen column only; the page
        lists the columns once and ``selections.js`` copies them into every list (200
        columns in every one of the fields made a page of 1.2 MB)."""
        for name in FIELDS:
            field = getattr(self, name)
            field.choices = [c for c in field.choices if c.value in ("", field.data)]

    def mapping(self) -> dict[str, str]:
        return {name: getattr(self, name).data for name in FIELDS if getattr(self, name).data}


class OutcomeForm(FlaskForm):
    outcome = SelectField("Результат", choices=choices(OUTCOMES.items()),
                          validators=[Required("Выберите результат")])
    comment = StringField("Комментарий", filters=[strip_filter],
                          validators=[Length(max=1000)])


class ProfileForm(FlaskForm):
    actions = TextAreaField("Действия по типам событий (строка: «тип события = действие»)",
                            render_kw={"rows": 6})
    default_action = StringField("Действие по умолчанию", filters=[strip_filter],
                                 validators=[Length(max=200)])
    active = BooleanField("Профиль используется")


class CancelForm(FlaskForm):
    reason = StringField("Причина отмены", filters=[strip_filter],
                         validators=[Required("Укажите причину отмены"), Length(max=500)])
