"""Debrief charts: a key for every series, symbols that differ, and no series hidden under another."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import OptionList, Static

from wargame.tui.app import WargameApp
from wargame.tui.clock import FrozenTime
from wargame.tui.widgets.charts import MARKERS, Chart, legend, spread

DATA = Path(__file__).resolve().parents[1] / "data"
TECH = Path(__file__).resolve().parents[2] / "scenarios" / "tech-contest.yaml"


def test_spread_leaves_lone_markers_on_their_round() -> None:
    assert spread([[10.0, 20.0], [50.0, 60.0]], row=1.0, col=0.1) == [[0.0, 0.0], [0.0, 0.0]]


def test_spread_sets_coinciding_markers_side_by_side() -> None:
    out = spread([[10.0, 10.0], [10.2, 30.0], [10.4, 30.05]], row=1.0, col=0.1)
    # Round 0: all three within a row of each other: one column apart, centred on the round.
    assert [round(o[0], 6) for o in out] == [-0.1, 0.0, 0.1]
    # Round 1: the first alone stays put; the other two split either side.
    assert [round(o[1], 6) for o in out] == [0.0, -0.05, 0.05]


class ChartHost(App):
    def __init__(self, series: list[list[float]]) -> None:
        super().__init__()
        self.series = series

    def compose(self) -> ComposeResult:
        yield Chart(id="c")

    def on_mount(self) -> None:
        self.query_one(Chart).show("t", list(range(len(self.series[0]))),
                                   [f"R{i}" for i in range(len(self.series[0]))], self.series)


async def test_two_identical_series_both_show_at_every_round() -> None:
    same = [50.0, 52.0, 55.0, 55.0, 60.0]
    app = ChartHost([same, list(same), [30.0, 31.0, 32.0, 33.0, 34.0]])
    async with app.run_test(size=(60, 16)) as pilot:
        await pilot.pause()
        text = app.query_one(Chart).render().plain
        for k in range(3):
            assert text.count(MARKERS[k]) == len(same), (MARKERS[k], text)


def test_legend_gives_each_series_its_symbol() -> None:
    from rich.text import Text

    out = legend([Text("A"), Text("B"), Text("C")]).plain.splitlines()
    assert out == [f"{MARKERS[0]} A", f"{MARKERS[1]} B", f"{MARKERS[2]} C"]


async def test_debrief_indicator_chart_has_a_key_with_every_series(tmp_path: Path) -> None:
    from wargame.scenario.loader import load_scenario

    loaded = load_scenario(TECH if TECH.is_file() else DATA / "mini.yaml")
    seats = {r: "bot" for r in loaded.scenario.roles}
    app = WargameApp(scenario=loaded, seed=1, seats=seats, saves_dir=tmp_path, time=FrozenTime())
    app.animation_level = "none"
    async with app.run_test(size=(120, 40)) as pilot:
        for k in ("enter", "c", "enter", "enter"):  # briefing -> table -> reveal -> resolution -> debrief
            await pilot.press(k)
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
        screen = app.screen
        assert type(screen).__name__ == "DebriefScreen"
        from wargame.tui.widgets.charts import subject_indicators

        rules = app.session.rules
        ol = screen.query_one("#subjects", OptionList)
        most = 0
        for i in range(ol.option_count):
            sid = ol.get_option_at_index(i).id
            if sid.startswith("h:"):
                continue
            ol.highlighted = i
            await pilot.pause()
            drawn, _ = subject_indicators(rules, sid)
            most = max(most, len(drawn))
            key = str(screen.query_one("#chart-key", Static).render()).splitlines() if drawn else []
            assert len(key) == len(drawn)
            for k, (line, ind) in enumerate(zip(key, drawn)):
                assert line.startswith(MARKERS[k] + " " + rules.indicator[ind].name), line
            # Every series is drawn with its own symbol.
            plot = screen.query_one("#chart").render().plain
            for k in range(len(drawn)):
                assert MARKERS[k] in plot, (sid, MARKERS[k])
        if TECH.is_file():
            assert most >= 5  # the case reported: five or six series on one chart
