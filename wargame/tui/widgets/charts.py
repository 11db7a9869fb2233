"""Charts over the rounds (textual-plotext): a sector's or role's indicators, and the scores.

Series are told apart by their symbol (and a key naming each), not by colour alone.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual_plotext import PlotextPlot

from wargame.fixed import to_float

MARKERS = ("●", "■", "▲", "◆", "✚", "✱", "○", "□")
# plotext colour names, each a distinct ANSI colour ("yellow+" is none at all in plotext,
# and "orange+" is bright yellow): the line and its symbol, and the key's symbol.
COLOURS = ("cyan+", "orange+", "magenta+", "green+", "blue+", "red+", "orange", "white")


def y_range(values: list[float], lo: float = 0.0, hi: float = 100.0) -> tuple[float, float]:
    """A y range around the data (so movement shows), padded, within the indicator bounds."""
    if not values:
        return lo, hi
    a, b = min(values), max(values)
    pad = max(5.0, (b - a) * 0.2)
    return max(lo, a - pad), min(hi, b + pad)


def marker(k: int) -> str:
    return MARKERS[k % len(MARKERS)]


def marker_text(k: int) -> Text:
    """Series ``k``'s symbol in the very colour plotext gives its line (through the same
    ANSI code), for a key or a list beside the chart."""
    import plotext

    t = Text.from_ansi(plotext.colorize(marker(k), COLOURS[k % len(COLOURS)]))
    t.stylize("bold")
    t.end = ""
    return t


def spread(series: list[list[float]], row: float, col: float) -> list[list[float]]:
    """Per series, per point, an x offset: markers that would fall in the same cell of the
    plot (the same round, values less than a text row apart) are set side by side, one
    column apart, centred on the round. A marker alone stays on its round.

    Without this a role whose score equals another's was hidden under it: one symbol drawn
    over the other, and one braille line over the other.
    """
    offsets = [[0.0] * len(ys) for ys in series]
    if not series or row <= 0:
        return offsets
    for i in range(max(len(ys) for ys in series)):
        at = sorted((ys[i], k) for k, ys in enumerate(series) if i < len(ys))
        groups: list[list[int]] = []
        last: float | None = None
        for y, k in at:
            if groups and last is not None and y - last < row:
                groups[-1].append(k)
            else:
                groups.append([k])
            last = y
        for g in groups:
            g.sort()
            for j, k in enumerate(g):
                offsets[k][i] = (j - (len(g) - 1) / 2) * col
    return offsets


def key(labels: list[str]) -> str:
    """The series' symbols and names, for a title: "● US  ■ CN  ▲ EU"."""
    return "  ".join(f"{marker(k)} {label}" for k, label in enumerate(labels))


def legend(labels: list[Text]) -> Text:
    """The key under a chart: one line per series, its symbol in its colour, then its words.

    The symbol alone tells the series apart (without colour); the colour matches the line.
    """
    out = Text()
    for k, label in enumerate(labels):
        if k:
            out.append("\n")
        out.append_text(marker_text(k))
        out.append(" ")
        out.append_text(label)
    return out


def round_labels(session: Any) -> tuple[list[int], list[str]]:
    xs = list(range(len(session.game.states)))
    labels = ["start" if i == 0 else f"R{i}" for i in xs]
    return xs, labels


def series(session: Any, indicator: str) -> list[float]:
    i = session.rules.index[indicator]
    return [to_float(st.values[i]) for st in session.game.states]


def subject_indicators(rules: Any, subject: str) -> tuple[list[str], list[str]]:
    """(indicators drawn on the 0-100 chart, indicators listed as numbers) for a sector or role."""
    drawn, listed = [], []
    for ind in rules.ids:
        if ind.split(".", 1)[0] != subject:
            continue
        meta = rules.indicator[ind]
        (drawn if meta.min >= 0 and meta.max <= 100 else listed).append(ind)
    return drawn, listed


class Chart(PlotextPlot):
    """A line chart of series over the rounds, drawn when rendered (so at the right size).

    Lines first, then every series' symbols on top, spread where they would coincide
    (:func:`spread`), so no series hides another. Lets go of the theme signal when removed:
    PlotextPlot subscribes to ``theme_changed_signal`` in ``on_mount`` with a closure over
    itself and never unsubscribes, so every chart ever shown stayed alive, caches and all,
    until the theme next changed.
    """

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._title = ""
        self._xs: list[int] = []
        self._labels: list[str] = []
        self._series: list[list[float]] = []
        self._ylim = (0.0, 100.0)

    def on_unmount(self) -> None:
        self.app.theme_changed_signal.unsubscribe(self)

    def show(self, title: str, xs: list[int], labels: list[str], series: list[list[float]]) -> None:
        self._title, self._xs, self._labels, self._series = title, xs, labels, series
        self._ylim = y_range([y for ys in series for y in ys])
        self.refresh()

    def render(self) -> Any:
        self._draw()
        return super().render()

    def _draw(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(self._title)
        xs = self._xs
        if not xs:
            return
        lo, hi = self._ylim
        xmin, xmax = xs[0] - 0.4, xs[-1] + 0.4
        # The plot's area in cells, less the y labels, the frame, the title and the x labels.
        plot_w = max(self.size.width - 10, 10)
        plot_h = max(self.size.height - 5, 3)
        offsets = spread(self._series, (hi - lo) / plot_h, (xmax - xmin) / plot_w)
        for k, ys in enumerate(self._series):
            plt.plot(xs, ys, marker="braille", color=COLOURS[k % len(COLOURS)])
        for k, ys in enumerate(self._series):
            plt.scatter([x + dx for x, dx in zip(xs, offsets[k])], ys, marker=marker(k),
                        color=COLOURS[k % len(COLOURS)])
        plt.xticks(xs, self._labels)
        plt.xlim(xmin, xmax)
        plt.ylim(lo, hi)


class IndicatorChart(Chart):
    """One sector's or role's indicators over the rounds (the key is drawn beside it, by
    :func:`legend`: with five or six series a key in the title was cut off)."""

    def plot(self, session: Any, subject: str) -> list[str]:
        """Draw ``subject``'s 0-100 indicators; return their names, in series order."""
        rules = session.rules
        s = rules.scenario
        drawn, _ = subject_indicators(rules, subject)
        xs, labels = round_labels(session)
        name = s.sectors[subject].name if subject in s.sectors else s.roles[subject].name
        self.show(f"{name} (0-100)", xs, labels, [series(session, ind) for ind in drawn])
        return drawn


class ScoreChart(Chart):
    """Every role's score (0-100) over the rounds."""

    def plot(self, session: Any) -> None:
        from wargame.engine.scoring import scores

        rules = session.rules
        xs, labels = round_labels(session)
        per = [scores(rules, st.values) for st in session.game.states]
        self.show(f"Scores (0-100): {key([rules.scenario.roles[rid].short for rid in rules.roles])}",
                  xs, labels, [[p[rid] for p in per] for rid in rules.roles])
