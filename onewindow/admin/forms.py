"""Forms of the admin screens (the document checklist is parsed from its table rows)."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import EqualTo, Length, NumberRange, Optional

from ..auth.roles import ROLE_NAMES
from ..core.text import int64
from ..forms_common import Required, RuDateField, choices, strip_filter

EMPTY_DOCUMENT_ROWS = 3
MAX_DOCUMENT_ROWS = 100
_ROW_KEY = re.compile(r"^doc-(\d{1,3})-name$")


class RuIntegerField(StringField):
    """A whole number with a Russian message when it is not one."""

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)

    def process_formdata(self, valuelist):
        self.data = None
        raw = (valuelist[0] if valuelist else "") or ""
        raw = raw.strip()
        if not raw:
            return
        if not re.fullmatch(r"\d{1,6}", raw):
            raise ValueError("Введите целое число")
        self.data = int(raw)


class ServiceForm(FlaskForm):
    short_name = StringField("Краткое наименование",
                             [Required("Укажите краткое наименование"), Length(max=120)],
                             filters=[strip_filter])
    name = TextAreaField("Полное наименование", [Required("Укажите полное наименование")],
                         filters=[strip_filter])
    department = StringField("Ответственный отдел",
                             [Required("Укажите ответственный отдел"), Length(max=200)],
                             filters=[strip_filter])
    group_code = SelectField("Группа услуг", [Required("Выберите группу услуг")],
                             validate_choice=False)
    description = TextAreaField("Что это (описание)", filters=[strip_filter])
    eligibility = TextAreaField("Кто может обратиться", filters=[strip_filter])
    result = TextAreaField("Результат", filters=[strip_filter])
    deadline_days = RuIntegerField(
        "Срок принятия решения, рабочих дней",
        [Required("Укажите срок"),
         NumberRange(1, 365, "Срок — от 1 до 365 рабочих дней")])
    retention_years = RuIntegerField(
        "Срок хранения дела, лет",
        [Optional(), NumberRange(1, 100, "Срок хранения — от 1 до 100 лет")])
    retention_permanent = BooleanField("Хранить постоянно")
    expert_review = BooleanField("Экспертиза ценности при хранении")
    active = BooleanField("Услуга предоставляется (видна в каталоге и при приёме)")
    categories = SelectMultipleField("Категории получателей", coerce=int64, validate_choice=False)

    FIELDS = ("short_name", "name", "department", "group_code", "description", "eligibility",
              "result", "deadline_days", "retention_years", "retention_permanent",
              "expert_review", "active")

    def values(self) -> dict:
        return {name: getattr(self, name).data for name in self.FIELDS}


def document_rows(service) -> list[dict]:
    """The checklist as editable rows, plus a few empty ones for additions."""
    rows = [{"name": d.name, "form": d.form, "mandatory": d.mandatory,
             "interagency": d.interagency, "position": str(d.position)}
            for d in service.documents]
    return rows + empty_rows(len(rows))


def empty_rows(after: int) -> list[dict]:
    return [{"name": "", "form": "copy", "mandatory": True, "interagency": False,
             "position": str(after + k)} for k in range(1, EMPTY_DOCUMENT_ROWS + 1)]


def parse_document_rows(formdata) -> tuple[list[dict], list[dict], list[str]]:
    """Read the checklist table: (documents in order, rows to re-render, errors).

    A row with an empty name is dropped (that is how a document is removed); rows are
    ordered by their position number, ties keep the table order.
    """
    indexes = sorted(int(m.group(1)) for key in formdata.keys() if (m := _ROW_KEY.match(key)))
    rows, errors, keyed = [], [], []
    for index in indexes[:MAX_DOCUMENT_ROWS]:
        prefix = f"doc-{index}-"
        row = {
            "name": " ".join((formdata.get(prefix + "name") or "").split()),
            "form": formdata.get(prefix + "form") or "copy",
            "mandatory": bool(formdata.get(prefix + "mandatory")),
            "interagency": bool(formdata.get(prefix + "interagency")),
            "position": (formdata.get(prefix + "position") or "").strip(),
        }
        rows.append(row)
        if not row["name"]:
            continue
        if row["form"] not in ("original", "copy"):
            errors.append(f"«{row['name']}»: выберите «подлинник» или «копия»")
        if len(row["name"]) > 500:
            errors.append(f"«{row['name'][:40]}…»: наименование не длиннее 500 символов")
        position = row["position"]
        if position and not re.fullmatch(r"\d{1,3}", position):
            errors.append(f"«{row['name']}»: порядковый номер — целое число")
            continue
        keyed.append((int(position) if position else 10_000, len(keyed), row))
    documents = [row for _pos, _n, row in sorted(keyed, key=lambda t: (t[0], t[1]))]
    if not documents and not errors:
        errors.append("В перечне должен быть хотя бы один документ")
    return documents, rows, errors


class CategoryForm(FlaskForm):
    name = StringField("Наименование категории",
                       [Required("Укажите наименование категории"), Length(max=200)],
                       filters=[strip_filter])


class OverrideForm(FlaskForm):
    day = RuDateField("Дата", [Required("Укажите дату")])
    working = SelectField("День", choices=choices([("0", "выходной (нерабочий) день"),
                                                   ("1", "рабочий день")]),
                          validate_choice=False)
    note = StringField("Основание / примечание", [Optional(), Length(max=300)],
                       filters=[strip_filter],
                       render_kw={"placeholder": "например, постановление Правительства РФ от …"})


def role_choices():
    return choices(ROLE_NAMES.items())


class UserCreateForm(FlaskForm):
    username = StringField("Имя пользователя (логин)",
                           [Required("Укажите имя пользователя"), Length(max=64)],
                           filters=[strip_filter], render_kw={"autocomplete": "off"})
    full_name = StringField("ФИО", [Required("Укажите ФИО"), Length(max=200)],
                            filters=[strip_filter])
    position = StringField("Должность", [Optional(), Length(max=200)], filters=[strip_filter])
    role = SelectField("Роль", choices=role_choices(), validate_choice=False)
    password = PasswordField("Пароль (не менее 10 символов)", [Required("Укажите пароль")],
                             render_kw={"autocomplete": "new-password"})
    password2 = PasswordField("Пароль ещё раз",
                              [EqualTo("password", "Пароли не совпадают")],
                              render_kw={"autocomplete": "new-password"})


class UserProfileForm(FlaskForm):
    full_name = StringField("ФИО", [Required("Укажите ФИО"), Length(max=200)],
                            filters=[strip_filter])
    position = StringField("Должность", [Optional(), Length(max=200)], filters=[strip_filter])
    role = SelectField("Роль", choices=role_choices(), validate_choice=False)


class PasswordResetForm(FlaskForm):
    password = PasswordField("Новый пароль (не менее 10 символов)", [Required("Укажите пароль")],
                             render_kw={"autocomplete": "new-password"})
    password2 = PasswordField("Новый пароль ещё раз",
                              [EqualTo("password", "Пароли не совпадают")],
                              render_kw={"autocomplete": "new-password"})
