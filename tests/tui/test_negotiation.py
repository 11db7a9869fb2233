"""Pilot tests of the negotiation table and the facilitator's seat, driven by keys only.

China and the DRC, both played by people, make (or do not make) the resources-for-
infrastructure deal at the table; the US and the EU are bots.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import OptionList, Static

from wargame.tui.app import WargameApp
from wargame.tui.clock import FrozenTime
from tests.conftest import settle

SEATS = {"us": "bot", "cn": "human", "eu": "bot", "drc": "human"}
DEAL = "cn_rfi_deal"


@pytest.fixture
def loaded(default_loaded):
    if DEAL not in default_loaded.scenario.moves:  # pragma: no cover - only if the scenario drops the deal
        pytest.skip(f"the default scenario has no {DEAL}")
    return default_loaded


def make_app(tmp_path: Path, loaded, **kw) -> WargameApp:
    app = WargameApp(scenario=loaded, seed=7, seats=dict(SEATS), saves_dir=tmp_path, time=FrozenTime(),
                     offer_resume=False, **kw)
    app.animation_level = "none"
    return app


def name(app) -> str:
    return type(app.screen).__name__


async def highlight(pilot, list_id: str, prefix: str) -> None:
    ol = pilot.app.screen.query_one(list_id, OptionList)
    await pilot.press("home")
    for _ in range(ol.option_count + 1):
        opt = ol.highlighted_option
        if opt is not None and (opt.id or "").startswith(prefix):
            return
        await pilot.press("down")
    raise AssertionError(f"no option {prefix!r} reachable by keys")


async def team_at_table(pilot, role: str) -> None:
    """From the room: the team's row, Enter, the hand-over, Enter."""
    app = pilot.app
    assert name(app) == "NegotiationScreen"
    await highlight(pilot, "#table-teams", role)
    await pilot.press("enter")
    await settle(pilot)
    assert name(app) == "HandoverScreen" and app.screen.role == role
    await pilot.press("enter")
    await settle(pilot)
    assert name(app) == "TeamTableScreen" and app.screen.role == role


async def deal_round(pilot, answer: str) -> None:
    """China offers the deal; the DRC answers it (a: accept, r: reject); orders; resolution."""
    app = pilot.app
    await settle(pilot)
    await pilot.press("enter")  # briefing -> the table
    await settle(pilot)
    await team_at_table(pilot, "cn")
    await highlight(pilot, "#table-list", f"new:{DEAL}")
    await pilot.press("o")
    await settle(pilot)
    [offer] = [o for o in app.flow.offers() if o.move == DEAL]
    assert offer.status.value == "open"
    await pilot.press("escape")
    await settle(pilot)
    await team_at_table(pilot, "drc")
    # The DRC sees the offer addressed to it, and its terms, before it answers.
    await highlight(pilot, "#table-list", f"in:{offer.id}")
    terms = str(app.screen.query_one("#table-terms", Static).render())
    assert "Resources-for-infrastructure" in terms and "Costs China 1 point" in terms
    assert "The terms" in terms and "drc.infrastructure" not in terms  # indicator names, in words
    await pilot.press(answer)
    await settle(pilot)
    assert offer.status.value == ("made" if answer == "a" else "refused")
    # Nothing is paid at the table: nothing is resolved yet.
    assert app.flow.game.traces == []
    await pilot.press("escape", "c")  # leave the table; close it
    await settle(pilot)
    for role in ("cn", "drc"):
        assert name(app) == "HandoverScreen" and app.screen.role == role
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("enter")  # confirm: no orders of its own
        await settle(pilot)
    assert name(app) == "RevealScreen"
    reveal = "\n".join(str(w.render()) for w in app.screen.query(Static))
    assert ("deal made" if answer == "a" else "refused") in reveal
    await pilot.press("enter")
    await settle(pilot)
    assert name(app) == "ResolutionScreen"


async def test_china_and_the_drc_make_the_deal_through_the_ui(tmp_path: Path, loaded) -> None:
    app = make_app(tmp_path, loaded)
    async with app.run_test(size=(120, 40)) as pilot:
        await deal_round(pilot, "a")
        trace = app.last_trace
        assert (DEAL, "made") in [(d.move, d.outcome) for d in trace.deals]
        cost = loaded.scenario.moves[DEAL].cost
        assert trace.spent["cn"] == cost  # China paid for the deal, at resolution
        orders = [r.order for r in trace.orders if r.order.move == DEAL]
        assert {(o.role, o.kind) for o in orders} == {("cn", "play"), ("drc", "respond")}


async def test_a_refused_offer_costs_the_proposer_nothing(tmp_path: Path, loaded) -> None:
    app = make_app(tmp_path, loaded)
    async with app.run_test(size=(120, 40)) as pilot:
        await deal_round(pilot, "r")
        trace = app.last_trace
        assert (DEAL, "refused") in [(d.move, d.outcome) for d in trace.deals]
        assert trace.spent["cn"] == 0


async def test_another_team_does_not_see_an_offer_it_is_not_party_to(tmp_path: Path, loaded) -> None:
    seats = {"us": "human", "cn": "human", "eu": "bot", "drc": "bot"}
    app = WargameApp(scenario=loaded, seed=7, seats=seats, saves_dir=tmp_path, time=FrozenTime(), offer_resume=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await team_at_table(pilot, "cn")
        await highlight(pilot, "#table-list", f"new:{DEAL}")
        await pilot.press("o")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        await team_at_table(pilot, "us")
        text = "\n".join(str(o.prompt) for o in app.screen.query_one("#table-list", OptionList).options)
        assert loaded.scenario.moves[DEAL].name not in text


async def test_f2_on_a_teams_orders_screen_asks_for_the_pin(tmp_path: Path, loaded) -> None:
    app = make_app(tmp_path, loaded, pin="2468")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "c", "enter")  # briefing -> table (closed) -> China's orders
        await settle(pilot)
        assert name(app) == "OrdersScreen"
        await pilot.press("f2")
        await settle(pilot)
        assert name(app) == "PinDialog"
        await pilot.press(*"1111", "enter")  # wrong
        await settle(pilot)
        assert name(app) == "PinDialog"
        await pilot.press("escape")
        await settle(pilot)
        assert name(app) == "OrdersScreen"
        assert not any(type(s).__name__ == "ConsoleScreen" for s in app.screen_stack)
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press(*"2468", "enter")
        await settle(pilot)
        assert name(app) == "ConsoleScreen"


async def test_ctrl_q_asks_first_and_says_where_the_game_is_saved(tmp_path: Path, loaded) -> None:
    app = make_app(tmp_path, loaded)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "c", "enter", "space")  # China's orders, one chosen
        await settle(pilot)
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert name(app) == "QuitDialog"
        body = str(app.screen.query_one(".dialog-body", Static).render())
        assert str(app.flow.path) in body.replace("\n", "")
        assert "China has not submitted its orders" in body
        await pilot.press("escape")  # keep playing
        await settle(pilot)
        assert name(app) == "OrdersScreen" and app.is_running
        await pilot.press("ctrl+q")
        await settle(pilot)
        await pilot.press("enter")  # quit
        await settle(pilot)
    assert app.return_value == 0
