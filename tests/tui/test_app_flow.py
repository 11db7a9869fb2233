"""Pilot tests of the whole app, driven by keys and clicks only.

The long one plays the default scenario from the title screen to the final debrief with
every seat human (hand-over screens and all), then checks the save it leaves with
``wargame replay --verify``. The others cover bots (in a worker), the facilitator's
console (inject, override with a reason, undo, bookmark), the observer view, the
resume prompt, help and the command palette.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Button, Input, OptionList

from wargame.tui.app import WargameApp
from wargame.tui.clock import FrozenTime
from tests.conftest import settle

DATA = Path(__file__).resolve().parents[1] / "data"
MINI = DATA / "mini.yaml"
BIG = (120, 40)


def mini():
    from wargame.scenario.loader import load_scenario

    return load_scenario(MINI)


def make_app(saves: Path, **kw) -> WargameApp:
    app = WargameApp(saves_dir=saves, time=FrozenTime(), **kw)
    app.animation_level = "none"
    return app


def screen_name(app) -> str:
    return type(app.screen).__name__


def log_events(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()[1:]]


async def press_until(pilot, key: str, screen: str, limit: int = 3) -> None:
    for _ in range(limit):
        if screen_name(pilot.app) == screen:
            return
        await pilot.press(key)
        await settle(pilot)
    assert screen_name(pilot.app) == screen


async def enter_orders(pilot, pick: int | None) -> bool:
    """On a team's order screen: choose the pick-th available entry (if any), fix the budget, submit."""
    app = pilot.app
    screen = app.screen
    assert screen_name(app) == "OrdersScreen"
    chose = False
    if pick is not None:
        for _ in range(pick):
            await pilot.press("down")
        await pilot.press("space")
        await settle(pilot)
        if screen_name(app) == "ChoiceDialog":  # a move with a target: take the first
            await pilot.press("enter")
            await settle(pilot)
        if screen.budget().over:  # over budget: the screen refuses to submit; undo the choice
            await pilot.press("s")
            await settle(pilot)
            assert screen_name(app) == "OrdersScreen"
            await pilot.press("space")
            await settle(pilot)
        chose = bool(screen.plays)
    await pilot.press("s")
    await settle(pilot)
    assert screen_name(app) == "ConfirmDialog"
    await pilot.press("enter")
    await settle(pilot)
    return chose


async def test_default_scenario_all_human_to_final_debrief(tmp_path: Path) -> None:
    from wargame.cli import main
    from wargame.scenario.catalog import DEFAULT_ID, find_scenario
    from wargame.scenario.loader import load_scenario
    from wargame.scenario.yamlsafe import InputError

    try:
        loaded = load_scenario(find_scenario(DEFAULT_ID))
    except (InputError, LookupError, OSError) as exc:  # pragma: no cover - only while the scenario is being written
        pytest.skip(f"the default scenario {DEFAULT_ID!r} does not load: {exc}")
    s = loaded.scenario
    roles = list(s.roles)
    saves = tmp_path / "saves"
    app = make_app(saves, offer_resume=False)
    picked: dict[str, int] = {r: 0 for r in roles}
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        assert screen_name(app) == "TitleScreen"
        # The default scenario comes first and every seat starts human.
        assert app.screen.current is not None and app.screen.current.scenario.id == DEFAULT_ID
        assert set(app.screen.seats.values()) == {"human"}
        await pilot.click("#title-actions", offset=(3, 0))  # "New game", a clickable label
        await settle(pilot)
        for rnd in range(1, s.rounds + 1):
            assert screen_name(app) == "BriefingScreen", rnd
            assert app.round_text.startswith(f"Round {rnd} of {s.rounds}")
            await pilot.press("enter")
            await settle(pilot)
            assert screen_name(app) == "NegotiationScreen"
            await pilot.press("c")  # close the table: to the orders
            await settle(pilot)
            for k, role in enumerate(roles):
                assert screen_name(app) == "HandoverScreen"
                assert app.screen.role == role
                await pilot.press("enter")
                await settle(pilot)
                assert app.screen.role == role
                pick = None if (rnd + k) % 3 == 2 else (rnd + k) % 4
                if await enter_orders(pilot, pick):
                    picked[role] += 1
            assert screen_name(app) == "RevealScreen"
            await pilot.press("enter")
            await settle(pilot)
            assert screen_name(app) == "ResolutionScreen"
            await pilot.press("enter")
            await settle(pilot)
            assert screen_name(app) == "DebriefScreen"
            if rnd < s.rounds:
                assert not app.screen.final
                await pilot.press("enter")
                await settle(pilot)
        assert app.screen.final
        assert app.phase == "FINAL DEBRIEF"
        path = app.session.path
    assert all(n >= 1 for n in picked.values()), picked
    events = log_events(path)
    assert sum(1 for e in events if e["type"] == "resolve") == s.rounds
    assert {e["by"] for e in events if e["type"] == "orders"} == {"human"}
    assert main(["replay", str(path), "--verify"]) == 0


