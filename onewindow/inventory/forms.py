from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from ..core.text import int64
from ..forms_common import Required, RuDateField, choices, strip_filter
from .models import SCOPE_KINDS


class OpenInventoryForm(FlaskForm):
    order_number = StringField("Приказ №", [Required("Укажите номер приказа"), Length(max=40)],
                               filters=[strip_filter])
    order_date = RuDateField("от", [Required("Укажите дату приказа")])
    scope_kind = SelectField("Охват", choices=choices(list(SCOPE_KINDS.items())),
                             default="all")
    room_ids = SelectMultipleField("Помещения", coerce=int64, validate_choice=False)
    rack_ids = SelectMultipleField("Стеллажи", coerce=int64, validate_choice=False)
    boxes = TextAreaField("Короба (штрихкоды через пробел или с новой строки)",
                          [Optional(), Length(max=20000)])
    commission = TextAreaField("Комиссия (ФИО и должность, по одному в строке)",
                               [Required("Укажите членов комиссии"), Length(max=2000)])
    deadline = RuDateField("Срок завершения", [Required("Укажите срок")])


class CloseTaskForm(FlaskForm):
    result = SelectField("Итог поиска", choices=choices([("found", "найдено"),
                                                         ("lost", "не найдено")]))
    comment = StringField("Комментарий", [Optional(), Length(max=500)], filters=[strip_filter])
