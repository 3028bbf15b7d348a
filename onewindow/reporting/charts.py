"""Server-rendered SVG charts: bars for volumes, lines for trends, a weekday × hour heat map.

The SVG is plain XML (presentation attributes only, no ``style=`` and no script), so the
strict CSP admits it inline and svglib draws the same markup as vectors in the PDFs
(``reporting.report_pdf``). Every label is XML-escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

FONT = "Roboto"
PALETTE = ("#2f6db5", "#e08a1e", "#3a9a5b", "#b8424a", "#7b5ea7", "#5a6470")
WIDTH = 760
HEIGHT = 300


def _num(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _fmt(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def nice_max(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 2.5, 5 × 10ⁿ)."""
    if value <= 0:
        return 1
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exp:
            return step * exp
    return 10 * exp


def _text(x, y, label, *, size=11, anchor="middle", fill="#222222", extra="") -> str:
    return (f'<text x="{_fmt(x)}" y="{_fmt(y)}" font-family="{FONT}" font-size="{size}" '
            f'text-anchor="{anchor}" fill="{fill}"{extra}>{escape(str(label))}</text>')


def _open(title: str, width: int, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        _text(width / 2, 18, title, size=13, extra=' font-weight="bold"'),
    ]


def _axes(parts, *, left, top, plot_w, plot_h, top_value, unit) -> None:
    for i in range(5):
        value = top_value * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{_fmt(left)}" y1="{_fmt(y)}" x2="{_fmt(left + plot_w)}" '
                     f'y2="{_fmt(y)}" stroke="#dddddd" stroke-width="1"/>')
        parts.append(_text(left - 6, y + 4, _num(value), size=10, anchor="end"))
    if unit:
        parts.append(_text(left - 6, top - 8, unit, size=10, anchor="end", fill="#555555"))


def _legend(parts, names, *, x, y) -> None:
    for i, name in enumerate(names):
        colour = PALETTE[i % len(PALETTE)]
        parts.append(f'<rect x="{_fmt(x)}" y="{_fmt(y - 9)}" width="10" height="10" '
                     f'fill="{colour}"/>')
        parts.append(_text(x + 14, y, name, size=10, anchor="start"))
        x += 24 + 7 * len(str(name))


def _label_every(count: int, plot_w: float) -> int:
    return max(1, math.ceil(count * 34 / max(plot_w, 1)))


def bar_chart(title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]],
              *, unit: str = "", width: int = WIDTH, height: int = HEIGHT) -> Markup:
    """Grouped vertical bars: one group per label, one bar per series."""
    parts = _open(title, width, height)
    left, top, right, bottom = 48, 44, 12, 52
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v or 0 for _, vs in series for v in vs]
    top_value = nice_max(max(values, default=0))
    _axes(parts, left=left, top=top, plot_w=plot_w, plot_h=plot_h, top_value=top_value,
          unit=unit)
    n = max(1, len(labels))
    group_w = plot_w / n
    bar_w = max(1.0, group_w * 0.8 / max(1, len(series)))
    every = _label_every(n, plot_w)
    for i, label in enumerate(labels):
        gx = left + group_w * i + group_w * 0.1
        for s, (_name, vs) in enumerate(series):
            value = (vs[i] if i < len(vs) else 0) or 0
            h = plot_h * value / top_value
            x = gx + bar_w * s
            parts.append(f'<rect x="{_fmt(x)}" y="{_fmt(top + plot_h - h)}" '
                         f'width="{_fmt(bar_w)}" height="{_fmt(h)}" '
                         f'fill="{PALETTE[s % len(PALETTE)]}"><title>{escape(str(label))}: '
                         f'{_num(value)}</title></rect>')
            if value and bar_w >= 14:
                parts.append(_text(x + bar_w / 2, top + plot_h - h - 3, _num(value), size=9))
        if i % every == 0:
            parts.append(_text(left + group_w * (i + 0.5), top + plot_h + 14,
                               _short(label), size=10))
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" '
                 f'y2="{top + plot_h}" stroke="#555555" stroke-width="1"/>')
    if len(series) > 1:
        _legend(parts, [name for name, _ in series], x=left, y=height - 12)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every label escaped above