async def test_bots_play_in_a_worker_and_the_game_ends(tmp_path: Path) -> None:
    from wargame.cli import main

    loaded = mini()
    app = make_app(tmp_path, scenario=loaded, seed=3, seats={r: "bot" for r in loaded.scenario.roles})
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        for _ in range(loaded.scenario.rounds):
            assert screen_name(app) == "BriefingScreen"
            await pilot.press("enter")  # the table: the bots have settled their deals
            await settle(pilot)
            assert screen_name(app) == "NegotiationScreen"
            await pilot.press("c")  # no human seat: straight to the reveal, bots in a worker
            await settle(pilot)
            assert screen_name(app) == "RevealScreen"
            assert app.screen.ready and not app.bots_thinking
            await pilot.press("enter")
            await settle(pilot)
            await press_until(pilot, "enter", "DebriefScreen", 1)
            if not app.screen.final:
                await pilot.press("enter")
                await settle(pilot)
        assert app.screen.final
        path = app.session.path
    assert {e["by"] for e in log_events(path) if e["type"] == "orders"} == {"bot"}
    assert main(["replay", str(path), "--verify"]) == 0


async def test_reveal_shows_progress_while_bots_choose(tmp_path: Path) -> None:
    loaded = mini()
    app = make_app(tmp_path, scenario=loaded, seed=3, seats={"us": "human", "cn": "bot", "eu": "bot"})
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        await pilot.press("enter", "c")
        await settle(pilot)
        await pilot.press("enter")  # hand-over
        await settle(pilot)
        await enter_orders(pilot, None)
        # Whatever the timing, the reveal ends up with every role's orders and the screen stayed live.
        await settle(pilot)
        assert screen_name(app) == "RevealScreen" and app.screen.ready
        assert set(app.session.pending) == {"us", "cn", "eu"}
        assert app.session.pending_by["cn"] == "bot"


async def test_over_budget_blocks_submit(tmp_path: Path) -> None:
    from wargame.scenario.loader import load_scenario_text

    # The mini scenario with a U.S. budget of 3: export controls (2 + 1 upkeep) and a subsidy (1) do not fit.
    text = MINI.read_text().replace("budget: 4", "budget: 3", 1)
    loaded = load_scenario_text(text, str(MINI), base=DATA)
    app = make_app(tmp_path, scenario=loaded, seats={"us": "human", "cn": "bot", "eu": "bot"})
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        await pilot.press("enter", "c", "enter")
        await settle(pilot)
        screen = app.screen
        assert screen_name(app) == "OrdersScreen"
        await pilot.press("space", "down", "space")
        await settle(pilot)
        b = screen.budget()
        assert (b.budget, b.upkeep, b.deals, b.orders, b.left) == (3, 0, 0, 4, -1)
        assert "OVER BUDGET by 1" in str(screen.query_one("#budget").render())
        await pilot.press("s")
        await settle(pilot)
        assert screen_name(app) == "OrdersScreen"  # refused: no confirmation offered
        await pilot.press("space")  # drop the subsidy
        await pilot.press("s")
        await settle(pilot)
        assert screen_name(app) == "ConfirmDialog"
        await pilot.press("enter")
        await settle(pilot)
        assert [o.move for o in app.session.pending["us"]] == ["us_controls"]


