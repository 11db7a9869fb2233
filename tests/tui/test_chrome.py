"""The app's chrome: the key bar, the phase bar, the help text, and what the app does to
stay responsive (no widgets kept alive after their screen is gone; garbage collected
while nobody waits)."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from rich.console import Console

from wargame.tui.app import WargameApp
from wargame.tui.clock import FrozenTime
from wargame.tui.gcpause import RARE, IdleCollector
from wargame.tui.screens.help import HELP, help_renderable
from wargame.tui.widgets.phasebar import PhaseBar
from wargame.tui.widgets.keybar import Key, KeyBar, KeyItem, fit

from .hosts import mini
from tests.conftest import settle


def new_game(tmp_path: Path) -> WargameApp:
    loaded = mini()
    app = WargameApp(scenario=loaded, seed=7, seats={r: "human" for r in loaded.scenario.roles},
                     saves_dir=tmp_path, time=FrozenTime())
    app.animation_level = "none"
    return app


def bar_text(app: WargameApp) -> str:
    return str(app.screen.query_one(KeyBar).render())


def item(desc: str, keep: bool = False) -> KeyItem:
    return KeyItem((Key(desc[0], desc[0], True),), desc, keep)


def test_fit_drops_from_the_end_but_keeps_help() -> None:
    items = [item("alpha"), item("bravo"), item("help", keep=True), item("delta")]
    assert fit(items, 100, 1) == items
    # each item is 1 + 1 + len(desc) wide: alpha 7, bravo 7, help 6, delta 7; gaps 1
    assert [i.description for i in fit(items, 22, 1)] == ["alpha", "bravo", "help"]
    assert [i.description for i in fit(items, 14, 1)] == ["alpha", "help"]
    assert [i.description for i in fit(items, 3, 1)] == ["help"]  # kept even when it does not fit


async def test_key_bar_fits_80_columns_with_help_and_palette(tmp_path: Path) -> None:
    app = new_game(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f2")  # the console has the most keys
        await settle(pilot)
        text = bar_text(app)
        assert len(text) <= 80
        assert "esc Back to game" in text and "f1 Help" in text
        assert text.rstrip().endswith("^p palette")
        assert "Clock" not in text  # the least important keys went first


async def test_key_bar_groups_keys_like_textuals_footer(tmp_path: Path) -> None:
    app = new_game(tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        text = bar_text(app)
        assert "m p + 5 d Clock" in text and "b a Bookmark/note" in text


async def test_clicking_a_key_in_the_bar_presses_it(tmp_path: Path) -> None:
    app = new_game(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        bar = app.screen.query_one(KeyBar)
        bar_text(app)  # make sure the spans are those of this screen
        start = next(a for a, _, k in bar._spans if k.display == "f1")
        await pilot.click(KeyBar, offset=(start + 3, 0))  # on the word "Help"
        await settle(pilot)
        assert type(app.screen).__name__ == "HelpScreen"


async def test_phase_bar_follows_the_app(tmp_path: Path) -> None:
    app = new_game(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        bar = app.screen.query_one(PhaseBar)
        assert "Round 1 of 4" in str(bar.render()) and "BRIEFING" in str(bar.render())
        await pilot.press("f3")
        await settle(pilot)
        assert "OBSERVER" in str(app.screen.query_one(PhaseBar).render())


async def test_screens_left_behind_are_not_kept_alive(tmp_path: Path) -> None:
    """A widget that watches the app must let go when removed (it once kept every phase bar
    and chart ever shown alive, with their render caches)."""
    app = new_game(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for _ in range(2):  # two whole rounds, every screen of them
            await pilot.press("enter", "c")  # briefing -> the table -> hand-over
            await settle(pilot)
            while type(app.screen).__name__ in ("HandoverScreen", "OrdersScreen", "ConfirmDialog"):
                name = type(app.screen).__name__
                await pilot.press("enter" if name != "OrdersScreen" else "s")
                await settle(pilot)
            for _ in range(3):  # reveal -> resolution -> debrief -> briefing
                await pilot.press("enter")
                await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "BriefingScreen"
        gc.collect()
        bars = [o for o in gc.get_objects() if isinstance(o, PhaseBar)]
        charts = [o for o in gc.get_objects() if type(o).__name__ in ("ScoreChart", "IndicatorChart")]
        helps = [o for o in gc.get_objects() if type(o).__name__ == "HelpScreen"]
        assert len(bars) <= 2, len(bars)  # the briefing's own (and at most one being torn down)
        assert charts == [] and helps == []


def test_idle_collector_installs_collects_and_restores() -> None:
    before = gc.get_threshold()
    c = IdleCollector(idle_after=0.0, at_least_every=3600)
    try:
        c.install()
        assert gc.get_threshold()[2] == RARE and gc.get_freeze_count() > 0
        assert c.tick() is False  # no input since the last collection: nothing to do
        c.input_seen()
        assert c.tick() is True and c.collections == 1
        assert c.tick() is False
    finally:
        c.uninstall()
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_help_text_is_drawn_without_markdown_syntax() -> None:
    console = Console(width=80, record=True, color_system=None)
    console.print(help_renderable(HELP, {"text-accent": "#ffc473", "primary": "#0178d4"}))
    text = console.export_text()
    assert "A round, phase by phase" in text and "## " not in text and "**" not in text
    assert "1. Briefing: where every sector stands" in text
    assert "• F1 or ?: this help" in text
    # a list item's second line is indented under its text, not under its number
    lines = text.splitlines()
    k = next(n for n, line in enumerate(lines) if line.startswith("1. Briefing"))
    assert lines[k + 1].startswith("   ") and lines[k + 1][3] != " "


@pytest.mark.parametrize("x, shown, arrow_", [(2.5, "+2.5", "▲"), (-0.4, "−0.4", "▼"), (0.0, "0", "▬"),
                                                (0.003, "0", "▬"), (-0.004, "0", "▬"), (0.005, "+0.01", "▲")])
def test_a_change_that_shows_as_zero_has_no_sign_or_arrow(x: float, shown: str, arrow_: str) -> None:
    """'▲ +0' said a number went up when the screen shows it did not move."""
    from wargame.numbers import delta
    from wargame.tui.widgets.dashboard import arrow

    assert (delta(x), arrow(x)) == (shown, arrow_)
