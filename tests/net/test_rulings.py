"""The facilitator's rulings over the network: an override (with its reason, refused out of
range with the indicator's bounds) and notes/bookmarks, against a real `wargame serve`."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from .helpers import Served, save_events, seat, serve, until
from wargame.net.client import ClientError
from wargame.play import Flow


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    s = serve(tmp_path, "--port", "0", "--bots", "us,eu", "--seed", "3")
    yield s
    s.stop()


def _rules_value(save: Path, indicator: str, tmp: Path) -> float:
    """The rules' own value of ``indicator`` now, read from a copy of the save."""
    copy = tmp / "copy.jsonl"
    shutil.copyfile(save, copy)
    flow = Flow.resume(copy)
    try:
        return flow.game.model_value(indicator)
    finally:
        flow.close()


async def _refused(c, kind: str, **fields) -> ClientError:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as info:
        await c.request(kind, **fields)
    return info.value


async def test_facilitator_override_is_applied_logged_and_public(served: Served, tmp_path: Path) -> None:
    f = await seat(served.url, served.codes["facilitator"])
    cn = await seat(served.url, served.codes["cn"])
    obs = await seat(served.url, served.codes["observer"])
    try:
        bounds = f.welcome["indicators"]
        assert cn.welcome.get("indicators") is None and obs.welcome.get("indicators") is None
        indicator = "cn.gdp" if "cn.gdp" in bounds else next(iter(bounds))
        lo, hi = bounds[indicator]
        model = _rules_value(served.save, indicator, tmp_path)
        value = lo + 0.25 * (hi - lo)
        if value == model:
            value = lo + 0.75 * (hi - lo)
        ack = await f.request("override", indicator=indicator, value=value, reason="the room rules a shock")
        assert ack["type"] == "ack" and ack["seq"] is not None
        ev = save_events(served.save)[ack["seq"] - 1]
        assert ev["type"] == "override" and ev["indicator"] == indicator
        assert ev["value"] == pytest.approx(value) and ev["model_value"] == pytest.approx(model)
        assert ev["reason"] == "the room rules a shock"
        # The ruling is public once made: the teams and the projector see it, reason and all.
        for c in (cn, obs):
            await until(lambda c=c: any(e["seq"] == ack["seq"] for e in c.events), what="the ruling at a seat")
            seen = next(e["event"] for e in c.events if e["seq"] == ack["seq"])
            assert seen["type"] == "override" and seen["value"] == pytest.approx(value)
            assert seen["model_value"] == pytest.approx(model) and seen["reason"] == "the room rules a shock"
            assert "req" not in seen and "hash" not in seen

        # Out of range: refused with the bounds, and the save does not change.
        before = served.save.read_bytes()
        err = await _refused(f, "override", indicator=indicator, value=hi + 1, reason="too far")
        assert err.code == "out_of_range" and f"{lo:g}" in err.message and f"{hi:g}" in err.message
        reply = json.loads(next(t for t in reversed(f.frames) if '"out_of_range"' in t))
        assert (reply["indicator"], reply["min"], reply["max"]) == (indicator, lo, hi)
        err = await _refused(f, "override", indicator="nowhere.nothing", value=0, reason="no such")
        assert err.code == "invalid"
        err = await _refused(f, "override", indicator=indicator, value=lo, reason="   ")
        assert err.code == "refused"
        assert served.save.read_bytes() == before

        # Notes and bookmarks: logged, the facilitator's alone.
        n1 = await f.request("note", text="NOTE-CANARY-7f2 cn hesitated")
        n2 = await f.request("note", text="BOOKMARK-CANARY-a91", bookmark=True)
        events = save_events(served.save)
        note = events[n1["seq"] - 1]
        assert (note["type"], note["text"], note["bookmark"]) == ("note", "NOTE-CANARY-7f2 cn hesitated", False)
        assert events[n2["seq"] - 1]["bookmark"] is True
        await until(lambda: any(e["seq"] == n2["seq"] for e in f.events), what="the bookmark at the facilitator")
        await cn.request("ping")
        await obs.request("ping")
        for c in (cn, obs):
            assert "CANARY" not in str(c.frames)
    finally:
        for c in (f, cn, obs):
            await c.close()