async def test_console_inject_override_bookmark(tmp_path: Path) -> None:
    loaded = mini()
    app = make_app(tmp_path, scenario=loaded, seed=5, seats={r: "bot" for r in loaded.scenario.roles})
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        path = app.session.path
        await pilot.press("f2")
        await settle(pilot)
        assert screen_name(app) == "ConsoleScreen"
        # Play the second event (the chance one) now: select it, Enter.
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.session.pending_injects == ["shock"]
        assert "fires when round 1 resolves" in app.screen.query_one("#queued").render().plain
        # Override with a reason.
        await pilot.press("o")
        await settle(pilot)
        assert screen_name(app) == "OverrideDialog"
        await pilot.press("down", "enter")  # chips.global_effect, then to the value
        await pilot.press(*"47.5")
        await pilot.press("enter")  # to the reason
        await pilot.press("enter")  # no reason yet: refused
        await settle(pilot)
        assert screen_name(app) == "OverrideDialog"
        await pilot.press(*"Umpire ruling")
        await pilot.press("enter")
        await settle(pilot)
        assert screen_name(app) == "ConsoleScreen"
        # Bookmark.
        await pilot.press("b")
        await settle(pilot)
        await pilot.press(*"first clash")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert screen_name(app) == "BriefingScreen"
        # Play the round: the injected event fires.
        await pilot.press("enter", "c")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert screen_name(app) == "ResolutionScreen"
        assert ("shock", "inject") in {(e.event, e.how) for e in app.last_trace.events}
    events = log_events(path)
    ov = [e for e in events if e["type"] == "override"]
    assert len(ov) == 1
    assert ov[0]["indicator"] == "chips.global_effect" and ov[0]["value"] == 47.5
    assert ov[0]["model_value"] == 40.0 and ov[0]["reason"] == "Umpire ruling"
    assert [e["event"] for e in events if e["type"] == "inject"] == ["shock"]
    notes = [e for e in events if e["type"] == "note"]
    assert notes == [{**notes[0], "text": "first clash", "bookmark": True}]


async def test_undo_round_continues_in_a_new_file(tmp_path: Path) -> None:
    loaded = mini()
    app = make_app(tmp_path, scenario=loaded, seed=5, seats={r: "bot" for r in loaded.scenario.roles})
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        old = app.session.path
        for key in ("enter", "c", "enter", "enter"):  # briefing -> table -> reveal -> resolution -> debrief
            await pilot.press(key)
            await settle(pilot)
        await pilot.press("enter")  # next round's briefing
        await settle(pilot)
        assert app.session.game.state.round == 1
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert screen_name(app) == "ConfirmDialog"
        await pilot.press("enter")
        await settle(pilot)
        assert screen_name(app) == "MessageDialog"
        new = app.session.path
        assert new != old and new.exists() and old.exists()
        body = str(app.screen.query_one(".dialog-body").render())
        assert new.name in body
        await pilot.press("enter")
        await settle(pilot)
        assert screen_name(app) == "BriefingScreen"
        assert app.session.game.state.round == 0
        assert app.round_text.startswith("Round 1 of")
    head = json.loads(new.read_text().splitlines()[0])
    assert head["parent"]["file"] == old.name


