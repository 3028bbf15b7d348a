"""Admin screens: the catalog, beneficiary categories, calendar overrides, staff accounts."""

from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..auth.models import User
from ..auth.roles import ADMIN
from ..auth.services import create_user
from ..calendar.models import CalendarOverride
from ..calendar.services import set_override
from ..catalog import queries as catalog_queries
from ..catalog import services as catalog_services
from ..catalog.models import BeneficiaryCategory
from ..core.text import format_date
from ..core.workdays import default_calendar
from ..errors import NotFound
from ..extensions import db
from ..forms_common import choices
from ..security.sessions import audit_change
from ..web import allow, form_action, place_error, redirect_to, render
from . import services
from .forms import (
    CategoryForm,
    OverrideForm,
    PasswordResetForm,
    ServiceForm,
    UserCreateForm,
    UserProfileForm,
    document_rows,
    empty_rows,
    parse_document_rows,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@allow(ADMIN)
def index():
    return render("admin/index.html")


# --- services ------------------------------------------------------------------------

@bp.get("/services/")
@allow(ADMIN)
def services_list():
    return render("admin/services.html", services=catalog_queries.all_services(db.session))


def _service_form_page(service, form, rows, *, status=200, documents_error=None, error=None):
    form.group_code.choices = choices(
        (g.code, g.name) for g in catalog_queries.service_groups(db.session))
    return render("admin/service_edit.html", service=service, form=form, rows=rows,
                  all_categories=catalog_queries.categories(db.session),
                  documents_error=documents_error, error=error), status


@bp.get("/services/<code>/edit")
@allow(ADMIN)
def edit_service(code: str):
    service = catalog_queries.service_by_code(db.session, code)
    form = ServiceForm(obj=service)
    form.categories.data = [c.id for c in service.categories]
    return _service_form_page(service, form, document_rows(service))


@bp.post("/services/<code>/edit")
@allow(ADMIN)
def update_service(code: str):
    service = catalog_queries.service_by_code(db.session, code)
    form = ServiceForm()
    documents, rows, row_errors = parse_document_rows(request.form)
    rows = [r for r in rows if r["name"]] + empty_rows(len(documents))
    documents_error = "; ".join(row_errors) or None
    error = None
    if form.validate() and not row_errors:
        with form_action() as outcome:
            catalog_services.update_service(
                db.session, service, fields=form.values(), documents=documents,
                category_ids=form.categories.data or [])
        if outcome.ok:
            flash(f"Услуга «{service.short_name}» сохранена")
            return redirect_to(url_for("admin.services_list"))
        if outcome.error.field == "documents":  # the list below the form, not a form field
            documents_error = outcome.message
        else:
            error = place_error(form, outcome.error)
    return _service_form_page(service, form, rows, status=422,
                              documents_error=documents_error, error=error)


# --- beneficiary categories ------------------------------------------------------------

def _category(category_id: int) -> BeneficiaryCategory:
    category = db.session.get(BeneficiaryCategory, category_id)
    if category is None:
        raise NotFound("Категория не найдена")
    return category


def _categories_page(*, form=None, errors=None, status=200):
    return render("admin/categories.html", form=form or CategoryForm(formdata=None),
                  categories=catalog_queries.categories(db.session), errors=errors or {}), status


@bp.get("/categories/")
@allow(ADMIN)
def categories():
    return _categories_page()


@bp.post("/categories/")
@allow(ADMIN)
def add_category():
    form = CategoryForm()
    if form.validate():
        with form_action(form, field="name") as outcome:
            category = catalog_services.add_category(db.session, name=form.name.data)
        if outcome.ok:
            flash(f"Категория «{category.name}» добавлена")
            return redirect_to(url_for("admin.categories"))
    return _categories_page(form=form, status=422)


@bp.post("/categories/<int:category_id>")
@allow(ADMIN)
def rename_category(category_id: int):
    category = _category(category_id)
    name = request.form.get("name", "")
    with form_action() as outcome:
        catalog_services.rename_category(db.session, category, name=name)
    if not outcome.ok:
        return _categories_page(errors={category_id: (outcome.message, name)}, status=422)
    flash(f"Категория переименована: «{category.name}»")
    return redirect_to(url_for("admin.categories"))


@bp.post("/categories/<int:category_id>/active")
@allow(ADMIN)
def set_category_active(category_id: int):
    category = _category(category_id)
    active = request.form.get("active") == "1"
    catalog_services.set_category_active(db.session, category, active=active)
    flash(f"Категория «{category.name}» " + ("снова используется" if active else
                                             "больше не используется"))
    return redirect_to(url_for("admin.categories"))


# --- calendar overrides ------------------------------------------------------------------

def _calendar_page(form, *, status=200):
    package = default_calendar()
    rows = [
        {"override": o, "package_working": package.is_working_day(o.day),
         "holiday": package.holiday_name(o.day)}
        for o in db.session.scalars(select(CalendarOverride).order_by(CalendarOverride.day.desc()))
    ]
    return render("admin/calendar.html", form=form, rows=rows), status


@bp.get("/calendar/")
@allow(ADMIN)
def calendar():
    form = OverrideForm(formdata=None)
    raw_day = request.args.get("day")
    if raw_day:  # "change" prefills the form with the stored override
        form = OverrideForm(request.args, meta={"csrf": False})
        form.validate()
        row = db.session.get(CalendarOverride, form.day.data) if form.day.data else None
        if row is not None:
            form.working.data = "1" if row.working else "0"
            form.note.data = row.note
    return _calendar_page(form)


@bp.post("/calendar/")
@allow(ADMIN)
def save_override():
    form = OverrideForm()
    if form.validate():
        with form_action(form, field="day") as outcome:
            set_override(db.session, day=form.day.data, working=form.working.data == "1",
                         note=form.note.data or "", user_id=current_user.id)
        if outcome.ok:
            flash(f"{format_date(form.day.data)} — "
                  + ("рабочий день" if form.working.data == "1" else "выходной день"))
            return redirect_to(url_for("admin.calendar"))
    return _calendar_page(form, status=422)


# --- users ---------------------------------------------------------------------------------

def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("Пользователь не найден")
    return user


@bp.get("/users/")
@allow(ADMIN)
def users():
    return render("admin/users.html", users=services.all_users(db.session))


@bp.get("/users/new")
@allow(ADMIN)
def new_user():
    form = UserCreateForm(formdata=None)
    form.role.data = "specialist"
    return render("admin/user_new.html", form=form)


@bp.post("/users/new")
@allow(ADMIN)
def create_user_view():
    form = UserCreateForm()
    error = None
    if form.validate():
        with form_action(form) as outcome:
            user = create_user(db.session, username=form.username.data,
                               full_name=form.full_name.data, role=form.role.data,
                               password=form.password.data, position=form.position.data or None)
        if outcome.ok:
            flash(f"Пользователь {user.username} создан")
            return redirect_to(url_for("admin.users"))
        error = outcome.message
    return render("admin/user_new.html", form=form, error=error), 422


def _user_page(user, *, profile_form=None, password_form=None, error=None, status=200):
    if profile_form is None:
        profile_form = UserProfileForm(formdata=None, obj=user)
    return render("admin/user_edit.html", user=user, profile_form=profile_form,
                  password_form=password_form or PasswordResetForm(formdata=None),
                  error=error), status


@bp.get("/users/<int:user_id>")
@allow(ADMIN)
def edit_user(user_id: int):
    return _user_page(_user(user_id))


@bp.post("/users/<int:user_id>")
@allow(ADMIN)
def update_user(user_id: int):
    user = _user(user_id)
    form = UserProfileForm()
    if form.validate():
        with form_action(form) as outcome:
            services.update_profile(db.session, user, full_name=form.full_name.data,
                                    position=form.position.data)
            old_role = user.role
            services.change_role(db.session, user, role=form.role.data,
                                 acting_user_id=current_user.id)
            if user.role != old_role:
                audit_change("role_change", object_type="user", object_id=user.id,
                             details=f"{old_role} → {user.role}")
        if outcome.ok:
            flash(f"Пользователь {user.username} сохранён")
            return redirect_to(url_for("admin.edit_user", user_id=user.id))
        return _user_page(user, profile_form=form, error=outcome.message, status=422)
    return _user_page(user, profile_form=form, status=422)


@bp.post("/users/<int:user_id>/password")
@allow(ADMIN)
def reset_password(user_id: int):
    user = _user(user_id)
    form = PasswordResetForm()
    if form.validate():
        with form_action(form, field="password") as outcome:
            services.reset_password(db.session, user, password=form.password.data)
            audit_change("password_change", object_type="user", object_id=user.id,
                         details="сброс администратором")
        if outcome.ok:
            flash(f"Пароль пользователя {user.username} изменён, его сеансы завершены")
            return redirect_to(url_for("admin.edit_user", user_id=user.id))
    return _user_page(user, password_form=form, status=422)


@bp.post("/users/<int:user_id>/active")
@allow(ADMIN)
def set_user_active(user_id: int):
    user = _user(user_id)
    active = request.form.get("active") == "1"
    with form_action() as outcome:
        services.set_user_active(db.session, user, active=active, acting_user_id=current_user.id)
        audit_change("user_enable" if active else "user_disable", object_type="user",
                     object_id=user.id)
    if not outcome.ok:
        return _user_page(user, error=outcome.message, status=409)
    flash(f"Пользователь {user.username} " + ("включён" if active else
                                              "отключён, его сеансы завершены"))
    return redirect_to(url_for("admin.edit_user", user_id=user.id))
