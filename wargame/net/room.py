"""The game a server holds: a :class:`wargame.play.Flow` (the same round flow the app
runs), numbered event by event for the wire.

Every change is one event in the save, logged (and fsynced) by the flow before the
server acknowledges it; an event's sequence number is its position among the save's
events, so a restarted server rebuilds exactly the history its clients hold.

The room adds what the wire needs and the flow does not: the two parties of each
offer event (so :func:`wargame.net.views.view_for` can keep it between them), the
orders and offers shown at each reveal, and the reveal coming on its own once every
team has given its orders.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wargame.engine.orders import OrderSpecError, parse_order
from wargame.play import Flow, FlowError, Phase
from wargame.saves.session import override_bounds

PHASES = tuple(p.value for p in Phase)
OFFER_EVENTS = ("offer", "answer", "reply", "withdraw")


class RoomError(Exception):
    """A request the game refuses; nothing was changed."""

    def __init__(self, code: str, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.code, self.message = code, message
        self.detail = detail  # extra fields for the error reply (an override's bounds)


@dataclass
class Logged:
    seq: int
    at: str  # when the server logged it (UTC, ISO 8601); not part of the save
    event: dict[str, Any]
    parties: frozenset[str] = frozenset()  # for an offer's events: its proposer and counterparty
    extra: dict[str, Any] = field(default_factory=dict)  # for a reveal: the round's orders and offers


def _tag(seat: str, req: str | None) -> dict[str, str] | None:
    """Who asked, logged with what the request did: after a restart the server finds the request
    in the log (``Room.requests``) and answers a resend without doing it again."""
    return {"seat": seat, "req": req} if req else None


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


class Room:
    def __init__(self, flow: Flow, at: str | None = None) -> None:
        self.flow = flow
        self.log: list[Logged] = []
        self.requests: dict[tuple[str, str], int] = {}  # (seat, req) -> seq, from events that carry them
        self._take(at)

    @classmethod
    def new(cls, loaded: Any, seed: int | None, bots: list[str], path: Path | None) -> "Room":
        controls = {r: ("bot" if r in bots else "human") for r in loaded.scenario.roles}
        return cls(Flow.new(loaded, seed, controls, path))  # type: ignore[arg-type]

    @classmethod
    def resume(cls, path: Path) -> "Room":
        """Rebuild from a save, verifying its chain and every round's digest (raises SaveError)."""
        return cls(Flow.resume(path), at="before the restart")

    # --- what it is ---------------------------------------------------------------------

    @property
    def session(self) -> Any:
        return self.flow.session

    @property
    def rules(self) -> Any:
        return self.flow.rules

    @property
    def roles(self) -> list[str]:
        return self.flow.roles

    @property
    def humans(self) -> list[str]:
        return self.flow.humans()

    @property
    def phase(self) -> str:
        return self.flow.phase.value

    @property
    def round(self) -> int:
        return self.flow.round

    @property
    def seq(self) -> int:
        return len(self.log)

    def close(self) -> None:
        self.flow.close()

    # --- numbering ----------------------------------------------------------------------

    def _take(self, at: str | None = None) -> list[Logged]:
        """Number what the flow logged since the last call."""
        out = []
        events = self.session.events
        for ev in events[len(self.log):]:
            item = Logged(len(self.log) + 1, at or _now(), ev)
            t = ev["type"]
            if t in OFFER_EVENTS:
                o = self.flow.table.by_id(ev["id"])
                item.parties = frozenset({o.proposer, o.counterparty})
            elif t == "phase" and ev["phase"] == "reveal":
                item.extra = self._revealed(ev["round"])
            if ev.get("req") and ev.get("seat"):
                self.requests[(ev["seat"], ev["req"])] = item.seq
            self.log.append(item)
            out.append(item)
        return out

    def _revealed(self, rnd: int) -> dict[str, Any]:
        """What the reveal of round ``rnd`` shows everyone: each role's orders and the round's offers."""
        game = self.flow.game
        if rnd <= len(game.orders):  # a round already resolved (rebuilding): its orders as played
            played = game.orders[rnd - 1]
            orders = {r: [o.to_json() for o in played if o.role == r] for r in self.roles}
        else:
            pending = self.flow.pending_orders()
            orders = {r: [o.to_json() for o in pending.get(r, ())] for r in self.roles}
        offers = [{"id": o.id, "move": o.move, "proposer": o.proposer, "counterparty": o.counterparty,
                   "target": o.target, "status": o.status.value} for o in self.flow.offers(rnd)]
        return {"orders": orders, "offers": offers}

    def _do(self, fn: Any, *args: Any, **kw: Any) -> list[Logged]:
        try:
            fn(*args, **kw)
        except FlowError as exc:
            self._take()  # anything logged before the refusal is still numbered (and sent)
            raise RoomError("refused", str(exc)) from None
        return self._take()

    # --- requests -------------------------------------------------------------------------
    # Each returns the events it logged; a refusal raises RoomError having changed nothing.

    def submit(self, role: str, rnd: int, specs: list[Any]) -> list[Logged]:
        if self.flow.phase != Phase.ORDERS:
            raise RoomError("wrong_phase", f"orders are given in the orders phase; this is the {self.phase} phase")
        if rnd != self.round:
            raise RoomError("stale_round", f"these orders are for round {rnd}, but this is round {self.round}")
        try:
            orders = [parse_order(self.rules.scenario, role, s) for s in specs]
        except OrderSpecError as exc:
            raise RoomError("invalid", exc.message) from None
        out = self._do(self.flow.submit, role, orders)
        return out + self._reveal_when_all_in()

    def already_submitted(self, role: str, specs: list[Any]) -> int | None:
        """The seq of ``role``'s submission this round if it holds exactly these orders (a resend)."""
        pending = self.flow.pending_orders().get(role)
        if pending is None:
            return None
        try:
            mine = {parse_order(self.rules.scenario, role, s) for s in specs}
        except OrderSpecError:
            return None
        if mine | set(self.flow.committed(role)) != set(pending):
            return None
        return max(i.seq for i in self.log if i.event["type"] == "orders" and i.event.get("role") == role)

    def draft(self, role: str, specs: list[Any]) -> None:
        try:
            orders = [parse_order(self.rules.scenario, role, s) for s in specs]
        except OrderSpecError as exc:
            raise RoomError("invalid", exc.message) from None
        self.flow.draft(role, orders)

    def propose(self, role: str, move: str, target: str | None) -> list[Logged]:
        return self._do(self.flow.propose, role, move, target)

    def answer(self, role: str, offer: str, answer: str) -> list[Logged]:
        self._own_offer(role, offer, "counterparty")
        return self._do(self.flow.answer, role, offer, answer)

    def reply(self, role: str, offer: str, reply: str) -> list[Logged]:
        self._own_offer(role, offer, "proposer")
        return self._do(self.flow.reply, role, offer, reply)

    def withdraw(self, role: str, offer: str) -> list[Logged]:
        self._own_offer(role, offer, "proposer")
        return self._do(self.flow.withdraw, role, offer)

    def _own_offer(self, role: str, offer: str, side: str) -> None:
        # An offer between other teams is as unknown to this one as none at all.
        try:
            o = self.flow.table.by_id(offer)
        except Exception:
            o = None
        if o is None or getattr(o, side) != role:
            raise RoomError("unknown_offer", f"there is no offer {offer} for you to answer")

    def message(self, sender: str, to: str, text: str, req: str | None = None) -> list[Logged]:
        if to == sender or to not in (*self.roles, "facilitator"):
            raise RoomError("invalid", f"a message goes to another team or to the facilitator, not {to!r}")
        return self._do(self.flow.send, sender, to, text, _tag(sender, req))

    def advance(self, expect: str | None = None) -> list[Logged]:
        if expect is not None and expect != self.phase:
            raise RoomError("wrong_phase", f"the phase is {self.phase}, not {expect}: already advanced?")
        if self.flow.phase == Phase.DEBRIEF and self.flow.finished:
            raise RoomError("wrong_phase", "the game is over")
        out = self._do(self.flow.advance)
        if self.flow.phase == Phase.ORDERS:
            out += self._do(self.flow.play_bots)
            out += self._reveal_when_all_in()
        return out

    def set_clock(self, seconds: int) -> list[Logged]:
        return self._do(self.flow.set_clock, self.flow.phase, seconds / 60.0)

    def inject(self, event: str) -> list[Logged]:
        return self._do(self.flow.inject, event)

    def note(self, text: str, bookmark: bool = False, req: str | None = None) -> list[Logged]:
        return self._do(self.flow.note, text, bookmark=bookmark, tag=_tag("facilitator", req))

    def override(self, indicator: str, value: float, reason: str, req: str | None = None) -> list[Logged]:
        """A ruling: the indicator set by hand. Out of its range it is refused (never clamped)
        and the refusal names the bounds; the event keeps the rules' value as ``model_value``."""
        if indicator not in self.rules.index:
            raise RoomError("invalid", f"unknown indicator {indicator!r}")
        lo, hi = override_bounds(self.rules, indicator)
        if not lo <= value <= hi:
            raise RoomError("out_of_range", f"{indicator} runs from {lo:g} to {hi:g}: {value:g} is out of range",
                            indicator=indicator, min=lo, max=hi)
        return self._do(self.flow.override, indicator, value, reason, _tag("facilitator", req))

    def indicators(self) -> dict[str, list[float]]:
        """Every indicator an override may set, with its bounds [min, max]."""
        return {i: list(override_bounds(self.rules, i)) for i in self.rules.index}

    def seat_reissued(self, seat: str, req: str) -> list[Logged]:
        # The new code itself is never logged: only that there is one.
        self.session.record({"type": "seat", "round": self.round, "seat_id": seat, "action": "reissued",
                             "seat": "facilitator", "req": req})
        return self._take()

    def tick(self) -> tuple[list[Logged], list[str]]:
        """The clock: warnings for the room, and the lock when time is up."""
        notices = self.flow.tick()
        out = self._take()
        if notices:
            out += self._reveal_when_all_in()
        return out, [n.text for n in notices]

    def _reveal_when_all_in(self) -> list[Logged]:
        if self.flow.phase == Phase.ORDERS and not self.flow.blocked():
            return self._do(self.flow.advance)
        return []

    # --- what a seat needs to start -------------------------------------------------------

    def public_info(self) -> dict[str, Any]:
        s = self.rules.scenario
        return {"id": s.id, "title": s.title, "rounds": s.rounds,
                "roles": {r: {"name": s.roles[r].name, "seat": self.flow.control(r)} for r in self.roles},
                "moves": {mid: {"name": m.name, "role": m.role, "deal": m.deal.counterparty if m.deal else None}
                          for mid, m in s.moves.items()}}

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
        return {"role": role, "name": r.name, "budget": r.budget, "briefing": r.briefing, "moves": moves}

    def offerable(self, role: str) -> list[dict[str, Any]]:
        return [{"move": o.move, "target": o.target} for o in self.flow.offerable(role)]