async def test_observer_view_hides_and_disables_controls(tmp_path: Path) -> None:
    loaded = mini()
    app = make_app(tmp_path, scenario=loaded, seats={r: "bot" for r in loaded.scenario.roles}, pin="4321")
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        assert "advance" in {b.binding.action for b in app.screen.active_bindings.values()}
        await pilot.press("f3")
        await settle(pilot)
        assert app.observer
        actions = {b.binding.action for b in app.screen.active_bindings.values()}
        assert "advance" not in actions  # F2 stays: in the observer view it asks for the PIN
        assert not app.screen.query_one("#advance", Button).display or \
            app.screen.query_one("#advance", Button).styles.display == "none"
        await pilot.press("enter", "f2")
        await settle(pilot)
        assert screen_name(app) == "PinDialog"  # the observer's F2 asks for the facilitator's PIN
        await pilot.press(*"0000", "enter", "escape")
        await settle(pilot)
        assert screen_name(app) == "BriefingScreen"  # nothing moved, no console
        assert app.session.game.state.round == 0
        await pilot.press("f3")
        await settle(pilot)
        assert screen_name(app) == "PinDialog"
        await pilot.press(*"4321", "enter")
        await settle(pilot)
        assert not app.observer
        await pilot.press("enter", "c")
        await settle(pilot)
        assert screen_name(app) == "RevealScreen"


async def test_resume_prompt_on_start_up(tmp_path: Path) -> None:
    from wargame.saves.session import Session

    loaded = mini()
    saves = tmp_path / "saves"
    session = Session.new(loaded, 9, {r: "bot" for r in loaded.scenario.roles}, saves / "mini-old.jsonl")
    session.resolve()
    session.close()
    app = make_app(saves)
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        assert screen_name(app) == "ResumeDialog"
        await pilot.press("r")
        await settle(pilot)
        assert screen_name(app) == "BriefingScreen"
        assert app.session.path == saves / "mini-old.jsonl"
        assert app.session.game.state.round == 1
        assert app.round_text.startswith("Round 2 of 4")


async def test_resume_prompt_new_game_goes_to_title(tmp_path: Path) -> None:
    from wargame.saves.session import Session

    loaded = mini()
    saves = tmp_path / "saves"
    Session.new(loaded, 9, None, saves / "mini-old.jsonl").close()
    app = make_app(saves)
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        assert screen_name(app) == "ResumeDialog"
        await pilot.press("n")
        await settle(pilot)
        assert screen_name(app) == "TitleScreen"


async def test_title_seats_seed_and_load(tmp_path: Path) -> None:
    from wargame.saves.session import Session

    loaded = mini()
    saves = tmp_path / "saves"
    Session.new(loaded, 9, None, saves / "mini-old.jsonl").close()
    app = make_app(saves, offer_resume=False)
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        title = app.screen
        roles = list(title.current.scenario.roles)
        await pilot.press("2")  # second role becomes a bot
        assert title.seats[roles[1]] == "bot"
        await pilot.press("2")
        assert title.seats[roles[1]] == "human"
        await pilot.press("l")
        await settle(pilot)
        assert screen_name(app) == "SavePicker"
        await pilot.press("enter")
        await settle(pilot)
        assert screen_name(app) == "BriefingScreen"
        assert app.session.rules.scenario.id == "mini"


async def test_title_seed_dialog_sets_the_games_seed(tmp_path: Path) -> None:
    app = make_app(tmp_path / "saves", offer_resume=False)
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        title = app.screen
        default = title.current.scenario.seed
        assert f"{default} (the scenario's default)" in str(title.query_one("#seed-info").render())
        await pilot.press("s")
        await settle(pilot)
        assert screen_name(app) == "TextDialog"
        await pilot.press("4", "2", "enter")
        await settle(pilot)
        assert screen_name(app) == "TitleScreen" and title.seed == 42
        assert "42 (chosen)" in str(title.query_one("#seed-info").render())
        await pilot.press("n")
        await settle(pilot)
        assert screen_name(app) == "BriefingScreen"
        assert app.session.game.seed == 42 and app.session.header["seed"] == 42


async def test_help_and_command_palette(tmp_path: Path) -> None:
    loaded = mini()
    app = make_app(tmp_path, scenario=loaded, seats={r: "bot" for r in loaded.scenario.roles})
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert screen_name(app) == "HelpScreen"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert screen_name(app) == "CommandPalette"
        await pilot.press(*"observer view")
        await settle(pilot)
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert app.observer
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"facilitator view")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert not app.observer


