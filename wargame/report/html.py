"""HTML writer: one self-contained file (no script, no link, no fetched font),
readable on screen and print-ready: an A4 print stylesheet, the summary on its
own pages, cards and figures never split across pages.
"""

from __future__ import annotations

import html

from wargame.numbers import row_format
from wargame.report.charts import chart_svg
from wargame.report.doc import (Anchor, Block, Br, Bullets, Card, Cite, Document, Figure, Heading, Inline, LineChart,
                                Link, PageBreak, Para, Refs, Span, Table, Warn)

CSS = """
:root { --ink: #1d1d1f; --muted: #5f6368; --rule: #d0d4d9; --bg: #ffffff; --soft: #f4f6f8; --warn: #fff4e5; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
       font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1060px; margin: 0 auto; padding: 24px 32px 64px; }
h1 { font-size: 27px; margin: 8px 0 4px; }
h2 { font-size: 21px; margin: 32px 0 8px; padding-top: 6px; border-top: 2px solid var(--ink); }
h3 { font-size: 16.5px; margin: 20px 0 6px; }
h4 { font-size: 15px; margin: 0 0 4px; }
p, li { max-width: 84ch; }
p.lead { font-size: 16px; }
p.note { font-size: 13px; color: var(--muted); }
nav { font-size: 14px; color: var(--muted); margin: 8px 0 16px; }
nav a { color: inherit; margin-right: 14px; }
table { border-collapse: collapse; margin: 6px 0 14px; font-size: 14px; }
th, td { border: 1px solid var(--rule); padding: 3px 7px; vertical-align: top; text-align: left; }
th { background: var(--soft); font-weight: 600; }
table.num td:not(:first-child) { text-align: right; font-variant-numeric: tabular-nums; }
table.values td { text-align: right; font-variant-numeric: tabular-nums; }
table.values td:first-child, table.values td:nth-child(2) { text-align: left; }
table.meta td:first-child { font-weight: 600; white-space: nowrap; }
table.orders td:first-child { white-space: nowrap; } table.orders td:last-child { text-align: right; white-space: nowrap; }
table.drivers td:nth-child(5) { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.decisions { width: 100%; } table.decisions td:first-child { white-space: nowrap; width: 9%; }
table.decisions td:nth-child(2) { width: 50%; }
table.quad { table-layout: fixed; width: 100%; }
table.quad td, table.quad th { padding: 6px 10px; }
table.quad td:first-child { width: 20%; background: var(--soft); }
table.quad tr:nth-child(1) td:nth-child(2) { background: #e6f2ea; }
table.quad tr:nth-child(1) td:nth-child(3) { background: #eaf0f8; }
table.quad tr:nth-child(2) td:nth-child(2) { background: #fdf0e0; }
table.quad tr:nth-child(2) td:nth-child(3) { background: #f6e6e6; }
.warn { background: var(--warn); border-left: 4px solid #b45f06; padding: 8px 12px; margin: 12px 0; }
.star { color: #8a5a00; font-weight: 600; }
.rej { color: var(--muted); text-decoration: line-through; }
.muted { color: var(--muted); }
.cite { font-size: 11px; vertical-align: super; line-height: 0; }
.cite a { text-decoration: none; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--soft); padding: 0 3px; }
figure { margin: 6px 0 4px; } figcaption { font-size: 13px; color: var(--muted); }
figcaption.top { font-size: 15px; font-weight: 600; color: var(--ink); margin: 8px 0 2px; }
figure svg { width: 100%; height: auto; display: block; }
details { margin: 0 0 14px; font-size: 14px; } summary { cursor: pointer; color: var(--muted); }
ol.sources { list-style: none; padding-left: 0; } ol.sources li { margin-bottom: 6px; }
.card { border: 1px solid var(--rule); border-radius: 6px; padding: 8px 12px; margin: 10px 0; }
.card h4 { display: flex; justify-content: space-between; gap: 12px; }
.card h4 .tag { font-weight: 400; color: var(--muted); white-space: nowrap; }
.card p, .card ul { margin: 4px 0; }
section.part-details, section.part-appendix { break-before: page; }
@page { size: A4; margin: 13mm 12mm 14mm; }
@media print {
  body { font-size: 10pt; line-height: 1.32; }
  main { max-width: none; padding: 0; }
  nav, details { display: none; }
  h1 { font-size: 17pt; margin-top: 0; } h2 { font-size: 13pt; margin: 12pt 0 4pt; } h3 { font-size: 11pt; margin: 9pt 0 3pt; }
  h2, h3, h4 { break-after: avoid; }
  table { font-size: 8.5pt; margin: 3pt 0 7pt; } th, td { padding: 1.5pt 4pt; }
  table.decisions { font-size: 8pt; line-height: 1.22; }
  figure.grid svg { width: 82%; margin: 0 auto; }
  p { margin: 3pt 0 5pt; } ul { margin: 3pt 0 5pt; }
  p.lead { font-size: 10pt; }
  figure, table.quad, .card, tr { break-inside: avoid; }
  .pagebreak { break-before: page; }
  a { color: inherit; text-decoration: none; }
}
"""


def _h(t: object) -> str:
    return html.escape(str(t), quote=True)


