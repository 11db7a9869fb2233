"""The negotiation table: deal offers, answers, counters, and messages between teams.

An offer is a deal move put on the table by its proposer, addressed to the deal's
counterparty. Its life::

    open --accept--> made                      (the deal as offered)
    open --reject--> refused
    open --counter-> countered --accept--> renegotiated   (made, on the counter's terms)
                               --walk-away-> walked-away
    open --withdraw--> withdrawn               (by the proposer)
    at the close of negotiation: open -> unanswered, countered -> countered (not taken)

Only ``made`` and ``renegotiated`` deals take effect, at resolution, and only they cost
either side anything (:mod:`wargame.engine.budget`). This module is bookkeeping with
its rules checked; who may see what is decided in :mod:`wargame.play.view`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from wargame.engine.orders import Order
from wargame.scenario.model import Effect, Scenario


class Status(StrEnum):
    OPEN = "open"
    COUNTERED = "countered"
    MADE = "made"
    RENEGOTIATED = "renegotiated"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    WALKED_AWAY = "walked-away"
    UNANSWERED = "unanswered"

    @property
    def live(self) -> bool:
        """Still waiting for someone at the table."""
        return self in (Status.OPEN, Status.COUNTERED)

    @property
    def made(self) -> bool:
        return self in (Status.MADE, Status.RENEGOTIATED)

    @property
    def words(self) -> str:
        """How the outcome reads to the room."""
        return _WORDS[self]


_WORDS = {
    Status.OPEN: "on the table",
    Status.COUNTERED: "countered",
    Status.MADE: "deal made",
    Status.RENEGOTIATED: "deal made on the counter-offer's terms",
    Status.REFUSED: "refused",
    Status.WITHDRAWN: "withdrawn",
    Status.WALKED_AWAY: "countered; the proposer walked away",
    Status.UNANSWERED: "unanswered",
}

Answer = Literal["accept", "reject", "counter"]
Reply = Literal["accept", "walk-away"]


class NegotiationError(ValueError):
    """An action the table's rules do not allow (the message says why, for a player)."""


@dataclass(frozen=True, slots=True)
class EffectTerm:
    indicator: str
    change: float
    relative: bool
    delay: int
    duration: int

    def text(self) -> str:
        amount = f"{self.change * 100:+g}%" if self.relative else f"{self.change:+g}"
        when = "" if self.delay == 0 else f" after {self.delay} round{'s' if self.delay > 1 else ''}"
        length = "" if self.duration == 1 else f" for {self.duration} rounds"
        return f"{self.indicator} {amount}{when}{length}"


@dataclass(frozen=True, slots=True)
class Terms:
    """What a deal gives and costs each side: shown to the counterparty before it answers."""

    move: str
    name: str
    summary: str
    proposer: str
    counterparty: str
    proposer_cost: int
    counterparty_cost: int
    effects: tuple[EffectTerm, ...]
    counter: tuple[EffectTerm, ...]  # the renegotiated terms; empty if the deal has none

    @property
    def can_counter(self) -> bool:
        return bool(self.counter)


def _terms(effects: list[Effect] | None) -> tuple[EffectTerm, ...]:
    return tuple(EffectTerm(e.indicator, e.change, e.relative, e.delay, e.duration) for e in (effects or ()))


def terms_of(s: Scenario, move: str) -> Terms:
    m = s.moves[move]
    if m.deal is None:
        raise NegotiationError(f"{m.name} is not a deal")
    return Terms(move, m.name, m.summary, m.role, m.deal.counterparty, m.cost, m.deal.counterparty_cost,
                 _terms(m.effects), _terms(m.deal.renegotiated))


# The counterparty's answer as the engine reads it, by the offer's status (none: never answered).
_ANSWER_ORDER = {Status.MADE: "accept", Status.REFUSED: "reject", Status.RENEGOTIATED: "renegotiate",
                 Status.WALKED_AWAY: "renegotiate", Status.COUNTERED: "renegotiate"}


@dataclass(slots=True)
class Offer:
    id: str  # "r<round>-<n>", unique in a game
    round: int
    move: str
    proposer: str
    counterparty: str
    target: str | None
    status: Status = Status.OPEN
    closed: bool = False  # negotiation is over for this round
    history: list[tuple[str, str]] = field(default_factory=list)  # (who, what), in order

    def play_order(self) -> Order:
        """The proposer's order that carries this offer into resolution."""
        walk = self.status in (Status.WALKED_AWAY, Status.COUNTERED)
        return Order(self.proposer, self.move, "play", self.target, walk_away=walk)

    def offered_order(self) -> Order:
        """The proposer's play as offered, whatever has happened to it since: what a proposer
        weighs when it decides whether to take the counterparty's terms (play_order of a
        countered offer walks away, which would make taking and leaving the same game)."""
        return Order(self.proposer, self.move, "play", self.target)

    def answer_order(self) -> Order | None:
        """The counterparty's answer as an engine order (None if it never answered)."""
        answer = _ANSWER_ORDER.get(self.status)
        return None if answer is None else Order(self.counterparty, self.move, "respond", answer=answer)  # type: ignore[arg-type]

    def orders(self) -> tuple[Order, ...]:
        """What reaches the engine. A withdrawn offer never does: it was taken off the table."""
        if self.status == Status.WITHDRAWN:
            return ()
        ans = self.answer_order()
        return (self.play_order(),) if ans is None else (self.play_order(), ans)


@dataclass(frozen=True, slots=True)
class Message:
    id: str
    round: int
    sender: str  # a role id, or "facilitator"
    to: str  # a role id, or "facilitator"
    text: str


