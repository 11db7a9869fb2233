"""Game state and the trace of a round: plain, immutable data.

The records a round makes many of (contributions, order results, pending
effects, policies in force) are named tuples, not frozen dataclasses: a frozen
dataclass costs about 1.7 us to build (each field goes through
``object.__setattr__``), a named tuple about 0.2 us, and a round of the
tech-contest scenario builds about a hundred of them. They compare, hash and
sort field by field, as the dataclasses did.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from wargame.engine.orders import Order
from wargame.fixed import to_fixed, to_float

if TYPE_CHECKING:
    from wargame.engine.rules import Rules
    from wargame.scenario.model import Basis


class PolicyInForce(NamedTuple):
    move: str
    role: str
    target: str | None
    since: int


class Pending(NamedTuple):
    """An effect scheduled for rounds ``first``..``last``."""

    first: int
    last: int
    kind: str  # move | deal | event
    source: str  # move or event id
    variant: str  # effects | renegotiated | event
    index: int  # position in that effect list
    role: str | None
    target: str | None


@dataclass(frozen=True, slots=True)
class State:
    round: int  # rounds resolved so far (0 before the first)
    values: tuple[int, ...]  # fixed-point, by indicator position
    policies: tuple[PolicyInForce, ...] = ()
    pending: tuple[Pending, ...] = ()
    used: frozenset[str] = frozenset()  # 'once' moves already played
    fired: frozenset[str] = frozenset()  # 'once' events already fired

    def value(self, rules: Rules, indicator: str) -> float:
        return to_float(self.values[rules.index[indicator]])

    def active(self, move: str) -> bool:
        return any(p.move == move for p in self.policies)

    def to_json(self) -> dict[str, Any]:
        return {
            "round": self.round,
            "values": list(self.values),
            "policies": [[p.move, p.role, p.target, p.since] for p in self.policies],
            "pending": [[p.first, p.last, p.kind, p.source, p.variant, p.index, p.role, p.target] for p in self.pending],
            "used": sorted(self.used),
            "fired": sorted(self.fired),
        }

    def digest(self) -> str:
        """SHA-256 of the canonical state: what saves check on replay."""
        blob = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()


_SET_FIELDS = tuple(State.__dict__[name].__set__ for name in ("round", "values", "policies", "pending", "used", "fired"))


def make_state(round: int, values: tuple[int, ...], policies: tuple[PolicyInForce, ...], pending: tuple[Pending, ...],
               used: frozenset[str], fired: frozenset[str], _new: Any = object.__new__, _set: tuple = _SET_FIELDS) -> State:
    """``State(round, values, policies, pending, used, fired)``, every field given, built
    through its slots: a frozen dataclass's __init__ sets each field by name through
    object.__setattr__ (~1.5 us a state); the slots' own setters take ~0.5 us. The engine
    makes one state a round."""
    s = _new(State)
    sr, sv, sp, spe, su, sf = _set
    sr(s, round)
    sv(s, values)
    sp(s, policies)
    spe(s, pending)
    su(s, used)
    sf(s, fired)
    return s


def initial_state(rules: Rules, setup: dict[str, float] | None = None) -> State:
    values = list(rules.start)
    for ind, v in (setup or {}).items():
        i = rules.index[ind]
        values[i] = min(max(to_fixed(v), rules.lo[i]), rules.hi[i])
    return State(0, tuple(values))


class Contribution(NamedTuple):
    """One cause of one indicator's change in one round."""

    indicator: str
    amount: int  # fixed-point
    kind: str  # move | policy | deal | event | rule | clamp | override
    source: str  # move, event or rule id ('' for clamp)
    role: str | None
    roll: float | None
    cites: tuple[str, ...]
    rationale: str
    basis: Basis | None = None  # what the magnitude stands on (figure, outcome or assumption)

    @property
    def value(self) -> float:
        return to_float(self.amount)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"indicator": self.indicator, "amount": self.amount, "kind": self.kind, "source": self.source}
        if self.role:
            out["role"] = self.role
        if self.roll is not None:
            out["roll"] = round(self.roll, 6)
        if self.cites:
            out["cites"] = list(self.cites)
        out["rationale"] = self.rationale
        if self.basis is not None:
            out["basis"] = self.basis.model_dump(mode="json", exclude_none=True)
        return out


class OrderResult(NamedTuple):
    order: Order
    accepted: bool
    reason: str = ""


class DealResult(NamedTuple):
    move: str
    proposer: str
    counterparty: str
    answer: str  # accept | reject | renegotiate | none
    outcome: str  # made | renegotiated | refused | walked-away | unanswered
    target: str | None = None


