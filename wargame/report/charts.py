"""Charts as hand-written SVG, inlined in the HTML report.

Why not matplotlib: importing it and building the figures took about seven of
the 7.5 seconds a four-round report needed, for charts that are lines, dots and
bands on a grid. Writing the SVG ourselves takes milliseconds, needs no
dependency, and the same data always gives the same bytes (no salts, no ids
generated per run). Text stays text, so it prints sharply and can be searched.

Colours are Okabe-Ito (without its yellow, too pale on paper), readable with
colour-blindness; series in one panel also differ by marker and dash, so
nothing rests on colour alone.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

from wargame.numbers import readable
from wargame.report.doc import BandChart, GridChart, GridPath, LineChart, Panel
from wargame.report.grid import COLUMNS, ROWS, quadrant_letter

COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
DASHES = ("", "6 3", "2 3", "8 3 2 3")
MARKERS = ("circle", "square", "triangle", "diamond")
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif"'


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _f(x: float) -> str:
    """A coordinate: one decimal is plenty, and keeps the SVG small and stable."""
    s = f"{x:.1f}"
    return s[:-2] if s.endswith(".0") else s


def nice_ticks(lo: float, hi: float, want: int = 4) -> list[float]:
    """Round tick values covering [lo, hi]."""
    if hi - lo <= 0:
        return [lo]
    raw = (hi - lo) / want
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    out = []
    v = first
    while v <= hi + step * 1e-9:
        out.append(0.0 if abs(v) < step * 1e-9 else v)
        v += step
    return out


def _tick_text(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 1000 else readable(v)


def _marker(kind: str, x: float, y: float, colour: str, r: float = 2.6) -> str:
    if kind == "square":
        return f'<rect x="{_f(x - r)}" y="{_f(y - r)}" width="{_f(2 * r)}" height="{_f(2 * r)}" fill="{colour}"/>'
    if kind == "triangle":
        pts = f"{_f(x)},{_f(y - r * 1.2)} {_f(x - r * 1.1)},{_f(y + r * 0.8)} {_f(x + r * 1.1)},{_f(y + r * 0.8)}"
        return f'<polygon points="{pts}" fill="{colour}"/>'
    if kind == "diamond":
        pts = f"{_f(x)},{_f(y - r * 1.3)} {_f(x + r * 1.3)},{_f(y)} {_f(x)},{_f(y + r * 1.3)} {_f(x - r * 1.3)},{_f(y)}"
        return f'<polygon points="{pts}" fill="{colour}"/>'
    return f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{_f(r)}" fill="{colour}"/>'


def _panel_range(panel: Panel) -> tuple[float, float]:
    if panel.y_range is not None:
        return panel.y_range
    vals = [v for se in panel.series for v in se.values]
    vals += [o.model for se in panel.series for o in se.overrides]
    if panel.threshold is not None:
        vals.append(panel.threshold)
    lo, hi = min(vals, default=0.0), max(vals, default=1.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    pad = (hi - lo) * 0.08
    return lo - pad, hi + pad


def _wrap(text: str, width: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    if line:
        lines.append(line)
    if len(lines) > 2:
        lines = [lines[0], (" ".join(lines[1:]))[: width - 1] + "…"]
    return lines


def _panel(panel: Panel, x_labels: Sequence[str], ox: float, oy: float, w: float, h: float,
           show_title: bool, several: bool) -> list[str]:
    out: list[str] = []
    title_h = 0.0
    if show_title:
        title = panel.title + ("" if panel.unit in ("", "index") else f" ({panel.unit})")
        lines = _wrap(title, int(w / 6.2))
        for k, line in enumerate(lines):
            out.append(f'<text x="{_f(ox)}" y="{_f(oy + 11 + 12 * k)}" font-size="10.5" font-weight="600">{_e(line)}</text>')
        title_h = 12 * len(lines) + 6
    left, bottom = 44.0, 26.0
    px, py = ox + left, oy + title_h
    pw, ph = w - left - 8, h - title_h - bottom
    lo, hi = _panel_range(panel)
    n = max(1, len(x_labels) - 1)

    def X(k: float) -> float:
        return px + pw * k / n

    def Y(v: float) -> float:
        return py + ph * (1 - (v - lo) / (hi - lo))

    for t in nice_ticks(lo, hi):
        y = Y(t)
        out.append(f'<line x1="{_f(px)}" y1="{_f(y)}" x2="{_f(px + pw)}" y2="{_f(y)}" stroke="#e3e3e3" stroke-width="0.7"/>')
        out.append(f'<text x="{_f(px - 4)}" y="{_f(y + 3)}" font-size="8.5" text-anchor="end" fill="#555">{_e(_tick_text(t))}</text>')
    out.append(f'<line x1="{_f(px)}" y1="{_f(py + ph)}" x2="{_f(px + pw)}" y2="{_f(py + ph)}" stroke="#888" stroke-width="0.8"/>')
    step = max(1, math.ceil(len(x_labels) / (11 if several else 6)))
    ticks = list(range(0, len(x_labels), step))
    if ticks[-1] != len(x_labels) - 1:
        ticks.append(len(x_labels) - 1)
    for k in ticks:
        out.append(f'<text x="{_f(X(k))}" y="{_f(py + ph + 12)}" font-size="8" text-anchor="middle" fill="#555">'
                   f"{_e(x_labels[k])}</text>")
    if panel.threshold is not None:
        y = Y(panel.threshold)
        out.append(f'<line x1="{_f(px)}" y1="{_f(y)}" x2="{_f(px + pw)}" y2="{_f(y)}" stroke="#777" '
                   f'stroke-dasharray="4 3" stroke-width="1"/>')
        out.append(f'<text x="{_f(px + 3)}" y="{_f(y - 3)}" font-size="8" fill="#555">'
                   f"threshold {_e(readable(panel.threshold))}</text>")
    for j, se in enumerate(panel.series):
        colour = COLOURS[j % len(COLOURS)]
        pts = " ".join(f"{_f(X(k))},{_f(Y(v))}" for k, v in enumerate(se.values))
        dash = f' stroke-dasharray="{DASHES[j % len(DASHES)]}"' if several and DASHES[j % len(DASHES)] else ""
        out.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="1.7"{dash}/>')
        for k, v in enumerate(se.values):
            out.append(_marker(MARKERS[j % len(MARKERS)] if several else "circle", X(k), Y(v), colour))
        for o in se.overrides:
            x, y0, y1 = X(o.at), Y(o.model), Y(o.value)
            out.append(f'<circle cx="{_f(x)}" cy="{_f(y0)}" r="4.5" fill="none" stroke="#444" stroke-width="1"/>')
            out.append(f'<line x1="{_f(x)}" y1="{_f(y0)}" x2="{_f(x)}" y2="{_f(y1)}" stroke="#444" stroke-width="1"/>')
            out.append(f'<text x="{_f(x)}" y="{_f(y1 + 4)}" font-size="12" text-anchor="middle" font-weight="700">✕</text>')
    return out


def line_chart_svg(chart: LineChart) -> str:
    if chart.legend:
        width, height = 720.0, 250.0
        key_w = 170.0
        body = _panel(chart.panels[0], chart.x_labels, 0, 4, width - key_w, height - 4, False, True)
        for j, se in enumerate(chart.panels[0].series):
            colour = COLOURS[j % len(COLOURS)]
            y = 20 + 18 * j
            x = width - key_w + 14
            dash = f' stroke-dasharray="{DASHES[j % len(DASHES)]}"' if DASHES[j % len(DASHES)] else ""
            body.append(f'<line x1="{_f(x)}" y1="{y}" x2="{_f(x + 22)}" y2="{y}" stroke="{colour}" stroke-width="1.7"{dash}/>')
            body.append(_marker(MARKERS[j % len(MARKERS)], x + 11, y, colour))
            body.append(f'<text x="{_f(x + 28)}" y="{y + 3}" font-size="10">{_e(se.name)}</text>')
    else:
        n = len(chart.panels)
        cols = 3 if n >= 3 else max(n, 1)
        rows = math.ceil(n / cols)
        width, cell_h = 720.0, 165.0
        cell_w = width / cols
        height = rows * cell_h
        body = []
        for k, panel in enumerate(chart.panels):
            r, c = divmod(k, cols)
            body += _panel(panel, chart.x_labels, c * cell_w + 4, r * cell_h, cell_w - 12, cell_h - 6, True, False)
    return _svg(width, height, body, chart.title)


def _svg(width: float, height: float, body: list[str], title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_f(width)} {_f(height)}" {FONT} '
            f'role="img" aria-label="{_e(title)}"><title>{_e(title)}</title>' + "".join(body) + "</svg>")


# --- Kennedy's grid -------------------------------------------------------------------

QUAD_FILL = {"A": "#e6f2ea", "B": "#fdf0e0", "C": "#eaf0f8", "D": "#f6e6e6"}


def _grid_cell(path: GridPath, ox: float, oy: float, size: float) -> list[str]:
    out: list[str] = []
    (xlo, xhi), (ylo, yhi) = path.x_range, path.y_range
    top = 26.0
    s = size - 4

    # Figure 1.1: the first column is success, so the innovation axis runs right to left.
    def X(v: float) -> float:
        return ox + s * (1 - (v - xlo) / (xhi - xlo))

    def Y(v: float) -> float:
        return oy + top + s * (1 - (v - ylo) / (yhi - ylo))

    xt, yt = X(path.x_threshold), Y(path.y_threshold)
    x0, x1, y0, y1 = X(xhi), X(xlo), Y(yhi), Y(ylo)
    # quadrants: (x from, x to, y from, y to, quadrant)
    for (ax, bx, ay, by, q) in ((x0, xt, y0, yt, "win-win"), (xt, x1, y0, yt, "harmless-failure"),
                                (x0, xt, yt, y1, "destructive-victory"), (xt, x1, yt, y1, "lose-lose")):
        letter = quadrant_letter(q)
        stroke = ' stroke="#222" stroke-width="1.6" stroke-dasharray="3 2"' if path.documented == q else ""
        out.append(f'<rect x="{_f(ax)}" y="{_f(ay)}" width="{_f(bx - ax)}" height="{_f(by - ay)}" fill="{QUAD_FILL[letter]}"{stroke}/>')
        out.append(f'<text x="{_f(ax + 3)}" y="{_f(ay + 10)}" font-size="8.5" fill="#666">{letter}</text>')
    out.append(f'<rect x="{_f(x0)}" y="{_f(y0)}" width="{_f(x1 - x0)}" height="{_f(y1 - y0)}" fill="none" stroke="#999" stroke-width="0.7"/>')
    for k, line in enumerate(_wrap(path.name, 26)):
        out.append(f'<text x="{_f(ox)}" y="{_f(oy + 10 + 11 * k)}" font-size="10" font-weight="600">{_e(line)}</text>')
    pts = [(X(p.x), Y(p.y)) for p in path.points]
    if len(pts) > 1:
        out.append('<polyline points="' + " ".join(f"{_f(a)},{_f(b)}" for a, b in pts)
                   + '" fill="none" stroke="#0072B2" stroke-width="1.3"/>')
    for k, (a, b_) in enumerate(pts):
        last = k == len(pts) - 1
        if k == 0:
            out.append(f'<circle cx="{_f(a)}" cy="{_f(b_)}" r="3" fill="#fff" stroke="#0072B2" stroke-width="1.3"/>')
        elif last:
            out.append(f'<circle cx="{_f(a)}" cy="{_f(b_)}" r="4" fill="#D55E00"/>')
        else:
            out.append(f'<circle cx="{_f(a)}" cy="{_f(b_)}" r="1.8" fill="#0072B2"/>')
    return out


def grid_chart_svg(chart: GridChart) -> str:
    n = len(chart.paths)
    cols = 4 if n > 3 else max(n, 1)
    cell = 180.0
    width = cols * cell
    head = 30.0
    rows = math.ceil(n / cols)
    height = head + rows * (cell + 14) + 4
    body: list[str] = []
    # the axes, as Kennedy's Figure 1.1 names them
    body.append(f'<text x="0" y="11" font-size="9.5" fill="#333">Columns: {_e(COLUMNS[0])} (left), failure (right). '
                f'Rows: {_e(ROWS[0].lower())} (top), destructive (bottom).</text>')
    body.append('<text x="0" y="24" font-size="9.5" fill="#333">○ start   ● end   dashed box: where the sources place '
                "the sector   (A-D: Kennedy's labels)</text>")
    for k, path in enumerate(chart.paths):
        r, c = divmod(k, cols)
        body += _grid_cell(path, c * cell + 2, head + r * (cell + 14), cell - 14)
    return _svg(width, height, body, chart.title)


# --- distributions --------------------------------------------------------------------

def band_chart_svg(chart: BandChart) -> str:
    label_w, width = 190.0, 720.0
    row_h = 15.0
    lo, hi = chart.x_range
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    pw = width - label_w - 16
    rows = sum(len(bands) + 1 for _, bands in chart.groups)
    height = 26 + rows * row_h + 20

    def X(v: float) -> float:
        return label_w + pw * (v - lo) / (hi - lo)

    body: list[str] = []
    for t in nice_ticks(lo, hi, 6):
        x = X(t)
        body.append(f'<line x1="{_f(x)}" y1="18" x2="{_f(x)}" y2="{_f(height - 18)}" stroke="#e3e3e3" stroke-width="0.7"/>')
        body.append(f'<text x="{_f(x)}" y="12" font-size="8.5" text-anchor="middle" fill="#555">{_e(_tick_text(t))}</text>')
    y = 26.0
    for name, bands in chart.groups:
        body.append(f'<text x="0" y="{_f(y + 4)}" font-size="10" font-weight="600">{_e(name)}</text>')
        y += row_h
        for j, band in enumerate(bands):
            colour = COLOURS[j % len(COLOURS)]
            body.append(f'<text x="12" y="{_f(y + 3)}" font-size="9" fill="#333">{_e(band.label)}</text>')
            body.append(f'<line x1="{_f(X(band.p5))}" y1="{_f(y)}" x2="{_f(X(band.p95))}" y2="{_f(y)}" '
                        f'stroke="{colour}" stroke-width="5" stroke-opacity="0.45"/>')
            body.append(f'<line x1="{_f(X(band.p50))}" y1="{_f(y - 5)}" x2="{_f(X(band.p50))}" y2="{_f(y + 5)}" '
                        f'stroke="{colour}" stroke-width="1.5"/>')
            body.append(_marker(MARKERS[j % len(MARKERS)], X(band.mean), y, colour, 3.2))
            y += row_h
    body.append(f'<text x="{_f(label_w)}" y="{_f(height - 4)}" font-size="8.5" fill="#555">bar: 5th to 95th percentile; '
                f"tick: median; mark: mean{(' (' + _e(chart.unit) + ')') if chart.unit else ''}</text>")
    return _svg(width, height, body, chart.title)


def chart_svg(chart: LineChart | GridChart | BandChart) -> str:
    if isinstance(chart, LineChart):
        return line_chart_svg(chart)
    if isinstance(chart, GridChart):
        return grid_chart_svg(chart)
    return band_chart_svg(chart)
