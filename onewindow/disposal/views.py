"""Selection for destruction (отбор к уничтожению), the act, the director's approval."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, request, url_for
from flask_login import current_user

from ..auth.roles import ARCHIVIST, CHIEF, DIRECTOR
from ..core import clock
from ..extensions import db
from ..web import allow, form_action, pdf_response, redirect_to, render
from . import documents, services
from .forms import ActForm, CancelForm, DestroyForm, SelectionForm
from .models import DEFAULT_BASIS

bp = Blueprint("disposal", __name__, url_prefix="/archive/disposal")

WORK_ROLES = (ARCHIVIST, CHIEF)
VIEW_ROLES = (ARCHIVIST, CHIEF, DIRECTOR)



def _page(selection_form, act_form, *, status=200):
    as_of = selection_form.on.data if not selection_form.on.errors else None
    selection = services.select_for_destruction(db.session, as_of=as_of) if as_of else None
    return render("disposal/index.html", selection_form=selection_form, act_form=act_form,
                  selection=selection, acts=services.acts(db.session)), status


@bp.get("/")
@allow(*VIEW_ROLES)
def index():
    form = SelectionForm(request.args)
    if not request.args.get("on"):
        form.on.data = clock.today()
    else:
        form.validate()
    act_form = ActForm(formdata=None, as_of=form.on.data, basis=DEFAULT_BASIS)
    return _page(form, act_form, status=422 if form.errors else 200)


@bp.post("/acts")
@allow(*WORK_ROLES)
def create_act():
    act_form = ActForm()
    if act_form.validate():
        with form_action(act_form, field="as_of") as outcome:
            act = services.create_act(db.session, as_of=act_form.as_of.data,
                                      basis=act_form.basis.data, article=act_form.article.data,
                                      user_id=current_user.id, now=clock.now())
        if outcome.ok:
            return redirect_to(url_for("disposal.show_act", act_id=act.id))
    selection_form = SelectionForm(formdata=None, on=act_form.as_of.data or clock.today())
    return _page(selection_form, act_form, status=422)


def _act_page(act, *, status=200, destroy_form=None, cancel_form=None):
    return render("disposal/act.html", act=act,
                  rows=documents.act_rows(act),
                  destroy_form=destroy_form or DestroyForm(formdata=None,
                                                           destroyed_on=clock.today()),
                  cancel_form=cancel_form or CancelForm(formdata=None)), status


@bp.get("/acts/<int:act_id>")
@allow(*VIEW_ROLES)
def show_act(act_id: int):
    return _act_page(services.get_act(db.session, act_id))


@bp.get("/acts/<int:act_id>/act.pdf")
@allow(*VIEW_ROLES)
def act_pdf(act_id: int):
    act = services.get_act(db.session, act_id)
    pdf = documents.act_pdf(act, config=current_app.config)
    return pdf_response(pdf, f"akt-unichtozheniya-{act.number.replace('/', '-')}.pdf",
                        kind="disposal_act", object_type="disposal_act", object_id=act.id)


@bp.post("/acts/<int:act_id>/approve")
@allow(DIRECTOR)
def approve_act(act_id: int):
    act = services.get_act(db.session, act_id)
    with form_action() as outcome:
        services.approve_act(db.session, act=act, user=current_user, now=clock.now())
    if not outcome.ok and outcome.error.status_code == 403:
        raise outcome.error
    flash(f"Акт № {act.number} утверждён" if outcome.ok else outcome.message)
    return redirect_to(url_for("disposal.show_act", act_id=act_id))


@bp.post("/acts/<int:act_id>/destroy")
@allow(*WORK_ROLES)
def destroy(act_id: int):
    act = services.get_act(db.session, act_id)
    form = DestroyForm()
    if form.validate():
        with form_action(form, field="destroyed_on") as outcome:
            services.record_destruction(db.session, act=act,
                                        destroyed_on=form.destroyed_on.data,
                                        user_id=current_user.id, now=clock.now())
        if outcome.ok:
            flash(f"Уничтожение по акту № {act.number} отмечено")
            return redirect_to(url_for("disposal.show_act", act_id=act_id))
    return _act_page(services.get_act(db.session, act_id), status=422, destroy_form=form)


@bp.post("/acts/<int:act_id>/cancel")
@allow(*WORK_ROLES)
def cancel(act_id: int):
    act = services.get_act(db.session, act_id)
    form = CancelForm()
    if form.validate():
        with form_action(form, field="reason") as outcome:
            services.cancel_act(db.session, act=act, reason=form.reason.data, now=clock.now())
        if outcome.ok:
            return redirect_to(url_for("disposal.show_act", act_id=act_id))
    return _act_page(services.get_act(db.session, act_id), status=422, cancel_form=form)
