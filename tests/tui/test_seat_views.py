"""One terminal keeps the server's secrets: every team-facing screen renders ``view(flow, seat)``
for the seat at the keyboard, and the top bar names that seat.

The default scenario with the United States, China and the DRC played by people and the EU
a bot. At the table China and the DRC make the resources-for-infrastructure deal and write
to each other; the United States is not party to either. Then:

* the United States' hand-over and order screens show neither the deal nor the messages,
  and China's and the DRC's orders stay off them;
* the reveal, shown while a bot is still choosing (the round not yet revealed), shows no
  team's orders, no deal and no message;
* at the reveal, in a game with a facilitator PIN, the room sees every order and the deal
  but not the facilitator's queued event; in a solo game (no PIN) the facilitator does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from wargame.tui.app import WargameApp
from wargame.tui.clock import FrozenTime

from .test_secrecy import dom_text, highlight, settle, svg_text

SEATS = {"us": "human", "cn": "human", "eu": "bot", "drc": "human"}
DEAL = "cn_rfi_deal"
NOTE_CN = "Meet at the ministry at noon 7731"
NOTE_DRC = "Bring the ore figures 4410"


@pytest.fixture
def loaded(default_loaded):
    s = default_loaded.scenario
    if DEAL not in s.moves or set(SEATS) != set(s.roles):  # pragma: no cover - only if the scenario changes
        pytest.skip("the default scenario no longer has these roles and this deal")
    return default_loaded


def make_app(tmp_path: Path, loaded, pin: str | None) -> WargameApp:
    app = WargameApp(scenario=loaded, seed=7, seats=dict(SEATS), saves_dir=tmp_path, time=FrozenTime(),
                     offer_resume=False, pin=pin)
    app.animation_level = "none"
    return app


def bar(app) -> str:
    from wargame.tui.widgets.phasebar import PhaseBar

    return str(app.screen.query_one(PhaseBar).render())


async def table_talk(pilot) -> None:
    """Briefing -> table; China offers the deal, the DRC accepts, they exchange messages; the
    table closes. (The table's own screens are tested in test_negotiation.py: here the talk
    is set up through the flow, as the table's screens would.)"""
    app = pilot.app
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    flow = app.flow
    [order] = [o for o in flow.offerable("cn") if o.move == DEAL]
    offer = flow.propose("cn", DEAL, order.target)
    flow.answer("drc", offer.id, "accept")
    flow.send("cn", "drc", NOTE_CN)
    flow.send("drc", "cn", NOTE_DRC)
    await pilot.press("c")  # close the table: the orders' first hand-over
    await settle(pilot)


async def give_orders(pilot, role: str, moves: list[str]) -> None:
    app = pilot.app
    assert type(app.screen).__name__ == "HandoverScreen" and app.screen.role == role
    await pilot.press("enter")
    await settle(pilot)
    assert type(app.screen).__name__ == "OrdersScreen" and app.screen.role == role
    for mid in moves:
        await highlight(pilot, f"play:{mid}")
        await pilot.press("space")
    await pilot.press("s")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


def first_free_move(app, role: str) -> str:
    """A move ``role`` may play now without a target, that is not a deal."""
    for mid, (ok, why) in app.flow.available(role).items():
        if not why and ok == [None]:
            return mid
    raise AssertionError(f"{role} has no free move")


def secrets_of(app, roles: list[str], moves: list[str]) -> list[str]:
    s = app.flow.rules.scenario
    return [s.moves[DEAL].name, NOTE_CN, NOTE_DRC] + [s.moves[m].name for m in moves]


async def test_a_teams_screens_show_nothing_of_other_teams_deals_messages_or_orders(tmp_path: Path, loaded,
                                                                                   monkeypatch) -> None:
    # No bot ever plays: the reveal stays in the orders phase, waiting, as it does while bots think.
    monkeypatch.setattr(WargameApp, "_start_bots", lambda self: None)
    app = make_app(tmp_path, loaded, pin="2468")
    async with app.run_test(size=(120, 40)) as pilot:
        await table_talk(pilot)
        s = app.flow.rules.scenario
        cn_move, drc_move = first_free_move(app, "cn"), first_free_move(app, "drc")
        secret = [s.moves[DEAL].name, NOTE_CN, NOTE_DRC]
        # The United States first: its hand-over and every line of its order screen.
        assert type(app.screen).__name__ == "HandoverScreen" and app.screen.role == "us"
        assert "UNITED STATES" in bar(app) and "FACILITATOR" not in bar(app)
        seen = [svg_text(app) + dom_text(app)]
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "OrdersScreen" and "UNITED STATES" in bar(app)
        seen.append(svg_text(app) + dom_text(app))
        for text in seen:
            for word in secret:
                assert word not in text, f"{word!r} on the United States' screens"
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("enter")  # no orders
        await settle(pilot)
        # China, then the DRC: each sees its own deal (made) on its order screen.
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.role == "cn" and "CHINA" in bar(app)
        assert s.moves[DEAL].name in dom_text(app)
        await highlight(pilot, f"play:{cn_move}")
        await pilot.press("space", "s")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await give_orders(pilot, "drc", [drc_move])
        # Every person has given orders; the bot has not: the reveal waits, nothing revealed yet.
        assert type(app.screen).__name__ == "RevealScreen" and app.flow.phase.value == "orders"
        assert "ROOM" in bar(app)
        text = svg_text(app) + dom_text(app)
        for word in secrets_of(app, ["cn", "drc"], [cn_move, drc_move]):
            assert word not in text, f"{word!r} on the reveal before the round is revealed"


@pytest.mark.parametrize("pin", ["2468", None])
async def test_the_reveal_shows_the_room_what_is_public_and_the_facilitator_more(tmp_path: Path, loaded,
                                                                                pin: str | None) -> None:
    app = make_app(tmp_path, loaded, pin=pin)
    async with app.run_test(size=(120, 40)) as pilot:
        await table_talk(pilot)
        s = app.flow.rules.scenario
        event = next(iter(s.events))
        app.flow.inject(event)
        for role in ("us", "cn", "drc"):
            await give_orders(pilot, role, [])
        await settle(pilot)
        assert type(app.screen).__name__ == "RevealScreen" and app.flow.phase.value == "reveal"
        text = dom_text(app)
        assert s.moves[DEAL].name in text  # the deal is public at the reveal
        assert NOTE_CN not in text and NOTE_DRC not in text  # messages never are
        # The facilitator's queued event: the facilitator's to see (solo game), not the room's.
        assert (s.events[event].name in text) == (pin is None)
        assert ("ROOM" if pin else "FACILITATOR") in bar(app)
        # The console is the facilitator's seat, PIN or not.
        await pilot.press("f2")
        await settle(pilot)
        if pin:
            await pilot.press(*pin, "enter")
            await settle(pilot)
        assert type(app.screen).__name__ == "ConsoleScreen" and "FACILITATOR" in bar(app)


async def test_the_observer_view_says_observer(tmp_path: Path, loaded) -> None:
    app = make_app(tmp_path, loaded, pin=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "FACILITATOR" in bar(app)
        await pilot.press("f3")
        await settle(pilot)
        assert "OBSERVER" in bar(app)


async def test_the_palettes_facilitator_commands_ask_for_the_pin_away_from_the_console(tmp_path: Path,
                                                                                      loaded) -> None:
    """A team at the keyboard cannot reach an override (or undo, inject...) through the command
    palette; nor can the room on a shared screen, with F2 or the palette."""
    app = make_app(tmp_path, loaded, pin="2468")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert type(app.screen).__name__ == "BriefingScreen"
        await pilot.press("f2")
        await settle(pilot)
        assert type(app.screen).__name__ == "PinDialog"  # the room's F2
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("enter", "c", "enter")  # the table, closed; the United States' orders
        await settle(pilot)
        assert type(app.screen).__name__ == "OrdersScreen"
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Override an indicator")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "PinDialog"
        await pilot.press(*"2468", "enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "OverrideDialog"


async def test_a_game_loaded_after_choosing_a_pin_keeps_it(tmp_path: Path, loaded) -> None:
    """The PIN chosen on the title protects a game loaded from there, as it does a new one."""
    from wargame.play import Flow

    saves = tmp_path / "saves"
    saves.mkdir()
    flow = Flow.new(loaded, 7, dict(SEATS), saves / "exercise.jsonl")  # type: ignore[arg-type]
    flow.advance()  # at the table
    flow.close()
    app = WargameApp(saves_dir=saves, time=FrozenTime(), offer_resume=False)
    app.animation_level = "none"
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        await pilot.press(*"2468", "enter")
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "NegotiationScreen" and "ROOM" in bar(app)
        await pilot.press("f2")
        await settle(pilot)
        assert type(app.screen).__name__ == "PinDialog"


async def test_quitting_keeps_the_time_left_on_the_clock(tmp_path: Path, loaded) -> None:
    """The clock's only memory is the log: quitting pauses it there, so the resumed game has the
    time that was left, not the whole phase again."""
    from wargame.play import Flow, Phase

    time = FrozenTime()
    app = WargameApp(scenario=loaded, seed=7, seats=dict(SEATS), saves_dir=tmp_path, time=time,
                     offer_resume=False)
    app.animation_level = "none"
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # the table
        await settle(pilot)
        app.flow.set_clock(Phase.NEGOTIATION, 2)
        time.advance(45)
        path = app.flow.path
        await pilot.press("ctrl+q")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
    flow = Flow.resume(path, time=FrozenTime())
    try:
        assert flow.phase == Phase.NEGOTIATION and not flow.clock.running
        assert flow.clock.remaining() == pytest.approx(75, abs=1)
    finally:
        flow.close()


@pytest.mark.parametrize("pin", ["2468", None])
async def test_the_rooms_table_counts_offers_only_for_the_facilitator(tmp_path: Path, loaded, pin) -> None:
    app = make_app(tmp_path, loaded, pin=pin)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        [order] = [o for o in app.flow.offerable("cn") if o.move == DEAL]
        app.flow.propose("cn", DEAL, order.target)
        app.screen.refresh_view()
        await settle(pilot)
        assert type(app.screen).__name__ == "NegotiationScreen"
        text = dom_text(app)
        import re

        assert bool(re.search(r"\d+ answers? waiting", text)) == (pin is None)
