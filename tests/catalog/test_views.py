"""The catalog pages: search, the памятка and its PDF."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from onewindow.catalog.models import Service

from ..pdfcheck import pdf_text

HX = {"HX-Request": "true"}


def _codes(html: str) -> set[str]:
    return set(re.findall(r'href="/services/([A-Z0-9]+)"', html))


def test_catalog_lists_every_active_service_by_group(specialist_client, session):
    html = specialist_client.get("/services/").get_data(as_text=True)
    codes = set(session.scalars(select(Service.code).where(Service.active)))
    assert len(codes) == 30
    assert _codes(html) == codes
    assert "Семьи с детьми" in html and "Ветераны и льготники" in html
    assert "data-list-input" in html and "data-item" in html


def test_search_by_words(specialist_client):
    def found(q: str) -> set[str]:
        r = specialist_client.get("/services/", query_string={"q": q}, headers=HX)
        assert r.status_code == 200
        return _codes(r.get_data(as_text=True))

    assert "GAZ" in found("газ")
    assert "DONOR" in found("донор")
    assert "DONOR" in found("ДОНОРАМ")
    egrn = found("ЕГРН")  # only a document's name mentions it
    assert "GAZ" in egrn and "DONOR" not in egrn
    assert found("Почётный донор") == found("почетный донор") == {"DONOR"}
    assert found("нечто несуществующее") == set()


def test_fragment_or_full_page(specialist_client):
    fragment = specialist_client.get("/services/?q=газ", headers=HX).get_data(as_text=True)
    assert "<html" not in fragment and "GAZ" in fragment
    full = specialist_client.get("/services/?q=газ").get_data(as_text=True)
    assert "<html" in full and 'value="газ"' in full
    assert _codes(full) == _codes(fragment)
    empty = specialist_client.get("/services/?q=zzzz", headers=HX).get_data(as_text=True)
    assert "Ничего не найдено" in empty


def test_catalog_needs_login(client):
    r = client.get("/services/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_pamyatka_page(specialist_client, session):
    html = specialist_client.get("/services/GAZ").get_data(as_text=True)
    service = session.scalar(select(Service).where(Service.code == "GAZ"))
    assert service.name in html
    assert "Компенсация на газификацию жилья" in html
    assert "Выписка из ЕГРН о правах на жилое помещение (Росреестр)" in html
    assert "запрашивается в рамках межведомственного взаимодействия" in html
    assert "30 рабочих дней" in html
    assert "Ветеран труда" in html
    assert service.department in html
    assert "/services/GAZ/pamyatka.pdf" in html
    assert "Принять заявление по этой услуге" in html
    assert specialist_client.get("/services/gaz").status_code == 200  # code is case-insensitive
    assert specialist_client.get("/services/NOPE").status_code == 404


def test_pamyatka_has_no_intake_button_for_non_intake_roles(client, users):
    from ..conftest import login

    login(client, users["archivist"])
    html = client.get("/services/DONOR").get_data(as_text=True)
    assert "Ежегодная выплата почётным донорам" in html
    assert "Принять заявление по этой услуге" not in html


def test_pamyatka_pdf_text(specialist_client):
    r = specialist_client.get("/services/DONOR/pamyatka.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = " ".join(pdf_text(r.data).split())
    assert "ПАМЯТКА ЗАЯВИТЕЛЮ" in text
    assert "Ежегодная выплата почётным донорам" in text
    assert "Паспорт гражданина Российской Федерации" in text
    assert "Сведения о награждении знаком «Почётный донор России» (ФМБА России)" in text
    assert "Запрашиваются в рамках межведомственного взаимодействия" in text
    assert "10 рабочих дней" in text
    assert "тел. +7 (8442) 00-00-00" in text


def test_every_pamyatka_is_one_a4_page(specialist_client, session):
    services = list(session.scalars(select(Service).order_by(Service.code)))
    assert len(services) == 30
    for service in services:
        r = specialist_client.get(f"/services/{service.code}/pamyatka.pdf")
        assert r.status_code == 200, service.code
        reader = PdfReader(io.BytesIO(r.data))
        assert len(reader.pages) == 1, service.code
        box = reader.pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == (595, 842)
        text = " ".join(pdf_text(r.data).split())
        assert " ".join(service.short_name.split()) in text, service.code
