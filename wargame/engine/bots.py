"""Baseline bots: look ahead with the engine itself, against the role's own objectives.

A bot lists its legal orders (each move and target it can afford and whose
precondition holds), plays each one forward a few rounds with the engine, and
keeps those that raise its own score the most per point spent, until the
budget is used. Deal answers are chosen the same way: for each deal that could
be offered to it, the bot compares accepting, refusing and renegotiating, and it offers a deal only when
the counterparty, judged by its own objectives, would take it.

Bots are deterministic given their random stream, which only adds a small
"temperament" to the estimates so that games against bots differ by seed.
Look-ahead games use a fixed stream too (common random numbers), so candidate
moves are compared under the same luck.

Look-ahead is shared. The luck of the look-ahead games is a function of the
position (the state), not of the role deciding, so all roles deciding in one
round look ahead under the same luck and the games they play are the same games:
the "no orders" game every role compares against, and each deal offered with each
answer, which both the proposer (will they take it?) and the counterparty (shall
we?) play. A game's end values are kept per position, keyed by the orders that can
change the outcome (an answer to a deal nobody offers, or a refusal, changes
nothing), and played once. A bot decision plays about a third of the look-ahead
rounds it used to for the same choice rule (tests/benchmarks/bench_bots.py).
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections.abc import Sequence

from wargame.engine import budget as _budget
from wargame.engine.orders import Order
from wargame.engine.resolve import Ctx, advance, check_order, round_rng, start_ctx
from wargame.engine.rules import Rules
from wargame.engine.scoring import utility
from wargame.engine.state import State

HORIZON = 3
NOISE = 0.25
EXPLORE = 0.08


class _Shared:
    """Per recent position (state and rules, a few at a time): the end values of the
    look-ahead games played from it, and each role's legal plays there."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.positions: dict[tuple[int, int], tuple[Rules, State, dict[object, object]]] = {}

    def table(self, rules: Rules, state: State) -> dict[object, object]:
        key = (id(rules), id(state))
        hit = self.positions.get(key)
        if hit is not None and hit[0] is rules and hit[1] is state:
            return hit[2]
        with self.lock:
            if len(self.positions) >= 16:
                self.positions.clear()
            table: dict[object, object] = {}
            # The objects are kept with their table, so their ids are not reused while it lives.
            self.positions[key] = (rules, state, table)
        return table


_SHARED = _Shared()


def lookahead_seed(state: State) -> int:
    """The luck of look-ahead games from a position: the same for every role deciding there."""
    blob = b"wargame-lookahead:%d:" % state.round + ",".join(map(str, state.values)).encode()
    return int.from_bytes(hashlib.blake2b(blob, digest_size=4).digest(), "big") >> 2


def _key(orders: list[Order]) -> frozenset[Order]:
    """The orders that can change a look-ahead game's outcome: answers to deals nobody
    in the set offers, and refusals, change nothing (a refused deal is not made)."""
    offered = {o.move for o in orders if o.kind == "play"}
    return frozenset(o for o in orders if o.kind != "respond" or (o.move in offered and o.answer != "reject"))


def _end(rules: Rules, state: State, orders: list[Order], seed: int, horizon: int) -> tuple[int, ...]:
    """The values at the end of a look-ahead game: these orders now, then none."""
    table = _SHARED.table(rules, state)
    key = (_key(orders), seed, horizon)
    end = table.get(key)
    if end is None:
        st = state
        last = rules.scenario.rounds
        for h in range(horizon):
            if st.round >= last:
                break
            st = advance(rules, st, orders if h == 0 else (), round_rng(seed, st.round + 1))
        end = table[key] = st.values
    return end  # type: ignore[return-value]


def _ctx(rules: Rules, state: State) -> Ctx:
    # The same context the engine checks preconditions with (acting() included),
    # so a bot's "legal" is the engine's "legal".
    return start_ctx(rules, state)


def legal_plays(rules: Rules, state: State, role: str) -> list[Order]:
    """Every single move the role could order now, each target separately."""
    table = _SHARED.table(rules, state)
    hit = table.get(("legal", role))
    if hit is None:
        hit = table[("legal", role)] = tuple(_legal_plays(rules, state, role))
    return list(hit)  # type: ignore[arg-type]


def _legal_plays(rules: Rules, state: State, role: str) -> list[Order]:
    s = rules.scenario
    ctx = _ctx(rules, state)
    out: list[Order] = []
    for mid, m in s.moves.items():
        if m.role != role:
            continue
        for target in (m.targets or [None]):
            o = Order(role, mid, "play", target)
            if not check_order(rules, state, o, ctx):
                out.append(o)
    return out


def offered_deals(rules: Rules, role: str) -> list[str]:
    return [mid for mid, m in rules.scenario.moves.items() if m.deal and m.deal.counterparty == role]


def _value(rules: Rules, state: State, role: str, orders: list[Order], seed: int, horizon: int) -> float:
    return utility(rules, _end(rules, state, orders, seed, horizon), role)


def _cost(rules: Rules, o: Order) -> int:
    return _budget.order_cost(rules, o)


