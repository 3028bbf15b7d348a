from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from ..forms_common import Required, RuDateField, strip_filter


class SelectionForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter

    on = RuDateField("Дата отбора", [Required("Укажите дату отбора")])


class ActForm(FlaskForm):
    as_of = RuDateField("Сроки хранения истекли на", [Required("Укажите дату")])
    basis = TextAreaField("Основание (перечень сроков хранения)",
                          [Optional(), Length(max=2000)])
    article = StringField("Статья перечня", [Optional(), Length(max=100)],
                          filters=[strip_filter])


class DestroyForm(FlaskForm):
    destroyed_on = RuDateField("Дата уничтожения", [Required("Укажите дату уничтожения")])


class CancelForm(FlaskForm):
    reason = StringField("Причина отмены", [Required("Укажите причину отмены"),
                                             Length(max=500)], filters=[strip_filter])
