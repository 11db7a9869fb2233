"""Kennedy's grid as Kennedy draws it (CSIS ch. 1, Figures 1.1 and 1.2): one home for its layout and words.

The columns are China's innovation outcome (success, failure); the rows are the effect on the
global sector (constructive, destructive). So the top row reads A Win-Win, C Harmless Failure and
the bottom row B Destructive Victory, D Lose-Lose. The app's quadrant map and the report both draw
the grid from here, so the two cannot drift apart, and neither can transpose it.

The glosses paraphrase Kennedy's definitions: a harmless failure is one where China fails and the
global sector is not harmed (not one where the world gains).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cell:
    quadrant: str   # the scenario format's id: win-win, destructive-victory, harmless-failure, lose-lose
    letter: str     # Kennedy's letter, A-D
    name: str       # Kennedy's name for the outcome
    gloss: str      # what it means, in the project's words
    row: int        # 0: constructive, 1: destructive (Kennedy's rows)
    col: int        # 0: success in China, 1: failure (Kennedy's columns)


COLUMN_TITLE = "Innovation outcome in China"
COLUMNS = ("Success", "Failure")
ROW_TITLE = "Effect on the global sector"
ROWS = ("Constructive", "Destructive")

CELLS: tuple[Cell, ...] = (
    Cell("win-win", "A", "Win-Win", "China succeeds · the global sector benefits too", 0, 0),
    Cell("harmless-failure", "C", "Harmless Failure", "China fails · the global sector is not harmed", 0, 1),
    Cell("destructive-victory", "B", "Destructive Victory", "China succeeds · at the global sector's expense", 1, 0),
    Cell("lose-lose", "D", "Lose-Lose", "China fails · and the global sector is harmed", 1, 1),
)
BY_QUADRANT: dict[str, Cell] = {c.quadrant: c for c in CELLS}


def layout() -> list[list[Cell]]:
    """The cells as Kennedy's figure has them: rows (constructive, destructive) of columns (success, failure)."""
    grid: list[list[Cell | None]] = [[None, None], [None, None]]
    for c in CELLS:
        grid[c.row][c.col] = c
    return [[c for c in row if c is not None] for row in grid]


def label(quadrant: str) -> str:
    """Kennedy's letter and name: 'A) Win-Win'."""
    c = BY_QUADRANT[quadrant]
    return f"{c.letter}) {c.name}"