def line_chart(title: str, labels: Sequence[str],
               series: Sequence[tuple[str, Sequence[float | None]]], *, unit: str = "",
               width: int = WIDTH, height: int = HEIGHT) -> Markup:
    """One polyline per series over the labels (days); gaps where a value is None."""
    parts = _open(title, width, height)
    left, top, right, bottom = 48, 44, 12, 52
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, vs in series for v in vs if v is not None]
    top_value = nice_max(max(values, default=0))
    _axes(parts, left=left, top=top, plot_w=plot_w, plot_h=plot_h, top_value=top_value,
          unit=unit)
    n = max(1, len(labels))
    step = plot_w / max(1, n - 1) if n > 1 else 0

    def point(i, v):
        x = left + (step * i if n > 1 else plot_w / 2)
        return x, top + plot_h - plot_h * v / top_value

    for s, (_name, vs) in enumerate(series):
        colour = PALETTE[s % len(PALETTE)]
        run: list[str] = []
        runs: list[list[str]] = [run]
        for i, v in enumerate(vs):
            if v is None:
                run = []
                runs.append(run)
                continue
            x, y = point(i, v)
            run.append(f"{_fmt(x)},{_fmt(y)}")
            parts.append(f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="2.5" fill="{colour}"/>')
        for r in runs:
            if len(r) > 1:
                parts.append(f'<polyline points="{" ".join(r)}" fill="none" '
                             f'stroke="{colour}" stroke-width="2"/>')
    every = _label_every(n, plot_w)
    for i, label in enumerate(labels):
        if i % every == 0:
            x, _ = point(i, 0)
            parts.append(_text(x, top + plot_h + 14, _short(label), size=10))
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" '
                 f'y2="{top + plot_h}" stroke="#555555" stroke-width="1"/>')
    if len(series) > 1:
        _legend(parts, [name for name, _ in series], x=left, y=height - 12)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every label escaped above


def heat_map(title: str, row_labels: Sequence[str], col_labels: Sequence[str],
             values: Sequence[Sequence[float]], *, width: int = WIDTH) -> Markup:
    """A grid of cells shaded by value (weekday rows × hour columns), numbers inside."""
    left, top, cell_h = 40, 44, 26
    cols = max(1, len(col_labels))
    cell_w = (width - left - 12) / cols
    height = top + cell_h * len(row_labels) + 30
    parts = _open(title, width, height)
    peak = max((v for row in values for v in row), default=0) or 1
    for c, label in enumerate(col_labels):
        parts.append(_text(left + cell_w * (c + 0.5), top - 6, label, size=10))
    for r, label in enumerate(row_labels):
        y = top + cell_h * r
        parts.append(_text(left - 6, y + cell_h / 2 + 4, label, size=10, anchor="end"))
        for c in range(cols):
            v = values[r][c] if r < len(values) and c < len(values[r]) else 0
            share = v / peak
            parts.append(f'<rect x="{_fmt(left + cell_w * c)}" y="{_fmt(y)}" '
                         f'width="{_fmt(cell_w - 1)}" height="{cell_h - 1}" '
                         f'fill="{_shade(share)}"><title>{escape(str(label))}, '
                         f'{escape(str(col_labels[c]))}: {_num(v)}</title></rect>')
            if v:
                parts.append(_text(left + cell_w * (c + 0.5), y + cell_h / 2 + 4, _num(v),
                                   size=10, fill="#ffffff" if share > 0.55 else "#222222"))
    parts.append(_text(left, height - 8, f"Максимум в ячейке: {_num(peak if values else 0)}",
                       size=10, anchor="start", fill="#555555"))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every label escaped above


def _shade(share: float) -> str:
    """White → dark blue."""
    share = min(1.0, max(0.0, share))
    low, high = (0xf2, 0xf5, 0xfa), (0x1f, 0x4e, 0x8c)
    rgb = [round(a + (b - a) * share) for a, b in zip(low, high, strict=True)]
    return "#" + "".join(f"{c:02x}" for c in rgb)


def _short(label, limit: int = 14) -> str:
    label = str(label)
    return label if len(label) <= limit else label[: limit - 1] + "…"
