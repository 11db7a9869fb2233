"""SVG snapshots of every game screen, at 120x40 and 80x24.

Deterministic: the mini scenario at a fixed seed, a frozen clock (and a frozen wall
time, so save names are fixed), saves in a temporary folder reached by a relative path,
animations off, no blinking cursor in view, toasts cleared before the picture.
Update with ``pytest tests/tui/test_snapshots_game.py --snapshot-update`` and look at them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from wargame.tui.app import WargameApp
from wargame.tui.clock import FrozenTime
from tests.conftest import settle

DATA = Path(__file__).resolve().parents[1] / "data"
SIZES = [pytest.param((120, 40), id="120x40"), pytest.param((80, 24), id="80x24")]
SEATS = {"us": "human", "cn": "human", "eu": "bot"}


def mini():
    from wargame.scenario.loader import load_scenario

    return load_scenario(DATA / "mini.yaml")


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder so the saves folder shows as 'saves/', with only the mini
    scenario in the catalogue (the title screen does not change when the default scenario is edited)."""
    import shutil

    from wargame.scenario import catalog

    folder = tmp_path / "scenarios"
    folder.mkdir()
    shutil.copy(DATA / "mini.yaml", folder / "mini.yaml")
    shutil.copytree(DATA / "seeds", folder / "seeds")
    monkeypatch.setattr(catalog, "scenario_dirs", lambda: [folder])
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    return tmp_path


def game_app(**kw) -> WargameApp:
    app = WargameApp(saves_dir=Path("saves"), time=FrozenTime(), **kw)
    app.animation_level = "none"
    return app


def new_game(**kw) -> WargameApp:
    return game_app(scenario=mini(), seed=7, seats=dict(SEATS), **kw)


async def keys(pilot, *names: str) -> None:
    for k in names:
        await pilot.press(k)
        await settle(pilot)


async def finish(pilot) -> None:
    """Cursor blink off, toasts gone, everything laid out."""
    await settle(pilot)
    for inp in pilot.app.screen.query(Input):
        inp.cursor_blink = False
    pilot.app.clear_notifications()
    await settle(pilot)


async def to_reveal(pilot) -> None:
    # briefing -> the table (closed) -> US hand-over -> US orders (export controls) -> China hand-over
    # -> China orders (chip fund)
    await keys(pilot, "enter", "c", "enter", "space", "s", "enter", "enter", "space", "s", "enter")


async def one_round(pilot) -> None:
    await to_reveal(pilot)
    await keys(pilot, "enter", "enter", "enter")  # reveal -> resolution -> debrief -> briefing 2


def test_title(snap_compare, here, size) -> None:
    async def run(pilot):
        await finish(pilot)

    assert snap_compare(game_app(offer_resume=False), terminal_size=size, run_before=run)


def test_resume_prompt(snap_compare, here, size) -> None:
    from wargame.saves.session import Session

    s = Session.new(mini(), 7, dict(SEATS), Path("saves") / "mini-20250106-090000.jsonl")
    s.resolve()
    s.close()

    async def run(pilot):
        await finish(pilot)

    assert snap_compare(game_app(), terminal_size=size, run_before=run)


def test_briefing_round_two_with_clock(snap_compare, here, size) -> None:
    from wargame.play import Phase

    app = new_game()

    async def run(pilot):
        pilot.app.flow.set_clock(Phase.BRIEFING, 5)
        await one_round(pilot)
        await finish(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run)


def test_handover(snap_compare, here, size) -> None:
    async def run(pilot):
        await keys(pilot, "enter", "c")
        await finish(pilot)

    assert snap_compare(new_game(), terminal_size=size, run_before=run)


def test_orders(snap_compare, here, size) -> None:
    async def run(pilot):
        await keys(pilot, "enter", "c", "enter", "space")
        await finish(pilot)

    assert snap_compare(new_game(), terminal_size=size, run_before=run)


def test_negotiation_room(snap_compare, here, size) -> None:
    async def run(pilot):
        await keys(pilot, "enter")
        await finish(pilot)

    assert snap_compare(new_game(), terminal_size=size, run_before=run)


