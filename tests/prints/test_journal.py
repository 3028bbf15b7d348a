"""Print journal: every PDF is recorded in its request, re-prints are the stored bytes."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta

from sqlalchemy import func, select

from onewindow.core import clock
from onewindow.intake.models import Application
from onewindow.numbering import NumberCounter
from onewindow.prints import services
from onewindow.prints.models import PrintedDocument

from ..conftest import login
from ..factories import make_application
from ..pdfcheck import decode_barcodes, pdf_text, require_tool


def _entries(session):
    session.rollback()  # the server has written since
    return list(session.scalars(select(PrintedDocument).order_by(PrintedDocument.id)))


def test_receipt_is_recorded_and_reprinted_identically(client, users, session):
    application = make_application(session, user=users["specialist"])
    session.commit()
    app_id, number = application.id, application.number
    counters = session.scalar(select(func.sum(NumberCounter.value)))
    login(client, users["specialist"])

    r = client.get(f"/applications/{app_id}/receipt.pdf?copies=1")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    [entry] = _entries(session)
    assert (entry.kind, entry.object_type, entry.object_id) == ("receipt", "application",
                                                                str(app_id))
    assert entry.user_id == users["specialist"].id
    assert entry.filename == f"raspiska-{number}.pdf"
    assert entry.content == r.data and entry.sha256 == hashlib.sha256(r.data).hexdigest()
    assert entry.url == f"/applications/{app_id}/receipt.pdf?copies=1"
    assert json.loads(entry.params) == {"copies": ["1"]}
    assert r.headers["X-Print-Id"] == str(entry.id)
    entry_id = entry.id

    again = client.get(f"/prints/{entry_id}.pdf")
    assert again.status_code == 200 and again.mimetype == "application/pdf"
    assert again.data == r.data  # byte-identical: same number, same content
    assert number in pdf_text(again.data)
    require_tool("zbarimg")
    codes = decode_barcodes(again.data, dpi=300)
    assert number in codes and codes == decode_barcodes(r.data, dpi=300)
    # A re-print issues nothing: no new application, no counter moved, no new journal row.
    session.rollback()
    assert session.scalar(select(func.count(Application.id))) == 1
    assert session.scalar(select(func.sum(NumberCounter.value))) == counters
    assert len(_entries(session)) == 1

    page = client.get(f"/applications/{app_id}").get_data(as_text=True)
    assert f"/prints/{entry_id}.pdf" in page and "Напечатанные документы" in page
    journal = client.get("/prints/").get_data(as_text=True)
    assert f"/prints/{entry_id}.pdf" in journal and f"raspiska-{number}.pdf" in journal


def test_reprint_rights_follow_the_document_kind(client, users, session):
    application = make_application(session, user=users["specialist"])
    session.commit()
    app_id = application.id
    login(client, users["specialist"])
    client.get(f"/applications/{app_id}/receipt.pdf")
    entry_id = _entries(session)[0].id
    client.post("/logout")

    login(client, users["archivist"])
    assert client.get(f"/prints/{entry_id}.pdf").status_code == 403
    assert f"/prints/{entry_id}.pdf" not in client.get("/prints/?all=1").get_data(as_text=True)
    client.post("/logout")

    login(client, users["chief"])
    assert client.get(f"/prints/{entry_id}.pdf").status_code == 200
    assert f"/prints/{entry_id}.pdf" in client.get("/prints/?all=1").get_data(as_text=True)
    # without "all" the chief sees only own prints
    assert f"/prints/{entry_id}.pdf" not in client.get("/prints/").get_data(as_text=True)


def test_every_landed_area_records_its_documents(client, users, session):
    from onewindow.archive import services as archive_services

    from ..archive.helpers import make_box, make_case_file

    user = users["chief"]
    application = make_application(session, user=user, now=clock.now())
    case_file = make_case_file(session, user=user)
    box = make_box(session)
    archive_services.place_case_file(session, case_file=case_file, box=box, user_id=None,
                                     now=clock.now())
    session.commit()
    box_id, case_id = box.id, case_file.id
    login(client, user)
    urls = [
        "/services/ESP/pamyatka.pdf",
        f"/applications/{application.id}/receipt.pdf",
        "/applications/register.pdf",
        f"/archive/cases/{case_id}/label.pdf",
        f"/archive/boxes/labels.pdf?ids={box_id}",
        f"/archive/boxes/{box_id}/inventory.pdf",
    ]
    for url in urls:
        r = client.get(url)
        assert r.status_code == 200 and r.mimetype == "application/pdf", url
    kinds = [e.kind for e in _entries(session)]
    assert kinds == ["pamyatka", "receipt", "transfer_register", "folder_labels", "box_labels",
                     "inventory"]
    by_kind = {e.kind: e.id for e in _entries(session)}
    case_page = client.get(f"/archive/cases/{case_id}").get_data(as_text=True)
    # The label preview on the case page is not a print.
    assert "preview=1" in case_page
    preview = client.get(f"/archive/cases/{case_id}/label.pdf?format=thermal&preview=1")
    assert preview.status_code == 200 and "X-Print-Id" not in preview.headers
    assert len(_entries(session)) == len(kinds)
    assert f"/prints/{by_kind['folder_labels']}.pdf" in case_page
    box_page = client.get(f"/archive/boxes/{box_id}").get_data(as_text=True)
    assert f"/prints/{by_kind['inventory']}.pdf" in box_page


def test_retention_purges_bytes_but_keeps_the_row(client, users, session):
    application = make_application(session, user=users["specialist"])
    session.commit()
    app_id = application.id
    login(client, users["specialist"])
    client.get(f"/applications/{app_id}/receipt.pdf?copies=2")
    entry = _entries(session)[0]
    entry.printed_at = clock.now() - timedelta(days=400)
    session.commit()
    entry_id = entry.id
    session.close()
    from onewindow.database import set_write_intent

    set_write_intent(True)
    assert services.purge_expired(session, now=clock.now(), days=180) == 1
    session.commit()
    set_write_intent(False)
    [kept] = _entries(session)
    assert kept.content is None and kept.content_purged_at is not None and kept.sha256
    r = client.get(f"/prints/{entry_id}.pdf")
    assert r.status_code == 303
    assert r.headers["Location"].endswith(f"/applications/{app_id}/receipt.pdf?copies=2")


def test_service_worker_is_served_from_the_root(client, session):
    r = client.get("/sw.js")
    assert r.status_code == 200
    assert r.headers["Service-Worker-Allowed"] == "/"
    assert r.mimetype == "text/javascript"
    assert "addEventListener(\"fetch\"" in r.get_data(as_text=True)
    assert client.get("/ping").status_code == 204
    static = client.get("/static/offline.html")
    offline = static.get_data(as_text=True)
    static.close()
    assert "Нет связи с сервером" in offline and "<script src=" in offline
    assert not re.search(r"<script>|style=", offline)


def test_retry_with_the_same_token_after_a_lost_response_creates_one(
        specialist_client, session):
    from ..factories import make_applicant

    applicant = make_applicant(session)
    session.commit()
    applicant_id = applicant.id
    html = specialist_client.get(f"/applications/new?applicant_id={applicant_id}&service=ESP")
    key = re.search(r'name="idempotency_key" type="hidden" value="([0-9a-f]+)"',
                    html.get_data(as_text=True)).group(1)
    data = {"applicant_id": applicant_id, "service": "ESP", "idempotency_key": key,
            "doc-1-received": "1", "doc-1-sheets": "2"}
    first = specialist_client.post("/applications/", data=data)
    # The network dropped: the desk never saw this answer and submits the kept form again.
    del first
    retry = specialist_client.post("/applications/", data=data)
    assert retry.status_code == 303
    session.rollback()
    assert session.scalar(select(func.count(Application.id))) == 1
    only = session.scalar(select(Application))
    assert retry.headers["Location"].endswith(f"/applications/{only.id}?registered=1") or \
        f"/applications/{only.id}" in retry.headers["Location"]


def test_print_and_reprint_are_audited_in_the_journal_transaction(client, users, session):
    from ..journal import audited

    application = make_application(session, user=users["specialist"])
    session.commit()
    app_id = application.id
    login(client, users["specialist"])
    r = client.get(f"/applications/{app_id}/receipt.pdf")
    entry_id = r.headers["X-Print-Id"]
    # One audit row per print (the view no longer audits on its own), naming the journal entry.
    assert audited(session, "print") == [("application", str(app_id), users["specialist"].id)]
    client.post("/logout")
    login(client, users["chief"])
    assert client.get(f"/prints/{entry_id}.pdf").status_code == 200
    assert audited(session, "print") == [("application", str(app_id), users["specialist"].id),
                                         ("application", str(app_id), users["chief"].id)]
    from onewindow.security.models import AuditEntry

    details = [e.details for e in session.scalars(
        select(AuditEntry).where(AuditEntry.action == "print").order_by(AuditEntry.id))]
    assert details == [f"Расписка, журнал печати № {entry_id}",
                       f"Расписка, повторная печать № {entry_id}"]


def test_a_busy_day_of_the_journal_is_paged(client, users, session):
    """Everyone's prints of a busy day pass the 300 the journal used to stop at, silently."""
    chief = users["chief"]
    now = clock.now()
    session.add_all(PrintedDocument(
        kind="receipt", filename=f"raspiska-{i}.pdf", user_id=chief.id,
        printed_at=now - timedelta(seconds=i), url="/x", params="{}", sha256="0" * 64, size=1,
        content=b"%PDF") for i in range(230))
    session.commit()
    login(client, chief)
    first = client.get("/prints/?all=1").text
    assert "страница 1 из 3 · всего 230" in first
    assert "raspiska-0.pdf" in first and "raspiska-100.pdf" not in first
    last = client.get(f"/prints/?all=1&day={now.date().isoformat()}&page=3").text
    assert "raspiska-229.pdf" in last and "raspiska-0.pdf" not in last
