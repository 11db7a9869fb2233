"""Resolve one round: a pure function of (rules, state, orders, rng) -> (state, trace).

The resolution sequence, in order:

1. **Orders checked.** Each order is checked against the state at the start of
   the round: the move exists and is the role's own, its target is valid, its
   precondition holds, a once-only move is unused, a policy is not already in
   force, a revoke names a policy in force, and no order is repeated. Then the
   role's budget (:mod:`wargame.engine.budget`): costs of its orders, its side of
   each deal that is made, plus the upkeep of its policies in force, must fit; a
   deal refused, unanswered or walked away from costs neither side anything. Over budget rejects
   all of that role's moves and answers (revokes still stand), so nothing is
   half-applied. Every rejection carries a reason a player can read.
2. **Deals settled.** A deal is made when its counterparty's answer in the same
   round is ``accept``; ``renegotiate`` gives the deal's renegotiated terms
   unless the proposer said ``walk_away``; anything else means no deal.
3. **Policies enacted and revoked**; once-only moves marked used.
4. **Events fired**: injects by the facilitator, then the scenario's scheduled,
   triggered and chance events, in the scenario's order. Triggers read the
   start-of-round values and this round's orders and policies, so an event a
   move provokes (a denial order that cripples a champion) lands in the same round.
5. **Effects applied.** Every effect due this round (new moves and deals with no
   delay, delayed effects coming due, ongoing effects of every policy in force,
   fired events) is evaluated against the *start-of-round* values, so the
   result cannot depend on the order in which roles or orders are listed.
   Conditions (``when``) and multipliers (``scale``, e.g. coalition size via
   ``acting("tag")``) see this round's orders and policies. Spreads are drawn
   from the round's random stream in a fixed canonical order.
6. **Dynamics.** Every rule is evaluated on the values after step 5, all on the
   same snapshot, and their changes applied together.
7. **Clamping.** Values outside their bounds are clamped; the clamp is a
   contribution in the trace.
8. **Scoring.** Each sector's quadrant from its two axes; each role's score
   from its objectives.

Values are fixed-point integers, so the contributions to an indicator sum
exactly to its change. A change that a formula makes infinite or NaN is no
change, as a division by zero in a formula is 0: a zero beats a crash.

:func:`advance` gives the same new state as :func:`resolve` without building
the trace; bots look ahead with it.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterable, Sequence
from itertools import groupby
from operator import attrgetter
from typing import Protocol

from wargame.engine import budget as _budget
from wargame.engine.orders import Order
from wargame.fixed import to_fixed
from wargame.engine.rules import SCALE, MoveInfo, PolicySet, Rules
from wargame.engine.scoring import quadrants, scores
from wargame.engine.state import (
    Contribution,
    DealResult,
    FiredEvent,
    OrderResult,
    Pending,
    PolicyInForce,
    RoundTrace,
    State,
    make_state,
)

_KIND_RANK = {"play": 0, "respond": 1, "revoke": 2}
# Named-tuple records made with every field given, without the generated __new__'s Python call.
_new = tuple.__new__
_EMPTY: frozenset[str] = frozenset()


class Ctx:
    """What formulas read: values as floats, plus the round's orders and policies."""

    __slots__ = ("values", "starts", "prevs", "round", "_active", "_played", "_tags")

    def __init__(self, values: list[float], starts: Sequence[float], prevs: list[float], rnd: int,
                 active: set[str], played: set[str], tags: dict[str, int]) -> None:
        self.values, self.starts, self.prevs, self.round = values, starts, prevs, rnd
        self._active, self._played, self._tags = active, played, tags

    def active(self, move_id: str) -> bool:
        return move_id in self._active

    def played(self, move_id: str) -> bool:
        return move_id in self._played

    def acting(self, tag: str) -> int:
        return self._tags.get(tag, 0)


def start_ctx(rules: Rules, state: State) -> Ctx:
    """What preconditions read: the state at the start of the next round, before any orders."""
    vals = rules.floats(state.values)
    ps = rules.policy_set(state.policies)
    return Ctx(vals, rules.start_floats, vals, state.round + 1, ps.active, _EMPTY, ps.tags)


class RoundStream:
    """The random stream of one round: the numbers ``random.Random(f"wargame:{seed}:{rnd}")``
    gives, in order.

    Seeding a Random from a string (SHA-512, then the Mersenne Twister's key schedule)
    costs about 10 us, as much as a tenth of a look-ahead round, and a bot looks ahead
    through the same rounds with the same seed dozens of times per decision. So each
    (seed, round) is seeded once; its draws are kept and replayed by every later stream
    of that round, and the source is drawn from only past the end of what is kept.
    """

    __slots__ = ("_draws", "_source", "_i")

    def __init__(self, draws: list[float], source: random.Random) -> None:
        self._draws, self._source, self._i = draws, source, 0

    def random(self) -> float:
        i = self._i
        draws = self._draws
        if i >= len(draws):
            with _STREAM_LOCK:  # two threads extending one round's draws must not interleave
                while i >= len(draws):
                    draws.append(self._source.random())
        self._i = i + 1
        return draws[i]

    def uniform(self, a: float, b: float) -> float:
        # What random.Random.uniform computes from the next draw.
        return a + (b - a) * self.random()

    @property
    def drawn(self) -> int:
        """How many numbers this stream has given."""
        return self._i


