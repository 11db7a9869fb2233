"""The hand-over counts all the round's human teams, also after a resume."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from wargame.tui.app import WargameApp
from wargame.tui.clock import FrozenTime
from wargame.tui.screens.handover import team_turn

DATA = Path(__file__).resolve().parents[1] / "data"
HUMANS = {"us": "human", "cn": "human", "eu": "human"}


def make_app(saves: Path, **kw) -> WargameApp:
    app = WargameApp(saves_dir=saves, time=FrozenTime(), offer_resume=False, **kw)
    app.animation_level = "none"
    return app


async def keys(pilot, *names: str) -> None:
    for k in names:
        await pilot.press(k)
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def note(app) -> str:
    assert type(app.screen).__name__ == "HandoverScreen"
    return str(app.screen.query_one(".handover-note", Static).render())


def test_team_turn() -> None:
    roles = ["us", "cn", "eu", "drc"]
    seats = {"us": "human", "cn": "bot", "eu": "human", "drc": "human"}
    assert [team_turn(roles, seats, r) for r in ("us", "eu", "drc")] == [(1, 3), (2, 3), (3, 3)]


async def test_team_position_and_count_survive_a_resume(tmp_path: Path) -> None:
    from wargame.scenario.loader import load_scenario

    saves = tmp_path / "saves"
    app = make_app(saves, scenario=load_scenario(DATA / "mini.yaml"), seed=7, seats=dict(HUMANS))
    async with app.run_test(size=(120, 40)) as pilot:
        await keys(pilot, "enter", "c")  # briefing -> the table (closed) -> the first hand-over
        assert note(app).startswith("Team 1 of 3")
        await keys(pilot, "enter", "s", "enter")  # the U.S. passes
        assert note(app).startswith("Team 2 of 3")
        await keys(pilot, "enter", "s", "enter")  # China passes
        assert note(app).startswith("Team 3 of 3")
        path = app.session.path
        assert set(app.session.pending) == {"us", "cn"}
    # Resume the save: two teams' orders are in; the EU is still the third of three.
    again = make_app(saves)
    async with again.run_test(size=(120, 40)) as pilot:
        again.open_save(path)
        await pilot.pause()
        assert set(again.session.pending) == {"us", "cn"}
        await keys(pilot)  # the game resumes where it stopped: the orders, at the EU's hand-over
        assert again.screen.role == "eu"
        assert note(again).startswith("Team 3 of 3")
