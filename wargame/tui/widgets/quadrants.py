"""The four-quadrant map of the sectors (Kennedy's two axes, CSIS ch. 1).

Each sector sits in the quadrant its two axes put it in now; the quadrant the
sources document for it is marked beside, so the room sees where the game and
the record agree. Words and symbols carry the meaning, colours only help.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.markup import escape
from textual.widgets import Static

from wargame.engine.grid import COLUMN_TITLE, COLUMNS, ROW_TITLE, ROWS, layout
from wargame.tui.widgets.dashboard import QUADRANT_CSS, QUADRANT_SYMBOL

# Kennedy's Figure 1.1 as he draws it (wargame.engine.grid): innovation outcome in China on the
# columns, effect on the global sector on the rows; read left to right, top to bottom: A C / B D.
CELLS = tuple((c.quadrant, f"{c.letter}) {c.name.upper()}", c.gloss)
              for row in layout() for c in row)


class QuadrantMap(Vertical):
    """A 2×2 grid with sector names placed by quadrant."""

    DEFAULT_CSS = """
    QuadrantMap { height: auto; }
    QuadrantMap > Grid { grid-size: 2 2; grid-gutter: 0 1; height: auto; grid-rows: auto; }
    QuadrantMap .quad { border: round $primary; padding: 0 1; height: auto; min-height: 5; }
    QuadrantMap .quad-legend { color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        with Grid():
            for q, _, _ in CELLS:
                yield Static(id=f"quad-{q}", classes="quad")
        yield Static(f"Columns: {COLUMN_TITLE} ({' | '.join(COLUMNS).lower()}); "
                     f"rows: {ROW_TITLE[0].lower()}{ROW_TITLE[1:]} ({' | '.join(ROWS).lower()})\n"
                     "• where the sector is now   ◇ where the sources place it (Kennedy)   ✓ both agree",
                     classes="quad-legend")

    def show(self, rules: Any, values: Any) -> None:
        from wargame.engine.scoring import quadrants

        now = quadrants(rules, values)
        s = rules.scenario
        for q, title, gloss in CELLS:
            lines = [f"[b {QUADRANT_CSS[q]}]{QUADRANT_SYMBOL[q]} {title}[/]", f"[$text-muted]{gloss}[/]"]
            for sid, sec in s.sectors.items():
                doc = sec.documented.quadrant if sec.documented else None
                if now[sid] == q:
                    lines.append(f"• [b]{escape(sec.name)}[/b]" + (" ✓" if doc == q else ""))
                elif doc == q:
                    lines.append(f"◇ {escape(sec.name)} [$text-muted](sources)[/]")
            if len(lines) == 2:
                lines.append("[$text-muted]—[/]")
            self.query_one(f"#quad-{q}", Static).update("\n".join(lines))
