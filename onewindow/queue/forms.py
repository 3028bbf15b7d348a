from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectMultipleField
from wtforms.validators import Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..core.text import int64
from ..forms_common import IntField, Required, RuDateField, strip_filter

MINUTES = [Required("Укажите норматив"), NumberRange(1, 480, "От 1 до 480 минут")]


class PurposeForm(FlaskForm):
    letter = StringField("Буква", [Required("Укажите букву"), Length(max=1)],
                         filters=[strip_filter])
    name = StringField("Название кнопки", [Required("Укажите название"), Length(max=200)],
                       filters=[strip_filter])
    position = IntField("Порядок", [Optional()], default=0)
    wait_standard_minutes = IntField("Норматив ожидания, мин", MINUTES, default=15)
    booked_wait_standard_minutes = IntField("Норматив ожидания по записи, мин", MINUTES,
                                                default=5)
    service_standard_minutes = IntField("Норматив обслуживания, мин", MINUTES, default=15)
    active = BooleanField("Показывать на терминале", default=True)


class DeskForm(FlaskForm):
    number = IntField("Номер окна", [Required("Укажите номер"),
                                         NumberRange(1, 99, "От 1 до 99")])
    name = StringField("Название", [Optional(), Length(max=100)], filters=[strip_filter])
    purpose_ids = SelectMultipleField("Цели визита", coerce=int64, widget=ListWidget(
        prefix_label=False), option_widget=CheckboxInput(), validate_choice=False)
    active = BooleanField("Работает", default=True)


class KioskForm(FlaskForm):
    name = StringField("Название терминала", [Required("Укажите название"), Length(max=100)],
                       filters=[strip_filter])


class SlotsForm(FlaskForm):
    purpose_id = SelectField("Цель визита", coerce=int64, validate_choice=False)
    day = RuDateField("Дата", [Required("Укажите дату")])
    start = StringField("С (чч:мм)", [Required("Укажите время")], default="09:00")
    end = StringField("До (чч:мм)", [Required("Укажите время")], default="12:00")
    interval_minutes = IntField("Интервал, мин", [Required("Укажите интервал")], default=20)
    capacity = IntField("Мест на время", [Required("Укажите число мест")], default=1)


class BookingForm(FlaskForm):
    slot_id = HiddenField()
    citizen_name = StringField("ФИО гражданина", [Optional(), Length(max=300)],
                               filters=[strip_filter])
    phone = StringField("Телефон", [Optional(), Length(max=40)], filters=[strip_filter])
    applicant_id = HiddenField()


class CancelBookingForm(FlaskForm):
    reason = TextAreaField("Причина отмены", [Required("Укажите причину"), Length(max=1000)])
