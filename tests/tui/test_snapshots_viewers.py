"""SVG snapshots of the replay viewer, the evidence browser and the why panel, at 120x40 and 80x24.

Deterministic: seeded games, fixed file names, animations off, no clock text, nothing
with a blinking cursor focused. Update with ``pytest tests/tui/test_snapshots_viewers.py --snapshot-update``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from wargame.play.headless import play_game
from wargame.engine.rules import Rules
from wargame.tui.screens.evidence import EvidenceScreen
from wargame.tui.screens.replay import ReplayScreen

from .hosts import ScreenHost, WhyHost, bookmarked_save, mini, settle

SIZES = [pytest.param((120, 40), id="120x40"), pytest.param((80, 24), id="80x24")]


def _replay_app(tmp_path: Path) -> ScreenHost:
    path = bookmarked_save(tmp_path / "game.jsonl")
    evidence = mini().evidence
    return ScreenHost(lambda: ReplayScreen(path, evidence=evidence))


@pytest.mark.parametrize("size", SIZES)
def test_replay_state_at_a_bookmark(snap_compare, tmp_path: Path, size) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("b")
        await pilot.pause()

    assert snap_compare(_replay_app(tmp_path), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_replay_trace_and_why(snap_compare, tmp_path: Path, size) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("right_square_bracket", "right_square_bracket", "t")
        await pilot.pause()

    assert snap_compare(_replay_app(tmp_path), terminal_size=size, run_before=run_before)


def test_replay_orders_at_an_override(snap_compare, tmp_path: Path) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        screen = pilot.app.screen
        k = next(i for i, s in enumerate(screen.timeline.steps) if s.event["type"] == "override")
        screen.k = k
        screen.refresh_view()
        await pilot.press("o")
        await pilot.pause()

    assert snap_compare(_replay_app(tmp_path), terminal_size=(120, 40), run_before=run_before)


def test_replay_fork_dialog(snap_compare, tmp_path: Path) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("right_square_bracket", "f")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(_replay_app(tmp_path), terminal_size=(80, 24), run_before=run_before)


def _evidence_app(focus: str | None = "test.allies") -> ScreenHost:
    loaded = mini()
    rules = Rules(loaded)
    return ScreenHost(lambda: EvidenceScreen(loaded.evidence, rules, focus))


@pytest.mark.parametrize("size", SIZES)
def test_evidence_browser_focused_fact(snap_compare, size) -> None:
    assert snap_compare(_evidence_app(), terminal_size=size, run_before=settle)


def test_evidence_browser_sources(snap_compare) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("s")
        await pilot.pause()

    assert snap_compare(_evidence_app(None), terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_why_panel(snap_compare, size) -> None:
    loaded = mini()
    rules = Rules(loaded)
    trace = play_game(rules, 7).traces[1]
    app = WhyHost(rules, loaded.evidence, trace, "chips.china_innovation")
    assert snap_compare(app, terminal_size=size, run_before=settle)
