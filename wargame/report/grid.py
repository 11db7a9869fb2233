"""Kennedy's grid (CSIS ch. 1, Figure 1.1) as the report words and lays it out.

The layout and Kennedy's names come from the domain's one home,
:mod:`wargame.engine.grid` (columns: China's innovation outcome, success then
failure; rows: the effect on the global sector, constructive then destructive).
This module only adapts them to the report's sentences.
"""

from __future__ import annotations

from wargame.engine.grid import BY_QUADRANT, COLUMNS as _COLUMNS, ROWS as _ROWS, layout

QUADRANT_WORDS: dict[str, tuple[str, str]] = {q: (c.letter, c.name) for q, c in BY_QUADRANT.items()}
COLUMNS = tuple(f"Innovation in China: {c.lower()}" for c in _COLUMNS)
ROWS = tuple(f"{r} for the global sector" for r in _ROWS)
# LAYOUT[row][column], as Figure 1.1 draws it
LAYOUT: tuple[tuple[str, ...], ...] = tuple(tuple(c.quadrant for c in row) for row in layout())


def quadrant_name(q: str) -> str:
    """Kennedy's name, without the letter: officials read 'Win-Win', not 'A'."""
    return QUADRANT_WORDS.get(q, ("?", q))[1]


def quadrant_letter(q: str) -> str:
    return QUADRANT_WORDS.get(q, ("?", q))[0]


def quadrant_label(q: str) -> str:
    """Letter and name, as in Kennedy's figure: 'A Win-Win'."""
    letter, name = QUADRANT_WORDS.get(q, ("?", q))
    return f"{letter} {name}"
