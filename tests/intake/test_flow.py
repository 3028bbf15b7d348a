"""The whole intake through the Flask test client."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from onewindow.applicants.models import Applicant
from onewindow.intake.models import Application

from ..pdfcheck import decode_barcodes, pdf_text, require_tool

HX = {"HX-Request": "true"}


def _new_applicant_form(**overrides):
    data = {
        "surname": "Щукина-Ёлкина", "name": "Алёна", "patronymic": "Фёдоровна",
        "birth_date": "01.05.1980", "sex": "F", "snils": "112-233-445 95",
        "id_doc_type": "passport_ru", "id_doc_series": "1804", "id_doc_number": "123456",
        "id_doc_issued_by": "ГУ МВД России по Волгоградской области",
        "id_doc_issue_date": "15.06.2005", "address": "г. Волгоград, ул. Титова, д. 5",
        "phone": "+7 900 111-22-33",
    }
    data.update(overrides)
    return data


def test_full_intake(specialist_client, session):
    client = specialist_client
    r = client.post("/applicants/new", data=_new_applicant_form())
    assert r.status_code == 303, r.get_data(as_text=True)
    applicant_id = int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])

    found = client.post("/applicants/search", data={"q": "щукина-елкина а"}, headers=HX)
    assert found.status_code == 200
    assert "Щукина-Ёлкина Алёна Фёдоровна" in found.get_data(as_text=True)
    assert "<html" not in found.get_data(as_text=True)

    form = client.get(f"/applications/new?applicant_id={applicant_id}&service=GAZ")
    html = form.get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([0-9a-f]+)"', html).group(1)
    data = {"applicant_id": applicant_id, "service": "GAZ", "idempotency_key": key,
            "doc-1-received": "1", "doc-1-sheets": "2", "doc-2-received": "1",
            "extra-1-name": "Справка <b>из ТСЖ</b>", "extra-1-sheets": "1"}
    r1 = client.post("/applications/", data=data)
    assert r1.status_code == 303
    r2 = client.post("/applications/", data=data)  # browser resubmit
    assert r2.headers["Location"] == r1.headers["Location"]
    assert session.scalar(select(func.count(Application.id))) == 1
    app_row = session.scalar(select(Application))
    assert re.fullmatch(r"\d{4}-000001", app_row.number)

    page = client.get(r1.headers["Location"]).get_data(as_text=True)
    assert app_row.number in page
    assert "Справка &lt;b&gt;из ТСЖ&lt;/b&gt;" in page

    pdf = client.get(f"/applications/{app_row.id}/receipt.pdf")
    assert pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.data)
    assert "Щукина-Ёлкина Алёна Фёдоровна" in text
    assert "112-233-445 95" in text
    assert "Справка <b>из ТСЖ</b>" in text
    assert "межведомственного взаимодействия" in text
    require_tool("zbarimg")
    code128 = ("code128",)
    assert decode_barcodes(pdf.data, dpi=300, symbologies=code128) == [app_row.number]
    assert decode_barcodes(pdf.data, dpi=203, mono=True, symbologies=code128) == [app_row.number]


def test_bad_applicant_input_is_422_with_messages(specialist_client, session):
    r = specialist_client.post(
        "/applicants/new", headers=HX,
        data=_new_applicant_form(snils="112-233-445 96", birth_date="01.01.2099", surname=""),
    )
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Неверная контрольная сумма СНИЛС" in html or "СНИЛС" in html
    assert "Обязательное поле" in html
    assert session.scalar(select(func.count(Applicant.id))) == 0
