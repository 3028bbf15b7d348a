"""WTForms of the registries."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional, Regexp

from ..core.text import int64
from ..forms_common import IntField, Required, RuDateField, choices, strip_filter
from .models import (
    ACK_KINDS,
    APPEAL_CHANNELS,
    APPEAL_KINDS,
    CHANNELS,
    CORRESPONDENT_KINDS,
    HANDOVER_REASONS,
)
from .services import COMPLAINT_RESULTS

EMAIL = Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="Неверный адрес e-mail")


def _opt_int(value):
    try:
        return int64(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class CorrespondentForm(FlaskForm):
    name = StringField("Наименование", [Required("Укажите наименование"), Length(max=300)],
                       filters=[strip_filter])
    kind = SelectField("Вид", choices=choices(CORRESPONDENT_KINDS.items()))
    address = TextAreaField("Адрес", [Optional(), Length(max=1000)])
    email = StringField("E-mail", [Optional(), EMAIL, Length(max=200)],
                        filters=[strip_filter])


class IncomingRequestForm(FlaskForm):
    type_code = SelectField("Вид запроса", validators=[Required("Выберите вид запроса")])
    correspondent_id = SelectField("Отправитель", coerce=_opt_int,
                                   validators=[Required("Выберите отправителя")])
    channel = SelectField("Способ поступления", choices=choices(CHANNELS.items()))
    their_number = StringField("Исходящий номер отправителя", [Optional(), Length(max=60)],
                               filters=[strip_filter])
    their_date = RuDateField("Дата запроса", [Optional()])
    received_on = RuDateField("Дата поступления", [Required("Укажите дату поступления")])
    stated_due = RuDateField("Срок ответа по запросу", [Optional()])
    subject = TextAreaField("Содержание запроса", [Required("Укажите содержание"),
                                                   Length(max=4000)])
    applicant_ids = SelectMultipleField("Заявители", coerce=int64, validate_choice=False)
    persons_text = TextAreaField("Лица, не найденные в базе", [Optional(), Length(max=2000)])
    attachments = TextAreaField("Приложения", [Optional(), Length(max=2000)])
    assigned_to_id = SelectField("Исполнитель", coerce=_opt_int)


class OutgoingRequestForm(FlaskForm):
    type_code = SelectField("Вид запроса", validators=[Required("Выберите вид запроса")])
    correspondent_id = SelectField("Адресат", coerce=_opt_int,
                                   validators=[Required("Выберите адресата")])
    channel = SelectField("Способ направления", choices=choices(CHANNELS.items()))
    subject = TextAreaField("Что запрашиваем", [Required("Укажите содержание"),
                                                Length(max=4000)])
    applicant_ids = SelectMultipleField("Заявители", coerce=int64, validate_choice=False)
    persons_text = TextAreaField("Лица, не найденные в базе", [Optional(), Length(max=2000)])
    expected_on = RuDateField("Ожидаемая дата ответа", [Optional()])


class AnswerForm(FlaskForm):
    text = TextAreaField("Текст ответа", [Required("Введите текст ответа"), Length(max=10000)])
    signed_by = StringField("Подписывает", [Required("Укажите, кто подписывает"),
                                            Length(max=200)], filters=[strip_filter])
    complaint_result = SelectField("Результат рассмотрения жалобы",
                                   choices=choices([("", "—"), *COMPLAINT_RESULTS.items()]),
                                   validate_choice=False)


class ForwardForm(FlaskForm):
    to = StringField("Куда переадресовано", [Required("Укажите орган"), Length(max=300)],
                     filters=[strip_filter])


class PauseForm(FlaskForm):
    reason = TextAreaField("Основание приостановления", [Required("Укажите основание"),
                                                          Length(max=2000)])
    on = RuDateField("С даты", [Required("Укажите дату")])


class ResumeForm(FlaskForm):
    on = RuDateField("Дата возобновления", [Required("Укажите дату")])


class ReceivedForm(FlaskForm):
    number = StringField("Номер ответа", [Optional(), Length(max=60)], filters=[strip_filter])
    on = RuDateField("Дата ответа", [Required("Укажите дату")])
    text = TextAreaField("Содержание ответа", [Optional(), Length(max=4000)])


class BulkReceivedForm(FlaskForm):
    """«Ответ получен» for several outgoing requests at once (ids ticked on «Сроки»)."""

    on = RuDateField("Дата ответа", [Required("Укажите дату")])


class CancelForm(FlaskForm):
    reason = TextAreaField("Причина аннулирования", [Required("Укажите причину"),
                                                      Length(max=1000)])


class AppealForm(FlaskForm):
    received_on = RuDateField("Дата поступления", [Required("Укажите дату поступления")])
    confirm_late = BooleanField("Регистрирую с нарушением 3-дневного срока")
    channel = SelectField("Способ поступления", choices=choices(APPEAL_CHANNELS.items()))
    kind = SelectField("Вид обращения", choices=choices(APPEAL_KINDS.items()))
    anonymous = BooleanField("Анонимное (без фамилии и адреса)")
    applicant_id = HiddenField()
    surname = StringField("Фамилия", [Optional(), Length(max=100)], filters=[strip_filter])
    name = StringField("Имя", [Optional(), Length(max=100)], filters=[strip_filter])
    patronymic = StringField("Отчество", [Optional(), Length(max=100)], filters=[strip_filter])
    sex = SelectField("Пол", choices=choices([("", "определить по имени"), ("M", "мужской"),
                                              ("F", "женский")]))
    address = TextAreaField("Почтовый адрес", [Optional(), Length(max=1000)])
    email = StringField("E-mail", [Optional(), EMAIL, Length(max=200)],
                        filters=[strip_filter])
    subject = StringField("Тема", [Required("Укажите тему"), Length(max=300)],
                          filters=[strip_filter])
    text = TextAreaField("Краткое содержание", [Required("Введите содержание"),
                                                Length(max=10000)])
    assigned_to_id = SelectField("Исполнитель", coerce=_opt_int)
    responsible_id = SelectField("Ответственный (для жалобы)", coerce=_opt_int)
    parent_number = StringField("Повторное к обращению №", [Optional(), Length(max=30)],
                                filters=[strip_filter])


class ExtendForm(FlaskForm):
    days = IntField("На сколько дней продлить", [Required("Укажите число дней"),
                                                     NumberRange(1, 30, "От 1 до 30 дней")])
    reason = TextAreaField("Основание продления", [Required("Укажите основание"),
                                                   Length(max=2000)])


class AssignmentForm(FlaskForm):
    text = TextAreaField("Поручение", [Required("Введите текст поручения"), Length(max=4000)])
    due_date = RuDateField("Срок исполнения", [Required("Укажите срок")])
    assignee_id = SelectField("Исполнитель", coerce=_opt_int,
                              validators=[Required("Выберите исполнителя")])
    link = StringField("Связанный документ (номер)", [Optional(), Length(max=40)],
                       filters=[strip_filter],
                       render_kw={"list": "link-options", "autocomplete": "off"})
    on_control = BooleanField("На контроле", default=True)


class ResultForm(FlaskForm):
    result = TextAreaField("Результат исполнения", [Required("Опишите результат"),
                                                    Length(max=4000)])


class ControlForm(FlaskForm):
    mark = StringField("Отметка о контроле", [Optional(), Length(max=500)],
                       filters=[strip_filter])


class AckDocumentForm(FlaskForm):
    title = StringField("Наименование", [Required("Укажите наименование"), Length(max=300)],
                        filters=[strip_filter])
    kind = SelectField("Вид", choices=choices(ACK_KINDS.items()))
    text = TextAreaField("Текст", [Required("Введите текст"), Length(max=100000)])
    addressee_ids = SelectMultipleField("Кто знакомится", coerce=int64,
                                        validators=[Required("Выберите сотрудников")])


class AckVersionForm(FlaskForm):
    text = TextAreaField("Новая редакция", [Required("Введите текст"), Length(max=100000)])
    change_note = StringField("Что изменилось", [Optional(), Length(max=500)],
                              filters=[strip_filter])


class AcknowledgeForm(FlaskForm):
    version_id = HiddenField()


class NoticeForm(FlaskForm):
    email_consent = BooleanField("Заявитель согласен получить уведомление по e-mail")
    email = StringField("E-mail заявителя", [Optional(), EMAIL,
                                             Length(max=200)], filters=[strip_filter])


class HandoverForm(FlaskForm):
    leaver_id = SelectField("Передаёт дела", coerce=_opt_int,
                            validators=[Required("Выберите сотрудника")])
    receiver_id = SelectField("Принимает дела", coerce=_opt_int,
                              validators=[Required("Выберите сотрудника")])
    reason = SelectField("Основание", choices=choices(HANDOVER_REASONS.items()))
    starts_on = RuDateField("С даты", [Required("Укажите дату")])
    ends_on = RuDateField("По дату (для возврата)", [Optional()])
    scope = SelectField("Что передать", choices=choices([("all", "всё, что числится"),
                                                         ("chosen", "только отмеченное")]))