class FiredEvent(NamedTuple):
    event: str
    how: str  # scheduled | trigger | chance | inject
    roll: float | None = None


class RoundTrace:
    """What happened in one round, and why: the orders with their reasons, the deals, the
    events, every contribution to every indicator's change, spending, quadrants and scores.

    The engine builds a trace from a compact record of the round (which effects and rules
    changed what, by how much) and makes the ``Contribution`` records, the quadrants and
    the scores only when they are first read: a round has a hundred and more
    contributions, and a bot or a batch run that never reads them should not pay for
    them. Built either way, a trace reads, compares and pickles the same. Treat it as
    immutable.
    """

    __slots__ = ("round", "orders", "deals", "events", "before", "after", "spent", "enacted", "revoked",
                 "_contributions", "_quadrants", "_scores", "_record", "_by_indicator")

    def __init__(self, round: int, orders: tuple[OrderResult, ...], deals: tuple[DealResult, ...],
                 events: tuple[FiredEvent, ...], contributions: tuple[Contribution, ...] | None,
                 before: tuple[int, ...], after: tuple[int, ...], spent: dict[str, int],
                 quadrants: dict[str, str] | None, scores: dict[str, float] | None,
                 enacted: tuple[PolicyInForce, ...] = (), revoked: tuple[PolicyInForce, ...] = (),
                 record: Any = None) -> None:
        self.round, self.orders, self.deals, self.events = round, orders, deals, events
        self.before, self.after, self.spent, self.enacted, self.revoked = before, after, spent, enacted, revoked
        self._contributions, self._quadrants, self._scores = contributions, quadrants, scores
        # ``record`` (from the engine) has ``contributions()``, ``quadrants()`` and ``scores()``
        # for whichever of the three was passed as None.
        self._record = record
        self._by_indicator: dict[str, list[Contribution]] = {}

    @property
    def contributions(self) -> tuple[Contribution, ...]:
        c = self._contributions
        if c is None:
            c = self._contributions = self._record.contributions()
        return c

    @property
    def quadrants(self) -> dict[str, str]:
        q = self._quadrants
        if q is None:
            q = self._quadrants = self._record.quadrants()
        return q

    @property
    def scores(self) -> dict[str, float]:
        sc = self._scores
        if sc is None:
            sc = self._scores = self._record.scores()
        return sc

    def touched(self) -> set[str]:
        """The indicators with at least one contribution: ``{c.indicator for c in
        contributions}``, without building the contributions if they are not built yet."""
        if self._contributions is None and hasattr(self._record, "touched"):
            return self._record.touched()
        return {c.indicator for c in self.contributions}

    def _fields(self) -> tuple[Any, ...]:
        return (self.round, self.orders, self.deals, self.events, self.contributions, self.before, self.after,
                self.spent, self.quadrants, self.scores, self.enacted, self.revoked)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]  # holds dicts, as the dataclass it replaced did

    def __repr__(self) -> str:
        names = ("round", "orders", "deals", "events", "contributions", "before", "after", "spent", "quadrants",
                 "scores", "enacted", "revoked")
        return "RoundTrace(" + ", ".join(f"{n}={v!r}" for n, v in zip(names, self._fields())) + ")"

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled (or copied) whole, without the engine's record (which holds the Rules).
        return (RoundTrace, self._fields())

    def why(self, indicator: str) -> list[Contribution]:
        """Every contribution to one indicator's change; they sum exactly to it."""
        if not self._by_indicator:
            for c in self.contributions:
                self._by_indicator.setdefault(c.indicator, []).append(c)
        return self._by_indicator.get(indicator, [])

    def change(self, rules: Rules, indicator: str) -> float:
        i = rules.index[indicator]
        return to_float(self.after[i] - self.before[i])

    def to_json(self, rules: Rules) -> dict[str, Any]:
        return {
            "round": self.round,
            "orders": [{"role": r.order.role, "order": r.order.to_json(), "accepted": r.accepted,
                        **({"reason": r.reason} if r.reason else {})} for r in self.orders],
            "deals": [{"move": d.move, "proposer": d.proposer, "counterparty": d.counterparty,
                       "answer": d.answer, "outcome": d.outcome} for d in self.deals],
            "events": [{"event": e.event, "how": e.how} for e in self.events],
            "contributions": [c.to_json() for c in self.contributions],
            "spent": self.spent,
            "quadrants": self.quadrants,
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
        }