_STREAM_LOCK = threading.Lock()
_STREAMS: dict[tuple[int, int], tuple[list[float], random.Random]] = {}


def round_rng(seed: int, rnd: int) -> RoundStream:
    """The random stream of one round: a function of the seed and round only.

    Seeding with a string uses SHA-512, so it does not depend on PYTHONHASHSEED.
    """
    key = (seed, rnd)
    kept = _STREAMS.get(key)
    if kept is None:
        if len(_STREAMS) >= 1024:
            _STREAMS.clear()
        kept = _STREAMS[key] = ([], random.Random(f"wargame:{seed}:{rnd}"))
    return RoundStream(*kept)


class Stream(Protocol):
    """What resolve draws from: a RoundStream, or a random.Random."""

    def random(self) -> float: ...
    def uniform(self, a: float, b: float) -> float: ...


def _canon(rules: Rules, o: Order) -> tuple:
    """The canonical order of a round's orders: what _orders and _orders_general sort by (in
    cheaper forms that give the same order)."""
    # The role id after its rank keeps orders of unknown roles (all ranked 99) canonical too.
    return (rules.role_rank.get(o.role, 99), o.role, _KIND_RANK[o.kind], rules.move_rank.get(o.move, 1 << 30),
            o.move, o.target or "", o.answer or "", o.walk_away)


def check_order(rules: Rules, state: State, o: Order, ctx: Ctx) -> str:
    """Why an order cannot be carried out at the start of this round ('' if it can)."""
    return _check(rules, state, o, ctx, rules.policy_set(state.policies))


def _check(rules: Rules, state: State, o: Order, ctx: Ctx, held: PolicySet) -> str:
    """check_order, given the policy set of ``state.policies``."""
    s = rules.scenario
    move = rules.move_info.get(o.move)
    if o.role not in s.roles:
        return f"unknown role {o.role!r}"
    if move is None:
        return f"unknown move {o.move!r}"
    if o.kind == "respond":
        if move.counterparty != o.role:  # not a deal (no counterparty), or not this role's
            return f"{move.name} is not a deal offered to {s.roles[o.role].name}"
        if o.answer not in ("accept", "reject", "renegotiate"):
            return "an answer must be accept, reject or renegotiate"
        if o.answer == "renegotiate" and not move.renegotiated:
            return f"{move.name} has no renegotiated terms"
        return ""
    if move.role != o.role:
        return f"{move.name} is a move of {s.roles[move.role].name}"
    if o.kind == "revoke":
        if not move.policy:
            return f"{move.name} is not a policy"
        if (o.move, o.role) not in held.held:
            return f"{move.name} is not in force"
        if not move.revocable:
            return f"{move.name} cannot be revoked once enacted"
        return ""
    if move.targets and o.target not in move.targets:
        return f"{move.name} needs a target: one of {', '.join(move.targets)}"
    if not move.targets and o.target is not None:
        return f"{move.name} takes no target"
    if move.once and o.move in state.used:
        return f"{move.name} can be played once per game, and already was"
    if move.policy and (o.move, o.target) in held.in_force:
        return f"{move.name} is already in force"
    req = move.requires
    if req is not None and not req(ctx):
        return move.requires_note or f"precondition not met: {move.requires_text}"
    return ""


def _cost(info: dict[str, MoveInfo], orders: Iterable[Order], offered: dict[str, Order], answered: dict[str, str]) -> int:
    """budget.cost, for orders that passed their checks (their moves exist)."""
    total = 0
    for o in orders:
        m = info[o.move]
        kind = o.kind
        if m.deal and kind != "revoke" and not _budget.deal_made(o, offered, answered):
            continue  # only a deal that is made costs
        if kind == "play":
            total += m.play_cost
        elif kind == "respond" and o.answer != "reject" and m.deal:
            total += m.counterparty_cost
    return total


def _deals_of(info: dict[str, MoveInfo], checked: Iterable[list[Order]]) -> tuple[dict[str, Order], dict[str, str]]:
    """budget.deals_of, for orders that passed their checks."""
    offered: dict[str, Order] = {}
    answered: dict[str, str] = {}
    for ok in checked:
        for o in ok:
            if info[o.move].deal:
                if o.kind == "play":
                    offered[o.move] = o
                elif o.kind == "respond" and o.answer is not None:
                    answered[o.move] = o.answer
    return offered, answered