def best_answer(rules: Rules, state: State, role: str, offer: Order, seed: int, horizon: int = HORIZON) -> str:
    """The answer to a deal offer that serves ``role``'s own objectives best."""
    m = rules.scenario.moves[offer.move]
    answers = ["accept", "reject"] + (["renegotiate"] if m.deal and m.deal.renegotiated else [])
    best, best_v = "reject", None
    for a in answers:
        v = _value(rules, state, role, [offer, Order(role, offer.move, "respond", answer=a)], seed, horizon)
        if best_v is None or v > best_v + 1e-9:
            best, best_v = a, v
    return best


def answer_counter(rules: Rules, state: State, role: str, offer: Order, seed: int, horizon: int = HORIZON) -> bool:
    """Whether ``role``, having offered a deal, takes the counterparty's renegotiated terms
    (True) or walks away (False), judged by its own objectives."""
    m = rules.scenario.moves[offer.move]
    assert m.deal is not None
    counter = Order(m.deal.counterparty, offer.move, "respond", answer="renegotiate")
    take = _value(rules, state, role, [offer, counter], seed, horizon)
    leave = _value(rules, state, role, [], seed, horizon)
    return take > leave + 1e-9


def choose_offers(rules: Rules, state: State, role: str, rng: random.Random, horizon: int = HORIZON,
                  committed: Sequence[Order] = ()) -> list[Order]:
    """The deals ``role`` puts on the table: those that raise its own score and that the
    counterparty, judged by its own objectives, would not refuse; within budget."""
    s = rules.scenario
    seed = lookahead_seed(state)
    budget = _budget.left(rules, state, role, committed=committed)
    base = _value(rules, state, role, list(committed), seed, horizon)
    out: list[Order] = []
    for o in legal_plays(rules, state, role):
        m = s.moves[o.move]
        if m.deal is None or any(c.move == o.move for c in committed) or _cost(rules, o) > budget:
            continue
        answer = best_answer(rules, state, m.deal.counterparty, o, seed, horizon)
        if answer == "reject" or (answer == "renegotiate"
                                  and not answer_counter(rules, state, role, o, seed, horizon)):
            continue  # refused, or countered with terms it would walk away from
        trial = [*committed, o, Order(m.deal.counterparty, o.move, "respond", answer=answer)]
        if _value(rules, state, role, trial, seed, horizon) > base + 1e-9:
            out.append(o)
            budget -= _cost(rules, o)
    return out


def choose_orders(rules: Rules, state: State, role: str, rng: random.Random, horizon: int = HORIZON,
                  committed: Sequence[Order] = (), deals: bool = True) -> list[Order]:
    """A legal set of orders for ``role`` this round, within budget.

    ``committed`` are orders already settled (deals made at the negotiation table): their
    cost comes off the budget and the look-ahead assumes them; they are not returned.
    With ``deals=False`` the bot neither offers deals nor gives standing answers (the
    round's negotiation has settled them).
    """
    s = rules.scenario
    seed = lookahead_seed(state)
    budget = _budget.left(rules, state, role, committed=committed)
    orders: list[Order] = []

    # Standing answers to deals that may be offered: assume the proposer offers it.
    for mid in (offered_deals(rules, role) if deals else ()):
        m = s.moves[mid]
        offer = [o for o in legal_plays(rules, state, m.role) if o.move == mid]
        if not offer:
            continue
        best = best_answer(rules, state, role, offer[0], seed, horizon)
        cost = m.deal.counterparty_cost if (m.deal and best != "reject") else 0
        if best != "reject" and cost <= budget:
            orders.append(Order(role, mid, "respond", answer=best))
            budget -= cost

    base = _value(rules, state, role, [*committed, *orders], seed, horizon)
    scored: list[tuple[float, Order]] = []
    taken = {c.move for c in committed}
    for o in legal_plays(rules, state, role):
        cost = _cost(rules, o)
        if cost > budget or o.move in taken:
            continue
        trial = [*committed, *orders, o]
        m = s.moves[o.move]
        if m.deal and not deals:
            continue
        if m.deal:
            # Offer a deal only if the counterparty, judging by its own objectives,
            # would take it; otherwise the points are wasted on a refusal.
            answer = best_answer(rules, state, m.deal.counterparty, o, seed, horizon)
            if answer == "reject":
                continue
            trial.append(Order(m.deal.counterparty, o.move, "respond", answer=answer))
        gain = _value(rules, state, role, trial, seed, horizon) - base
        gain *= 1.0 + rng.uniform(-NOISE, NOISE)
        scored.append((gain / max(cost, 1), o))
    scored.sort(key=lambda t: (-t[0], t[1]))
    if scored and rng.random() < EXPLORE:
        # Now and then try something else, so bots do not all play alike.
        i = rng.randrange(len(scored))
        scored.insert(0, (max(scored[i][0], 1e-9), scored.pop(i)[1]))
    chosen_moves: set[str] = set()
    for gain, o in scored:
        if gain <= 0:
            break
        cost = _cost(rules, o)
        if cost <= budget and o.move not in chosen_moves:
            orders.append(o)
            chosen_moves.add(o.move)
            budget -= cost
    return orders
