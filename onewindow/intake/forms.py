from __future__ import annotations

import uuid

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from ..core.text import int64
from ..forms_common import Required, RuDateField, strip_filter
from .services import DocumentLine

EXTRA_ROWS = 5


class ApplicationForm(FlaskForm):
    applicant_id = HiddenField()
    # The code chosen in the service picker (a text combobox, see static/js/picker.js).
    service = StringField("Услуга", validators=[Required("Выберите услугу")],
                          filters=[strip_filter])
    representative_name = StringField("Представитель (ФИО)", [Optional(), Length(max=300)],
                                      filters=[strip_filter])
    representative_document = StringField(
        "Документ, подтверждающий полномочия", [Optional(), Length(max=500)],
        filters=[strip_filter])
    notes = TextAreaField("Примечание", [Optional(), Length(max=2000)])
    idempotency_key = HiddenField()

    def ensure_key(self) -> None:
        if not self.idempotency_key.data:
            self.idempotency_key.data = uuid.uuid4().hex


def parse_document_lines(formdata, service) -> tuple[list[DocumentLine], list[str]]:
    """Read the checklist and the free lines from the submitted form."""
    lines: list[DocumentLine] = []
    errors: list[str] = []

    def sheets(key: str, label: str) -> int:
        raw = (formdata.get(key) or "").strip()
        if not raw:
            return 0
        # ASCII digits only ("²".isdigit() is true) and short: int() of 5000 digits raises.
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 3):
            errors.append(f"{label}: число листов — целое от 0 до 999")
            return 0
        return int(raw)

    def form_of(key: str, default: str) -> str:
        value = formdata.get(key) or default
        return value if value in ("original", "copy") else default

    if service is not None:
        for doc in service.documents:
            prefix = f"doc-{doc.position}-"
            lines.append(DocumentLine(
                name=doc.name, form=form_of(prefix + "form", doc.form),
                sheets=sheets(prefix + "sheets", doc.name),
                received=bool(formdata.get(prefix + "received")), mandatory=doc.mandatory,
                interagency=doc.interagency, from_checklist=True))
    for k in range(1, EXTRA_ROWS + 1):
        prefix = f"extra-{k}-"
        name = " ".join((formdata.get(prefix + "name") or "").split())[:500]
        count = sheets(prefix + "sheets", f"Дополнительный документ {k}")
        if name or count:
            lines.append(DocumentLine(name=name, form=form_of(prefix + "form", "copy"),
                                      sheets=count, received=True, from_checklist=False))
    return lines, errors


class CancelForm(FlaskForm):
    reason = TextAreaField("Причина аннулирования", [Required("Укажите причину"), Length(max=1000)])


class StatusForm(FlaskForm):
    to = HiddenField()
    comment = TextAreaField("Комментарий / причина", [Optional(), Length(max=2000)])


class RegisterFilterForm(FlaskForm):
    class Meta:
        csrf = False

    day = RuDateField("Дата", [Optional()])
    user_id = SelectField("Специалист", coerce=int64, validate_choice=False)
