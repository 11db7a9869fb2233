"""What each seat may see of a game in progress, decided in one place.

:func:`view` is the only way a front end reads the flow's secrets: the Textual app
renders what it returns, and the exercise server sends each seat nothing else.

- A **team** sees its own pending orders and drafts, the offers it made or was made
  (with their terms), and the messages it sent or received.
- The **facilitator** sees everything and may act (:func:`may`).
- An **observer** (the projector) sees what is public: the phase, the clock, who has
  given orders (not what), and the offers of a round once it is revealed.

Offers and orders become public at the reveal of their round.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wargame.engine.orders import Order
from wargame.play.flow import Flow
from wargame.play.negotiation import Message, Offer, Terms
from wargame.play.phases import Control, Phase, Seat

TEAM_ACTIONS = frozenset({"propose", "answer", "reply", "withdraw", "send", "draft", "submit"})
FACILITATOR_ACTIONS = frozenset({"advance", "inject", "override", "undo", "note", "bookmark", "clock", "lock",
                                 "end", "send"})


@dataclass(frozen=True, slots=True)
class OfferView:
    id: str
    round: int
    move: str
    proposer: str
    counterparty: str
    target: str | None
    status: str
    terms: Terms

    @classmethod
    def of(cls, flow: Flow, o: Offer) -> "OfferView":
        return cls(o.id, o.round, o.move, o.proposer, o.counterparty, o.target, o.status.value, flow.terms(o.move))


@dataclass(frozen=True, slots=True)
class SeatView:
    """One seat's share of the game now."""

    seat: Seat
    round: int
    rounds: int
    phase: Phase
    clock: str  # '' with no clock, 'CLOCK 04:32', 'PAUSED 04:32', 'TIME! +00:12'
    locked: bool
    controls: dict[str, Control]
    submitted: tuple[str, ...]  # who has given orders this round (public)
    orders: dict[str, tuple[Order, ...]]  # pending orders this seat may see
    drafts: dict[str, tuple[Order, ...]]
    offers: tuple[OfferView, ...]
    awaiting: tuple[str, ...]  # ids of offers waiting for this team
    messages: tuple[Message, ...]
    injects: tuple[str, ...]  # events queued by the facilitator (facilitator only)
    can_control: bool

    def to_json(self) -> dict[str, Any]:
        def terms(t: Terms) -> dict[str, Any]:
            return {"name": t.name, "summary": t.summary, "proposer_cost": t.proposer_cost,
                    "counterparty_cost": t.counterparty_cost, "effects": [e.text() for e in t.effects],
                    "counter": [e.text() for e in t.counter]}

        return {
            "seat": str(self.seat), "round": self.round, "rounds": self.rounds, "phase": self.phase.value,
            "clock": self.clock, "locked": self.locked, "controls": self.controls, "submitted": list(self.submitted),
            "orders": {r: [o.to_json() for o in os] for r, os in self.orders.items()},
            "drafts": {r: [o.to_json() for o in os] for r, os in self.drafts.items()},
            "offers": [{"id": o.id, "round": o.round, "move": o.move, "proposer": o.proposer,
                        "counterparty": o.counterparty, "target": o.target, "status": o.status,
                        "terms": terms(o.terms)} for o in self.offers],
            "awaiting": list(self.awaiting),
            "messages": [{"id": m.id, "round": m.round, "from": m.sender, "to": m.to, "text": m.text}
                         for m in self.messages],
            "injects": list(self.injects), "can_control": self.can_control,
        }


def revealed(flow: Flow, rnd: int) -> bool:
    """Whether round ``rnd``'s orders and offers are public yet."""
    secret = (Phase.BRIEFING, Phase.NEGOTIATION, Phase.ORDERS)
    return rnd < flow.round or (rnd == flow.round and flow.phase not in secret)


def sees_offer(flow: Flow, seat: Seat, o: Offer) -> bool:
    if seat.is_facilitator:
        return True
    if seat.kind == "team" and seat.role in (o.proposer, o.counterparty):
        return True
    return revealed(flow, o.round)


def sees_message(seat: Seat, m: Message) -> bool:
    if seat.is_facilitator:
        return True
    return seat.kind == "team" and seat.role in (m.sender, m.to)


def may(seat: Seat, action: str, role: str | None = None) -> bool:
    """Whether ``seat`` may take ``action`` (for a team: on behalf of ``role``)."""
    if seat.is_facilitator:
        return action in FACILITATOR_ACTIONS or action in TEAM_ACTIONS
    if seat.kind == "team":
        return action in TEAM_ACTIONS and (role is None or role == seat.role)
    return False


def view(flow: Flow, seat: Seat) -> SeatView:
    """What ``seat`` may see of ``flow`` now."""
    pending = flow.pending_orders()
    if seat.is_facilitator or (flow.phase == Phase.REVEAL):
        orders = pending  # at the reveal the orders are shown to the room
    elif seat.kind == "team" and seat.role in pending:
        orders = {seat.role: pending[seat.role]}  # type: ignore[dict-item]
    else:
        orders = {}
    drafts = (dict(flow.drafts) if seat.is_facilitator
              else {seat.role: flow.drafts[seat.role]} if seat.kind == "team" and seat.role in flow.drafts else {})
    offers = tuple(OfferView.of(flow, o) for o in flow.table.offers if sees_offer(flow, seat, o))
    awaiting = tuple(o.id for o in flow.awaiting(seat.role)) if seat.kind == "team" and seat.role else ()
    messages = tuple(m for m in flow.table.messages if sees_message(seat, m))
    return SeatView(
        seat=seat, round=flow.round, rounds=flow.rules.scenario.rounds, phase=flow.phase,
        clock=flow.clock.text(), locked=flow.locked,
        controls={r: flow.control(r) for r in flow.roles}, submitted=tuple(flow.submitted()),
        orders=orders, drafts=drafts, offers=offers, awaiting=awaiting, messages=messages,
        injects=tuple(flow.pending_injects) if seat.is_facilitator else (),
        can_control=seat.is_facilitator,
    )
