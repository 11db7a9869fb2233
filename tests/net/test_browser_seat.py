"""A browser seat: `wargame serve --web` serves the join client through textual-serve; a
real headless Chromium (the system's package) opens it, enters the DRC's code, ticks a
move and submits; the server records the orders.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from wargame.net.client import SeatClient

from .cdp import CHROMIUM, Browser
from .helpers import save_events, seat, serve, until

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="chromium is not installed (.ci/run installs it)")


async def test_a_browser_seat_joins_with_its_code_and_submits_orders(tmp_path: Path) -> None:
    s = serve(tmp_path, "--port", "0", "--bots", "us,eu,cn", "--seed", "3", "--web")
    browser = Browser()
    fac: SeatClient | None = None
    try:
        fac = await seat(s.url, s.codes["facilitator"])
        await fac.request("advance", expect="briefing")
        await fac.request("advance", expect="negotiation")  # the orders phase; the bots have submitted
        await browser.start()
        await browser.goto(s.head["web"])
        for _ in range(300):
            if await browser.started():
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the browser seat never drew a frame")
        # The code prompt mounts a moment after the first frame; on a busy machine keys typed before
        # it has focus are lost, so the code is typed again (the field cleared first) until the
        # server counts the DRC connected.
        for attempt in range(4):
            await asyncio.sleep(1.5 + 2 * attempt)
            assert await browser.focus_terminal()
            await browser.key("u", ctrl=True)
            await browser.type(s.codes["drc"])
            await browser.key("Enter")
            try:
                await until(lambda: fac.presence.get("drc", 0) > 0, timeout=15, what="the browser seat connected")
                break
            except TimeoutError:
                continue
        else:
            raise AssertionError("the browser seat never joined")
        await asyncio.sleep(1.5)  # its screen mounts just after the welcome
        # Orders: the orders tab, tick the first move, submit (sent again if the key was lost).
        await browser.key("F7")
        await asyncio.sleep(1.0)
        await browser.key("Space")
        await asyncio.sleep(1.0)
        await browser.screenshot(tmp_path / "browser-seat-orders.png")

        def recorded() -> list[dict]:
            return [e for e in save_events(s.save) if e["type"] == "orders" and e["role"] == "drc"]

        for _ in range(3):
            await browser.key("s", ctrl=True)
            try:
                await until(lambda: bool(recorded()), timeout=15, what="the browser seat's orders in the save")
                break
            except TimeoutError:
                continue
        assert recorded(), "the browser seat's orders never reached the save"
        assert recorded()[-1]["orders"] == [_first_drc_move()] and recorded()[-1]["by"] == "human"
        # Every team has now submitted: the reveal reaches the facilitator.
        await until(lambda: any(e["event"].get("phase") == "reveal" for e in fac.events), what="the reveal")
        await browser.screenshot(tmp_path / "browser-seat-reveal.png")
    finally:
        if fac is not None:
            await fac.close()
        await browser.close()
        s.stop()


def _first_drc_move() -> str:
    """The first line of the DRC's order list: its first move that is not a deal (it takes no target)."""
    from wargame.scenario.catalog import find_scenario
    from wargame.scenario.loader import load_scenario

    sc = load_scenario(find_scenario(None)).scenario
    mid, move = next((mid, m) for mid, m in sc.moves.items() if m.role == "drc" and m.deal is None)
    assert not move.targets
    return mid
