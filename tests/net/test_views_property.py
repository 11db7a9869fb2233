"""Property: over random sequences of requests from every seat, nothing private reaches
a seat it is not for. The requests go through the server's own dispatch and broadcast
(everything but the socket), so every frame a seat would be sent is checked.
"""

from __future__ import annotations

import asyncio
import json
from functools import lru_cache
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wargame.net.room import Room
from wargame.net.seats import Codes
from wargame.net.server import Conn, Server

TEAMS = ["us", "cn", "eu", "drc"]
SEATS = [*TEAMS, "facilitator", "observer"]


@lru_cache(maxsize=1)
def _rules() -> Any:
    from wargame.engine.rules import Rules
    from wargame.scenario.catalog import find_scenario
    from wargame.scenario.loader import load_scenario

    loaded = load_scenario(find_scenario(None))
    return loaded, Rules(loaded)


def _moves(role: str) -> list[str]:
    _, rules = _rules()
    return [m for m, mv in rules.scenario.moves.items() if mv.role == role and not mv.targets][:6]


action = st.one_of(
    st.tuples(st.just("offer"), st.sampled_from(TEAMS), st.sampled_from(TEAMS), st.booleans()),
    st.tuples(st.just("answer"), st.sampled_from(TEAMS), st.integers(1, 6), st.sampled_from(["accept", "reject"])),
    st.tuples(st.just("message"), st.sampled_from(SEATS), st.sampled_from([*TEAMS, "all", "facilitator"]), st.booleans()),
    # Mostly a team for itself (sometimes for another, which must be refused), and mostly the
    # facilitator advancing, so that sequences reach orders, reveal and the next round.
    st.tuples(st.just("submit"), st.sampled_from([*TEAMS, "observer"]), st.sampled_from(["own", "own", "own", *TEAMS]),
              st.lists(st.integers(0, 5), max_size=3)),
    st.tuples(st.just("advance"), st.sampled_from(["facilitator"] * 4 + ["cn", "observer"]), st.none(), st.none()),
)


def _frames(conn: Conn) -> list[dict[str, Any]]:
    out = []
    while not conn.queue.empty():
        text = conn.queue.get_nowait()
        if text is not None:
            out.append(json.loads(text))
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(action, min_size=1, max_size=40))
def test_no_seat_receives_what_is_not_for_it(actions: list[tuple[Any, ...]]) -> None:
    asyncio.run(_check(actions))


async def _check(actions: list[tuple[Any, ...]]) -> None:
    from wargame.saves.session import Session

    loaded, rules = _rules()
    session = Session.new(loaded, 5, {r: "human" for r in TEAMS}, None, rules=rules)
    room = Room.new(session, frozenset())
    server = Server(room, Codes({s: s for s in SEATS}, None))
    conns = {s: Conn(None, s, "team" if s in TEAMS else s) for s in SEATS}  # type: ignore[arg-type]
    server.conns = set(conns.values())
    received: dict[str, list[dict[str, Any]]] = {s: [] for s in SEATS}
    for n, (kind, who, a, b) in enumerate(actions):
        req = f"r{n}"
        if kind == "offer":
            frame = {"type": "offer", "req": req, "to": a, "text": f"SECRET<{who}>{a}#{n}"}
            if b:
                deals = [m for m, mv in rules.scenario.moves.items() if mv.role == who and mv.deal and mv.deal.counterparty == a]
                if deals:
                    frame["move"] = deals[0]
        elif kind == "answer":
            frame = {"type": "answer", "req": req, "offer": a, "answer": b}
        elif kind == "message":
            text = f"PUBLIC#{n}" if a == "all" else f"SECRET<{who}>{a}#{n}"
            frame = {"type": "message", "req": req, "to": a, "text": text}
        elif kind == "submit":
            a = who if a == "own" and who in TEAMS else ("us" if a == "own" else a)
            moves = _moves(a)
            frame = {"type": "submit", "req": req, "round": room.round, "role": a,
                     "orders": sorted({moves[i] for i in b if i < len(moves)})}
        else:
            frame = {"type": "advance", "req": req}
        server._on_frame(conns[who], json.dumps(frame))
        for s, c in conns.items():
            received[s].extend(_frames(c))
    reached.update(f"{room.round}:{room.phase}" for _ in [0])
    for s in SEATS:
        for msg in received[s]:
            text = json.dumps(msg)
            if s == "facilitator":
                continue
            # Private words: only between their two parties.
            for i in range(len(text)):
                i = text.find("SECRET<", i)
                if i < 0:
                    break
                sender = text[i + 7:text.index(">", i)]
                to = text[text.index(">", i) + 1:text.index("#", i)]
                assert s in (sender, to), f"{s} received words between {sender} and {to}: {msg}"
            if msg.get("type") != "event":
                continue
            ev = msg["event"]
            # Pending orders: a team sees only its own; the observer none; everyone the board.
            if ev["type"] == "orders":
                assert s == ev["role"], f"{s} received the pending orders of {ev['role']}"
            if ev["type"] in ("offer", "answer"):
                assert s in (ev["from"], ev["to"])
            assert ev["type"] not in ("inject", "note", "seat")
    session.close()


reached: set[str] = set()


def test_the_sequences_reach_past_the_reveal() -> None:
    """The property above is only as good as the phases its sequences reach."""
    assert reached, "run with the property test"
    assert any(p.split(":")[1] in ("reveal", "resolution", "debrief") or int(p.split(":")[0]) > 1 for p in reached), reached
