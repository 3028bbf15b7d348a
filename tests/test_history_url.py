"""A refused form answered with a page puts the address bar back on the form's page."""

from __future__ import annotations

import re

from sqlalchemy import select

from onewindow.registry.models import Request

from .registry.helpers import make_incoming

META = re.compile(r'<meta name="onewindow-history-url" content="([^"]+)">')


def test_refused_post_names_the_page_it_came_from(specialist_client, session, users):
    client = specialist_client
    req = make_incoming(session, user=users["specialist"])
    session.commit()
    page = f"/registry/requests/{req.id}"
    refused = client.post(f"{page}/answer", data={"text": "", "signed_by": ""},
                          headers={"Referer": f"http://localhost{page}?tab=1"})
    assert refused.status_code == 422
    assert META.search(refused.text).group(1) == f"{page}?tab=1"
    # Another site's page is never put in the address bar; htmx requests keep their URL.
    foreign = client.post(f"{page}/answer", data={"text": ""},
                          headers={"Referer": "http://evil.example/x"})
    assert foreign.status_code == 422 and not META.search(foreign.text)
    hx = client.post(f"{page}/answer", data={"text": ""},
                     headers={"Referer": f"http://localhost{page}", "HX-Request": "true"})
    assert not META.search(hx.text)
    # A plain GET page has no such tag.
    assert not META.search(client.get(page).text)
    assert session.scalar(select(Request)).status != "answered"