def _orders_general(rules: Rules, state: State, orders: tuple[Order, ...], before_set: PolicySet, ctx: Ctx,
                    explain: bool) -> tuple[list[Order], list[OrderResult], dict[str, int]]:
    """_orders for any orders: unknown roles, moves or kinds, and repeated orders included."""
    s = rules.scenario
    info = rules.move_info
    # Every role, ordering or not, so that ``spent`` shows the upkeep of a role that gave no orders.
    by_role: dict[str, list[Order] | None] = dict.fromkeys(rules.roles)
    for o in orders:
        if o.kind not in _KIND_RANK:
            raise KeyError(o.kind)
        mine = by_role.get(o.role)
        if mine is None:
            by_role[o.role] = [o]
        else:
            mine.append(o)
    # Roles in rank order (unknown roles after, by id), each role's orders in canonical order:
    # the order a stable sort of all orders by _canon gives.
    groups: Iterable[tuple[str, list[Order] | None]] = by_role.items()
    if len(by_role) > len(rules.roles):
        groups = sorted(by_role.items(), key=lambda kv: (rules.role_rank.get(kv[0], 99), kv[0]))
    kind_rank, move_rank = _KIND_RANK, rules.move_rank
    # Per role: its results, the orders that pass their checks, what its plays of moves that
    # are not deals cost, its orders of deals (costed once every offer and answer is known),
    # and whether it revokes anything.
    checked: list[tuple[str, list[OrderResult], list[Order], int, list[Order], bool]] = []
    # The deals offered and answered among the orders that pass their checks (budget.deals_of).
    offered: dict[str, Order] = {}
    answered: dict[str, str] = {}
    for role, role_orders in groups:
        if role_orders is None:
            checked.append((role, [], [], 0, [], False))
            continue
        many = len(role_orders) > 1
        if many:  # sorted by _canon without the role (the same for all), stably
            if len(role_orders) == 2:  # the common case, without a sort's machinery
                a, b = role_orders
                ra = kind_rank[a.kind] << 32 | move_rank.get(a.move, 1 << 30)
                rb = kind_rank[b.kind] << 32 | move_rank.get(b.move, 1 << 30)
                if rb < ra or (rb == ra and (b.move, b.target or "", b.answer or "", b.walk_away)
                                            < (a.move, a.target or "", a.answer or "", a.walk_away)):
                    role_orders = [b, a]
            else:
                role_orders.sort(key=lambda o: (kind_rank[o.kind], move_rank.get(o.move, 1 << 30), o.move,
                                                o.target or "", o.answer or "", o.walk_away))
            seen: set[tuple] = set()
        ok: list[Order] = []
        role_results: list[OrderResult] = []
        base = 0
        deal_orders: list[Order] = []
        revokes = False
        for o in role_orders:
            reason = _check(rules, state, o, ctx, before_set)
            kind = o.kind
            if many:  # a single order cannot repeat, nor be revoked by another
                key = (kind, o.move, o.target) if kind != "respond" else (kind, o.move)
                if not reason and key in seen:
                    reason = "the same order twice" if kind != "respond" else "this deal is already answered"
                seen.add(key)
                if not reason and kind == "revoke" and any(x.kind == "play" and x.move == o.move for x in ok):
                    reason = "cannot enact and revoke the same policy in one round"
            if explain:  # the results are only read by the trace
                role_results.append(_new(OrderResult, (o, not reason, reason)))
            if not reason:
                ok.append(o)
                if kind == "revoke":  # costs nothing
                    revokes = True
                elif info[o.move].deal:
                    deal_orders.append(o)
                    if kind == "play":
                        offered[o.move] = o
                    elif o.answer is not None:
                        answered[o.move] = o.answer
                else:  # a play (an answer passes its checks only for a deal)
                    base += info[o.move].play_cost
        checked.append((role, role_results, ok, base, deal_orders, revokes))
    accepted, results, spent, over = _budgets(rules, state, before_set, checked, offered, answered)
    if explain and over:
        spent = _spent(rules, state, before_set, accepted, [role for role, *_ in checked if role in s.roles])
    return accepted, results, spent


def _budgets(rules: Rules, state: State, before_set: PolicySet,
             checked: list[tuple[str, list[OrderResult], list[Order], int, list[Order] | None, bool]],
             offered: dict[str, Order], answered: dict[str, str]
             ) -> tuple[list[Order], list[OrderResult], dict[str, int], bool]:
    """Each role's budget, which counts a deal only if it is made (wargame.engine.budget):
    the orders that stand, every result, what each known role spent, and whether some
    role's orders were rejected for its budget. ``checked`` holds, per role, its results,
    the orders that passed their checks, what its plays of moves that are not deals cost,
    its orders of deals, and whether it revokes anything."""
    info, roles, upkeeps = rules.move_info, rules.scenario.roles, before_set.upkeep
    results: list[OrderResult] = []
    accepted: list[Order] = []
    spent: dict[str, int] = {}
    over = False
    for role, role_results, ok, cost, deal_orders, revokes in checked:
        r = roles.get(role)
        if r is None:  # an unknown role: all its orders were rejected
            results += role_results
            continue
        if deal_orders:
            cost += _cost(info, deal_orders, offered, answered)
        upkeep = upkeeps.get(role, 0) if not revokes else _budget.upkeep(
            rules, state, role, {o.move for o in ok if o.kind == "revoke"})
        spent[role] = cost + upkeep
        if cost + upkeep > r.budget:
            kept = [o for o in ok if o.kind == "revoke"]
            if len(kept) < len(ok):  # (revokes stand; with nothing else, nothing changes)
                over = True
                why = f"over budget: orders cost {cost}" + (f" plus {upkeep} upkeep" if upkeep else "") + f", budget {r.budget}"
                role_results = [OrderResult(x.order, False, why) if x.accepted and x.order.kind != "revoke" else x
                                for x in role_results]
                ok = kept
        if role_results:
            results += role_results
        if ok:
            accepted += ok
    return accepted, results, spent, over


