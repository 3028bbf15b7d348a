from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional

from ..forms_common import IntField, Required, RuDateField, choices, strip_filter
from .models import CLOSE_REASONS


class OpenCaseForm(FlaskForm):
    applicant_id = HiddenField()
    service = SelectField("Услуга", validators=[Required("Выберите услугу")],
                          validate_choice=False)
    sheets = IntField("Листов", [Optional(), NumberRange(0, 10000, "От 0 до 10000")],
                          default=0)
    note = TextAreaField("Примечание", [Optional(), Length(max=1000)])


class CloseForm(FlaskForm):
    reason = SelectField("Причина закрытия", choices=choices([("", "— выберите —")] + list(
        CLOSE_REASONS.items())), validators=[Required("Выберите причину закрытия")])
    note = TextAreaField("Пояснение", [Optional(), Length(max=1000)])


class ReopenForm(FlaskForm):
    reason = TextAreaField("Почему дело открывается снова",
                           [Required("Укажите причину"), Length(max=1000)])


class SheetsForm(FlaskForm):
    sheets = IntField("Листов в деле", [Required("Укажите число листов"),
                                            NumberRange(0, 10000, "От 0 до 10000")])


class BulkStructureForm(FlaskForm):
    room = StringField("Помещение", [Required(), Length(max=100)], default="Архив",
                       filters=[strip_filter])
    rack_number = IntField("Стеллаж №", [Required("Укажите номер стеллажа"),
                                             NumberRange(1, 999, "От 1 до 999")])
    shelf_from = IntField("Полки с", [Required("Укажите полку"), NumberRange(1, 99)],
                              default=1)
    shelf_to = IntField("по", [Required("Укажите полку"), NumberRange(1, 99)], default=6)
    boxes_per_shelf = IntField("Коробов на полке", [Required("Укажите число"),
                                                        NumberRange(1, 200, "От 1 до 200")],
                                   default=5)
    capacity = IntField("Вместимость короба (дел)", [Required("Укажите вместимость"),
                                                         NumberRange(1, 1000, "От 1 до 1000")],
                            default=50)
    year_from = IntField("Годы с", [Optional(), NumberRange(1950, 2100, "Год 1950–2100")])
    year_to = IntField("по", [Optional(), NumberRange(1950, 2100, "Год 1950–2100")])
    group_code = SelectField("Группа услуг", validate_choice=False)


class ImportForm(FlaskForm):
    file = FileField("Реестр (XLSX или CSV)")


class ImportColumnsForm(FlaskForm):
    """The mapping step; the column of each field arrives as ``map-<field>``."""

    token = HiddenField()
    profile_name = StringField("Сохранить сопоставление как профиль (название)",
                               [Optional(), Length(max=120)], filters=[strip_filter])


class ImportConfirmForm(FlaskForm):
    token = HiddenField()
    good_only = BooleanField("Импортировать только строки без ошибок")


class UndoImportForm(FlaskForm):
    reason = StringField("Причина отмены импорта", filters=[strip_filter],
                         validators=[Required("Укажите причину отмены импорта"),
                                     Length(max=500)])


class IssueFilterForm(FlaskForm):
    """The issue mode's employee and due date (sent with every scan)."""

    class Meta:
        csrf = False

    to_user_id = SelectField("Кому выдаётся", validate_choice=False)
    due_on = RuDateField("Вернуть до", [Optional()])


class LabelsForm(FlaskForm):
    class Meta:
        csrf = False

    selection = SelectField("Какие дела", choices=choices([
        ("day", "открытые в указанный день"), ("batch", "импортированные реестром"),
        ("box", "в коробе")]), default="day")
    day = RuDateField("День", [Optional()])
    batch_id = SelectField("Импорт", validate_choice=False)
    box = StringField("Короб (штрихкод)", [Optional(), Length(max=20)], filters=[strip_filter])
    format = SelectField("Формат", default="sheet", choices=choices([
        ("sheet", "лист A4 (этикетки 70×37)"), ("thermal", "термопринтер 58×40")]))
    start = IntField("Начать с позиции", [Optional(), NumberRange(1, 200)], default=1)
