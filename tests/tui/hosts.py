"""Tiny test-only apps that host one screen or widget, for Pilot and snapshot tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.app import App, ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer

from wargame.engine.rules import Rules
from wargame.engine.state import RoundTrace
from wargame.scenario.seeds import Evidence
from wargame.tui.widgets.why import WhyPanel
from tests.conftest import settle as settle_once


class ScreenHost(App):
    """Pushes one screen on mount and records the messages that bubble up to the app."""

    def __init__(self, make_screen: Callable[[], Screen]) -> None:
        super().__init__()
        self.animation_level = "none"
        self.make_screen = make_screen
        self.seen: list[Message] = []

    def on_mount(self) -> None:
        self.push_screen(self.make_screen())

    def on_replay_screen_fork_requested(self, message: Message) -> None:
        self.seen.append(message)

    def on_why_panel_fact_selected(self, message: Message) -> None:
        self.seen.append(message)


class WhyHost(App):
    """A why panel showing one indicator of one round."""

    def __init__(self, rules: Rules, evidence: Evidence | None, trace: RoundTrace | None = None,
                 indicator: str | None = None) -> None:
        super().__init__()
        self.animation_level = "none"
        self.rules, self.evidence, self.trace, self.indicator = rules, evidence, trace, indicator
        self.seen: list[Message] = []

    def compose(self) -> ComposeResult:
        yield WhyPanel(self.rules, self.evidence, id="why")
        yield Footer()

    def on_mount(self) -> None:
        panel = self.query_one(WhyPanel)
        if self.trace is not None and self.indicator is not None:
            panel.show(self.trace, self.indicator)
        panel.table.focus()

    def on_why_panel_fact_selected(self, message: WhyPanel.FactSelected) -> None:
        self.seen.append(message)


MINI = Path(__file__).resolve().parents[1] / "data" / "mini.yaml"


def mini():
    from wargame.scenario.loader import load_scenario

    return load_scenario(MINI)


def bots_save(path: Path, seed: int = 7) -> Path:
    """A whole bots game of the mini scenario, saved as the app would."""
    from wargame.play.headless import play_session

    play_session(mini(), seed, None, path)
    return path


def bookmarked_save(path: Path, seed: int = 7) -> Path:
    """A bots game with an inject, an override, a plain note and two bookmarks."""
    from wargame.engine.bots import choose_orders
    from wargame.engine.game import bot_rng
    from wargame.saves.session import Session

    loaded = mini()
    s = Session.new(loaded, seed, {r: "bot" for r in loaded.scenario.roles}, path)
    g, rules = s.game, s.rules
    while not g.finished:
        rnd = g.round
        for role in rules.roles:
            s.submit(role, choose_orders(rules, g.state, role, bot_rng(g.seed, rnd, role)), by="bot")
        if rnd == 2:
            s.inject("shock")
        s.resolve()
        if rnd == 1:
            s.note("Controls in force: watch chips.", bookmark=True)
        if rnd == 2:
            s.override("eu.revenue", 55, "Umpire: the deal paid more than the model says.")
        if rnd == 3:
            s.note("A plain note.")
            s.note("Second bookmark.", bookmark=True)
    s.close()
    return path


async def settle(pilot) -> None:
    """Wait for workers (the replay loads in one) and for the screen to refresh, twice."""
    await settle_once(pilot)
    await pilot.pause()