def _spent(rules: Rules, state: State, before_set: PolicySet, accepted: list[Order],
           roles: Iterable[str]) -> dict[str, int]:
    """What each role spent, once some role's orders were rejected for its budget: deals
    count only if still made once every budget is checked. (With no role over budget, the
    orders that stand are those costed when the budgets were checked.)"""
    info = rules.move_info
    spent = {}
    offered, answered = _deals_of(info, (accepted,))
    for role in roles:
        mine = [o for o in accepted if o.role == role]
        revoked = {o.move for o in mine if o.kind == "revoke"}
        up = before_set.upkeep.get(role, 0) if not revoked else _budget.upkeep(rules, state, role, revoked)
        spent[role] = _cost(info, mine, offered, answered) + up
    return spent


_ROLE = attrgetter("role")


def _orders_quick(rules: Rules, state: State, orders: tuple[Order, ...], before_set: PolicySet,
                  start_vals: list[float], r: int, values: list[int], due: list[tuple], new_pending: list[tuple],
                  enacted: list[PolicyInForce], once: list[str]
                  ) -> tuple[list[Order], set[str], dict[str, Order], list[Order]] | None:
    """The plays and answers that stand, for advance (no results, no spending), in one
    pass: (the plays of moves with tags, the move ids of all plays, the answers by move,
    the plays of deals that are made). The plays
    that are not deals are also carried out in that pass, as _resolve's loop over plays
    would (their effects scheduled with rules.quick_plan into ``values``, ``due`` and
    ``new_pending``; policies they enact to ``enacted``; once-only moves to ``once``);
    deals wait for their answers, and those made are left to that loop (a deal not made
    does nothing without a trace). On None the caller discards
    what was scheduled. This is the common case of
    _orders, where every order is a play or an answer of a known move, none repeats a move
    of the same kind, and no role is over budget. Anything else gives None, and _orders
    decides (so every rejection keeps its one definition there). The context preconditions
    read (as start_ctx's) is made only for a move that has one (4 of 43 in tech-contest).

    The orders that stand are given in the order they came, not in canonical order: with
    no trace, nothing advance computes from them depends on their order (each play's
    effects have their own canonical key, sets and sums are unordered, policies are
    sorted), so the sort is left out."""
    info = rules.move_info
    used, in_force = state.used, before_set.in_force
    play_plan = rules.play_plan
    deal_plays: list[Order] = []
    plays: list[Order] = []
    played: set[str] = set()
    answers: dict[str, Order] = {}
    base: dict[str, int] = {}  # per role: what its orders cost so far (deals: once their answers are known)
    seen: set[str] = set()  # moves played; a repeat (or another role's play of it) goes to _orders
    seen_answers: set[str] = set()
    ctx: Ctx | None = None
    try:
        for o in orders:
            mid = o.move
            m = info[mid]  # an unknown move: KeyError, below
            role = o.role
            kind = o.kind
            if kind == "play":
                if mid in seen:
                    return None
                seen.add(mid)
                # check_order's conditions for a play of a known move (m.play_targets: its targets,
                # or None alone for a move without).
                if not (m.role == role and o.target in m.play_targets
                        and not (m.once and mid in used)
                        and not (m.policy and (mid, o.target) in in_force)):
                    continue
                if m.requires is not None:
                    if ctx is None:
                        ctx = Ctx(start_vals, rules.start_floats, start_vals, r, before_set.active, _EMPTY,
                                  before_set.tags)
                    if not m.requires(ctx):
                        continue
                if m.tags:  # (only tagged plays are read after this pass: tag counts)
                    plays.append(o)
                played.add(mid)
                if m.deal:
                    deal_plays.append(o)
                    if role not in base:
                        base[role] = 0
                    continue
                base[role] = base.get(role, 0) + m.play_cost
                # Carried out at once (as in _resolve's loop over plays, for a play that is not a deal).
                target = o.target
                if m.once:
                    once.append(mid)
                if m.policy:
                    enacted.append(_new(PolicyInForce, (mid, role, target, r)))
                q = m.quick.get(target)
                adds, now, later = q if q is not None else play_plan(m, "effects", target)
                for idx, amount in adds:
                    values[idx] += amount
                if now:
                    kind = m.kind  # policy or move
                    for key, e, run in now:
                        due.append((key, len(due), kind, mid, role, target, e, run))
                for delay, last_offset, index, _, _ in later:
                    new_pending.append((r + delay, r + last_offset, m.kind, mid, "effects", index, role, target))
            elif kind == "respond":
                if mid in seen_answers:
                    return None
                seen_answers.add(mid)
                answer = o.answer  # check_order's conditions for an answer
                if not (m.counterparty == role and (answer == "accept" or answer == "reject"
                                                    or (answer == "renegotiate" and m.renegotiated))):
                    continue
                answers[mid] = o
                if role not in base:
                    base[role] = 0
            else:  # a revoke (or an unknown kind)
                return None
    except (KeyError, TypeError):  # an unknown move, or a target no frozenset can hold: _orders decides
        return None
    # A deal costs only when it is made (budget.deal_made, written out here because this loop
    # is on advance's path and the call costs ~3 us a round; the golden digests hold this copy
    # to _cost's): the proposer its play, the counterparty its side (a made deal's answer is
    # never a rejection). An answer without an offer, or an offer without one, makes nothing.
    made: list[Order] = []  # the plays of deals that are made: the only ones left to carry out
    for play in deal_plays:
        ans = answers.get(play.move)
        if ans is not None:
            answer = ans.answer
            if answer == "accept" or (answer == "renegotiate" and not play.walk_away):
                m = info[play.move]
                base[play.role] += m.play_cost
                base[ans.role] += m.counterparty_cost
                made.append(play)
    budgets, upkeeps = rules.budgets, before_set.upkeep
    for role, cost in base.items():
        if cost + upkeeps.get(role, 0) > budgets[role]:
            return None  # over budget: _orders rejects that role's orders and says why
    return plays, played, answers, made




