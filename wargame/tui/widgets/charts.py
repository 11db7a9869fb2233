"""Charts over the rounds (textual-plotext): a sector's or role's indicators, and the scores.

Series are told apart by marker and legend, not by colour alone.
"""

from __future__ import annotations

from typing import Any

from textual_plotext import PlotextPlot

from wargame.engine.fixed import to_float

MARKERS = ("●", "■", "▲", "◆", "✚", "✱", "○", "□")
COLOURS = ("cyan+", "orange+", "magenta+", "green+", "blue+", "yellow+", "red+", "white")


def y_range(values: list[float], lo: float = 0.0, hi: float = 100.0) -> tuple[float, float]:
    """A y range around the data (so movement shows), padded, within the indicator bounds."""
    if not values:
        return lo, hi
    a, b = min(values), max(values)
    pad = max(5.0, (b - a) * 0.2)
    return max(lo, a - pad), min(hi, b + pad)


def draw(plt, xs: list[int], ys: list[float], k: int) -> None:
    """A line, with its own symbol at every round so series differ without colour.

    No plotext legend: plotext draws it in the plot's top-left corner, over the data (a
    line that started high vanished under it). The key goes in the title (:func:`key`).
    """
    marker, colour = MARKERS[k % len(MARKERS)], COLOURS[k % len(COLOURS)]
    plt.plot(xs, ys, marker="braille", color=colour)
    plt.scatter(xs, ys, marker=marker, color=colour)


def key(labels: list[str]) -> str:
    """The series' symbols and names, for the title: "● US  ■ CN  ▲ EU"."""
    return "  ".join(f"{MARKERS[k % len(MARKERS)]} {label}" for k, label in enumerate(labels))


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
    """A PlotextPlot that lets go of the theme signal when removed.

    PlotextPlot subscribes to ``theme_changed_signal`` in ``on_mount`` with a closure over
    itself and never unsubscribes, so every chart ever shown stayed alive, caches and all,
    until the theme next changed.
    """

    def on_unmount(self) -> None:
        self.app.theme_changed_signal.unsubscribe(self)


class IndicatorChart(Chart):
    """One sector's or role's indicators over the rounds."""

    def plot(self, session: Any, subject: str) -> None:
        rules = session.rules
        s = rules.scenario
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        drawn, _ = subject_indicators(rules, subject)
        xs, labels = round_labels(session)
        name = s.sectors[subject].name if subject in s.sectors else s.roles[subject].name
        plt.title(f"{name}: {key([rules.indicator[ind].name for ind in drawn])}")
        everything: list[float] = []
        for k, ind in enumerate(drawn):
            ys = series(session, ind)
            everything += ys
            draw(plt, xs, ys, k)
        plt.xticks(xs, labels)
        plt.ylim(*y_range(everything))
        self.refresh()


class ScoreChart(Chart):
    """Every role's score (0-100) over the rounds."""

    def plot(self, session: Any) -> None:
        from wargame.engine.scoring import scores

        rules = session.rules
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        xs, labels = round_labels(session)
        plt.title(f"Scores (0-100): {key([rules.scenario.roles[rid].short for rid in rules.roles])}")
        per = [scores(rules, st.values) for st in session.game.states]
        everything: list[float] = []
        for k, rid in enumerate(rules.roles):
            ys = [p[rid] for p in per]
            everything += ys
            draw(plt, xs, ys, k)
        plt.xticks(xs, labels)
        plt.ylim(*y_range(everything))
        self.refresh()
