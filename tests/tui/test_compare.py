"""Compare from here: from the replay viewer, choose a round and an alternative move, run it in a
worker with a progress bar, and read the distributions and the why list."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, OptionList, ProgressBar, SelectionList, Static

from wargame.scenario.seeds import default_seeds_dir, load_evidence
from wargame.tui.screens.compare import CompareScreen
from wargame.tui.screens.evidence import EvidenceScreen
from wargame.tui.screens.replay import ReplayScreen

from .hosts import ScreenHost, settle

HISTORY = Path(__file__).resolve().parents[2] / "saves" / "history-2016-2020.jsonl"


@pytest.mark.skipif(not HISTORY.is_file(), reason="the history save is not written yet")
async def test_compare_from_here_in_the_replay_viewer() -> None:
    evidence = load_evidence(default_seeds_dir())
    app = ScreenHost(lambda: ReplayScreen(HISTORY, None, evidence=evidence))
    async with app.run_test(size=(130, 44)) as pilot:
        await settle(pilot)
        await pilot.press("g")  # jump to the end of round 4: compare from round 5
        await pilot.pause()
        app.screen.query_one(Input).value = "4"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CompareScreen) and screen.at == 5
        k = next(i for i, c in enumerate(screen.choices) if c.kind == "drop" and c.order.move == "us_entity_list")
        sel = screen.query_one("#cmp-choices", SelectionList)
        assert sel.has_focus
        await pilot.press(*(["down"] * k), "space")
        assert [screen.choices[i].order.move for i in sel.selected] == ["us_entity_list"]
        screen.query_one("#cmp-runs", Input).value = "12"
        await pilot.press("ctrl+r")
        await settle(pilot)
        bar = screen.query_one("#cmp-progress", ProgressBar)
        assert bar.total == 12 and bar.progress == 12
        assert screen.result is not None and screen.result["runs"] == 12
        chart = str(screen.query_one("#cmp-chart", Static).render())
        for name in ("United States", "China", "as played", "alternative", "●"):
            assert name in chart
        why = screen.query_one("#cmp-why", OptionList)
        lines = [str(why.get_option_at_index(i).prompt) for i in range(why.option_count)]
        assert any("Put Huawei on the Entity List" in ln for ln in lines), lines
        # a why line opens the evidence behind it
        idx = next(i for i, ln in enumerate(lines) if "Put Huawei on the Entity List" in ln)
        why.focus()
        why.highlighted = idx
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, EvidenceScreen)
        cites = screen.rules.scenario.moves["us_entity_list"].cites
        assert app.screen.focus_fact == cites[0]
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReplayScreen)


async def test_compare_from_here_in_the_final_debrief(tmp_path: Path, monkeypatch) -> None:
    from wargame.tui.app import WargameApp
    from wargame.tui.clock import FrozenTime

    from .hosts import mini

    monkeypatch.chdir(tmp_path)
    app = WargameApp(saves_dir=tmp_path / "saves", time=FrozenTime(), scenario=mini(), seed=7,
                     seats={r: "bot" for r in ("us", "cn", "eu")})
    app.animation_level = "none"
    async with app.run_test(size=(130, 44)) as pilot:
        for _ in range(4):
            for k in ("enter", "c", "enter", "enter"):  # briefing -> table -> reveal -> resolution -> debrief
                await pilot.press(k)
                await settle(pilot)
            if not getattr(app.screen, "final", False):
                await pilot.press("enter")
                await settle(pilot)
        assert getattr(app.screen, "final", False)
        await pilot.press("c")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CompareScreen) and screen.at == 4 and screen.choices
        await pilot.press("space")
        screen.query_one("#cmp-runs", Input).value = "6"
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert screen.result is not None and screen.result["runs"] == 6
        assert "alternative" in str(screen.query_one("#cmp-chart", Static).render())
