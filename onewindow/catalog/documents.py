"""Data for the catalog's PDF: the памятка for the citizen."""

from __future__ import annotations

from ..documents import render_document


def pamyatka_pdf(service, *, config) -> bytes:
    """One A4 page: what the service is, who may apply, what to bring, how long it takes."""
    return render_document(
        "pdf/pamyatka.html", config=config, service=service,
        to_bring=[d for d in service.documents if not d.interagency],
        interagency=[d for d in service.documents if d.interagency],
    )
