"""The role × route matrix: who may open each endpoint (the machine-readable source).

Every endpoint of the app has one entry here; ``tests/security/test_matrix.py`` walks the
URL map and fails for an endpoint missing from this table or whose ``@allow``/``@public``
declaration disagrees with it, then checks the rule for every role and for an anonymous
visitor. The administrator passes every staff rule (``web.check_access``) but sees
personal data masked (``FULL_PD_ROLES``). docs/ACCESS.md is generated from this table
(``flask --app app access-matrix``).
"""

from __future__ import annotations

from ..auth.roles import ADMIN, ARCHIVIST, CHIEF, DIRECTOR, ROLE_NAMES, SPECIALIST

PUBLIC = "public"  # no login; such pages must expose no personal data
ANY_USER = "any_user"  # any logged-in staff member

INTAKE = frozenset({SPECIALIST, CHIEF})
INTAKE_MGMT = frozenset({SPECIALIST, CHIEF, DIRECTOR})
MGMT = frozenset({CHIEF, DIRECTOR})
STAFF_ARCHIVE = frozenset({SPECIALIST, CHIEF, DIRECTOR, ARCHIVIST})
ARCHIVE_WORK = frozenset({ARCHIVIST, CHIEF})
CHIEF_ONLY = frozenset({CHIEF})
ARCHIVE_OVERSIGHT = frozenset({ARCHIVIST, CHIEF, DIRECTOR})
DIRECTOR_ONLY = frozenset({DIRECTOR})
ADMIN_ONLY = frozenset({ADMIN})

# Roles that see СНИЛС and identity-document numbers in full (on the card only).
FULL_PD_ROLES = frozenset({SPECIALIST, CHIEF})

ROLES_IN_ORDER = (SPECIALIST, CHIEF, DIRECTOR, ARCHIVIST, ADMIN)