class Table:
    """Every offer and message of a game, by round; the rules of the table enforced."""

    def __init__(self) -> None:
        self.offers: list[Offer] = []
        self.messages: list[Message] = []
        # The same offers by id and by round: every action looks an offer up, and a round's
        # offers are asked for a dozen times per offer made (a game's list only grows).
        self._by_id: dict[str, Offer] = {}
        self._by_round: dict[int, list[Offer]] = {}

    def by_id(self, offer_id: str) -> Offer:
        o = self._by_id.get(offer_id)
        if o is None:
            raise NegotiationError(f"no offer {offer_id!r} on the table")
        return o

    def of_round(self, rnd: int) -> list[Offer]:
        return list(self._by_round.get(rnd, ()))

    def live(self, rnd: int) -> list[Offer]:
        return [o for o in self.of_round(rnd) if o.status.live and not o.closed]

    def made(self, rnd: int, role: str | None = None) -> list[Offer]:
        return [o for o in self.of_round(rnd) if o.status.made and role in (None, o.proposer, o.counterparty)]

    def committed_orders(self, rnd: int, role: str) -> list[Order]:
        """The orders ``role`` carries into resolution from this round's table."""
        out: list[Order] = []
        for o in self.of_round(rnd):
            # o.orders() kept to ``role``'s, without making the other party's order (every
            # submission asks this of every offer of the round).
            if role in (o.proposer, o.counterparty) and o.status != Status.WITHDRAWN:
                out.extend(x for x in o.orders() if x.role == role)
        return out

    # --- actions (the flow checks phase, seat and budget before calling these) ---------------

    def propose(self, s: Scenario, rnd: int, role: str, move: str, target: str | None) -> Offer:
        m = s.moves.get(move)
        if m is None or m.deal is None:
            raise NegotiationError(f"{move!r} is not a deal")
        if m.role != role:
            raise NegotiationError(f"{m.name} is a move of {s.roles[m.role].name}, not of {s.roles[role].name}")
        for o in self.of_round(rnd):
            if o.move == move and o.status != Status.WITHDRAWN:
                raise NegotiationError(f"{m.name} is already on the table this round ({o.status.words})")
        same_round = self._by_round.setdefault(rnd, [])
        offer = Offer(f"r{rnd}-{len(same_round) + 1}", rnd, move, role, m.deal.counterparty, target)
        offer.history.append((role, "offer"))
        self.offers.append(offer)
        same_round.append(offer)
        self._by_id.setdefault(offer.id, offer)  # the first of an id, as a scan of the list found it
        return offer

    def _acting_on(self, offer_id: str, role: str, party: Literal["proposer", "counterparty"], status: Status, not_party: str,
                   wrong_status: str) -> Offer:
        """The offer ``role`` may act on now: its round still open, ``role`` its ``party``
        (proposer or counterparty), and in ``status``; otherwise the reason, for the room."""
        o = self.by_id(offer_id)
        if o.closed:
            raise NegotiationError("negotiation is over for this offer's round")
        if role != (o.proposer if party == "proposer" else o.counterparty):
            raise NegotiationError(not_party)
        if o.status != status:
            raise NegotiationError(wrong_status.format(status=o.status.words))
        return o

    def answer(self, s: Scenario, offer_id: str, role: str, answer: Answer) -> Offer:
        o = self._acting_on(offer_id, role, "counterparty", Status.OPEN,
                            "only the team an offer is addressed to can answer it",
                            "this offer is {status}: there is nothing to answer")
        if answer == "accept":
            o.status = Status.MADE
        elif answer == "reject":
            o.status = Status.REFUSED
        elif answer == "counter":
            deal = s.moves[o.move].deal
            if deal is None or not deal.renegotiated:
                raise NegotiationError(f"{s.moves[o.move].name} has no other terms to counter with")
            o.status = Status.COUNTERED
        else:
            raise NegotiationError(f"an answer is accept, reject or counter, not {answer!r}")
        o.history.append((role, answer))
        return o

    def reply(self, offer_id: str, role: str, reply: Reply) -> Offer:
        o = self._acting_on(offer_id, role, "proposer", Status.COUNTERED,
                            "only the team that made the offer can answer its counter-offer",
                            "this offer is {status}, not countered")
        if reply == "accept":
            o.status = Status.RENEGOTIATED
        elif reply == "walk-away":
            o.status = Status.WALKED_AWAY
        else:
            raise NegotiationError(f"a reply to a counter-offer is accept or walk-away, not {reply!r}")
        o.history.append((role, reply))
        return o

    def withdraw(self, offer_id: str, role: str) -> Offer:
        o = self._acting_on(offer_id, role, "proposer", Status.OPEN,
                            "only the team that made an offer can withdraw it",
                            "this offer is {status}: it can no longer be withdrawn")
        o.status = Status.WITHDRAWN
        o.history.append((role, "withdraw"))
        return o

    def close(self, rnd: int) -> list[Offer]:
        """Negotiation is over: offers still open are unanswered; a counter not taken stays
        'countered' (no deal). Returns the offers closed."""
        closed = []
        for o in self.live(rnd):
            if o.status == Status.OPEN:
                o.status = Status.UNANSWERED
            o.closed = True
            o.history.append(("table", "closed"))
            closed.append(o)
        return closed

    def send(self, rnd: int, sender: str, to: str, text: str) -> Message:
        if sender == to:
            raise NegotiationError("a message goes to another team")
        if not text.strip():
            raise NegotiationError("an empty message")
        msg = Message(f"m{len(self.messages) + 1}", rnd, sender, to, text.strip())
        self.messages.append(msg)
        return msg
