"""The game a server holds: a :class:`Session` plus the round's phases, offers,
messages and clock, every change logged (and fsynced) before it is acknowledged.

This is the server's adapter over the round flow. Each change is one event in the
save, and an event's sequence number is its position in the save (line - 1), so a
restarted server rebuilds exactly the history its clients hold.

Phases of a round: briefing, negotiation, orders, reveal, resolution, debrief; then
the next round's briefing, or ``over``. The facilitator advances them; the reveal
also comes on its own once every team has submitted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wargame.engine.orders import Order, OrderSpecError, parse_order
from wargame.saves.session import Session, resume

PHASES = ("briefing", "negotiation", "orders", "reveal", "resolution", "debrief")
# Events the room writes itself (the Session writes orders, inject, resolve, override, note).
ROOM_EVENTS = ("phase", "clock", "offer", "answer", "message", "seat")


class RoomError(Exception):
    """A request the game refuses; nothing was changed."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class Logged:
    seq: int
    at: str  # when the server logged it (UTC, ISO 8601); not part of the save
    event: dict[str, Any]


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


@dataclass
class Room:
    session: Session
    bots: frozenset[str]
    phase: str = "briefing"
    round: int = 1
    log: list[Logged] = field(default_factory=list)
    offers: dict[int, dict[str, Any]] = field(default_factory=dict)
    submitted: dict[str, int] = field(default_factory=dict)  # role -> seq of its last submission this round
    clock: tuple[int, int] | None = None  # (seconds, seq of the clock event)
    requests: dict[tuple[str, str], int | None] = field(default_factory=dict)  # (seat, req) -> seq acknowledged

    # --- building ---------------------------------------------------------------

    @classmethod
    def new(cls, session: Session, bots: frozenset[str]) -> "Room":
        room = cls(session, bots)
        room.round = session.game.round
        room._write({"type": "phase", "round": room.round, "phase": "briefing"})
        return room

    @classmethod
    def resume(cls, path: Path) -> "Room":
        """Rebuild from a save, verifying its chain and every round's digest (raises SaveError)."""
        replay = resume(path)
        session = replay.session
        bots = frozenset(r for r, s in session.seats.items() if s == "bot")
        room = cls(session, bots)
        at = "before the restart"
        for ev in session.events:
            room.log.append(Logged(len(room.log) + 1, at, ev))
            room._apply(ev, len(room.log))
        return room

    @property
    def rules(self) -> Any:
        return self.session.rules

    @property
    def roles(self) -> list[str]:
        return list(self.rules.roles)

    @property
    def humans(self) -> list[str]:
        return [r for r in self.roles if r not in self.bots]

    @property
    def seq(self) -> int:
        return len(self.log)

    @property
    def over(self) -> bool:
        return self.phase == "over"

    def _write(self, event: dict[str, Any]) -> Logged:
        """Log a room event (durably), then apply it."""
        self.session._log(event)
        return self._take()[-1]

    def _take(self) -> list[Logged]:
        """Turn what the session logged since the last call into numbered events, and apply them."""
        out = []
        for ev in self.session.events[len(self.log):]:
            item = Logged(len(self.log) + 1, _now(), ev)
            self.log.append(item)
            self._apply(ev, item.seq)
            out.append(item)
        return out

    def _apply(self, ev: dict[str, Any], seq: int) -> None:
        """Room state from one event: the same code for a live game and a rebuilt one."""
        t = ev["type"]
        if t == "phase":
            self.phase, self.round = ev["phase"], ev["round"]
            self.clock = None
            if ev["phase"] == "briefing":
                self.offers, self.submitted = {}, {}
        elif t == "orders":
            self.submitted[ev["role"]] = seq
        elif t == "offer":
            self.offers[ev["id"]] = dict(ev)
        elif t == "answer":
            self.offers[ev["offer"]]["answer"] = ev["answer"]
        elif t == "clock":
            self.clock = (ev["seconds"], seq)
        if ev.get("req") and ev.get("seat"):
            self.requests[(ev["seat"], ev["req"])] = seq

    # --- requests -----------------------------------------------------------------
    # Each returns the events it logged; it raises RoomError, having changed nothing.

    def submit(self, role: str, rnd: int, specs: list[Any], by: str = "human") -> list[Logged]:
        self._phase_is("orders", "orders can be submitted in the orders phase only")
        if rnd != self.round:
            raise RoomError("stale_round", f"these orders are for round {rnd}, but this is round {self.round}")
        try:
            orders = [parse_order(self.rules.scenario, role, s) for s in specs]
        except OrderSpecError as exc:
            raise RoomError("invalid", exc.message) from None
        try:
            self.session.submit(role, orders, by=by)
        except ValueError as exc:
            raise RoomError("invalid", str(exc)) from None
        out = self._take()
        if all(r in self.submitted for r in self.roles):
            out += self._reveal()
        return out

    def offer(self, seat: str, req: str, to: str, move: str | None, text: str) -> list[Logged]:
        self._phase_is("negotiation", "offers are made in the negotiation phase")
        if to not in self.roles or to == seat:
            raise RoomError("invalid", f"an offer goes to another team, not {to!r}")
        if move is not None:
            m = self.rules.scenario.moves.get(move)
            if m is None or m.role != seat or m.deal is None:
                raise RoomError("invalid", f"{move!r} is not a deal {seat} can propose")
            if m.deal.counterparty != to:
                raise RoomError("invalid", f"{move!r} is a deal with {m.deal.counterparty}, not {to}")
        oid = max(self.offers, default=0) + 1
        return [self._write({"type": "offer", "round": self.round, "id": oid, "from": seat, "to": to,
                             "move": move, "text": text, "seat": seat, "req": req})]

    def answer(self, seat: str, req: str, offer: int, answer: str) -> list[Logged]:
        self._phase_is("negotiation", "offers are answered in the negotiation phase")
        o = self.offers.get(offer)
        if o is None or o["to"] != seat:  # an offer to someone else is as unknown as none at all
            raise RoomError("unknown_offer", f"there is no offer {offer} to {seat} this round")
        if "answer" in o:
            raise RoomError("invalid", f"offer {offer} was already answered ({o['answer']})")
        return [self._write({"type": "answer", "round": self.round, "offer": offer, "from": o["from"], "to": seat,
                             "move": o["move"], "answer": answer, "seat": seat, "req": req})]

    def message(self, seat: str, req: str, to: str, text: str) -> list[Logged]:
        if to not in (*self.roles, "all", "facilitator") or to == seat:
            raise RoomError("invalid", f"a message goes to a team, 'facilitator' or 'all', not {to!r}")
        return [self._write({"type": "message", "round": self.round, "from": seat, "to": to, "text": text,
                             "seat": seat, "req": req})]

    def set_clock(self, req: str, seconds: int) -> list[Logged]:
        self._not_over()
        return [self._write({"type": "clock", "round": self.round, "phase": self.phase, "seconds": seconds,
                             "seat": "facilitator", "req": req})]

    def inject(self, event: str) -> list[Logged]:
        if self.phase in ("reveal", "resolution", "debrief", "over"):
            raise RoomError("wrong_phase", "an inject fires when the round resolves: give it before the reveal")
        try:
            self.session.inject(event)
        except ValueError as exc:
            raise RoomError("invalid", str(exc)) from None
        return self._take()

    def seat_reissued(self, seat: str, req: str) -> list[Logged]:
        # The new code itself is never logged: only that there is one.
        return [self._write({"type": "seat", "round": self.round, "seat_id": seat, "action": "reissued",
                             "seat": "facilitator", "req": req})]

    def advance(self, req: str, expect: str | None = None) -> list[Logged]:
        self._not_over()
        if expect is not None and expect != self.phase:
            raise RoomError("wrong_phase", f"the phase is {self.phase}, not {expect}: already advanced?")
        nxt = PHASES[PHASES.index(self.phase) + 1] if self.phase != "debrief" else "briefing"
        if nxt == "negotiation":
            return [self._phase("negotiation", req)]
        if nxt == "orders":
            out = [self._phase("orders", req)]
            out += self._bot_orders()
            if all(r in self.submitted for r in self.roles):
                out += self._reveal()
            return out
        if nxt == "reveal":
            return self._reveal(req)
        if nxt == "resolution":
            self.session.resolve()
            out = self._take()
            return out + [self._phase("resolution", req)]
        if nxt == "debrief":
            return [self._phase("debrief", req)]
        # debrief -> next round, or the end
        if self.session.game.finished:
            return [self._phase("over", req, rnd=self.round)]
        return [self._phase("briefing", req, rnd=self.session.game.round)]

    # --- steps ----------------------------------------------------------------------

    def _phase(self, phase: str, req: str | None, rnd: int | None = None, **extra: Any) -> Logged:
        ev: dict[str, Any] = {"type": "phase", "round": self.round if rnd is None else rnd, "phase": phase, **extra}
        if req:
            ev.update(seat="facilitator", req=req)
        return self._write(ev)

    def _bot_orders(self) -> list[Logged]:
        from wargame.engine.bots import choose_orders
        from wargame.engine.game import bot_rng

        game = self.session.game
        for role in sorted(self.bots):
            orders = choose_orders(self.rules, game.state, role, bot_rng(game.seed, game.round, role))
            self.session.submit(role, orders, by="bot")
        return self._take()

    def _reveal(self, req: str | None = None) -> list[Logged]:
        """Make accepted deals part of both sides' orders, then show every order at once."""
        pending = self.session.pending
        for o in self.offers.values():
            if o.get("answer") != "accept" or o.get("move") is None:
                continue
            mid, proposer, counter = o["move"], o["from"], o["to"]
            for role, order in ((proposer, Order(proposer, mid)), (counter, Order(counter, mid, "respond", answer="accept"))):
                have = list(pending.get(role, ()))
                if not any(x.move == mid for x in have):
                    self.session.submit(role, [*have, order], by=self.session.pending_by.get(role, "human"))
        out = self._take()
        orders = {r: [o.to_json() for o in self.session.pending.get(r, ())] for r in self.roles}
        return out + [self._phase("reveal", req, orders=orders)]

    def _phase_is(self, phase: str, why: str) -> None:
        if self.phase != phase:
            raise RoomError("wrong_phase", f"{why}; it is the {self.phase} phase")

    def _not_over(self) -> None:
        if self.over:
            raise RoomError("wrong_phase", "the game is over")

    # --- what a seat needs to start -------------------------------------------------

    def public_info(self) -> dict[str, Any]:
        s = self.rules.scenario
        return {"id": s.id, "title": s.title, "rounds": s.rounds,
                "roles": {r: {"name": s.roles[r].name, "seat": "bot" if r in self.bots else "human"} for r in self.roles}}

    def team_info(self, role: str) -> dict[str, Any]:
        s = self.rules.scenario
        r = s.roles[role]
        moves = []
        for mid, m in s.moves.items():
            if m.role != role:
                continue
            moves.append({"id": mid, "name": m.name, "cost": m.cost, "summary": m.summary,
                          "targets": m.targets, "deal": m.deal.counterparty if m.deal else None,
                          "policy": m.policy is not None})
        answers = [{"id": mid, "name": m.name, "from": m.role} for mid, m in s.moves.items()
                   if m.deal is not None and m.deal.counterparty == role]
        return {"role": role, "name": r.name, "budget": r.budget, "briefing": r.briefing, "moves": moves,
                "deals_offered_to_me": answers}
