"""Inventories of the archive: order, scanning sessions per box, results, corrections."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, request, url_for
from flask_login import current_user

from ..archive import queries as archive_queries
from ..auth.roles import ARCHIVIST, CHIEF, DIRECTOR
from ..core import clock
from ..errors import NotFound
from ..extensions import db
from ..forms_common import choices
from ..web import (
    allow,
    audited_view,
    export_response,
    form_action,
    pdf_response,
    redirect_to,
    render,
)
from . import documents, queries, services
from .forms import CloseTaskForm, OpenInventoryForm
from .models import OUTCOMES, InventoryBox

bp = Blueprint("inventory", __name__, url_prefix="/archive/inventories")

WORK_ROLES = (ARCHIVIST, CHIEF)
VIEW_ROLES = (ARCHIVIST, CHIEF, DIRECTOR)



def _open_form(*, bind: bool):
    form = OpenInventoryForm() if bind else OpenInventoryForm(formdata=None)
    rooms = archive_queries.rooms(db.session)
    form.room_ids.choices = choices([(r.id, r.name) for r in rooms])
    form.rack_ids.choices = choices([(k.id, f"{r.name}, стеллаж {k.number}")
                                     for r in rooms for k in r.racks])
    return form


def _index(form, status=200):
    return render("inventory/index.html", inventories=queries.inventories(db.session),
                  tasks=queries.search_tasks(db.session, open_only=True), form=form,
                  task_form=CloseTaskForm(formdata=None)), status


@bp.get("/")
@allow(*VIEW_ROLES)
def index():
    return _index(_open_form(bind=False))


@bp.post("/")
@allow(*VIEW_ROLES)
def create():
    form = _open_form(bind=True)
    if form.validate():
        with form_action(form, field="scope_kind") as outcome:
            inventory = services.open_inventory(
                db.session, order_number=form.order_number.data,
                order_date=form.order_date.data, scope_kind=form.scope_kind.data,
                commission=form.commission.data, deadline=form.deadline.data,
                user_id=current_user.id, now=clock.now(), room_ids=form.room_ids.data or [],
                rack_ids=form.rack_ids.data or [],
                box_codes=(form.boxes.data or "").split())
        if outcome.ok:
            return redirect_to(url_for("inventory.show", inventory_id=inventory.id))
    return _index(form, status=422)


@bp.get("/<int:inventory_id>")
@allow(*VIEW_ROLES)
@audited_view("inventory", "inventory_id")
def show(inventory_id: int):
    inventory = services.get_inventory(db.session, inventory_id)
    result = queries.outcomes(db.session, inventory)
    return render("inventory/show.html", inv=inventory, result=result, outcomes=OUTCOMES,
                  tasks=queries.search_tasks(db.session, inventory_id=inventory.id),
                  task_form=CloseTaskForm(formdata=None),
                  rows=documents.discrepancy_rows(result))


def _ibox(inventory, ibox_id: int) -> InventoryBox:
    ibox = db.session.get(InventoryBox, ibox_id)
    if ibox is None or ibox.inventory_id != inventory.id:
        raise NotFound("Короб не входит в инвентаризацию")
    return ibox


@bp.get("/<int:inventory_id>/scan")
@allow(*WORK_ROLES)
def scan_page(inventory_id: int):
    inventory = services.get_inventory(db.session, inventory_id)
    current = services.inventory_box_for(db.session, inventory, request.args.get("box") or "")
    result = queries.outcomes(db.session, inventory)
    return render("inventory/scan.html", inv=inventory, current=current, scan=None,
                  progress=result, box_row=queries.box_row(result, current.id)
                  if current else None)


@bp.post("/<int:inventory_id>/scan")
@allow(*WORK_ROLES)
def scan(inventory_id: int):
    """One scanned code: a box barcode starts (resumes) its session, a folder is classified."""
    inventory = services.get_inventory(db.session, inventory_id)
    code = (request.form.get("code") or "").strip()
    current = services.inventory_box_for(db.session, inventory, request.form.get("box") or "")
    card = {"code": code, "alarm": False, "warn": False, "message": None, "scan": None,
            "box_selected": False}
    with form_action() as outcome:
        if archive_queries.find_box(db.session, code) is not None:
            ibox = services.inventory_box_for(db.session, inventory, code)
            if ibox is None:
                card.update(alarm=True, message="Короб не входит в эту инвентаризацию")
            else:
                current = services.start_box(db.session, inventory=inventory,
                                             inventory_box=ibox, user_id=current_user.id,
                                             now=clock.now())
                card["box_selected"] = True
        elif current is None:
            card.update(alarm=True, message="Сначала отсканируйте короб")
        else:
            scan_row = services.record_scan(db.session, inventory=inventory,
                                            inventory_box=current, code=code,
                                            user_id=current_user.id, now=clock.now())
            card["scan"] = scan_row
            card["alarm"] = scan_row.outcome in ("unknown", "duplicate")
            card["warn"] = scan_row.outcome == "misplaced"
    if not outcome.ok:
        card.update(alarm=True, message=outcome.message)
    result = queries.outcomes(db.session, inventory)
    response = render("inventory/scan.html", "inventory/_scan_result.html", inv=inventory,
                      current=current, card=card, progress=result,
                      box_row=queries.box_row(result, current.id) if current else None)
    response.headers["X-Scan-Box"] = current.box.barcode if current else ""
    return response


@bp.post("/<int:inventory_id>/boxes/<int:ibox_id>/state")
@allow(*WORK_ROLES)
def box_state(inventory_id: int, ibox_id: int):
    inventory = services.get_inventory(db.session, inventory_id)
    ibox = _ibox(inventory, ibox_id)
    state = request.form.get("state") or ""
    with form_action() as outcome:
        services.set_box_state(db.session, inventory=inventory, inventory_box=ibox,
                               state=state, now=clock.now())
    flash(f"Короб {ibox.box.barcode}: {ibox.state_name}" if outcome.ok else outcome.message)
    if request.form.get("back") == "scan" and state == "paused":
        return redirect_to(url_for("inventory.scan_page", inventory_id=inventory_id))
    return redirect_to(url_for("inventory.show", inventory_id=inventory_id))


def _step(inventory_id: int, action):
    inventory = services.get_inventory(db.session, inventory_id)
    with form_action() as outcome:
        message = action(inventory)
    if not outcome.ok:
        if outcome.error.status_code == 403:
            raise outcome.error
        flash(outcome.message)
    elif message:
        flash(message)
    return redirect_to(url_for("inventory.show", inventory_id=inventory_id))


@bp.post("/<int:inventory_id>/finish")
@allow(*WORK_ROLES)
def finish(inventory_id: int):
    return _step(inventory_id, lambda inv: services.finish_inventory(
        db.session, inventory=inv, now=clock.now()) and "Сканирование завершено")


@bp.post("/<int:inventory_id>/approve")
@allow(DIRECTOR)
def approve(inventory_id: int):
    return _step(inventory_id, lambda inv: services.approve_inventory(
        db.session, inventory=inv, user=current_user, now=clock.now()) and "Итоги утверждены")


@bp.post("/<int:inventory_id>/apply")
@allow(*WORK_ROLES)
def apply(inventory_id: int):
    def action(inv):
        moved, tasks = services.apply_corrections(db.session, inventory=inv,
                                                  user_id=current_user.id, now=clock.now())
        return f"Перемещено по реестру: {moved}; заданий на поиск: {tasks}"
    return _step(inventory_id, action)


@bp.get("/<int:inventory_id>/report.pdf")
@allow(*VIEW_ROLES)
def report_pdf(inventory_id: int):
    inventory = services.get_inventory(db.session, inventory_id)
    pdf = documents.report_pdf(queries.outcomes(db.session, inventory),
                               config=current_app.config)
    return pdf_response(pdf, f"inventarizaciya-{inventory.id}.pdf", kind="inventory_report",
                        object_type="inventory", object_id=inventory.id)


@bp.get("/<int:inventory_id>/report.xlsx")
@allow(*VIEW_ROLES)
def report_xlsx(inventory_id: int):
    inventory = services.get_inventory(db.session, inventory_id)
    data = documents.report_xlsx(queries.outcomes(db.session, inventory))
    return export_response(data, f"inventarizaciya-{inventory.id}.xlsx",
                           object_type="inventory", object_id=inventory.id)


@bp.post("/tasks/<int:task_id>/close")
@allow(*WORK_ROLES)
def close_task(task_id: int):
    form = CloseTaskForm()
    form.validate()
    with form_action() as outcome:
        task = services.close_search_task(db.session, task_id=task_id,
                                          found=form.result.data == "found",
                                          comment=form.comment.data, user_id=current_user.id,
                                          now=clock.now())
    if not outcome.ok:
        if outcome.error.status_code == 404:
            raise outcome.error
        flash(outcome.message)
        return redirect_to(url_for("inventory.index"))
    flash(f"Поиск дела {task.case_file.number}: {task.status_name}")
    return redirect_to(url_for("inventory.show", inventory_id=task.inventory_id))
