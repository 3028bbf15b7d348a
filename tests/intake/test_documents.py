"""Receipt (two copies) and the daily transfer register as PDFs."""

from __future__ import annotations

import io
from datetime import datetime

from pypdf import PdfReader
from sqlalchemy import select

from onewindow.catalog.models import Service
from onewindow.core import clock
from onewindow.intake.models import Application

from ..conftest import login
from ..factories import make_applicant, make_application
from ..pdfcheck import decode_barcodes, pdf_text, require_tool


def test_receipt_two_copies_and_register(client, users, session):
    user = users["specialist"]
    applicant = make_applicant(session, surname="Римская-Корсакова", name="Ёлка",
                               patronymic="Щукинична", snils="11223344595")
    today = clock.today()
    first = make_application(session, user=user, applicant=applicant, service_code="ESP",
                             now=datetime.combine(today, datetime.min.time()).replace(hour=9))
    second = make_application(session, user=user, service_code="DONOR",
                              now=datetime.combine(today, datetime.min.time()).replace(hour=10))
    session.commit()
    first_id, first_number, second_number = first.id, first.number, second.number
    login(client, user)

    r = client.get(f"/applications/{first_id}/receipt.pdf?copies=2")
    assert r.status_code == 200 and r.headers["Content-Disposition"].startswith("inline")
    assert len(PdfReader(io.BytesIO(r.data)).pages) == 2
    text = pdf_text(r.data)
    assert text.count("Римская-Корсакова Ёлка Щукинична") == 2
    assert "Экземпляр заявителя" in text and "Экземпляр для личного дела" in text
    assert "112-233-445 95" in text
    require_tool("zbarimg")
    decoded = decode_barcodes(r.data, dpi=203, mono=True, symbologies=("code128",))
    assert decoded == [first_number, first_number]

    register = client.get(f"/applications/register.pdf?day={today.isoformat()}")
    text = pdf_text(register.data)
    assert first_number in text and second_number in text
    assert "Римская-Корсакова Ёлка Щукинична" in text
    assert text.count("Всего заявлений: 1") == 2  # ESP and DONOR go to different departments

    moved = client.post(f"/applications/register/transfer?day={today.isoformat()}",
                        data={"expected": "2"})
    assert moved.status_code == 303
    session.expire_all()
    assert session.get(type(first), first_id).status == "transferred"


def test_receipt_carries_a_feedback_qr_code(client, users, session):
    from ..pdfcheck import decode_barcodes as decode

    application = make_application(session, user=users["specialist"])
    session.commit()
    app_id = application.id
    login(client, users["specialist"])
    pdf = client.get(f"/applications/{app_id}/receipt.pdf").data
    require_tool("zbarimg")
    decoded = decode(pdf, dpi=300, symbologies=("qrcode",))
    assert len(decoded) == 1 and "/r/" in decoded[0]
    from urllib.parse import urlsplit

    page = client.get(urlsplit(decoded[0]).path)
    assert page.status_code == 200 and "Оцените" in page.get_data(as_text=True)


def test_receipt_lists_representative_missing_and_interagency_documents(client, users, session):
    user = users["specialist"]
    application = make_application(
        session, user=user, service_code="GAZ", received=[0],
        representative_name="Щукин Пётр Ильич", representative_document="доверенность № 7")
    session.commit()
    missing = [d.name for d in application.missing_documents]
    interagency = [d.name for d in application.interagency_documents]
    received = application.received_documents[0].name
    deadline, number = application.deadline, application.number
    assert missing and interagency  # the catalog's GAZ checklist has both kinds
    login(client, user)

    r = client.get(f"/applications/{application.id}/receipt.pdf?copies=1")
    assert r.status_code == 200 and len(PdfReader(io.BytesIO(r.data)).pages) == 1
    text = " ".join(pdf_text(r.data).split())
    assert "Представитель: Щукин Пётр Ильич (доверенность № 7)" in text
    assert f"1 {received}" in text and "Итого 2" in text
    assert "Не представлены обязательные документы:" in text
    assert all(f"— {name}" in text for name in missing)
    assert "Запрашиваются в рамках межведомственного взаимодействия" in text
    assert all(f"— {name}" in text for name in interagency)
    assert f"не позднее {deadline:%d.%m.%Y}" in text
    assert f"{user.short_name} ___" in text and "Экземпляр" not in text
    require_tool("zbarimg")
    assert decode_barcodes(r.data, dpi=300, symbologies=("code128",)) == [number]


def test_transfer_register_has_one_section_per_receiving_department(client, users, session):
    user = users["specialist"]
    nine = datetime.combine(clock.today(), datetime.min.time()).replace(hour=9)
    for k, code in enumerate(("GAZ", "EDV", "RAD", "GAZ")):
        make_application(session, user=user, service_code=code, now=nine.replace(minute=k))
    session.commit()
    departments = {code: session.scalar(select(Service.department).where(Service.code == code))
                   for code in ("GAZ", "EDV", "RAD")}
    login(client, user)
    pdf = client.get(f"/applications/register.pdf?day={clock.today().isoformat()}").data
    pages = [p for p in pdf_text(pdf).split("\f") if p.strip()]
    assert len(pages) == len(PdfReader(io.BytesIO(pdf)).pages)
    sections = {d: [p for p in pages if f"в отдел: {d}" in " ".join(p.split())]
                for d in set(departments.values())}
    assert len(pages) == len(set(departments.values())) >= 2
    assert all(len(found) == 1 for found in sections.values())
    gaz_page = sections[departments["GAZ"]][0]
    assert "Всего заявлений: 2" in gaz_page and gaz_page.count("Принял") == 1


def test_marking_the_day_transferred_needs_the_confirmed_count(client, users, session):
    user = users["specialist"]
    nine = datetime.combine(clock.today(), datetime.min.time()).replace(hour=9)
    ids = [make_application(session, user=user, service_code=code, now=nine.replace(minute=k)).id
           for k, code in enumerate(("GAZ", "EDV"))]
    session.commit()
    login(client, user)
    url = f"/applications/register/transfer?day={clock.today().isoformat()}&user_id={user.id}"
    page = client.get(f"/applications/register?day={clock.today().isoformat()}")
    assert 'name="expected" value="2"' in page.get_data(as_text=True)
    assert "Отметить 2 заявления как переданные" in page.get_data(as_text=True)
    for data in ({}, {"expected": "1"}, {"expected": "все"}):
        refused = client.post(url, data=data, follow_redirects=True)
        assert "ничего не отмечено" in refused.get_data(as_text=True)
        session.expire_all()
        assert {session.get(Application, i).status for i in ids} == {"accepted"}
    done = client.post(url, data={"expected": "2"})
    assert done.status_code == 303
    session.expire_all()
    assert {session.get(Application, i).status for i in ids} == {"transferred"}
