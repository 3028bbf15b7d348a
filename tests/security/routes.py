"""Build a concrete URL for every rule of the URL map (sample values per converter)."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

from werkzeug.routing import AnyConverter, IntegerConverter


def sample_url(app, rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        elif isinstance(converter, IntegerConverter):
            values[name] = 999_999
        else:
            values[name] = "zz-sample"
    with app.test_request_context():
        adapter = app.url_map.bind("localhost")
        return adapter.build(rule.endpoint, values, method=sorted(rule.methods - {"HEAD",
                                                                                 "OPTIONS"})[0])


def routes(app):
    """(rule, method, url) for every route but static, each method once."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, sample_url(app, rule)


class _Links(HTMLParser):
    def __init__(self, fragments: bool):
        super().__init__()
        self.fragments, self.urls = fragments, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        found = [attrs.get("href") if tag == "a" else None]
        if self.fragments:
            found.append(attrs.get("hx-get"))
        self.urls.extend(url for url in found if url)


def links(base: str, html: str, *, fragments: bool = False) -> list[str]:
    """The app's own URLs a page links to (``fragments``: and the ones it loads by htmx)."""
    parser = _Links(fragments)
    parser.feed(html)
    urls = []
    for href in parser.urls:
        url = urldefrag(urljoin(base, href))[0]
        parts = urlsplit(url)
        if parts.scheme in ("", "http") and parts.netloc in ("", "localhost"):
            urls.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return urls


# Pages per URL shape (digits folded): enough to see each kind of page, bounded in time.
PER_SHAPE = 1
MAX_PAGES = 400
# Documents are opened once per route by the route sweep; the crawls keep to pages.
DOWNLOADS = (".pdf", ".xlsx", ".csv")


def crawl(start: str = "/", *, fragments: bool = False, max_pages: int = MAX_PAGES
          ) -> Iterator[tuple[str, Callable[[str], None]]]:
    """Breadth-first over the app's pages from ``start``, one page per URL shape: yields
    (url, follow); the caller opens the url and calls ``follow(html)`` with what it got."""
    seen, shapes, todo = set(), {}, deque([start])
    while todo and len(seen) < max_pages:
        url = todo.popleft()
        shape = re.sub(r"\d+", "N", url)
        if (url in seen or shapes.get(shape, 0) >= PER_SHAPE or "/logout" in url
                or urlsplit(url).path.endswith(DOWNLOADS)):
            continue
        seen.add(url)
        shapes[shape] = shapes.get(shape, 0) + 1
        yield url, lambda html, url=url: todo.extend(links(url, html, fragments=fragments))
