"""HTML -> PDF rendering through xhtml2pdf.

Font trap (xhtml2pdf 0.2.28): every resource a document reads -- including
``@font-face`` files -- goes through ``xhtml2pdf.config.resources``'s
``ResourceAccessPolicy``. When the caller passes no policy, ``pisaDocument``
uses ``default_policy()``, which confines local reads to the *current working
directory*. Fonts living in site-packages are then "Blocked by the resource
policy" (only a log warning) and the text silently falls back to Helvetica,
which has no Cyrillic glyphs. xhtml2pdf also does not look up fonts registered
directly with ReportLab by family name (each document starts from a copy of
``xhtml2pdf.default.DEFAULT_FONT``).

So :func:`render_pdf` passes an explicit policy (``resource_policy=``) whose
only readable roots are :data:`~onewindow.printing.fonts.FONT_DIR` and the
optional static folder, with remote fetching off. :data:`BASE_CSS` declares
the Roboto faces with ``@font-face`` using absolute paths inside FONT_DIR.
xhtml2pdf registers each face with ReportLab once per process (it caches by
name and file digest), so repeated renders do not re-parse the TTF files.

On top of the policy, :func:`make_link_callback` rewrites every URI the
document mentions: only font files and files under the static folder map to
real paths; everything else becomes :data:`BLOCKED_URI`, an empty ``data:``
URI that xhtml2pdf treats as a missing resource (nothing is fetched).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

from .fonts import FONT_DIR, FONT_FAMILY, FONT_FILES, map_family, register_fonts

__all__ = [
    "BASE_CSS",
    "BLOCKED_URI",
    "FONT_FACE_CSS",
    "PdfRenderError",
    "make_link_callback",
    "render_pdf",
    "resource_policy",
]


#: What a refused URI is rewritten to: an empty inline resource. xhtml2pdf
#: sees "no data" and skips the image/stylesheet without any I/O.
#: (A falsy return value would NOT do: xhtml2pdf then keeps the original URI.)
BLOCKED_URI = "data:,"

#: URL prefix under which templates refer to the static folder.
STATIC_URL_PATH = "/static/"


class PdfRenderError(RuntimeError):
    """xhtml2pdf reported errors while converting a document."""


def _css_path(path: Path) -> str:
    # Forward slashes: backslashes are escapes inside CSS strings (Windows).
    return path.as_posix().replace('"', '\\"')


def _font_face_css() -> str:
    rules = []
    for (bold, italic), path in FONT_FILES.items():
        rules.append(
            "@font-face {\n"
            f"  font-family: {FONT_FAMILY};\n"
            f'  src: url("{_css_path(path)}");\n'
            f"  font-weight: {'bold' if bold else 'normal'};\n"
            f"  font-style: {'italic' if italic else 'normal'};\n"
            "}\n"
        )
    return "".join(rules)


#: The four Roboto faces as @font-face rules (absolute paths inside FONT_DIR).
FONT_FACE_CSS: str = _font_face_css()

#: Base stylesheet for PDF templates: ``<style>{{ BASE_CSS }}</style>``.
BASE_CSS: str = (
    FONT_FACE_CSS
    + """
