"""The act on selecting documents for destruction (акт о выделении к уничтожению)."""

from __future__ import annotations

from ..core.text import number_in_words, plural_ru
from ..documents import render_document
from .models import DisposalAct


def act_rows(act: DisposalAct) -> list[dict]:
    rows = []
    for item in act.items:
        cf = item.case_file
        service = cf.service
        retention = service.retention_label
        if act.article:
            retention += f", {act.article}"
        rows.append({
            "title": f"Личное дело получателя «{service.short_name}»: "
                     f"{cf.applicant.full_name}, {cf.applicant.birth_date:%d.%m.%Y} г. р.",
            "dates": cf.end_dates,
            "opis": f"{cf.year}–{cf.closed_on.year}" if cf.closed_on and
            cf.closed_on.year != cf.year else str(cf.year),
            "index": cf.number,
            "count": 1,
            "retention": retention,
            "note": f"закрыто {cf.closed_on:%d.%m.%Y}; срок истёк "
                    f"{item.expires_on:%d.%m.%Y}" if cf.closed_on else "",
        })
    return rows


def act_context(act: DisposalAct) -> dict:
    rows = act_rows(act)
    total = sum(r["count"] for r in rows)
    years = sorted({cf.year for cf in (i.case_file for i in act.items)} |
                   {cf.closed_on.year for cf in (i.case_file for i in act.items) if cf.closed_on})
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else (str(years[0]) if years else "")
    return {"act": act, "rows": rows, "total": total,
            "total_words": number_in_words(total, "n"),
            "total_noun": plural_ru(total, ("дело", "дела", "дел")),
            "years": span, "sheets": sum(i.case_file.sheets for i in act.items)}


def act_pdf(act: DisposalAct, *, config) -> bytes:
    return render_document("pdf/disposal_act.html", config=config, **act_context(act))