async def test_team_and_observer_cannot_rule_or_note(served: Served) -> None:
    f = await seat(served.url, served.codes["facilitator"])
    cn = await seat(served.url, served.codes["cn"])
    obs = await seat(served.url, served.codes["observer"])
    try:
        indicator, (lo, hi) = next(iter(f.welcome["indicators"].items()))
        before = served.save.read_bytes()
        for c in (cn, obs):
            err = await _refused(c, "override", indicator=indicator, value=lo, reason="mine now")
            assert err.code == "forbidden"
            err = await _refused(c, "note", text="a team's note")
            assert err.code == "forbidden"
            err = await _refused(c, "note", text="a team's bookmark", bookmark=True)
            assert err.code == "forbidden"
        await f.request("ping")
        assert served.save.read_bytes() == before
        assert not any(e["event"]["type"] in ("override", "note") for e in f.events)
    finally:
        for c in (f, cn, obs):
            await c.close()


async def test_the_facilitator_seats_override_and_note_controls(tmp_path: Path) -> None:
    from textual.widgets import Button, Input, Select

    from wargame.tui.seat import SeatApp

    from .test_join_pilot import SIZE, _opened, _press, _text

    s = serve(tmp_path, "--port", "0", "--bots", "us,eu", "--seed", "3")
    fac, cn = SeatApp(s.url, s.codes["facilitator"]), SeatApp(s.url, s.codes["cn"])
    try:
        async with fac.run_test(size=SIZE) as pf, cn.run_test(size=SIZE) as pc:
            for app in (fac, cn):
                await _opened(app)
            await until(lambda: bool(fac.screen.query("#ovr-indicator")), what="the override controls")
            assert not cn.screen.query("#override") and not cn.screen.query("#note-text")
            indicator, (lo, hi) = next(iter(fac.state.welcome["indicators"].items()))
            value = lo + 0.25 * (hi - lo)

            # Out of range first: the screen reports the refusal with the bounds; nothing logged.
            fac.screen.query_one("#ovr-indicator", Select).value = indicator
            fac.screen.query_one("#ovr-value", Input).value = repr(hi + 1)
            fac.screen.query_one("#ovr-reason", Input).value = "PILOT-RULING"
            before = s.save.read_bytes()
            await _press(pf, "#override")
            await until(lambda: fac.last_reply is not None and fac.last_reply.get("type") == "error",
                        what="the refusal")
            assert f"{lo:g}" in fac.last_reply["message"] and f"{hi:g}" in fac.last_reply["message"]
            assert s.save.read_bytes() == before

            fac.screen.query_one("#ovr-value", Input).value = repr(value)
            await _press(pf, "#override")
            await until(lambda: any(e["type"] == "override" for e in save_events(s.save)), what="the override saved")
            ev = next(e for e in save_events(s.save) if e["type"] == "override")
            assert (ev["indicator"], ev["reason"]) == (indicator, "PILOT-RULING") and ev["value"] == value
            # China's screen shows the ruling with the results.
            await until(lambda: bool(cn.state.rulings), what="the ruling at China")
            cn.screen.query_one("TabbedContent").active = "t-results"
            await pc.pause()
            assert "PILOT-RULING" in " ".join(_text(cn, "#results").split())

            # A bookmark from the note box: saved, and only on the facilitator's console.
            fac.screen.query_one("#note-text", Input).value = "PILOT-BOOKMARK"
            await _press(pf, "#bookmark")
            await until(lambda: any(e["type"] == "note" for e in save_events(s.save)), what="the bookmark saved")
            note = next(e for e in save_events(s.save) if e["type"] == "note")
            assert (note["text"], note["bookmark"]) == ("PILOT-BOOKMARK", True)
            await until(lambda: "bookmark: PILOT-BOOKMARK" in "\n".join(fac.state.log), what="the console line")
            assert fac.screen.query_one("#note-text", Input).value == ""
            assert isinstance(fac.screen.query_one("#override", Button), Button)
            await pc.pause(0.2)
            assert "PILOT-BOOKMARK" not in str(cn.client.frames)
    finally:
        s.stop()


