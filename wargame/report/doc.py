"""The report's document model: typed blocks and inline pieces, written out by
:mod:`wargame.report.markdown` and :mod:`wargame.report.html`.

Builders (the after-action report, the briefing packs, the comparison) say
*what* a document holds; writers decide how it looks. A document has parts:
what officials read first (``summary``), the ``details``, and an ``appendix``
for what only an analyst needs (hashes, engine version, codes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TypeAlias

# --- inline ---------------------------------------------------------------------------

Style = Literal["b", "i", "s", "code", "star", "muted"]


@dataclass(frozen=True, slots=True)
class Span:
    """Styled text: bold, italic, struck out (a rejected order), code, a bookmark star, muted."""

    text: str
    style: Style = "b"


@dataclass(frozen=True, slots=True)
class Cite:
    """Reference numbers into the document's list of sources."""

    nums: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Br:
    """A line break inside a cell or paragraph."""


@dataclass(frozen=True, slots=True)
class Anchor:
    """A target for links (a source's number)."""

    id: str


@dataclass(frozen=True, slots=True)
class Link:
    """A link inside the document: ``#anchor``."""

    text: str
    href: str


Piece: TypeAlias = str | Span | Cite | Br | Anchor | Link
Inline: TypeAlias = list[Piece]


def b(text: str) -> Span:
    return Span(text, "b")


def i(text: str) -> Span:
    return Span(text, "i")


def code(text: str) -> Span:
    return Span(text, "code")


# --- charts ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Override:
    """A value the facilitator set: where, the model's value, and the value set."""

    at: int  # index into the chart's x labels
    model: float
    value: float


@dataclass
class Series:
    name: str
    values: list[float]
    overrides: list[Override] = field(default_factory=list)


@dataclass
class Panel:
    title: str
    unit: str
    series: list[Series]
    threshold: float | None = None
    threshold_label: str = ""
    # The y range drawn. Panels compared side by side get the same one (their
    # indicators' bounds), so that equal heights mean equal amounts.
    y_range: tuple[float, float] | None = None


@dataclass
class LineChart:
    """Values over rounds: small multiples (one panel each), or one panel with a key."""

    title: str
    x_labels: list[str]
    panels: list[Panel]
    legend: bool = False
    label: str = "Indicator"  # what a row of its values table is


@dataclass(frozen=True, slots=True)
class PathPoint:
    label: str  # the round, as people say it
    x: float  # China's innovation outcome
    y: float  # effect on the global sector


@dataclass
class GridPath:
    """One sector's path over the rounds on Kennedy's grid (Figure 1.1)."""

    name: str
    points: list[PathPoint]
    x_threshold: float
    y_threshold: float
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    documented: str | None = None  # the quadrant the sources place it in


@dataclass
class GridChart:
    """Small multiples of sector paths, all on one scale."""

    title: str
    paths: list[GridPath]


@dataclass(frozen=True, slots=True)
class Band:
    """A distribution summary: p5-p95 band, median tick and mean dot."""

    label: str
    mean: float
    p5: float
    p50: float
    p95: float


@dataclass
class BandChart:
    """Distributions side by side on one shared axis (compare branches)."""

    title: str
    groups: list[tuple[str, list[Band]]]  # (group name, one band per branch)
    x_range: tuple[float, float]
    unit: str = ""


Chart: TypeAlias = LineChart | GridChart | BandChart


# --- blocks ---------------------------------------------------------------------------

@dataclass
class Heading:
    level: int
    text: str
    anchor: str


@dataclass
class Para:
    content: Inline
    cls: str = ""  # 'lead' (an opening paragraph), 'note' (small print)


@dataclass
class Bullets:
    items: list[Inline]


@dataclass
class Refs:
    """Numbered sources, each carrying its own anchor and number."""

    items: list[Inline]


@dataclass
class Table:
    head: list[Inline]
    rows: list[list[Inline]]
    cls: str = ""  # a style hook: 'meta', 'num', 'orders', 'drivers', 'quad', 'values'


@dataclass
class Warn:
    content: Inline


@dataclass
class Figure:
    chart: Chart
    caption: str = ""
    values: bool = True  # also give the numbers (a table in Markdown, a folded one in HTML)
    title: str = ""  # a heading kept on the same printed page as the chart


@dataclass
class Card:
    """A boxed item that is never split across printed pages (a move card)."""

    title: str
    tag: str  # a short line beside the title, e.g. the cost
    blocks: list["Block"]


@dataclass
class PageBreak:
    """Start a new printed page here (HTML print only)."""


Block: TypeAlias = Heading | Para | Bullets | Refs | Table | Warn | Figure | Card | PageBreak


@dataclass
class Part:
    """A run of blocks with a role in the document: summary, details or appendix."""

    name: Literal["summary", "details", "appendix"]
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Document:
    title: str
    parts: list[Part]

    def blocks(self) -> list[Block]:
        return [blk for part in self.parts for blk in part.blocks]
