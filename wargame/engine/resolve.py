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
from collections.abc import Iterable, Sequence
from typing import Protocol

from wargame.engine import budget as _budget
from wargame.engine.orders import Order
from wargame.engine.fixed import to_fixed, to_fixed_or_zero
from wargame.engine.rules import SCALE, Rules
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
)

_KIND_RANK = {"play": 0, "respond": 1, "revoke": 2}
_SOURCE_RANK = {"policy": 0, "move": 1, "deal": 2, "event": 3}
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
    vals = [v / SCALE for v in state.values]
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


def _tag_counts(rules: Rules, policies: Iterable[PolicyInForce], played: Iterable[Order]) -> dict[str, int]:
    acting: dict[str, set[str]] = {}
    for p in policies:
        for t in rules.tags[p.move]:
            acting.setdefault(t, set()).add(p.role)
    for o in played:
        for t in rules.tags[o.move]:
            acting.setdefault(t, set()).add(o.role)
    return {t: len(r) for t, r in acting.items()}


def _canon(rules: Rules, o: Order) -> tuple:
    # The role id after its rank keeps orders of unknown roles (all ranked 99) canonical too.
    return (rules.role_rank.get(o.role, 99), o.role, _KIND_RANK[o.kind], rules.move_rank.get(o.move, 1 << 30),
            o.move, o.target or "", o.answer or "", o.walk_away)


