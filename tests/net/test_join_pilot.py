"""`wargame join` against a live server: China and the DRC (two team clients) and the
facilitator play a round with a negotiated deal, driven through their screens; the
observer's client shows the countdown and the reveal.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Button, Digits, Input, Select, SelectionList, Static

from wargame.tui.seat import SeatApp, SeatScreen

from .helpers import save_events, serve, until

SIZE = (120, 40)


def _text(app: SeatApp, selector: str) -> str:
    """What a Static on the seat's screen shows, as plain text."""
    from rich.console import Console

    content = app.screen.query_one(selector, Static).content
    console = Console(width=100, record=True, file=open(os.devnull, "w"))
    console.print(content)
    return console.export_text()


async def _press(pilot: Pilot, selector: str) -> None:
    """Press a button on the seat's screen (it may be scrolled out of view in a small terminal)."""
    button = pilot.app.screen.query_one(selector, Button)
    button.scroll_visible(animate=False)
    await pilot.pause()
    button.press()
    await pilot.pause()


async def _opened(app: SeatApp) -> None:
    # Pushed is not enough: wait until its widgets are mounted (the board is in every seat's screen).
    await until(lambda: isinstance(app.screen, SeatScreen) and bool(app.screen.query("#board")),
                what="the seat screen")


async def test_two_teams_and_the_facilitator_play_a_round_the_observer_sees_it(tmp_path: Path) -> None:
    s = serve(tmp_path, "--port", "0", "--bots", "us,eu", "--seed", "3")
    cn, drc = SeatApp(s.url, s.codes["cn"]), SeatApp(s.url, s.codes["drc"])
    fac, obs = SeatApp(s.url, s.codes["facilitator"]), SeatApp(s.url)  # the observer types its code
    try:
        async with cn.run_test(size=SIZE) as pc, drc.run_test(size=SIZE) as pd, \
                fac.run_test(size=SIZE) as pf, obs.run_test(size=SIZE) as po:
            # The observer is asked for its code.
            await until(lambda: bool(obs.screen.query("#code")), what="the code prompt")
            obs.screen.query_one("#code", Input).value = s.codes["observer"]
            await po.click("#join")
            for app in (cn, drc, fac, obs):
                await _opened(app)
            assert obs.state is not None and obs.state.kind == "observer"

            # Facilitator: a 5-minute clock, then negotiation.
            fac.screen.query_one("#seconds", Input).value = "300"
            await _press(pf, "#clock")
            await until(lambda: fac.last_reply is not None, what=f"the clock's ack {fac.last_reply}")
            await until(lambda: obs.state.remaining() is not None, what=f"the clock at the observer {obs.state.log} {fac.last_reply} {obs.client.events} {obs.client.refused}")
            await po.pause(0.6)
            assert obs.screen.query_one("#countdown", Digits).value in ("05:00", "04:59", "04:58")
            # An inject from the console: the facilitator's alone until the round resolves.
            event = next(iter(fac.state.welcome["events"]))
            fac.screen.query_one("#inject-event", Select).value = event
            await _press(pf, "#inject")
            await until(lambda: any(e["event"]["type"] == "inject" for e in fac.client.events), what="the inject")
            await _press(pf, "#advance")
            await until(lambda: cn.state.phase == "negotiation", what="negotiation")

            # China offers the resources-for-infrastructure deal; the DRC accepts it.
            cn.screen.query_one("TabbedContent").active = "t-negotiation"
            await pc.pause()
            cn.screen.query_one("#offer-move", Select).value = "cn_rfi_deal"
            await _press(pc, "#send-offer")

            def offer_id() -> str | None:
                return next((o["id"] for o in drc.state.offers.values() if o["proposer"] == "cn"), None)

            await until(lambda: offer_id() is not None, what="the offer at the DRC")
            drc.screen.query_one("TabbedContent").active = "t-negotiation"
            await pd.pause()
            await until(lambda: bool(drc.screen.query_one("#incoming", Select)._seat_options), what="the offer listed")
            drc.screen.query_one("#incoming", Select).value = offer_id()
            await _press(pd, "#accept")
            await until(lambda: cn.state.offers[offer_id()]["status"] == "made", what="the deal made, at China")
            # Words between the two: a message the observer never receives.
            drc.screen.query_one("#msg-to", Select).value = "cn"
            drc.screen.query_one("#msg-text", Input).value = "roads for ore, agreed"
            await drc.screen.query_one("#msg-text", Input).action_submit()
            await until(lambda: bool(cn.state.messages), what="the message at China")
            assert "roads for ore" not in json.dumps(obs.client.frames) and "cn_rfi_deal" not in json.dumps(obs.client.events)

            # Orders: each team picks on its own screen and submits.
            await _press(pf, "#advance")
            await until(lambda: cn.state.phase == "orders", what="orders")
            cn.screen.query_one("TabbedContent").active = "t-orders"
            await pc.pause()
            cn.screen.query_one("#orders", SelectionList).select(json.dumps("cn_ic_fund"))
            await _press(pc, "#submit")
            await until(lambda: "cn" in obs.state.board, what="China on the observer's board")
            await po.pause(0.1)
            assert re.search(r"China\s+│ in \d\d:\d\d:\d\d", _text(obs, "#board")), _text(obs, "#board")
            assert "cn_ic_fund" not in json.dumps(obs.client.events)
            drc.screen.query_one("TabbedContent").active = "t-orders"
            await pd.pause()
            await _press(pd, "#submit")

            # The reveal comes on its own; the observer shows everyone's orders, the deal among them.
            await until(lambda: obs.state.phase == "reveal", what="the reveal")
            await po.pause(0.1)
            reveal = " ".join(_text(obs, "#reveal").split())
            deal = "Resources-for-infrastructure deal with the DRC"
            assert f"China: {deal}, National IC Fund" in reveal, reveal
            assert f"Democratic Republic of the Congo: accept {deal}" in reveal, reveal
            assert f"{deal} (China -> Democratic Republic of the Congo): made" in reveal, reveal
            await _press(pf, "#advance")
            await until(lambda: bool(obs.state.results), what="the results")
            await po.pause(0.1)
            assert "Round 1: results" in _text(obs, "#results")
    finally:
        s.stop()
    resolve = next(e for e in save_events(s.save) if e["type"] == "resolve")
    assert event in {e["event"] for e in resolve["summary"]["events"]}
    assert not any(e["event"]["type"] == "inject" for e in obs.client.events)
    assert {"move": "cn_rfi_deal", "proposer": "cn", "answer": "accept", "outcome": "made"} in resolve["summary"]["deals"]
