from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, StringField
from wtforms.validators import Length, Optional, Regexp, ValidationError

from ..core import clock
from ..core.phone import normalize_phone
from ..core.snils import validate_snils as check_snils
from ..core.text import int64
from ..forms_common import Required, RuDateField, choices, strip_filter
from .models import ID_DOC_TYPES
from .services import birth_date_problem, issue_date_problem


class ApplicantForm(FlaskForm):
    surname = StringField("Фамилия", [Required(), Length(max=100)], filters=[strip_filter])
    name = StringField("Имя", [Required(), Length(max=100)], filters=[strip_filter])
    patronymic = StringField("Отчество", [Optional(), Length(max=100)], filters=[strip_filter])
    birth_date = RuDateField("Дата рождения", [Required("Укажите дату рождения")])
    sex = SelectField("Пол", choices=choices([("", "—"), ("M", "мужской"), ("F", "женский")]),
                      validators=[Required("Укажите пол")])
    snils = StringField("СНИЛС", [Optional(), Length(max=20)], filters=[strip_filter],
                        render_kw={"placeholder": "XXX-XXX-XXX YY", "inputmode": "numeric",
                                   "data-snils": True})
    id_doc_type = SelectField("Документ, удостоверяющий личность",
                              choices=choices(ID_DOC_TYPES.items()), default="passport_ru")
    id_doc_series = StringField("Серия", [Optional(), Length(max=10)], filters=[strip_filter])
    id_doc_number = StringField("Номер", [Optional(), Length(max=20)], filters=[strip_filter])
    id_doc_issued_by = StringField("Кем выдан", [Optional(), Length(max=500)],
                                   filters=[strip_filter])
    id_doc_issue_date = RuDateField("Дата выдачи", [Optional()])
    address = StringField("Адрес регистрации", [Optional(), Length(max=500)],
                          filters=[strip_filter])
    phone = StringField("Телефон", [Optional(), Length(max=40)], filters=[strip_filter],
                        render_kw={"placeholder": "+7 (XXX) XXX-XX-XX", "inputmode": "tel"})
    email = StringField("Электронная почта",
                        [Optional(), Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                                                   message="Неверный адрес электронной почты"),
                         Length(max=200)],
                        filters=[strip_filter])
    email_consent = BooleanField("Согласен(на) получать уведомления о решениях по e-mail")
    categories = SelectMultipleField("Льготные категории", coerce=int64, validate_choice=False)
    confirm_duplicate = BooleanField("Это другой человек — всё равно зарегистрировать")
    version = HiddenField()

    # Every rule is checked on the first submit, each message next to its field (WTForms
    # runs these after the field's own validators; Optional() skips them when empty).
    def validate_snils(self, field) -> None:
        try:
            check_snils(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    def validate_phone(self, field) -> None:
        try:
            field.data = normalize_phone(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    def validate_birth_date(self, field) -> None:
        problem = field.data and birth_date_problem(field.data, today=clock.today())
        if problem:
            raise ValidationError(problem)

    def validate_id_doc_issue_date(self, field) -> None:
        problem = issue_date_problem(field.data, birth=self.birth_date.data,
                                     today=clock.today())
        if problem:
            raise ValidationError(problem)

    def values(self) -> dict:
        return {name: getattr(self, name).data for name in (
            "surname", "name", "patronymic", "birth_date", "sex", "snils", "id_doc_type",
            "id_doc_series", "id_doc_number", "id_doc_issued_by", "id_doc_issue_date",
            "address", "phone", "email", "email_consent")}


class SearchForm(FlaskForm):
    class Meta:
        # The app's CSRFProtect checks every POST (the page's token field or the
        # X-CSRFToken header htmx sends); the form's own token field signed a fresh token
        # on every search, for a fragment that never shows it: 5 % of a search's CPU.
        csrf = False

    q = StringField("Поиск заявителя", [Length(max=100)],
                    render_kw={"placeholder": "СНИЛС, фамилия или «Фамилия И.О.»",
                               "autocomplete": "off"})