def _orders(rules: Rules, state: State, orders: tuple[Order, ...], before_set: PolicySet, ctx: Ctx,
            explain: bool) -> tuple[list[Order], list[OrderResult], dict[str, int]]:
    """Step 1: the orders that stand, every order's result (if ``explain``), and what each
    role spent (if ``explain``).

    Orders are taken in canonical order (_canon: by role, kind and move, then target and
    answer); each is checked on its own (check_order), then each role's budget. This is
    the common case, where every order names a known role, kind and move and no role gives
    two orders of the same kind for the same move; anything else goes to _orders_general,
    which gives the same results for these."""
    role_rank, move_rank, info = rules.role_rank, rules.move_rank, rules.move_info
    try:  # the canonical position as one integer: (role rank, kind rank, move rank)
        keys = [role_rank[o.role] << 40 | _KIND_RANK[o.kind] << 32 | move_rank[o.move] for o in orders]
    except KeyError:
        return _orders_general(rules, state, orders, before_set, ctx, explain)
    if len(keys) > 1:
        if len(set(keys)) < len(keys):
            return _orders_general(rules, state, orders, before_set, ctx, explain)
        ordered = [o for _, o in sorted(zip(keys, orders))]  # the keys differ: orders are never compared
    else:
        ordered = list(orders)
    # The deals offered and answered among the orders that pass their checks (budget.deals_of).
    offered: dict[str, Order] = {}
    answered: dict[str, str] = {}
    checked: list[tuple[str, list[OrderResult], list[Order], int, list[Order] | None, bool]] = []
    used, in_force = state.used, before_set.in_force
    for role, group in groupby(ordered, _ROLE):
        ok: list[Order] = []
        role_results: list[OrderResult] = []
        base = 0  # what its plays of moves that are not deals cost
        deal_orders: list[Order] | None = None  # costed once every offer and answer is known
        revokes = False
        for o in group:
            kind = o.kind
            m = info[o.move]
            # A play of the role's own move passes check_order when each of these holds (role
            # and move are known here); otherwise check_order says why not.
            if (kind == "play" and m.role == role
                    and ((o.target in m.targets) if m.targets else (o.target is None))
                    and not (m.once and o.move in used)
                    and not (m.policy and (o.move, o.target) in in_force)
                    and (m.requires is None or m.requires(ctx))):
                reason = ""
            else:
                reason = _check(rules, state, o, ctx, before_set)
            # No order repeats here; a revoke may follow a play of the same policy (plays sort first).
            if kind == "revoke" and not reason and any(x.kind == "play" and x.move == o.move for x in ok):
                reason = "cannot enact and revoke the same policy in one round"
            if explain:
                role_results.append(_new(OrderResult, (o, not reason, reason)))
            if not reason:
                ok.append(o)
                if kind == "revoke":  # costs nothing
                    revokes = True
                elif info[o.move].deal:
                    if deal_orders is None:
                        deal_orders = []
                    deal_orders.append(o)
                    if kind == "play":
                        offered[o.move] = o
                    elif o.answer is not None:
                        answered[o.move] = o.answer
                else:  # a play (an answer passes its checks only for a deal)
                    base += info[o.move].play_cost
        checked.append((role, role_results, ok, base, deal_orders, revokes))
    accepted, results, costs, over = _budgets(rules, state, before_set, checked, offered, answered)
    if not explain:
        return accepted, results, costs
    if over:
        return accepted, results, _spent(rules, state, before_set, accepted, rules.roles)
    # Every role, ordering or not (a role that gave none spends its upkeep), in rank order.
    upkeeps = before_set.upkeep
    return accepted, results, {role: costs[role] if role in costs else upkeeps.get(role, 0) for role in rules.roles}


def resolve(rules: Rules, state: State, orders: Iterable[Order], rng: Stream,
            injects: Iterable[str] = ()) -> tuple[State, RoundTrace]:
    """Resolve the next round. Pure: no I/O, no clock, randomness only from ``rng``."""
    new_state, trace = _resolve(rules, state, orders, rng, injects, True)
    assert trace is not None
    return new_state, trace


def advance(rules: Rules, state: State, orders: Iterable[Order], rng: Stream,
            injects: Iterable[str] = ()) -> State:
    """The state :func:`resolve` gives, without building the trace: for look-ahead (bots).

    The same steps on the same values and the same draws from ``rng``; only the
    explanations (order results, deals, events, contributions, spending) are left out.
    """
    return _resolve(rules, state, orders, rng, injects, False)[0]


