"""The administrator's audit log screen: search and export (no edit, no delete)."""

from __future__ import annotations

from flask import Blueprint, current_app, request
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Optional

from ..core import clock
from ..extensions import db
from ..forms_common import RuDateField, choices
from ..web import allow, export_response, render
from . import audit
from .models import ACTION_NAMES, OBJECT_NAMES

bp = Blueprint("security", __name__, url_prefix="/admin/audit")

PAGE_LIMIT = 500


def _filter_form():
    class AuditFilterForm(FlaskForm):
        class Meta:
            csrf = False  # a GET search form that changes nothing

        username = StringField("Пользователь", validators=[Optional()])
        action = SelectField("Действие", validators=[Optional()], choices=choices(
            [("", "— любое —")] + list(ACTION_NAMES.items())))
        object_type = SelectField("Объект", validators=[Optional()], choices=choices(
            [("", "— любой —")] + list(OBJECT_NAMES.items())))
        object_id = StringField("№ объекта", validators=[Optional()])
        date_from = RuDateField("С даты", validators=[Optional()])
        date_to = RuDateField("По дату", validators=[Optional()])

    form = AuditFilterForm(request.args)
    form.validate()
    flt = audit.AuditFilter(
        username=(form.username.data or "")[:64], action=form.action.data or "",
        object_type=form.object_type.data or "", object_id=(form.object_id.data or "")[:64],
        date_from=None if form.date_from.errors else form.date_from.data,
        date_to=None if form.date_to.errors else form.date_to.data,
    )
    return form, flt


@bp.get("/")
@allow("admin")
def audit_log():
    form, flt = _filter_form()
    entries = audit.search(db.session, flt, limit=PAGE_LIMIT)
    return render("security/audit.html", form=form, entries=entries, limit=PAGE_LIMIT,
                  retention_days=current_app.config["AUDIT_RETENTION_DAYS"]), \
        422 if form.errors else 200


@bp.get("/export.<any(csv, xlsx):fmt>")
@allow("admin")
def audit_export(fmt: str):
    _form, flt = _filter_form()
    entries = audit.search(db.session, flt, limit=None)
    body = audit.export_csv(entries) if fmt == "csv" else audit.export_xlsx(entries)
    stamp = clock.now().strftime("%Y%m%d-%H%M")
    return export_response(body, f"audit-{stamp}.{fmt}", object_type="audit",
                           details=f"{fmt}: {len(entries)} записей")