MATRIX: dict[str, frozenset | str] = {
    "admin.add_category": ADMIN_ONLY,
    "admin.calendar": ADMIN_ONLY,
    "admin.categories": ADMIN_ONLY,
    "admin.create_user_view": ADMIN_ONLY,
    "admin.edit_service": ADMIN_ONLY,
    "admin.edit_user": ADMIN_ONLY,
    "admin.index": ADMIN_ONLY,
    "admin.new_user": ADMIN_ONLY,
    "admin.rename_category": ADMIN_ONLY,
    "admin.reset_password": ADMIN_ONLY,
    "admin.save_override": ADMIN_ONLY,
    "admin.services_list": ADMIN_ONLY,
    "admin.set_category_active": ADMIN_ONLY,
    "admin.set_user_active": ADMIN_ONLY,
    "admin.update_service": ADMIN_ONLY,
    "admin.update_user": ADMIN_ONLY,
    "admin.users": ADMIN_ONLY,
    "applicants.card": INTAKE,
    "applicants.edit": INTAKE,
    "applicants.index": INTAKE,
    "applicants.new": INTAKE,
    "applicants.search": INTAKE,
    "archive.box_inventory": STAFF_ARCHIVE,
    "archive.batch_labels": ARCHIVE_WORK,
    "archive.box_labels": ARCHIVE_WORK,
    "archive.bulk_structure": ARCHIVE_WORK,
    "archive.case_label": STAFF_ARCHIVE,
    "archive.case_sheets": ARCHIVE_WORK,
    "archive.close_case": ARCHIVE_WORK,
    "archive.import_cancel": ARCHIVE_WORK,
    "archive.import_columns": ARCHIVE_WORK,
    "archive.import_confirm": ARCHIVE_WORK,
    "archive.import_page": ARCHIVE_WORK,
    "archive.import_people": ARCHIVE_WORK,
    "archive.import_preview": ARCHIVE_WORK,
    "archive.import_progress": ARCHIVE_WORK,
    "archive.import_problems": ARCHIVE_WORK,
    "archive.import_review": ARCHIVE_WORK,
    "archive.import_services": ARCHIVE_WORK,
    "archive.index": STAFF_ARCHIVE,
    "archive.inventory": STAFF_ARCHIVE,
    "archive.labels_page": ARCHIVE_WORK,
    "archive.labels_pdf": ARCHIVE_WORK,
    "archive.new_case": ARCHIVE_WORK,
    "archive.out": STAFF_ARCHIVE,
    "archive.reopen_case": ARCHIVE_WORK,
    "archive.scan": STAFF_ARCHIVE,
    "archive.scan_lookup": STAFF_ARCHIVE,
    "archive.scan_page": STAFF_ARCHIVE,
    "archive.show_batch": ARCHIVE_WORK,
    "archive.show_box": STAFF_ARCHIVE,
    "archive.show_case": STAFF_ARCHIVE,
    "archive.structure": STAFF_ARCHIVE,
    "archive.undo_batch": ARCHIVE_WORK,
    "account.change_password": ANY_USER,
    "account.csrf_token": PUBLIC,
    "account.login": PUBLIC,
    "account.logout": ANY_USER,
    "catalog.index": ANY_USER,
    "catalog.pamyatka_pdf": ANY_USER,
    "catalog.show": ANY_USER,
    "disposal.act_pdf": ARCHIVE_OVERSIGHT,
    "disposal.approve_act": DIRECTOR_ONLY,
    "disposal.cancel": ARCHIVE_WORK,
    "disposal.create_act": ARCHIVE_WORK,
    "disposal.destroy": ARCHIVE_WORK,
    "disposal.index": ARCHIVE_OVERSIGHT,
    "disposal.show_act": ARCHIVE_OVERSIGHT,
    "feedback.complaints": MGMT,
    "feedback.create_device": CHIEF_ONLY,
    "feedback.devices": CHIEF_ONLY,
    "feedback.rate": PUBLIC,
    "feedback.review": CHIEF_ONLY,
    "feedback.revoke_device": CHIEF_ONLY,
    "feedback.submit": PUBLIC,
    "feedback.tablet": PUBLIC,
    "feedback.tablet_activate": PUBLIC,
    "feedback.tablet_rate": PUBLIC,
    "home.index": ANY_USER,
    "home.open_anything": ANY_USER,
    "intake.cancel": INTAKE_MGMT,
    "intake.change_status": INTAKE_MGMT,
    "intake.create_application": INTAKE,
    "intake.list_applications": INTAKE_MGMT,
    "intake.new_application": INTAKE,
    "intake.receipt_pdf": INTAKE_MGMT,
    "intake.show_application": INTAKE_MGMT,
    "intake.transfer_register": INTAKE_MGMT,
    "intake.transfer_register_mark": INTAKE_MGMT,
    "intake.transfer_register_pdf": INTAKE_MGMT,
    "inventory.apply": ARCHIVE_WORK,
    "inventory.approve": DIRECTOR_ONLY,
    "inventory.box_state": ARCHIVE_WORK,
    "inventory.close_task": ARCHIVE_WORK,
    "inventory.create": ARCHIVE_OVERSIGHT,
    "inventory.finish": ARCHIVE_WORK,
    "inventory.index": ARCHIVE_OVERSIGHT,
    "inventory.report_pdf": ARCHIVE_OVERSIGHT,
    "inventory.report_xlsx": ARCHIVE_OVERSIGHT,
    "inventory.scan": ARCHIVE_WORK,
    "inventory.scan_page": ARCHIVE_WORK,
    "inventory.show": ARCHIVE_OVERSIGHT,
    "ops.healthz": PUBLIC,
    "prints.calibration": ANY_USER,
    "prints.favicon": PUBLIC,
    "prints.journal": ANY_USER,
    "prints.ping": PUBLIC,
    "prints.reprint": ANY_USER,
    "prints.save_setup": ANY_USER,
    "prints.service_worker": PUBLIC,
    "prints.setup": ANY_USER,
    "queue.board": PUBLIC,
    "queue.board_calls": PUBLIC,
    "queue.bookings": INTAKE,
    "queue.cancel_booking": INTAKE,
    "queue.create_booking": INTAKE,
    "queue.create_kiosk": CHIEF_ONLY,
    "queue.create_slots": INTAKE,
    "queue.desk": INTAKE,
    "queue.desk_line": INTAKE,
    "queue.desk_next": INTAKE,
    "queue.desk_release": INTAKE,
    "queue.desk_select": INTAKE,
    "queue.desk_ticket_action": INTAKE,
    "queue.index": INTAKE_MGMT,
    "queue.kiosk": PUBLIC,
    "queue.kiosk_activate": PUBLIC,
    "queue.kiosk_booking": PUBLIC,
    "queue.kiosk_issue": PUBLIC,
    "queue.kiosk_ticket": PUBLIC,
    "queue.kiosk_ticket_pdf": PUBLIC,
    "queue.kiosk_ticket_print": PUBLIC,
    "queue.panel": MGMT,
    "queue.revoke_kiosk": CHIEF_ONLY,
    "queue.save_desk": CHIEF_ONLY,
    "queue.save_purpose": CHIEF_ONLY,
    "queue.settings": CHIEF_ONLY,
    "queue.show_booking": INTAKE,
    "registry.acknowledge": ANY_USER,
    "registry.add_correspondent": INTAKE_MGMT,
    "registry.answer_appeal": INTAKE_MGMT,
    "registry.answer_received": INTAKE_MGMT,
    "registry.answer_request": INTAKE_MGMT,
    "registry.answers_received": INTAKE_MGMT,
    "registry.apply_handover": MGMT,
    "registry.applicant_lookup": INTAKE_MGMT,
    "registry.appeal_letter": INTAKE_MGMT,
    "registry.application_registry": INTAKE_MGMT,
    "registry.cancel_appeal": MGMT,
    "registry.cancel_request": INTAKE_MGMT,
    "registry.close_assignment": MGMT,
    "registry.complete_assignment": ANY_USER,
    "registry.correspondents": INTAKE_MGMT,
    "registry.document_lookup": INTAKE_MGMT,
    "registry.create_appeal": INTAKE_MGMT,
    "registry.create_assignment": MGMT,
    "registry.create_handover": MGMT,
    "registry.create_notice": INTAKE_MGMT,
    "registry.create_request": INTAKE_MGMT,
    "registry.deadlines": ANY_USER,
    "registry.extend_appeal": MGMT,
    "registry.forward_appeal": INTAKE_MGMT,
    "registry.forward_request": INTAKE_MGMT,
    "registry.handover_act": MGMT,
    "registry.list_acks": ANY_USER,
    "registry.list_appeals": INTAKE_MGMT,
    "registry.list_assignments": ANY_USER,
    "registry.list_handovers": MGMT,
    "registry.list_notices": INTAKE_MGMT,
    "registry.list_requests": INTAKE_MGMT,
    "registry.new_appeal": INTAKE_MGMT,
    "registry.new_handover": MGMT,
    "registry.new_request": INTAKE_MGMT,
    "registry.notice_pdf": INTAKE_MGMT,
    "registry.pause_request": INTAKE_MGMT,
    "registry.publish_ack": MGMT,
    "registry.publish_ack_version": MGMT,
    "registry.request_letter": INTAKE_MGMT,
    "registry.resume_request": INTAKE_MGMT,
    "registry.send_interagency": INTAKE_MGMT,
    "registry.send_notice": INTAKE_MGMT,
    "registry.show_ack": ANY_USER,
    "registry.show_appeal": INTAKE_MGMT,
    "registry.show_assignment": ANY_USER,
    "registry.show_handover": MGMT,
    "registry.show_request": INTAKE_MGMT,
    "registry.take_appeal": INTAKE_MGMT,
    "registry.take_back": MGMT,
    "registry.take_request": INTAKE_MGMT,
    "reports.export": MGMT,
    "reports.index": MGMT,
    "reports.proactive": INTAKE,
    "reports.proactive_export": INTAKE,
    "reports.proactive_letters": INTAKE,
    "reports.show": MGMT,
    "security.audit_export": ADMIN_ONLY,
    "security.audit_log": ADMIN_ONLY,
    "selections.accept_partial": INTAKE,
    "selections.bulk_outcome": INTAKE,
    "selections.cancel": INTAKE,
    "selections.decide": INTAKE,
    "selections.hit_row": INTAKE,
    "selections.index": INTAKE,
    "selections.mapping": INTAKE,
    "selections.outcome": INTAKE,
    "selections.period_report": INTAKE,
    "selections.period_report_csv": INTAKE,
    "selections.period_report_pdf": INTAKE,
    "selections.period_report_xlsx": INTAKE,
    "selections.profile": INTAKE,
    "selections.profiles": INTAKE,
    "selections.progress": INTAKE,
    "selections.report_csv": INTAKE,
    "selections.report_pdf": INTAKE,
    "selections.report_xlsx": INTAKE,
    "selections.show": INTAKE,
    "selections.start_import": INTAKE,
    "selections.stop": INTAKE,
    "selections.undo": INTAKE,
    "selections.unmatched": INTAKE,
    "selections.update_profile": INTAKE,
    "selections.upload": INTAKE,
}


