"""Render a PDF template (templates/pdf/) with the institution's details."""

from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from .printing.barcodes import barcode_tag
from .printing.pdf import BASE_CSS, render_pdf


def render_document(template: str, *, config, **context) -> bytes:
    html = render_template(
        template,
        base_css=Markup(BASE_CSS),  # noqa: S704 - our own constant, not user data
        barcode=barcode_tag,
        institution={
            "name": config["INSTITUTION_NAME"],
            "short_name": config["INSTITUTION_SHORT_NAME"],
            "address": config["INSTITUTION_ADDRESS"],
            "phone": config["INSTITUTION_PHONE"],
            "sector": config["SECTOR_NAME"],
        },
        **context,
    )
    return render_pdf(html)