def _schedule(rules: Rules, due: list[tuple], new_pending: list[tuple], r: int,
              kind: str, source: str, variant: str, role: str | None, target: str | None) -> None:
    """Schedule a move's or event's effects in round ``r`` for resolve (with a trace): those
    due now to ``due``, those that outlast the round to ``new_pending``. (Advance schedules
    with rules.quick_plan, inline.)"""
    for delay, last_offset, index, key, e in rules.schedule_plan(kind, source, variant, role, target):
        if not delay:
            due.append((key, len(due), kind, source, role, target, e, None))
        if last_offset > 0:
            new_pending.append((r + delay, r + last_offset, kind, source, variant, index, role, target))


def _context_maker(starts: Sequence[float], start_vals: list[float], r: int, active: frozenset[str] | set[str],
                   played_ids: set[str], tags: dict[str, int]) -> "Callable[[list[float]], Ctx]":
    def context(snap: list[float]) -> Ctx:
        return Ctx(snap, starts, start_vals, r, active, played_ids, tags)
    return context


class _Record:
    """A round's trace in compact form, as resolve computed it: the ongoing effects with a
    fixed amount (ready contributions, shared by every round with the same policies), the
    other effects applied (with their canonical position, indicator, amount and roll),
    each rule's change, and the values clamped. The ``Contribution`` records, quadrants
    and scores are made from it when a trace is first read."""

    __slots__ = ("rules", "const", "applied", "changes", "clamped", "after")

    def __init__(self, rules: Rules, const: tuple[tuple, ...], applied: list[tuple], changes: list[int],
                 clamped: list[tuple[int, int]], after: tuple[int, ...]) -> None:
        self.rules, self.const, self.applied, self.changes, self.clamped, self.after = (
            rules, const, applied, changes, clamped, after)

    def contributions(self) -> tuple[Contribution, ...]:
        rules = self.rules
        ids = rules.ids
        out: list[Contribution] = []
        # Effects in canonical order (rules.due_key, then the order they were scheduled in):
        # two sorted runs, merged. No two entries share both, so the sort never compares further.
        for entry in sorted([*self.const, *self.applied]) if self.const else self.applied:
            if len(entry) == 4:  # (key, seq, Contribution, position): a fixed ongoing effect
                out.append(entry[2])
            else:
                _, _, idx, fixed, kind, source, role, roll, e = entry
                out.append(_new(Contribution, (ids[idx], fixed, kind, source, role, roll, e.cites, e.rationale, e.basis)))
        dyn = rules.dynamics
        for k, f in enumerate(self.changes):
            if f:
                rule = dyn[k]
                out.append(_new(Contribution, (ids[rule.slot], f, "rule", rule.id, None, None, rule.cites,
                                               rule.rationale, rule.basis)))
        for i, v in self.clamped:
            lo = rules.lo[i]
            bound = lo if v < lo else rules.hi[i]
            out.append(Contribution(ids[i], bound - v, "clamp", "", None, None, (),
                                    f"held at its {'lower' if v < lo else 'upper'} bound {bound / SCALE:g}"))
        return tuple(out)

    def touched(self) -> set[str]:
        """The indicators with a contribution, without making the contributions."""
        ids = self.rules.ids
        slots = self.rules.dynamics_slots
        return {*(ids[e[3]] for e in self.const), *(ids[e[2]] for e in self.applied),
                *(ids[slots[k]] for k, f in enumerate(self.changes) if f), *(ids[i] for i, _ in self.clamped)}

    def quadrants(self) -> dict[str, str]:
        return quadrants(self.rules, self.after)

    def scores(self) -> dict[str, float]:
        return scores(self.rules, self.after)