def inline(parts: Inline) -> str:
    out = []
    for p in parts:
        if isinstance(p, str):
            out.append(_h(p))
        elif isinstance(p, Span):
            if p.style == "b":
                out.append(f"<strong>{_h(p.text)}</strong>")
            elif p.style == "i":
                out.append(f"<em>{_h(p.text)}</em>")
            elif p.style == "s":
                out.append(f'<span class="rej">{_h(p.text)}</span>')
            elif p.style == "code":
                out.append(f"<code>{_h(p.text)}</code>")
            elif p.style == "star":
                out.append(f'<span class="star">{_h(p.text)}</span>')
            else:
                out.append(f'<span class="muted">{_h(p.text)}</span>')
        elif isinstance(p, Cite):
            links = ",".join(f'<a href="#ref-{n}">{n}</a>' for n in p.nums)
            out.append(f'<span class="cite">[{links}]</span>')
        elif isinstance(p, Br):
            out.append("<br>")
        elif isinstance(p, Anchor):
            out.append(f'<a id="{_h(p.id)}"></a>')
        elif isinstance(p, Link):
            out.append(f'<a href="{_h(p.href)}">{_h(p.text)}</a>')
    return "".join(out)


def table(head: list[Inline], rows: list[list[Inline]], cls: str = "") -> str:
    c = f' class="{_h(cls)}"' if cls else ""
    th = "".join(f"<th>{inline(h)}</th>" for h in head)
    thead = f"<thead><tr>{th}</tr></thead>" if any(inline(h) for h in head) else ""
    body = "".join("<tr>" + "".join(f"<td>{inline(x)}</td>" for x in row) + "</tr>" for row in rows)
    return f"<table{c}>{thead}<tbody>{body}</tbody></table>"


def _values_table(chart: LineChart) -> str:
    head: list[Inline] = [[chart.label], ["Unit"]] + [[x] for x in chart.x_labels]
    rows: list[list[Inline]] = []
    for panel in chart.panels:
        for se in panel.series:
            at = {o.at: o for o in se.overrides}
            fmt = row_format(se.values)
            cells: list[Inline] = []
            for k, v in enumerate(se.values):
                cells.append([Span(fmt(v)), f" (model {fmt(at[k].model)})"] if k in at else [fmt(v)])
            rows.append([[se.name], ["" if panel.unit == "index" else panel.unit]] + cells)
    return table(head, rows, "values")


def _block(blk: Block, toc: list[str]) -> str:
    if isinstance(blk, Heading):
        if blk.level == 2:
            toc.append(f'<a href="#{_h(blk.anchor)}">{_h(blk.text.split(":")[0])}</a>')
        return f'<h{blk.level} id="{_h(blk.anchor)}">{_h(blk.text)}</h{blk.level}>'
    if isinstance(blk, Para):
        cls = f' class="{_h(blk.cls)}"' if blk.cls else ""
        return f"<p{cls}>{inline(blk.content)}</p>"
    if isinstance(blk, Warn):
        return f'<div class="warn" role="alert">{inline(blk.content)}</div>'
    if isinstance(blk, Bullets):
        return "<ul>" + "".join(f"<li>{inline(i)}</li>" for i in blk.items) + "</ul>"
    if isinstance(blk, Refs):
        return '<ol class="sources">' + "".join(f"<li>{inline(i)}</li>" for i in blk.items) + "</ol>"
    if isinstance(blk, Table):
        return table(blk.head, blk.rows, blk.cls)
    if isinstance(blk, Figure):
        caption = f"<figcaption>{_h(blk.caption)}</figcaption>" if blk.caption else ""
        kind = type(blk.chart).__name__.lower().replace("chart", "")
        head = f'<figcaption class="top">{_h(blk.title)}</figcaption>' if blk.title else ""
        out = f'<figure class="{kind}">{head}{chart_svg(blk.chart)}{caption}</figure>'

        if blk.values and isinstance(blk.chart, LineChart):
            out += "<details><summary>Values by round</summary>" + _values_table(blk.chart) + "</details>"
        return out
    if isinstance(blk, Card):
        tag = f'<span class="tag">{_h(blk.tag)}</span>' if blk.tag else ""
        inner = "".join(_block(b, toc) for b in blk.blocks)
        return f'<div class="card"><h4><span>{_h(blk.title)}</span>{tag}</h4>{inner}</div>'
    if isinstance(blk, PageBreak):
        return '<div class="pagebreak"></div>'
    raise TypeError(f"unknown block {blk!r}")


def render_html(doc: Document) -> str:
    toc: list[str] = []
    sections = []
    for part in doc.parts:
        body = "\n".join(_block(b, toc) for b in part.blocks)
        sections.append(f'<section class="part-{part.name}">\n{body}\n</section>')
    nav = "<nav>" + "".join(toc) + "</nav>" if len(toc) > 1 else ""
    # the contents go after the title block (the first heading and its lead)
    main = "\n".join(sections)
    first_h2 = main.find("<h2")
    if nav and first_h2 >= 0:
        main = main[:first_h2] + nav + "\n" + main[first_h2:]
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{_h(doc.title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n{main}\n</main>\n"
            "</body>\n</html>\n")

