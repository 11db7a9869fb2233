"""Documents made from games: the after-action report, team briefing packs, and
the comparison of branches.

* :mod:`.doc` the typed document model; :mod:`.markdown` and :mod:`.html` write it;
* :mod:`.charts` draws its charts as SVG; :mod:`.grid` lays out Kennedy's grid;
* :mod:`.aar` builds the after-action report, :mod:`.handout` the briefing packs,
  :mod:`.comparison` the document of a ``wargame compare``.

Number formatting lives in :mod:`wargame.numbers`, shared with the app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from wargame.evidence import Evidence
    from wargame.scenario.loader import LoadedScenario
    from wargame.report.doc import Document
    from wargame.saves.session import Replay

FORMATS = ("md", "html")


def default_evidence(loaded: "LoadedScenario | None" = None, near: "Path | None" = None) -> "Evidence | None":
    """The evidence for a scenario (one home: wargame.evidence.find); None cites ids only."""
    from wargame.evidence.find import find_evidence, project_evidence

    return find_evidence(loaded, near).evidence if loaded is not None else project_evidence()


def render(doc: "Document", fmt: str) -> str:
    """A document as Markdown (``md``) or one self-contained HTML file (``html``)."""
    if fmt == "md":
        from wargame.report.markdown import render_markdown

        return render_markdown(doc)
    if fmt == "html":
        from wargame.report.html import render_html

        return render_html(doc)
    raise ValueError(f"unknown report format {fmt!r}: use 'md' or 'html'")


def render_report(replay: "Replay", fmt: str = "md", source: str = "", evidence: "Evidence | None" = None) -> str:
    """The after-action report of a replayed save.

    ``evidence`` defaults to the project's seeds; a fact it does not hold is listed by id.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}: use 'md' or 'html'")
    from wargame.report.aar import build_after_action

    doc = build_after_action(replay, source, evidence if evidence is not None
                             else default_evidence(replay.session.loaded, replay.read.path))
    return render(doc, fmt)
