"""The shared PDF test helpers themselves."""

from __future__ import annotations

import pytest

from onewindow.printing.pdf import BASE_CSS, render_pdf
from tests import pdfcheck

PHRASE = "Расписка в приёме документов: Иванова Ёлка Щукинична"


@pytest.fixture
def no_tools(monkeypatch):
    monkeypatch.setattr(pdfcheck.shutil, "which", lambda name: None)


def test_require_tool_skips_locally(no_tools, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"apt-get install zbar-tools"):
        pdfcheck.require_tool("zbarimg")


def test_require_tool_fails_on_ci(no_tools, monkeypatch):
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match=r"pdftoppm not installed"):
        pdfcheck.require_tool("pdftoppm")


def test_pdf_text_falls_back_to_pypdf(monkeypatch):
    pdf = render_pdf(f"<html><head><style>{BASE_CSS}</style></head><body><p>{PHRASE}</p></body>")
    assert pdfcheck.pdf_text_backend() in {"pdftotext", "pypdf"}
    monkeypatch.setattr(pdfcheck.shutil, "which", lambda name: None)
    assert pdfcheck.pdf_text_backend() == "pypdf"
    assert PHRASE in pdfcheck.pdf_text(pdf)