def test_table_offer_seen_by_its_counterparty(snap_compare, here, size) -> None:
    # China offers the EU its deal; the EU, at its turn at the table, sees it with its terms.
    app = game_app(scenario=mini(), seed=7, seats={"us": "bot", "cn": "human", "eu": "human"})

    async def run(pilot):
        await keys(pilot, "enter", "enter", "enter", "o", "escape", "down", "enter", "enter")
        await finish(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run)


def test_orders_over_budget(snap_compare, here) -> None:
    from wargame.scenario.loader import load_scenario_text

    # The mini scenario with a U.S. budget of 3: export controls (3) and a subsidy (1) do not fit.
    text = (DATA / "mini.yaml").read_text().replace("budget: 4", "budget: 3", 1)
    loaded = load_scenario_text(text, str(DATA / "mini.yaml"), base=DATA)
    app = game_app(scenario=loaded, seed=7, seats=dict(SEATS))

    async def run(pilot):
        await keys(pilot, "enter", "c", "enter", "space", "down", "space", "s")
        await finish(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run)


def test_reveal(snap_compare, here, size) -> None:
    async def run(pilot):
        await to_reveal(pilot)
        await finish(pilot)

    assert snap_compare(new_game(), terminal_size=size, run_before=run)


def test_resolution_with_why(snap_compare, here, size) -> None:
    async def run(pilot):
        await to_reveal(pilot)
        await keys(pilot, "enter")
        await finish(pilot)

    assert snap_compare(new_game(), terminal_size=size, run_before=run)


def test_debrief(snap_compare, here, size) -> None:
    async def run(pilot):
        await one_round(pilot)
        await keys(pilot, "enter", "c", "enter")  # round 2: briefing -> table -> hand-over
        await keys(pilot, "s", "enter", "enter", "s", "enter")  # both teams pass
        await keys(pilot, "enter", "enter")  # reveal -> resolution -> debrief
        await finish(pilot)

    assert snap_compare(new_game(), terminal_size=size, run_before=run)


def test_final_debrief(snap_compare, here, size) -> None:
    app = game_app(scenario=mini(), seed=7, seats={r: "bot" for r in SEATS})

    async def run(pilot):
        for _ in range(4):
            await keys(pilot, "enter", "c", "enter", "enter")
            if not pilot.app.screen.final:
                await keys(pilot, "enter")
        await finish(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run)


def test_console(snap_compare, here, size) -> None:
    from wargame.play import Phase

    app = game_app(scenario=mini(), seed=7, seats={r: "bot" for r in SEATS})

    async def run(pilot):
        pilot.app.flow.set_clock(Phase.BRIEFING, 3)
        await keys(pilot, "enter", "c", "enter", "enter", "enter")  # one round of bots
        pilot.app.time.advance(200)  # the briefing clock has run out: TIME
        pilot.app._tick_clock()  # the time-up notice now, not at a timer's whim (finish() clears it)
        await keys(pilot, "f2", "down", "enter")  # play "shock" now
        await finish(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run)


def test_override_dialog(snap_compare, here) -> None:
    async def run(pilot):
        await keys(pilot, "f2", "o", "down", "enter")
        for k in "47.5":
            await pilot.press(k)
        await keys(pilot, "enter")
        await finish(pilot)

    assert snap_compare(new_game(), terminal_size=(120, 40), run_before=run)


def test_help(snap_compare, here, size) -> None:
    async def run(pilot):
        await keys(pilot, "f1")
        await finish(pilot)

    assert snap_compare(new_game(), terminal_size=size, run_before=run)


def test_command_palette(snap_compare, here) -> None:
    async def run(pilot):
        await keys(pilot, "ctrl+p")
        for k in "undo":
            await pilot.press(k)
        await pilot.pause(0.5)
        await finish(pilot)
        for inp in pilot.app.screen.query(Input):
            inp.cursor_blink = False

    assert snap_compare(new_game(), terminal_size=(120, 40), run_before=run)


def test_observer_view(snap_compare, here) -> None:
    async def run(pilot):
        await keys(pilot, "f3")
        await finish(pilot)

    assert snap_compare(new_game(), terminal_size=(120, 40), run_before=run)


def pytest_generate_tests(metafunc):  # pragma: no cover - a parametrize shorthand
    if "size" in metafunc.fixturenames:
        metafunc.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