def _resolve(rules: Rules, state: State, orders: Iterable[Order], rng: Stream,
             injects: Iterable[str], explain: bool) -> tuple[State, RoundTrace | None]:
    # What only changes when policies change (active ids, tag counts, upkeep, ongoing
    # effects in canonical order) comes from rules.policy_set, computed once per set.
    r = state.round + 1
    starts = rules.start_floats
    start_vals = rules.floats(state.values)
    before_set = rules.policy_set(state.policies)
    orders = tuple(orders)
    info = rules.move_info
    # Effects due this round (see step 5) are gathered as they are scheduled: first those
    # scheduled in earlier rounds, then this round's moves and events, in that order.
    due: list[tuple] = []
    pending_due = rules._pending_due
    for p in state.pending:
        if p[0] <= r <= p[1]:
            hit = pending_due.get(p)
            key, kind, source, role, target, e, run = hit if hit is not None else rules.pending_due(p)
            due.append((key, len(due), kind, source, role, target, e, run))
    # Effects scheduled this round, as plain tuples in Pending's field order; only those
    # that outlast the round become Pending records in the new state.
    new_pending: list[tuple] = []
    # Without a trace, effects due at once with a fixed amount and no condition are added
    # to the values as they are scheduled (rules.quick_plan): they draw nothing, and integer
    # sums do not depend on the order of adding.
    values = list(state.values)
    enacted: list[PolicyInForce] = []
    once: list[str] = []

    # 1. Orders checked (see _orders).
    results: list[OrderResult] = []
    spent: dict[str, int]
    accepted: list[Order] = []
    plays: list[Order] = []
    played_ids: set[str] = set()
    answers: dict[str, Order] = {}
    revokes: set[tuple[str, str]] | None = None
    deal_plays: list[Order] | None = None  # with the quick pass: the plays left to carry out (deals made)
    if not orders:
        # No orders (a look-ahead round): every role spends its upkeep, nothing else happens here.
        spent = dict(before_set.upkeep) if explain else before_set.upkeep
    else:
        n_due = len(due)
        quick = None if explain else _orders_quick(rules, state, orders, before_set, start_vals, r, values, due,
                                                   new_pending, enacted, once)
        if quick is None:
            if not explain:  # forget what the quick pass carried out before it gave up
                values, enacted, once = list(state.values), [], []
                del due[n_due:]
                new_pending.clear()
            pre_ctx = Ctx(start_vals, starts, start_vals, r, before_set.active, _EMPTY, before_set.tags)
            accepted, results, spent = _orders(rules, state, orders, before_set, pre_ctx, explain)
        else:
            # The plays that are not deals are carried out; the deals are left to the loop below.
            # Here ``plays`` holds only the plays of moves with tags: all the rest reads of them.
            (plays, played_ids, answers, deal_plays), spent = quick, before_set.upkeep  # (spent: trace only)

    for o in accepted:
        kind = o.kind
        if kind == "play":
            plays.append(o)
            played_ids.add(o.move)
        elif kind == "respond":
            answers[o.move] = o
        else:
            if revokes is None:
                revokes = set()
            revokes.add((o.role, o.move))

    # 2. Deals settled; 3. policies enacted and revoked.
    deals: list[DealResult] = []
    policies: list[PolicyInForce] | None = None  # made only if the policies change
    if revokes:
        revoked_list = [p for p in state.policies if (p.role, p.move) in revokes]
        policies = [p for p in state.policies if (p.role, p.move) not in revokes]
    else:
        revoked_list = []
    plans = rules.plans  # rules.schedule_plan, looked up directly for plays
    plan = rules.schedule_plan

    quick = None if explain else rules.quick_plans

    for o in (plays if deal_plays is None else deal_plays):
        mid = o.move
        m = info[mid]
        kind, variant = ("policy" if m.policy else "move"), "effects"
        if m.deal:
            ans = answers.get(mid)
            answer = ans.answer if ans else "none"
            if answer == "accept":
                outcome = "made"
            elif answer == "renegotiate":
                outcome, variant = ("walked-away", "") if o.walk_away else ("renegotiated", "renegotiated")
            else:
                outcome = "refused" if answer == "reject" else "unanswered"
            if explain:
                deals.append(_new(DealResult, (mid, o.role, m.counterparty, answer, outcome, o.target)))
            if outcome not in ("made", "renegotiated"):
                continue
            kind = "deal"
        if m.once:
            once.append(mid)
        if m.policy:
            enacted.append(_new(PolicyInForce, (mid, o.role, o.target, r)))
        role, target = o.role, o.target
        if quick is not None:  # see schedule
            # A play that stands is its own role's: its plan is kept on the move (rules.play_plan).
            q = (m.quick if variant == "effects" else m.quick_renegotiated).get(target)
            adds, now, later = q if q is not None else rules.play_plan(m, variant, target)
            for idx, amount in adds:
                values[idx] += amount
            for key, e, run in now:
                due.append((key, len(due), kind, mid, role, target, e, run))
            for delay, last_offset, index, _, _ in later:
                new_pending.append((r + delay, r + last_offset, kind, mid, variant, index, role, target))
            continue
        pl = plans.get((kind, mid, variant, role, target))
        for delay, last_offset, index, key, e in pl if pl is not None else plan(kind, mid, variant, role, target):
            if not delay:  # (the trace's loop of step 5 reads no effect_run)
                due.append((key, len(due), kind, mid, role, target, e, None))
            if last_offset > 0:
                new_pending.append((r + delay, r + last_offset, kind, mid, variant, index, role, target))
    used = state.used | frozenset(once) if once else state.used
    if revoked_list:
        if enacted:  # what is left of state.policies is already in this order; only new ones need placing
            policies += enacted  # type: ignore[operator]
            role_rank, move_rank = rules.role_rank, rules.move_rank
            policies.sort(key=lambda p: (role_rank[p.role], move_rank[p.move], p.target or "", p.since))  # type: ignore[union-attr]
        policies_t = tuple(policies)  # type: ignore[arg-type]
        after_set = rules.policy_set(policies_t)
    elif enacted:  # placed as rules.policies_after worked out once for these policies
        policies_t, after_set = rules.policies_after(before_set, state.policies, enacted)
    else:  # unchanged policies keep their tuple, so rules.policy_set finds them by identity
        policies_t, after_set = state.policies, before_set

    # Orders and policies as they stand after this round's orders: what triggers,
    # conditions and multipliers see (values are still those at the start of the round).
    tags = after_set.tags
    if plays:  # the policies' acting roles per tag, plus the roles playing a tagged move now
        acting = after_set.acting
        added: set[tuple[str, str]] | None = None
        for o in plays:
            for t in info[o.move].tags:
                if o.role not in acting.get(t, ()) and (added is None or (t, o.role) not in added):
                    if added is None:
                        added, tags = set(), dict(tags)
                    added.add((t, o.role))
                    tags[t] = tags.get(t, 0) + 1
    active = after_set.active
    ctx = Ctx(start_vals, starts, start_vals, r, active, played_ids, tags)

    # 4. Events: which fire (rules.events_fn), then their effects scheduled in that order.
    fired: list[FiredEvent] = []
    fired_ids = state.fired
    event_plan, event_quick = rules.event_plan, rules.event_quick
    once_fired: list[str] | None = None
    fr = float(r)
    events_fn = rules.events_fn if injects else rules.events_no_injects
    for k, how, roll in events_fn(ctx, start_vals, starts, fr, r, active, played_ids, tags,
                                  set(injects) if injects else _EMPTY, fired_ids, rng.random):
        eid = event_plan[k][0]
        if explain:
            fired.append(_new(FiredEvent, (eid, how, roll)))
        if event_plan[k][1]:  # once only
            if once_fired is None:
                once_fired = []
            once_fired.append(eid)
        if quick is None:
            _schedule(rules, due, new_pending, r, "event", eid, "event", None, None)
            continue
        # As _schedule with its quick plan, which for an event is one per event (kept by position).
        q = event_quick[k]
        adds, now, later = q if q is not None else rules.event_quick_plan(k)
        for idx, amount in adds:
            values[idx] += amount
        for key, e, run in now:
            due.append((key, len(due), "event", eid, None, None, e, run))
        for delay, last_offset, index, _, _ in later:
            new_pending.append((r + delay, r + last_offset, "event", eid, "event", index, None, None))
    if once_fired:
        fired_ids = fired_ids | frozenset(once_fired)

    # 5. Effects due this round, evaluated on start-of-round values, in canonical order
    # (rules.due_key): the order of contributions and of the spreads' draws. Ongoing
    # effects with a fixed amount draw nothing: their sums per indicator are added at once,
    # and the trace places their ready contributions in canonical order when it is read.
    for idx, total in after_set.totals:
        values[idx] += total
    if due:
        due += after_set.varying
        due.sort()
    else:
        due = after_set.varying  # type: ignore[assignment]  # already in canonical order
    applied: list[tuple] = []
    if not explain:  # only the values are kept: each effect's own generated function (Rules.effect_run)
        for entry in due:
            entry[7](values, entry[5], ctx, rng)
        due = ()  # type: ignore[assignment]
    for entry in due:
        _, _, kind, source, role, target, e, _ = entry
        idx = e.slot
        if idx is None:
            if target is not None and e.by_target is not None and target not in e.by_target:
                continue
            idx = e.index(target)
        if e.when is not None and not e.when(ctx):
            continue
        fixed = e.fixed
        roll = None
        if fixed is None:
            roll = rng.uniform(-e.spread, e.spread) if e.spread else None
            change = e.change + (roll or 0.0)
            amount = start_vals[idx] * change if e.relative else change
            if e.scale is not None:
                amount *= e.scale(ctx)
            y = amount * SCALE  # to_fixed_or_zero, inline: y - y is 0.0 exactly when y is finite
            fixed = round(y) if y - y == 0.0 else 0
        if fixed == 0:
            continue
        values[idx] += fixed
        if explain:
            applied.append((entry[0], entry[1], idx, fixed, kind, source, role, roll, e))

    # 6. Dynamics, all on one snapshot, and 7. clamping: one generated function (rules._round_fn).
    clamped: list[tuple[int, int]] = []

    # Only for a rule the generator had to leave as a closure (module-level, so that no local
    # of this function is a closure cell).
    context = _context_maker(starts, start_vals, r, active, played_ids, tags) if rules.round_needs_ctx else None
    if explain:
        after, changes = rules.round_changes(values, starts, start_vals, fr, active, played_ids, tags,
                                             clamped, context)
    else:
        after = rules.round_values(values, starts, start_vals, fr, active, played_ids, tags, clamped, context)

    # 8. The new state; scoring is read from the trace.
    if state.pending or new_pending:
        # state.pending is sorted, so what is left of it stays sorted; only new entries need placing.
        pending = []
        for p in state.pending:  # a loop, not a comprehension: r stays a fast local, not a closure cell
            if p[1] > r:
                pending.append(p)
        if new_pending:  # only entries that outlast the round were kept
            pending += [_new(Pending, t) for t in new_pending]
            pending.sort()
        pending_t = tuple(pending)
    else:
        pending_t = state.pending
    new_state = make_state(r, after, policies_t, pending_t, used, fired_ids)
    if not explain:
        return new_state, None
    record = _Record(rules, after_set.const, applied, changes, clamped, after)
    trace = RoundTrace(r, tuple(results), tuple(deals), tuple(fired), None, state.values, after, spent, None, None,
                       tuple(enacted), tuple(revoked_list), record)
    return new_state, trace


def override(rules: Rules, state: State, indicator: str, value: float, reason: str) -> tuple[State, Contribution]:
    """The facilitator sets an indicator by hand; the change is a contribution of its own."""
    i = rules.index[indicator]
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"an override needs a finite number, not {value!r}")
    new = min(max(to_fixed(value), rules.lo[i]), rules.hi[i])
    values = list(state.values)
    c = Contribution(indicator, new - values[i], "override", "facilitator", None, None, (), reason)
    values[i] = new
    return State(state.round, tuple(values), state.policies, state.pending, state.used, state.fired), c
