"""Markdown writer for :mod:`wargame.report.doc` documents.

Charts become tables of values with a sparkline: a table reads everywhere (a
terminal, GitHub, a printed page) and gives the exact numbers a debrief argues
over. (plotext was tried: its braille plots cannot tell series apart without
colour, and its output carries terminal colour codes.)
"""

from __future__ import annotations

import re

from wargame.numbers import readable, row_format, spark
from wargame.report.doc import (Anchor, BandChart, Block, Br, Bullets, Card, Cite, Document, Figure, GridChart,
                                Heading, Inline, LineChart, Link, PageBreak, Para, Refs, Span, Table, Warn)
from wargame.report.grid import quadrant_name

_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def text(t: str) -> str:
    t = re.sub(r"\s+", " ", str(t))  # no line breaks inside a paragraph or cell
    return _SPECIAL.sub(r"\\\1", t)


def _line(t: str) -> str:
    """A paragraph or list item must not start like a heading, a list or a quote."""
    return re.sub(r"^([#+\->]|\d+(?=[.)]))", r"\\\1", t)


def _wrap(mark: str, t: str) -> str:
    """``**text**`` with any outer spaces moved outside the markers (else it is not bold)."""
    t = text(t)
    core = t.strip()
    if not core:
        return t
    lead, trail = t[: len(t) - len(t.lstrip())], t[len(t.rstrip()):]
    return f"{lead}{mark}{core}{mark}{trail}"


def inline(parts: Inline) -> str:
    out = []
    for p in parts:
        if isinstance(p, str):
            out.append(text(p))
        elif isinstance(p, Span):
            if p.style in ("b", "star"):
                out.append(_wrap("**", p.text))
            elif p.style in ("i", "muted"):
                out.append(_wrap("*", p.text))
            elif p.style == "s":
                out.append(_wrap("~~", p.text))
            else:
                out.append(f"`{p.text.replace('`', '')}`")
        elif isinstance(p, Cite):
            out.append("".join(f"\\[{n}\\]" for n in p.nums))
        elif isinstance(p, Br):
            out.append("<br>")
        elif isinstance(p, Link):
            out.append(text(p.text))
        elif isinstance(p, Anchor):
            pass
    return "".join(out)


def table(head: list[Inline], rows: list[list[Inline]]) -> list[str]:
    lines = ["| " + " | ".join(inline(h) for h in head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(inline(c) for c in row) + " |")
    return lines


def _line_chart(chart: LineChart) -> list[str]:
    head: list[Inline] = [[chart.label], ["Unit"]] + [[x] for x in chart.x_labels] + [["Trend (own range)"]]
    rows: list[list[Inline]] = []
    marks: list[str] = []
    for panel in chart.panels:
        for se in panel.series:
            name: Inline = [se.name]
            if panel.threshold is not None:
                name += [f" ({panel.threshold_label}, threshold {readable(panel.threshold)})"]
            fmt = row_format(se.values)
            at = {o.at: o for o in se.overrides}
            cells: list[Inline] = []
            for k, v in enumerate(se.values):
                t = fmt(v)
                if k in at:
                    marks.append(f"{se.name}, {chart.x_labels[k]}: set to {readable(at[k].value)} by the facilitator; "
                                 f"the model gave {readable(at[k].model)}")
                    t += "†"
                cells.append([t])
            unit = "" if panel.unit == "index" else panel.unit
            rows.append([name, [unit]] + cells + [[Span(spark(se.values), "code")]])
    lines = table(head, rows)
    for m in marks:
        lines += ["", "† " + text(m)]
    return lines


def _grid_chart(chart: GridChart) -> list[str]:
    head: list[Inline] = [["Sector"], ["Path on Kennedy's grid, start first"], ["Sources place it"]]
    rows: list[list[Inline]] = []
    for p in chart.paths:
        steps = []
        for pt in p.points:
            steps.append(f"{pt.label} ({readable(pt.x)}, {readable(pt.y)})")
        rows.append([[Span(p.name, "b")], [" → ".join(steps)], [quadrant_name(p.documented) if p.documented else "-"]])
    return table(head, rows)


def _band_chart(chart: BandChart) -> list[str]:
    head: list[Inline] = [[""], ["Branch"], ["mean"], ["p5"], ["p50"], ["p95"]]
    rows: list[list[Inline]] = []
    for name, bands in chart.groups:
        for k, band in enumerate(bands):
            rows.append([[Span(name, "b")] if k == 0 else [""], [band.label]]
                        + [[readable(v)] for v in (band.mean, band.p5, band.p50, band.p95)])
    return table(head, rows)


def _block(blk: Block) -> list[str]:
    if isinstance(blk, Heading):
        return [f"{'#' * blk.level} {text(blk.text)}", ""]
    if isinstance(blk, Para):
        return [_line(inline(blk.content)), ""]
    if isinstance(blk, Warn):
        return ["> **⚠** " + inline(blk.content), ""]
    if isinstance(blk, Bullets):
        return ["- " + _line(inline(item)) for item in blk.items] + [""]
    if isinstance(blk, Refs):
        out: list[str] = []
        for item in blk.items:
            out += [_line(inline(item)), ""]
        return out
    if isinstance(blk, Table):
        return table(blk.head, blk.rows) + [""]
    if isinstance(blk, Figure):
        c = blk.chart
        if isinstance(c, GridChart) and not blk.values:
            return []  # the sector table beside it tells the same path in words
        lines = (_line_chart(c) if isinstance(c, LineChart) else _grid_chart(c) if isinstance(c, GridChart)
                 else _band_chart(c))
        head = [f"**{text(blk.title)}**", ""] if blk.title else []
        return head + lines + ([""] + [text(blk.caption)] if blk.caption else []) + [""]
    if isinstance(blk, Card):
        out = [f"#### {text(blk.title)} ({text(blk.tag)})" if blk.tag else f"#### {text(blk.title)}", ""]
        for inner in blk.blocks:
            out += _block(inner)
        return out
    if isinstance(blk, PageBreak):
        return []
    raise TypeError(f"unknown block {blk!r}")


def render_markdown(doc: Document) -> str:
    out: list[str] = []
    for part in doc.parts:
        for blk in part.blocks:
            out += _block(blk)
    result = "\n".join(out).rstrip() + "\n"
    return re.sub(r"\n{3,}", "\n\n", result)
