"""The bots of commit b77351f, verbatim (only this line and the docstring's first line differ),
kept to compare the current bots against (bench_bots.py). Baseline bots: look ahead with the engine itself, against the role's own objectives.

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
"""

from __future__ import annotations

import random

from wargame.engine.orders import Order
from wargame.engine.resolve import Ctx, advance, check_order, round_rng, start_ctx
from wargame.engine.rules import Rules
from wargame.engine.scoring import utility
from wargame.engine.state import State

HORIZON = 3
NOISE = 0.25
EXPLORE = 0.08


def _ctx(rules: Rules, state: State) -> Ctx:
    # The same context the engine checks preconditions with (acting() included),
    # so a bot's "legal" is the engine's "legal".
    return start_ctx(rules, state)


def legal_plays(rules: Rules, state: State, role: str) -> list[Order]:
    """Every single move the role could order now, each target separately."""
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
    st = state
    last = rules.scenario.rounds
    for h in range(horizon):
        if st.round >= last:
            break
        st = advance(rules, st, orders if h == 0 else (), round_rng(seed, st.round + 1))
    return utility(rules, st.values, role)


def _cost(rules: Rules, o: Order) -> int:
    m = rules.scenario.moves[o.move]
    return m.cost + (m.policy.upkeep if m.policy else 0)


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


def choose_orders(rules: Rules, state: State, role: str, rng: random.Random, horizon: int = HORIZON) -> list[Order]:
    """A legal set of orders for ``role`` this round, within budget."""
    s = rules.scenario
    lookahead_seed = rng.randrange(1 << 30)
    upkeep = sum(s.moves[p.move].policy.upkeep for p in state.policies if p.role == role)  # type: ignore[union-attr]
    budget = s.roles[role].budget - upkeep
    orders: list[Order] = []

    # Standing answers to deals that may be offered: assume the proposer offers it.
    for mid in offered_deals(rules, role):
        m = s.moves[mid]
        offer = [o for o in legal_plays(rules, state, m.role) if o.move == mid]
        if not offer:
            continue
        best = best_answer(rules, state, role, offer[0], lookahead_seed, horizon)
        cost = m.deal.counterparty_cost if (m.deal and best != "reject") else 0
        if best != "reject" and cost <= budget:
            orders.append(Order(role, mid, "respond", answer=best))
            budget -= cost

    base = _value(rules, state, role, list(orders), lookahead_seed, horizon)
    scored: list[tuple[float, Order]] = []
    for o in legal_plays(rules, state, role):
        cost = _cost(rules, o)
        if cost > budget:
            continue
        trial = [*orders, o]
        m = s.moves[o.move]
        if m.deal:
            # Offer a deal only if the counterparty, judging by its own objectives,
            # would take it; otherwise the points are wasted on a refusal.
            answer = best_answer(rules, state, m.deal.counterparty, o, lookahead_seed, horizon)
            if answer == "reject":
                continue
            trial.append(Order(m.deal.counterparty, o.move, "respond", answer=answer))
        gain = _value(rules, state, role, trial, lookahead_seed, horizon) - base
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
