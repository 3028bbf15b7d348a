"""Registers as offices keep them, built in the tests: XLSX with date cells, CSV in cp1251/UTF-8."""

from __future__ import annotations

import csv
import io
import re
from html import unescape
from pathlib import Path

from openpyxl import Workbook

from onewindow.archive import import_jobs, importing


def xlsx(header: list, rows: list[list], *, title: str | None = None) -> bytes:
    """A workbook; cells keep their Python types (dates become real Excel date cells)."""
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def text(header: list, rows: list[list], *, encoding: str = "cp1251",
         delimiter: str = ";") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for r in rows:
        writer.writerow(["" if v is None else v for v in r])
    return buf.getvalue().encode(encoding)


def read(data: bytes, filename: str, folder: Path, mapping: dict | None = None):
    """(head, mapping, rows) of a register file, with the proposed mapping unless given."""
    fmt = importing.register_format(filename)
    importing.check_upload(data, fmt)
    path = folder / f"register.{fmt}"
    path.write_bytes(data)
    head = importing.read_head(path, fmt)
    mapping = importing.clean_mapping(mapping or importing.guess_mapping(head.columns),
                                      head.columns)
    return head, mapping, importing.read_rows(path, fmt, head=head, mapping=mapping)


_TOKEN = re.compile(r'name="token" type="hidden" value="([0-9a-f]{32})"')
_SELECT = re.compile(r'<select id="map-(\w+)" name="map-\w+"[^>]*>(.*?)</select>', re.S)
_SELECTED = re.compile(r'<option value="([^"]*)" selected>')


def proposed_mapping(html: str) -> dict[str, str]:
    """The mapping the columns step proposes (the selected option of each field)."""
    mapping = {}
    for field_name, options in _SELECT.findall(html):
        chosen = _SELECTED.search(options)
        if chosen and chosen.group(1):
            mapping[field_name] = unescape(chosen.group(1))
    return mapping


def upload(client, data: bytes, filename: str) -> tuple[str, str]:
    """Upload a register through the page: (token, the columns step's HTML)."""
    response = client.post("/archive/import", data={"file": (io.BytesIO(data), filename)},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    return _TOKEN.search(html).group(1), html


def after_job(client, token: str, response):
    """A step that starts a background job answers with the progress page: wait for the
    job, then return what the progress page says (a redirect to the preview or batch)."""
    if response.status_code != 303:
        return response
    assert response.headers["Location"].endswith(f"/archive/import/{token}/progress")
    import_jobs.wait(token, timeout=120)
    assert not import_jobs.is_alive(token)
    return client.get(response.headers["Location"])


def check_columns(client, token: str, mapping: dict[str, str], *, profile_name: str = ""):
    """Submit the mapping; returns the response (a redirect to the preview when checked)."""
    data = {f"map-{f}": c for f, c in mapping.items()}
    data.update(token=token, profile_name=profile_name)
    return after_job(client, token, client.post("/archive/import/columns", data=data))


def confirm(client, token: str, *, good_only: bool = False):
    """Import the checked rows; returns the redirect to the batch (after the job)."""
    data = {"token": token, "good_only": "y"} if good_only else {"token": token}
    return after_job(client, token, client.post("/archive/import/confirm", data=data))


def upload_and_check(client, data: bytes, filename: str) -> tuple[str, str]:
    """Upload, accept the proposed columns: (token, the preview's HTML)."""
    token, html = upload(client, data, filename)
    response = check_columns(client, token, proposed_mapping(html))
    assert response.status_code == 303, response.get_data(as_text=True)
    return token, client.get(response.headers["Location"]).get_data(as_text=True)
