"""The exercise server as a room uses it: real `wargame serve` processes on loopback
(port 0) and real clients. China and the DRC are people; the U.S. and the EU are bots.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import websockets

from .helpers import Served, phase_of, save_events, seat, serve, until
from wargame.net.client import ClientError, SeatClient
from wargame.net.protocol import MAX_FRAME

# China's deal with the DRC: before the reveal only the two of them may hear of it.
OFFER_CANARY = "cn_rfi_deal"
MSG_CANARY = "CANARY-msg-91bc"
# A move only China can order: before the reveal it must reach no other seat.
ORDER_CANARY = "cn_indigenous_procurement"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    s = serve(tmp_path, "--port", "0", "--bots", "us,eu", "--seed", "3")
    yield s
    s.stop()


async def _seats(s: Served) -> dict[str, SeatClient]:
    return {k: await seat(s.url, s.codes[k]) for k in ("facilitator", "cn", "drc", "observer")}


async def _close(cs: dict[str, SeatClient]) -> None:
    for c in cs.values():
        await c.close()


def _before_reveal(c: SeatClient) -> str:
    """Every event this seat received before the first reveal, as text. (The welcome names
    every move of the scenario, which is public; it holds nothing of anyone's play.)"""
    assert c.welcome is not None and not ({"orders", "offers", "messages"} & set(c.welcome))
    out = []
    for env in c.events:
        if env["event"]["type"] == "phase" and env["event"]["phase"] == "reveal":
            break
        out.append(json.dumps(env))
    return "\n".join(out)


async def _negotiate_and_order(cs: dict[str, SeatClient]) -> None:
    f, cn, drc = cs["facilitator"], cs["cn"], cs["drc"]
    await f.request("advance", expect="briefing")
    await cn.request("offer", move=OFFER_CANARY)
    await until(lambda: any(e["event"]["type"] == "offer" and e["event"]["move"] == OFFER_CANARY for e in drc.events),
                what="the offer at the DRC")
    oid = next(e["event"]["id"] for e in drc.events if e["event"]["type"] == "offer" and e["event"]["move"] == OFFER_CANARY)
    await drc.request("answer", offer=oid, answer="accept")
    await cn.request("message", to="drc", text=MSG_CANARY)
    await f.request("advance", expect="negotiation")
    await cn.request("submit", round=1, orders=[ORDER_CANARY])


async def test_a_round_with_a_deal_keeps_each_teams_secrets(served: Served) -> None:
    cs = await _seats(served)
    try:
        await _negotiate_and_order(cs)
        # The waiting-for board: everyone learns that China submitted, and when.
        for k in ("drc", "observer"):
            await until(lambda k=k: any(e["event"]["type"] == "submitted" and e["event"]["role"] == "cn"
                                        for e in cs[k].events), what=f"the board at {k}")
            board = [e for e in cs[k].events if e["event"]["type"] == "submitted" and e["event"]["role"] == "cn"][-1]
            assert board["at"] and set(board["event"]) == {"type", "round", "role", "by"}
        # The DRC sees the offer and message addressed to it, never China's orders; the observer nothing private.
        drc_text = _before_reveal(cs["drc"])
        assert OFFER_CANARY in drc_text and MSG_CANARY in drc_text and ORDER_CANARY not in drc_text
        obs_text = _before_reveal(cs["observer"])
        for canary in (OFFER_CANARY, MSG_CANARY, ORDER_CANARY):
            assert canary not in obs_text
        assert not any(e["event"]["type"] == "orders" for e in cs["observer"].events)
        await cs["drc"].request("submit", round=1, orders=[])
        for c in cs.values():  # every team has submitted: the reveal comes on its own
            await until(lambda c=c: phase_of(c) == (1, "reveal"), what="the reveal")
        reveal = next(e["event"] for e in cs["observer"].events if e["event"].get("phase") == "reveal")
        assert ORDER_CANARY in reveal["orders"]["cn"] and "cn_rfi_deal" in reveal["orders"]["cn"]
        assert {"respond": "cn_rfi_deal", "answer": "accept"} in reveal["orders"]["drc"]
        assert {"move": "cn_rfi_deal", "proposer": "cn", "counterparty": "drc", "target": None,
                "status": "made"} in [{k: v for k, v in o.items() if k != "id"} for o in reveal["offers"]]
        await cs["facilitator"].request("advance", expect="reveal")
        await until(lambda: phase_of(cs["observer"]) == (1, "resolution"), what="the resolution")
        resolve = next(e["event"] for e in cs["observer"].events if e["event"]["type"] == "resolve")
        assert {"move": "cn_rfi_deal", "proposer": "cn", "answer": "accept", "outcome": "made"} in resolve["summary"]["deals"]
        # The observer never saw the offer or the private message, even after the round.
        assert not any(MSG_CANARY in fr for fr in cs["observer"].frames)
        assert all(c.duplicates == 0 for c in cs.values())
    finally:
        await _close(cs)
    # The save holds every acknowledged event, and replays.
    kinds = [e["type"] for e in save_events(served.save)]
    assert kinds.count("resolve") == 1 and "offer" in kinds and "answer" in kinds


async def _raw(url: str, *frames: str | bytes) -> list[dict]:
    out = []
    async with websockets.connect(url, max_size=2**20) as ws:
        for fr in frames:
            await ws.send(fr)
            try:
                out.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
            except websockets.ConnectionClosed:
                break
    return out


async def test_refusals_change_nothing(served: Served) -> None:
    cs = await _seats(served)
    try:
        await cs["facilitator"].request("advance", expect="briefing")
        await cs["facilitator"].request("advance", expect="negotiation")
        before = served.save.read_bytes()
        cn = cs["cn"]
        # A team submitting for another team, a team trying the facilitator's actions, the observer ordering.
        for kind, fields, code in [
            ("submit", {"round": 1, "role": "drc", "orders": []}, "not_your_seat"),
            ("advance", {}, "forbidden"),
            ("reissue", {"seat": "drc"}, "forbidden"),
            ("inject", {"event": "covid"}, "forbidden"),
            ("clock", {"seconds": 60}, "forbidden"),
            ("submit", {"round": 1, "orders": ["us_section_301"]}, "invalid"),  # another role's move
            ("submit", {"round": 2, "orders": []}, "stale_round"),
            ("answer", {"offer": "r1-9", "answer": "accept"}, "unknown_offer"),
            ("offer", {"move": "cn_rfi_deal"}, "refused"),  # the table is closed in the orders phase
        ]:
            with pytest.raises(ClientError) as err:
                await cn.request(kind, **fields)
            assert err.value.code == code, (kind, err.value)
        with pytest.raises(ClientError) as err:
            await cs["observer"].request("submit", round=1, orders=[])
        assert err.value.code == "forbidden"
        # Malformed and oversized frames get an error reply; the connection stays usable.
        for frame, code in [("{not json", "malformed"), ("[1,2]", "malformed"), (b"\x00\x01", "malformed"),
                            (json.dumps({"type": "submit", "req": "x1", "round": 1, "orders": ["a" * (MAX_FRAME + 10)]}), "too_large"),
                            (json.dumps({"type": "launch", "req": "x2"}), "malformed"),
                            (json.dumps({"type": "submit", "req": "x3", "round": "one", "orders": []}), "malformed"),
                            (json.dumps({"type": "submit", "req": "x4", "round": 1, "orders": [], "extra": 1}), "malformed")]:
            n = len(cn.frames)
            await cn.send_raw(frame)
            await until(lambda n=n: len(cn.frames) > n, what="an error reply")
            reply = json.loads(cn.frames[-1])
            assert reply["type"] == "error" and reply["code"] == code, (frame[:40], reply)
        assert (await cn.request("ping"))["type"] == "pong"
        # A forged code: refused, and repeated failures from one address slow down.
        times = []
        for i in range(6):
            t0 = time.monotonic()
            replies = await _raw(served.url, json.dumps({"type": "hello", "code": f"forged-{i}"}))
            times.append(time.monotonic() - t0)
            assert replies[0]["code"] == "bad_code"
        assert times[-1] > 0.4 > times[0], times
        # A hello that is not a hello.
        assert (await _raw(served.url, "nonsense"))[0]["code"] == "malformed"
        assert served.save.read_bytes() == before
    finally:
        await _close(cs)


async def test_second_connection_replaces_and_facilitator_reissues(served: Served) -> None:
    cs = await _seats(served)
    try:
        old = cs["drc"]
        new = await seat(served.url, served.codes["drc"])
        await until(lambda: old.refused is not None, what="the old connection told")
        assert old.refused.code == "replaced"
        ack = await cs["facilitator"].request("reissue", seat="drc")
        code = ack["code"]
        assert code != served.codes["drc"]
        await until(lambda: new.refused is not None, what="the revoked seat told")
        assert new.refused.code == "revoked"
        stale = SeatClient(served.url, served.codes["drc"])
        stale.start()
        with pytest.raises(ClientError):
            await stale.wait_ready()
        fresh = await seat(served.url, code)
        assert fresh.welcome["seat"] == "drc"
        # The reissued code never enters the save, and the sidecar holds it, owner-only.
        assert code not in served.save.read_text()
        side = served.save.with_name(served.save.name + ".codes.json")
        assert json.loads(side.read_text())["drc"] == code and side.stat().st_mode & 0o777 == 0o600
        await fresh.close()
        await new.close()
        await stale.close()
    finally:
        await _close(cs)


async def test_a_dropped_client_gets_exactly_what_it_missed(served: Served) -> None:
    cs = await _seats(served)
    steady = await seat(served.url, served.codes["observer"])
    try:
        f, obs = cs["facilitator"], cs["observer"]
        await f.request("advance", expect="briefing")
        await until(lambda: obs.last_seq == steady.last_seq)
        await obs.drop()
        connects = obs.connects
        await f.request("clock", seconds=300)
        await f.request("advance", expect="negotiation")
        await cs["cn"].request("message", to="drc", text="private words")
        await until(lambda: obs.connects > connects, what="the reconnect")
        await until(lambda: obs.last_seq == steady.last_seq, what="the catch-up")
        assert [e["seq"] for e in obs.events] == [e["seq"] for e in steady.events]
        assert obs.events == steady.events and obs.duplicates == 0
        # A request sent while the connection is down is sent on reconnect, and done once.
        await cs["cn"].drop()
        ack = await cs["cn"].request("submit", round=1, orders=[ORDER_CANARY], req="resend-1")
        again = await cs["cn"].request("submit", round=1, orders=[ORDER_CANARY], req="resend-1")
        assert again["seq"] == ack["seq"] and again.get("repeat")
        assert [e["type"] for e in save_events(served.save)].count("orders") == 3  # two bots and China once
    finally:
        await steady.close()
        await _close(cs)


async def test_sigkill_then_resume_loses_no_acknowledged_event(tmp_path: Path) -> None:
    s = serve(tmp_path, "--port", "0", "--bots", "us,eu", "--seed", "3")
    cs = await _seats(s)
    s2 = None
    try:
        await _negotiate_and_order(cs)
        # Every event a client holds came before some ack; each must survive the kill where it was.
        held = {k: [(e["seq"], e["event"]) for e in c.events] for k, c in cs.items()}
        acked = cs["facilitator"].last_seq
        s.stop(signal.SIGKILL)
        on_disk = save_events(s.save)
        for k, items in held.items():
            for seq, ev in items:
                kept = on_disk[seq - 1]
                if ev["type"] == "submitted":  # the board's form of an orders event
                    assert (kept["type"], kept["role"]) == ("orders", ev["role"]), (k, seq)
                else:
                    assert {x: kept.get(x) for x in ev} == ev, (k, seq)
        # The clients notice and keep trying; the server comes back on the same port with the same codes.
        s2 = serve(tmp_path, "--port", str(s.port), "--resume", str(s.save))
        assert s2.codes == s.codes
        assert len(save_events(s.save)) >= acked
        for c in cs.values():
            await until(lambda c=c: c.connects >= 2, timeout=15, what="a reconnect after the restart")
        await cs["drc"].request("submit", round=1, orders=[])
        for c in cs.values():
            await until(lambda c=c: phase_of(c) == (1, "reveal"), what="the reveal after the restart")
        seqs = {k: [e["seq"] for e in c.events] for k, c in cs.items()}
        assert all(len(v) == len(set(v)) == len(c.events) for v, c in zip(seqs.values(), cs.values(), strict=True))
        assert all(c.duplicates == 0 for c in cs.values())
        # Secrecy holds across the restart too.
        assert ORDER_CANARY not in _before_reveal(cs["drc"]) and ORDER_CANARY not in _before_reveal(cs["observer"])
        assert not any(MSG_CANARY in fr for fr in cs["observer"].frames)
        # A client that joins fresh after the restart gets the whole history, rebuilt from the log.
        late = await seat(s2.url, s2.codes["facilitator"])
        await until(lambda: late.last_seq == cs["facilitator"].last_seq)
        assert [e["event"] for e in late.events] == [e["event"] for e in cs["facilitator"].events]
        await late.close()
    finally:
        await _close(cs)
        s.stop()
        if s2 is not None:
            assert s2.stop() == 0


async def test_the_clock_locks_the_orders_and_submits_the_drafts(served: Served) -> None:
    cs = await _seats(served)
    try:
        f = cs["facilitator"]
        await f.request("advance", expect="briefing")
        await f.request("advance", expect="negotiation")
        await cs["cn"].request("draft", orders=[ORDER_CANARY])  # not logged, not sent to anyone
        assert not any(ORDER_CANARY in json.dumps(e) for e in cs["drc"].events + cs["observer"].events)
        await f.request("clock", seconds=1)
        for c in cs.values():  # time up: China's draft is given for it, the DRC's empty orders; then the reveal
            await until(lambda c=c: phase_of(c) == (1, "reveal"), timeout=15, what="the reveal after the lock")
        orders = {e["role"]: e for e in save_events(served.save) if e["type"] == "orders"}
        assert orders["cn"]["orders"] == [ORDER_CANARY] and orders["cn"]["by"] == "lock"
        assert orders["drc"]["by"] == "lock"
        assert any(e["event"]["type"] == "clock" and e["event"]["action"] == "lock" for e in cs["observer"].events)
    finally:
        await _close(cs)


def test_serve_prints_a_line_per_seat_and_stops_cleanly_on_sigint(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {**__import__("os").environ, "WARGAME_SAVES": str(tmp_path / "saves")}
    proc = subprocess.Popen([sys.executable, "-m", "wargame", "serve", "--port", "0", "--bots", "us,eu"], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    lines = [proc.stdout.readline() for _ in range(6)]
    proc.send_signal(signal.SIGINT)
    assert proc.wait(15) == 0
    assert lines[0].startswith("serving The Tech Contest") and "ws://127.0.0.1:" in lines[0]
    seats = [line.split()[0] for line in lines[2:]]
    assert seats == ["cn", "drc", "facilitator", "observer"]
    assert all("code " in line and "wargame join ws://127.0.0.1:" in line for line in lines[2:])
    save = next((tmp_path / "saves").glob("*.jsonl"))
    done = subprocess.run([sys.executable, "-m", "wargame", "replay", "--verify", str(save)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
