"""The budget rule, in one place: what an order costs and what a role may still spend.

A role has the same budget every round (unspent points do not carry over). Out of it
come the upkeep of its policies in force (except those it revokes this round), the cost
of each move it plays (a policy's first round of upkeep included), and its side of every
deal that is *made*: the proposer's move cost and the counterparty's ``counterparty_cost``.
A deal offered and refused, withdrawn, left unanswered or walked away from costs nothing.

The engine (resolve), the bots, the round's flow and every screen that shows a budget
ask this module; none of them adds costs up on its own.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from wargame.engine.orders import Order
from wargame.engine.rules import Rules
from wargame.engine.state import State


def upkeep(rules: Rules, state: State, role: str, revoked: Collection[str] = ()) -> int:
    """Upkeep this round of ``role``'s policies in force, less those it revokes."""
    moves = rules.scenario.moves
    total = 0
    for p in state.policies:
        if p.role == role and p.move not in revoked:
            pol = moves[p.move].policy
            total += pol.upkeep if pol else 0
    return total


def order_cost(rules: Rules, order: Order) -> int:
    """What one order costs its role if it goes through (a deal only if it is made)."""
    m = rules.scenario.moves[order.move]
    if order.kind == "play":
        return m.cost + (m.policy.upkeep if m.policy else 0)
    if order.kind == "respond" and order.answer != "reject" and m.deal is not None:
        return m.deal.counterparty_cost
    return 0


def deal_made(order: Order, offered: dict[str, Order], answers: dict[str, str]) -> bool:
    """Whether the deal an order belongs to is made, given the round's offers and answers.

    ``offered`` maps deal move ids to the proposer's play order; ``answers`` maps them to
    the counterparty's answer. A counter (renegotiate) makes the deal on the renegotiated
    terms unless the proposer walks away.
    """
    play = offered.get(order.move)
    answer = answers.get(order.move)
    if play is None or answer is None:
        return False
    return answer == "accept" or (answer == "renegotiate" and not play.walk_away)


def deals_of(rules: Rules, orders: Iterable[Order]) -> tuple[dict[str, Order], dict[str, str]]:
    """The deal offers and answers among ``orders`` (as :func:`deal_made` reads them)."""
    moves = rules.scenario.moves
    offered: dict[str, Order] = {}
    answers: dict[str, str] = {}
    for o in orders:
        m = moves.get(o.move)
        if m is None or m.deal is None:
            continue
        if o.kind == "play":
            offered[o.move] = o
        elif o.kind == "respond" and o.answer is not None:
            answers[o.move] = o.answer
    return offered, answers


def cost(rules: Rules, orders: Iterable[Order], offered: dict[str, Order], answers: dict[str, str]) -> int:
    """What a role's orders cost it: moves, and its side of the deals that are made."""
    total = 0
    for o in orders:
        m = rules.scenario.moves[o.move]
        if m.deal is not None and o.kind in ("play", "respond") and not deal_made(o, offered, answers):
            continue
        total += order_cost(rules, o)
    return total


def left(rules: Rules, state: State, role: str, orders: Iterable[Order] = (),
         committed: Iterable[Order] = ()) -> int:
    """Points ``role`` has left this round after upkeep, ``committed`` orders (deals already
    made, every one of which it pays for) and ``orders`` (costed as if they go through)."""
    orders = list(orders)
    revoked = {o.move for o in orders if o.kind == "revoke"}
    spent = sum(order_cost(rules, o) for o in (*committed, *orders))
    return rules.scenario.roles[role].budget - upkeep(rules, state, role, revoked) - spent