async def test_evidence_key_opens_the_fact(tmp_path: Path) -> None:
    loaded = mini()
    app = make_app(tmp_path, scenario=loaded, seats={"us": "human", "cn": "bot", "eu": "bot"})
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        await pilot.press("enter", "c", "enter")
        await settle(pilot)
        assert screen_name(app) == "OrdersScreen"
        await pilot.press("e")
        await settle(pilot)
        assert screen_name(app) == "EvidenceScreen"
        assert app.screen.focus_fact == "test.allies"


async def test_narrow_terminal_keeps_the_essentials(tmp_path: Path) -> None:
    loaded = mini()
    app = make_app(tmp_path, scenario=loaded, seats={"us": "human", "cn": "bot", "eu": "bot"})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.has_class("-narrow")
        await pilot.press("enter", "c", "enter")
        await settle(pilot)
        ol = app.screen.query_one("#order-list", OptionList)
        assert ol.region.width >= 30 and ol.region.height >= 10
        await pilot.press("space")
        assert "point" in str(app.screen.query_one("#budget").render())
        assert not app.screen.query(Input)


TARGETED = '''  us_focus:
    role: us
    name: Focus research on a sector
    cost: 1
    targets: [chips, metal]
    effects:
      - {indicator: $target.china_innovation, change: -1, cites: [test.start], rationale: Research aimed at one sector.}
    cites: [test.start]
'''


async def test_target_picker(tmp_path: Path) -> None:
    from wargame.scenario.loader import load_scenario_text

    text = MINI.read_text().replace("moves:\n", "moves:\n" + TARGETED, 1)
    loaded = load_scenario_text(text, str(MINI), base=DATA)
    app = make_app(tmp_path, scenario=loaded, seats={"us": "human", "cn": "bot", "eu": "bot"})
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        await pilot.press("enter", "c", "enter")
        await settle(pilot)
        screen = app.screen
        ol = screen.query_one("#order-list", OptionList)
        assert ol.highlighted_option.id == "play:us_focus"
        assert "needs a target" in str(ol.highlighted_option.prompt)
        await pilot.press("space")  # a targeted move opens the picker
        await settle(pilot)
        assert screen_name(app) == "ChoiceDialog"
        await pilot.press("down", "enter")  # Metal
        await settle(pilot)
        assert screen.plays == {"us_focus": "metal"}
        assert "target: [b]Metal" in str(ol.highlighted_option.prompt)
        await pilot.press("t")  # change the target
        await settle(pilot)
        await pilot.press("enter")  # Chips
        await settle(pilot)
        assert screen.plays == {"us_focus": "chips"}
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert screen_name(app) == "RevealScreen"
        await pilot.press("enter")
        await settle(pilot)
        contributions = [c for c in app.last_trace.contributions if c.source == "us_focus"]
        assert [c.indicator for c in contributions] == ["chips.china_innovation"]


async def test_why_opens_the_evidence(tmp_path: Path) -> None:
    loaded = mini()
    app = make_app(tmp_path, scenario=loaded, seed=7, seats={"us": "human", "cn": "bot", "eu": "bot"})
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        await pilot.press("enter", "c", "enter")
        await settle(pilot)
        await pilot.press("space", "s")  # export controls
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")  # resolve
        await settle(pilot)
        assert screen_name(app) == "ResolutionScreen"
        await pilot.press("tab")  # into the why
        await settle(pilot)
        await pilot.press("e")  # open the first cause's source (Enter would go on to the debrief)
        await settle(pilot)
        assert screen_name(app) == "EvidenceScreen"
        await pilot.press("escape")
        await settle(pilot)
        assert screen_name(app) == "ResolutionScreen"
        await pilot.press("shift+tab", "enter")  # back in the list, Enter goes on
        await settle(pilot)
        assert screen_name(app) == "DebriefScreen"