@pytest.mark.parametrize("frame", [
    '{"type":"override","req":"a","indicator":"cn.gdp","value":NaN,"reason":"x"}',
    '{"type":"override","req":"a","indicator":"cn.gdp","value":Infinity,"reason":"x"}',
    '{"type":"override","req":"a","indicator":"cn.gdp","value":"5","reason":"x"}',
    '{"type":"override","req":"a","indicator":"cn.gdp","value":5,"reason":""}',
    '{"type":"override","req":"a","indicator":"gdp","value":5,"reason":"x"}',
    '{"type":"override","req":"a","indicator":"cn.gdp","value":5}',
    '{"type":"override","req":"a","indicator":"cn.gdp","value":5,"reason":"x","model_value":4}',
    '{"type":"note","req":"a","text":"x","bookmark":"yes"}',
])
def test_malformed_rulings_are_refused_before_the_game(frame: str) -> None:
    from wargame.net.protocol import ProtocolError, parse_request

    with pytest.raises(ProtocolError) as info:
        parse_request(frame)
    assert info.value.code == "malformed" and info.value.req == "a"


async def test_a_ruling_or_message_resent_after_a_restart_is_not_applied_twice(tmp_path: Path) -> None:
    """The server is killed after acknowledging an override, a note and a message; the clients resend
    them (same request ids) to the resumed server, which finds them in the log: one of each in the save."""
    import signal

    s = serve(tmp_path, "--port", "0", "--bots", "us,eu", "--seed", "3")
    s2 = None
    f = await seat(s.url, s.codes["facilitator"])
    cn = await seat(s.url, s.codes["cn"])
    try:
        indicator = next(iter(f.welcome["indicators"]))
        lo, hi = f.welcome["indicators"][indicator]
        value = lo + 0.5 * (hi - lo)
        await f.request("advance", expect="briefing")  # to the table: messages may be sent
        sent = {"ov-1": ("override", {"indicator": indicator, "value": value, "reason": "a ruling"}),
                "note-1": ("note", {"text": "NOTE-once-3c1"})}
        acks = {req: await f.request(kind, req=req, **fields) for req, (kind, fields) in sent.items()}
        msg = await cn.request("message", req="msg-1", to="drc", text="MSG-once-77a")
        s.stop(signal.SIGKILL)
        s2 = serve(tmp_path, "--port", str(s.port), "--resume", str(s.save))
        for c in (f, cn):
            await until(lambda c=c: c.connects >= 2, timeout=15, what="a reconnect after the restart")
        for req, (kind, fields) in sent.items():
            again = await f.request(kind, req=req, **fields)
            assert again.get("repeat") and again["seq"] == acks[req]["seq"], kind
        again = await cn.request("message", req="msg-1", to="drc", text="MSG-once-77a")
        assert again.get("repeat") and again["seq"] == msg["seq"]
        events = save_events(s.save)
        assert [e["type"] for e in events].count("override") == 1
        assert sum(1 for e in events if e["type"] == "note" and e["text"] == "NOTE-once-3c1") == 1
        assert sum(1 for e in events if e["type"] == "message" and e["text"] == "MSG-once-77a") == 1
        # A new request (another id) with the same content is a new ruling, as the facilitator meant it.
        await f.request("note", req="note-2", text="NOTE-once-3c1")
        assert sum(1 for e in save_events(s.save) if e["type"] == "note" and e["text"] == "NOTE-once-3c1") == 2
    finally:
        await f.close()
        await cn.close()
        s.stop()
        if s2 is not None:
            assert s2.stop() == 0