def allowed_roles(endpoint: str) -> frozenset[str]:
    """Roles admitted to ``endpoint`` by the matrix (admin passes every staff rule)."""
    rule = MATRIX[endpoint]
    if rule in (PUBLIC, ANY_USER):
        return frozenset(ROLES_IN_ORDER)
    return frozenset(rule) | {ADMIN}


def admits(endpoint: str, role: str | None) -> bool:
    """Whether a visitor with ``role`` (None = anonymous) may open ``endpoint``."""
    rule = MATRIX[endpoint]
    if rule == PUBLIC:
        return True
    if role is None:
        return False
    return role in allowed_roles(endpoint)


def markdown_table(rules: dict[str, list[str]] | None = None) -> str:
    """The endpoint × role table for docs/ACCESS.md (``rules``: endpoint → URL rules)."""
    header = ["Маршрут", "URL", "Аноним"] + [ROLE_NAMES[r].split(" (")[0] for r in ROLES_IN_ORDER]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for endpoint in sorted(MATRIX):
        urls = ", ".join(f"`{u}`" for u in (rules or {}).get(endpoint, []))
        cells = [f"`{endpoint}`", urls, "✔" if admits(endpoint, None) else "—"]
        cells += ["✔" if admits(endpoint, r) else "—" for r in ROLES_IN_ORDER]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