@page {
  size: a4 portrait;
  margin: 15mm 15mm 15mm 15mm;
}
html, body, p, div, span, td, th, li, h1, h2, h3, h4 {
  font-family: Roboto;
}
body {
  font-size: 10pt;
  line-height: 1.3;
  color: #000000;
}
h1 { font-size: 14pt; font-weight: bold; margin: 0 0 4mm 0; }
h2 { font-size: 12pt; font-weight: bold; margin: 0 0 3mm 0; }
h3 { font-size: 11pt; font-weight: bold; margin: 0 0 2mm 0; }
p { margin: 0 0 2mm 0; }
table { width: 100%; }
th, td {
  padding: 1mm 1.5mm;
  vertical-align: top;
  text-align: left;
}
th { font-weight: bold; background-color: #eeeeee; }
table.grid th, table.grid td { border: 0.5pt solid #000000; }
.small { font-size: 8pt; }
.muted { color: #555555; }
.right { text-align: right; }
.center { text-align: center; }
.nowrap { white-space: nowrap; }
.barcode { margin: 1mm 0; }
"""
)


def _within(path: Path, root: Path) -> bool:
    return path == root or path.is_relative_to(root)


def make_link_callback(
    static_folder: str | os.PathLike[str] | None = None,
    *,
    static_url_path: str = STATIC_URL_PATH,
) -> Callable[[str, str | None], str]:
    """Build an xhtml2pdf ``link_callback`` that resolves only trusted files.

    Resolved to a real path:
      * the app's own font files (anything under FONT_DIR),
      * ``/static/<rel>`` or ``static/<rel>`` -> ``<static_folder>/<rel>``,
      * absolute paths / ``file://`` URIs that resolve inside the static folder.
    ``data:`` URIs are passed through unchanged (inline content, nothing to fetch).
    Everything else -- http(s) and other schemes, paths elsewhere on disk,
    ``../`` traversal out of the static folder, symlinks pointing out of it --
    returns :data:`BLOCKED_URI`.
    """
    roots: list[Path] = [FONT_DIR]
    static_root: Path | None = None
    if static_folder is not None:
        static_root = Path(static_folder).resolve()
        roots.append(static_root)
    prefix = "/" + static_url_path.strip("/") + "/"

    def _allowed(candidate: Path) -> str:
        try:
            resolved = candidate.resolve()
        except (OSError, ValueError):
            return BLOCKED_URI
        if any(_within(resolved, root) for root in roots) and resolved.is_file():
            return str(resolved)
        return BLOCKED_URI

    def link_callback(uri: str, rel: str | None = None) -> str:
        if not isinstance(uri, str) or not uri or "\x00" in uri:
            return BLOCKED_URI
        uri = uri.strip()
        if uri.startswith("data:"):
            return uri
        parts = urlsplit(uri)
        scheme = parts.scheme.lower()
        if scheme == "file":
            if parts.netloc not in ("", "localhost"):
                return BLOCKED_URI
            return _allowed(Path(url2pathname(parts.path)))
        # A one-letter "scheme" is a Windows drive letter (C:/...);
        # a netloc without a scheme is a protocol-relative URL (//host/x).
        if (scheme and len(scheme) > 1) or parts.netloc:
            return BLOCKED_URI
        path_str = unquote(uri) if not scheme else uri
        if static_root is not None:
            for static_prefix in (prefix, prefix.lstrip("/")):
                if path_str.startswith(static_prefix):
                    return _allowed(static_root / path_str[len(static_prefix) :])
        candidate = Path(path_str)
        if candidate.is_absolute():
            return _allowed(candidate)
        # Relative paths (including ../ tricks) resolve against nothing we trust.
        return BLOCKED_URI

    return link_callback


def resource_policy(
    static_folder: str | os.PathLike[str] | None = None,
) -> ResourceAccessPolicy:
    """xhtml2pdf resource policy: no network, local reads only in FONT_DIR/static."""
    roots = [FONT_DIR]
    if static_folder is not None:
        roots.append(Path(static_folder).resolve())
    return ResourceAccessPolicy.server(
        base_dir=None,
        extra_roots=tuple(roots),
        allow_remote=False,
    )


_DEFAULT_POLICY = resource_policy()
_DEFAULT_CALLBACK = make_link_callback()


def render_pdf(
    html: str,
    *,
    static_folder: str | os.PathLike[str] | None = None,
) -> bytes:
    """Render an HTML document (which should include BASE_CSS) to PDF bytes.

    Independent of the current working directory. Raises
    :class:`PdfRenderError` if xhtml2pdf reports errors.
    """
    register_fonts()  # canvas-drawn parts (e.g. barcode text) may need them
    if static_folder is None:
        policy, callback = _DEFAULT_POLICY, _DEFAULT_CALLBACK
    else:
        policy, callback = resource_policy(static_folder), make_link_callback(static_folder)
    out = BytesIO()
    try:
        status = pisa.CreatePDF(
            html,
            dest=out,
            encoding="utf-8",
            link_callback=callback,
            resource_policy=policy,
        )
    except Exception as exc:  # xhtml2pdf raises anything from anywhere
        raise PdfRenderError(f"PDF rendering failed: {exc}") from exc
    finally:
        map_family()  # xhtml2pdf re-mapped the family for the next ReportLab document
    if status.err:
        messages = "; ".join(
            f"line {line}: {msg}" for mode, line, msg, _frag in status.log if mode == "error"
        )
        raise PdfRenderError(
            f"PDF rendering failed with {status.err} error(s): {messages or 'no details'}"
        )
    return out.getvalue()