def check_order(rules: Rules, state: State, o: Order, ctx: Ctx) -> str:
    """Why an order cannot be carried out at the start of this round ('' if it can)."""
    s = rules.scenario
    move = s.moves.get(o.move)
    if o.role not in s.roles:
        return f"unknown role {o.role!r}"
    if move is None:
        return f"unknown move {o.move!r}"
    if o.kind == "respond":
        if move.deal is None or move.deal.counterparty != o.role:
            return f"{move.name} is not a deal offered to {s.roles[o.role].name}"
        if o.answer not in ("accept", "reject", "renegotiate"):
            return "an answer must be accept, reject or renegotiate"
        if o.answer == "renegotiate" and not move.deal.renegotiated:
            return f"{move.name} has no renegotiated terms"
        return ""
    if move.role != o.role:
        return f"{move.name} is a move of {s.roles[move.role].name}"
    if o.kind == "revoke":
        if move.policy is None:
            return f"{move.name} is not a policy"
        if not any(p.move == o.move and p.role == o.role for p in state.policies):
            return f"{move.name} is not in force"
        if not move.policy.revocable:
            return f"{move.name} cannot be revoked once enacted"
        return ""
    if move.targets and o.target not in move.targets:
        return f"{move.name} needs a target: one of {', '.join(move.targets)}"
    if not move.targets and o.target is not None:
        return f"{move.name} takes no target"
    if move.once and o.move in state.used:
        return f"{move.name} can be played once per game, and already was"
    if move.policy and any(p.move == o.move and p.target == o.target for p in state.policies):
        return f"{move.name} is already in force"
    req = rules.requires.get(o.move)
    if req is not None and not req(ctx):
        return move.requires_note or f"precondition not met: {move.requires}"
    return ""


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
    explanations (contributions, scores, quadrants) are left out.
    """
    return _resolve(rules, state, orders, rng, injects, False)[0]


def _resolve(rules: Rules, state: State, orders: Iterable[Order], rng: Stream,
             injects: Iterable[str], explain: bool) -> tuple[State, RoundTrace | None]:
    # What only changes when policies change (active ids, tag counts, upkeep, ongoing
    # effects in canonical order) comes from rules.policy_set, computed once per set.
    s = rules.scenario
    r = state.round + 1
    starts = rules.start_floats
    start_vals = [v / SCALE for v in state.values]
    before_set = rules.policy_set(state.policies)
    pre_ctx = Ctx(start_vals, starts, start_vals, r, before_set.active, _EMPTY, before_set.tags)
    orders = tuple(orders)

    # 1. Orders checked: first each order on its own, then each role's budget, which
    # counts a deal only if it is made (see wargame.engine.budget).
    results: list[OrderResult] = []
    accepted: list[Order] = []
    spent: dict[str, int]
    if not orders:
        # No orders (a look-ahead round): every role spends its upkeep, nothing else happens here.
        spent = dict(before_set.upkeep)
    else:
        spent = {}
        checked: list[tuple[str, list[OrderResult], list[Order]]] = []
        # Every role, ordering or not, so that ``spent`` shows the upkeep of a role that gave no orders.
        by_role: dict[str, list[Order]] = {rid: [] for rid in rules.roles}
        for o in sorted(orders, key=lambda o: _canon(rules, o)):
            by_role.setdefault(o.role, []).append(o)
        for role, role_orders in sorted(by_role.items(), key=lambda kv: (rules.role_rank.get(kv[0], 99), kv[0])):
            seen: set[tuple] = set()
            ok: list[Order] = []
            role_results: list[OrderResult] = []
            for o in role_orders:
                reason = check_order(rules, state, o, pre_ctx)
                key = (o.kind, o.move, o.target) if o.kind != "respond" else (o.kind, o.move)
                if not reason and key in seen:
                    reason = "the same order twice" if o.kind != "respond" else "this deal is already answered"
                seen.add(key)
                if not reason and o.kind == "revoke" and any(x.kind == "play" and x.move == o.move for x in ok):
                    reason = "cannot enact and revoke the same policy in one round"
                if explain:  # the results are only read by the trace
                    role_results.append(OrderResult(o, not reason, reason))
                if not reason:
                    ok.append(o)
            checked.append((role, role_results, ok))
        offered, answered = _budget.deals_of(rules, (o for _, _, ok in checked for o in ok))
        for role, role_results, ok in checked:
            if role in s.roles:
                budget = s.roles[role].budget
                cost = _budget.cost(rules, ok, offered, answered)
                revoked = {o.move for o in ok if o.kind == "revoke"}
                upkeep = before_set.upkeep.get(role, 0) if not revoked else _budget.upkeep(rules, state, role, revoked)
                if cost + upkeep > budget:
                    why = f"over budget: orders cost {cost}" + (f" plus {upkeep} upkeep" if upkeep else "") + f", budget {budget}"
                    role_results = [OrderResult(x.order, False, why) if x.accepted and x.order.kind != "revoke" else x
                                    for x in role_results]
                    ok = [o for o in ok if o.kind == "revoke"]
            results.extend(role_results)
            accepted.extend(ok)
        # What each role spent: deals count only if still made once every budget is checked.
        offered, answered = _budget.deals_of(rules, accepted)
        for role, _, _ in checked:
            if role in s.roles:
                mine = [o for o in accepted if o.role == role]
                revoked = {o.move for o in mine if o.kind == "revoke"}
                up = before_set.upkeep.get(role, 0) if not revoked else _budget.upkeep(rules, state, role, revoked)
                spent[role] = _budget.cost(rules, mine, offered, answered) + up

    plays = [o for o in accepted if o.kind == "play"]
    answers = {(o.move): o for o in accepted if o.kind == "respond"}
    revokes = {(o.role, o.move) for o in accepted if o.kind == "revoke"}

    # 2. Deals settled; 3. policies enacted and revoked.
    deals: list[DealResult] = []
    # Effects scheduled this round, as plain tuples in Pending's field order; only those
    # that outlast the round become Pending records in the new state.
    new_pending: list[tuple] = []
    enacted: list[PolicyInForce] = []
    if revokes:
        revoked_list = [p for p in state.policies if (p.role, p.move) in revokes]
        policies = [p for p in state.policies if (p.role, p.move) not in revokes]
    else:
        revoked_list, policies = [], list(state.policies)
    used = state.used
    effects = rules.effects
    # Effects due this round (see step 5) are gathered as they are scheduled: first those
    # scheduled in earlier rounds, then this round's moves and events, in that order.
    due: list[tuple] = []
    for p in state.pending:
        if p[0] <= r <= p[1]:
            kind, source, variant, index, role, target = p[2:]
            due.append((rules.due_key(kind, source, variant, index, role, target), len(due),
                        kind, source, role, target, effects[(source, variant)][index]))
    plan = rules.schedule_plan

    def schedule(kind: str, source: str, variant: str, role: str | None, target: str | None) -> None:
        for delay, last_offset, index, key, e in plan(kind, source, variant, role, target):
            first, last = r + delay, r + last_offset
            if first == r:
                due.append((key, len(due), kind, source, role, target, e))
            if last > r:
                new_pending.append((first, last, kind, source, variant, index, role, target))

    for o in plays:
        m = s.moves[o.move]
        kind, variant = ("policy" if m.policy else "move"), "effects"
        if m.deal:
            ans = answers.get(o.move)
            answer = ans.answer if ans else "none"
            if answer == "accept":
                outcome = "made"
            elif answer == "renegotiate":
                outcome, variant = ("walked-away", "") if o.walk_away else ("renegotiated", "renegotiated")
            else:
                outcome = "refused" if answer == "reject" else "unanswered"
            deals.append(DealResult(o.move, o.role, m.deal.counterparty, answer, outcome, o.target))
            if outcome not in ("made", "renegotiated"):
                continue
            kind = "deal"
        if m.once:
            used = used | {o.move}
        if m.policy:
            p = PolicyInForce(o.move, o.role, o.target, r)
            policies.append(p)
            enacted.append(p)
        schedule(kind, o.move, variant, o.role, o.target)
    if enacted:  # state.policies is already in this order; only new ones need placing
        policies.sort(key=lambda p: (rules.role_rank[p.role], rules.move_rank[p.move], p.target or "", p.since))
    # Unchanged policies keep their tuple, so rules.policy_set finds them by identity.
    policies_t = tuple(policies) if (enacted or revoked_list) else state.policies
    if revoked_list:
        after_set = rules.policy_set(policies_t)
    elif enacted:
        after_set = rules.policy_set_after(before_set, policies_t, enacted)
    else:
        after_set = before_set
    played_ids = {o.move for o in plays}

    # Orders and policies as they stand after this round's orders: what triggers,
    # conditions and multipliers see (values are still those at the start of the round).
    if plays:  # the policies' acting roles per tag, plus the roles playing a tagged move now
        tags = dict(after_set.tags)
        acting, added = after_set.acting, set()
        for o in plays:
            for t in rules.tags[o.move]:
                if (t, o.role) not in added and o.role not in acting.get(t, ()):
                    added.add((t, o.role))
                    tags[t] = tags.get(t, 0) + 1
    else:
        tags = after_set.tags
    ctx = Ctx(start_vals, starts, start_vals, r, after_set.active, played_ids, tags)

    # 4. Events.
    fired: list[FiredEvent] = []
    fired_ids = state.fired
    inject_set = set(injects)
    state_fired = state.fired
    for eid, once, at, has_at, trigger, chance, n_effects in rules.event_plan:
        how, roll = "", None
        if eid in inject_set:
            how = "inject"
        elif once and eid in state_fired:
            continue
        elif r in at:
            how = "scheduled"
        elif trigger is not None:
            how = "trigger" if trigger(ctx) else ""
        elif not has_at and chance is not None:
            how = "chance"
        if how and how != "inject" and chance is not None:
            roll = rng.random()
            if roll >= chance:
                how = ""
        if not how:
            continue
        if explain:
            fired.append(FiredEvent(eid, how, roll))
        if once:
            fired_ids = fired_ids | {eid}
        schedule("event", eid, "event", None, None)

    # 5. Effects due this round, evaluated on start-of-round values, in canonical order
    # (rules.due_key): the order of contributions and of the spreads' draws. Ongoing
    # effects with a fixed amount draw nothing, so look-ahead adds their sums at once.
    values = list(state.values)
    if explain:
        due += after_set.const
        due += after_set.varying
        due.sort()
    else:
        for idx, total in after_set.totals:
            values[idx] += total
        if due:
            due += after_set.varying
            due.sort()
        else:
            due = after_set.varying  # already in canonical order
    ids = rules.ids
    contribs: list[Contribution] = []
    for entry in due:
        if len(entry) == 4:  # a fixed ongoing effect, its contribution built once
            c = entry[2]
            values[entry[3]] += c.amount
            contribs.append(c)
            continue
        _, _, kind, source, role, target, e = entry
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
            fixed = to_fixed_or_zero(amount)
        if fixed == 0:
            continue
        values[idx] += fixed
        if explain:
            contribs.append(Contribution(ids[idx], fixed, kind, source, role, roll, e.cites, e.rationale, e.basis))

    # 6. Dynamics, all on one snapshot: one generated function (rules.dynamics_fn).
    snap = [v / SCALE for v in values]
    dctx = Ctx(snap, starts, start_vals, r, after_set.active, played_ids, tags)
    if explain:
        dyn = rules.dynamics
        for slot, fixed, k in rules.dynamics_fn(dctx, snap, starts, start_vals, float(r), after_set.active,
                                                played_ids, tags):
            values[slot] += fixed
            rule = dyn[k]
            contribs.append(Contribution(ids[slot], fixed, "rule", rule.id, None, None, rule.cites, rule.rationale,
                                         rule.basis))
    else:
        rules.dynamics_into(dctx, snap, starts, start_vals, float(r), after_set.active, played_ids, tags, values)

    # 7. Clamping.
    los, his = rules.lo, rules.hi
    for i, (v, lo, hi) in enumerate(zip(values, los, his)):
        if v < lo or v > hi:
            bound = lo if v < lo else hi
            if explain:
                contribs.append(Contribution(ids[i], bound - v, "clamp", "", None, None, (),
                                             f"held at its {'lower' if v < lo else 'upper'} bound {bound / SCALE:g}"))
            values[i] = bound

    # 8. Scoring.
    after = tuple(values)
    # state.pending is sorted, so what is left of it stays sorted; only new entries need placing.
    pending = [p for p in state.pending if p[1] > r]
    if new_pending:  # only entries that outlast the round were kept
        pending += [Pending._make(t) for t in new_pending]
        pending.sort()
    pending_t = tuple(pending)
    new_state = State(r, after, policies_t, pending_t, used, fired_ids)
    if not explain:
        return new_state, None
    trace = RoundTrace(r, tuple(results), tuple(deals), tuple(fired), tuple(contribs), state.values, after,
                       spent, quadrants(rules, after), scores(rules, after), tuple(enacted), tuple(revoked_list))
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
