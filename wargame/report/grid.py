"""Kennedy's grid (CSIS ch. 1, Figure 1.1) as the report lays it out.

Figure 1.1 puts China's innovation outcome on the columns (success, failure)
and the effect on the global sector on the rows (constructive, destructive):

                 success              failure
  constructive   A Win-win            C Harmless failure
  destructive    B Destructive victory D Lose-lose

The report reads the layout and the words from here only, so that when the
domain's own home for them lands they change in one place.
"""

from __future__ import annotations

QUADRANT_WORDS: dict[str, tuple[str, str]] = {
    "win-win": ("A", "Win-win"),
    "destructive-victory": ("B", "Destructive victory"),
    "harmless-failure": ("C", "Harmless failure"),
    "lose-lose": ("D", "Lose-lose"),
}
COLUMNS = ("China's innovation succeeds", "China's innovation fails")
ROWS = ("Constructive for the global sector", "Destructive for the global sector")
# LAYOUT[row][column]
LAYOUT: tuple[tuple[str, str], tuple[str, str]] = (("win-win", "harmless-failure"),
                                                   ("destructive-victory", "lose-lose"))


def quadrant_name(q: str) -> str:
    """The words, without the letter: officials read 'Win-win', not 'A'."""
    return QUADRANT_WORDS.get(q, ("?", q))[1]


def quadrant_letter(q: str) -> str:
    return QUADRANT_WORDS.get(q, ("?", q))[0]
