"""A scenario compiled for the engine: indicators by position, formulas as closures.

Indicator values are fixed-point integers (``SCALE`` units per 1.0) so that the
contributions in a trace add up to the change *exactly*, and so that a game's
log is the same bytes on every machine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from operator import itemgetter
from collections.abc import Hashable
from typing import Any, Callable, NamedTuple, TypeVar

from wargame.scenario.formula import _UNARY_FN, Binary, Call, Compiled, Formula, Node, Num, Ref, Str, Unary, _div, _pow
from wargame.scenario.loader import LoadedScenario, indicator_ids
from wargame.scenario.model import Basis, Effect, Scenario

from wargame.engine.state import Contribution
from wargame.fixed import SCALE, to_fixed, to_fixed_or_zero, to_float

_T = TypeVar("_T")

__all__ = ["SCALE", "Rules", "to_fixed", "to_float"]


@dataclass(frozen=True, slots=True)
class CEffect:
    """An effect with its indicator resolved (per target for ``$target``)."""

    slot: int | None  # indicator position, or None when it depends on the target
    by_target: dict[str, int] | None
    change: float
    relative: bool
    delay: int
    duration: int
    spread: float
    when: Compiled | None
    scale: Compiled | None
    cites: tuple[str, ...]
    rationale: str
    # The fixed-point amount when it is the same every time (no spread, not relative, no
    # scale): what the engine would compute from ``change``, computed once.
    fixed: int | None = None
    basis: Basis | None = None  # what the size stands on; travels into the trace beside the rationale

    def index(self, target: str | None) -> int:
        if self.slot is not None:
            return self.slot
        assert self.by_target is not None and target is not None
        return self.by_target[target]


@dataclass(frozen=True, slots=True)
class CRule:
    id: str
    slot: int
    formula: Compiled
    is_set: bool
    when: Compiled | None
    cites: tuple[str, ...]
    rationale: str
    basis: Basis | None = None


@dataclass(frozen=True, slots=True)
class PolicySet:
    """The policies in force, precomputed: their ids, how many roles act per tag, each
    role's upkeep, and their ongoing effects as due entries in canonical order: those
    with a fixed, unconditional amount as ready contributions (and their sum per
    indicator), the others to evaluate each round."""

    active: frozenset[str]
    tags: dict[str, int]
    upkeep: dict[str, int]
    const: tuple[tuple, ...]  # (due key, seq, Contribution, indicator position)
    varying: tuple[tuple, ...]  # (due key, seq, kind, source, role, target, CEffect, its Rules.effect_run)
    totals: tuple[tuple[int, int], ...]  # (indicator position, fixed-point sum of const)
    acting: dict[str, frozenset[str]] = field(default_factory=dict)  # tag -> roles with such a policy
    held: frozenset[tuple[str, str]] = frozenset()  # (move, role) of each policy: what may be revoked
    in_force: frozenset[tuple[str, str | None]] = frozenset()  # (move, target): what may not be enacted again
    # Sets derived from this one by enacting policies (nothing revoked), by the enacted
    # policies' (move, role, target): see Rules.policies_after (the set, and where each policy goes).
    after: dict = field(default_factory=dict, compare=False, repr=False)


class MoveInfo:
    """What the engine reads of a move for every order, read once from the scenario."""

    __slots__ = ("id", "name", "role", "policy", "revocable", "deal", "counterparty", "renegotiated",
                 "counterparty_cost", "play_cost", "targets", "once", "requires", "requires_note", "requires_text",
                 "tags", "kind", "quick", "quick_renegotiated", "play_targets")

    def __init__(self, mid: str, m: Any, requires: Compiled | None) -> None:
        self.id, self.name, self.role = mid, m.name, m.role
        self.policy = bool(m.policy)
        self.revocable = bool(m.policy and m.policy.revocable)
        self.deal = bool(m.deal)
        self.counterparty = m.deal.counterparty if m.deal is not None else None
        self.renegotiated = bool(m.deal and m.deal.renegotiated)
        self.counterparty_cost = m.deal.counterparty_cost if m.deal is not None else 0
        self.play_cost = m.cost + (m.policy.upkeep if m.policy else 0)  # budget.order_cost of a play
        self.targets = tuple(m.targets or ())
        # The targets a play may name: its targets, or None alone for a move without (one
        # membership test for check_order's two target conditions).
        self.play_targets: frozenset[str | None] = frozenset(self.targets) if self.targets else frozenset([None])
        self.once = bool(m.once)
        self.requires, self.requires_note, self.requires_text = requires, m.requires_note, m.requires
        self.tags = m.tags
        # What kind of source a play of it is when carried out (a deal only once made).
        self.kind = "deal" if m.deal else "policy" if m.policy else "move"
        # Rules.quick_plan of a play of it by its role, by target (see Rules.play_plan): a play
        # that stands is its own role's, so the plan depends on the target alone, and a lookup
        # by target spares building and hashing quick_plan's five-part key for every play.
        self.quick: dict[str | None, tuple] = {}
        self.quick_renegotiated: dict[str | None, tuple] = {}


_SOURCE_RANK = {"policy": 0, "move": 1, "deal": 2, "event": 3}
_VARIANT_RANK = {"effects": 0, "event": 1, "ongoing": 2, "renegotiated": 3}  # their sorted order as strings


@dataclass(frozen=True, slots=True)
class Objective:
    slot: int
    weight: float
    goal: str
    target: float | None


class Rules:
    """Everything the engine needs from a scenario, precomputed once."""

    def __init__(self, loaded: LoadedScenario) -> None:
        s: Scenario = loaded.scenario
        self.loaded = loaded
        self.scenario = s
        self.ids: list[str] = indicator_ids(s)
        self.index: dict[str, int] = {k: i for i, k in enumerate(self.ids)}
        inds = [*((f"{sid}.{n}", ind) for sid, sec in s.sectors.items() for n, ind in sec.indicators.items()),
                *((f"{rid}.{n}", ind) for rid, r in s.roles.items() for n, ind in r.indicators.items())]
        self.indicator = {k: ind for k, ind in inds}
        self.lo = [to_fixed(ind.min) for _, ind in inds]
        self.hi = [to_fixed(ind.max) for _, ind in inds]
        self.start = tuple(to_fixed(ind.start) for _, ind in inds)
        self.start_floats = tuple(v / SCALE for v in self.start)  # what start() reads in formulas
        self.roles: list[str] = list(s.roles)
        self.sectors: list[str] = list(s.sectors)
        self.role_rank = {r: i for i, r in enumerate(self.roles)}
        self.budgets: dict[str, int] = {rid: r.budget for rid, r in s.roles.items()}
        self.move_rank = {m: i for i, m in enumerate(s.moves)}
        self.event_rank = {e: i for i, e in enumerate(s.events)}
        self._cache: dict[str, Compiled] = {}
        self._once: dict[Hashable, Any] = {}  # see once()
        # The validated when/scale formulas of each CEffect (by id; every CEffect is kept in
        # self.effects), from which effect_run writes its code.
        self._effect_texts: dict[int, tuple[str | None, str | None]] = {}
        # Effects by (kind, source id, variant): moves' 'effects', policies' 'ongoing',
        # deals' 'renegotiated', events' 'effects'.
        self.effects: dict[tuple[str, str], tuple[CEffect, ...]] = {}
        for mid, m in s.moves.items():
            self.effects[(mid, "effects")] = self._effects(m.effects)
            if m.policy:
                self.effects[(mid, "ongoing")] = self._effects(m.policy.ongoing)
            if m.deal and m.deal.renegotiated:
                self.effects[(mid, "renegotiated")] = self._effects(m.deal.renegotiated)
        for eid, ev in s.events.items():
            self.effects[(eid, "event")] = self._effects(ev.effects)
        self.requires = {mid: self.formula(m.requires) for mid, m in s.moves.items() if m.requires}
        self.triggers = {eid: self.formula(ev.trigger) for eid, ev in s.events.items() if ev.trigger}
        self.dynamics = tuple(
            CRule(rid, self.index[r.indicator], self.formula(r.set or r.delta or "0"), r.set is not None,
                  self.formula(r.when) if r.when else None, tuple(r.cites), r.rationale, r.basis)
            for rid, r in s.dynamics.items()
        )
        self.objectives = {
            rid: tuple(Objective(self.index[o.indicator], o.weight, o.goal, o.target) for o in role.objectives)
            for rid, role in s.roles.items()
        }
        self.axes = {
            sid: (self.index[f"{sid}.{sec.axes.innovation.indicator}"], sec.axes.innovation.threshold,
                  self.index[f"{sid}.{sec.axes.global_effect.indicator}"], sec.axes.global_effect.threshold)
            for sid, sec in s.sectors.items()
        }
        # Thresholds in fixed point, like the values they are compared with: 1.11 * SCALE is
        # 11100.000000000002 in floating point, which would put a value of exactly 1.11 below it.
        self.thresholds = {sid: (ii, to_fixed(it), gi, to_fixed(gt)) for sid, (ii, it, gi, gt) in self.axes.items()}
        self.tags = {mid: m.tags for mid, m in s.moves.items()}
        self._plan()

    # --- what the engine precomputes once per scenario -----------------------------------

    def once(self, key: Hashable, make: Callable[[], _T]) -> _T:
        """What another module works out once per scenario (the bots' plays and utilities, the
        orders a save has seen survive a reload), kept with these rules: it lives as long as
        they do, so no module keeps its own table of scenarios by id. ``make`` must not
        return None; two threads may both make it, and the first kept is kept."""
        hit = self._once.get(key)
        if hit is None:
            hit = self._once.setdefault(key, make())
        return hit

    def _plan(self) -> None:
        s = self.scenario
        # The round's dynamics and clamping in one generated function (see _round_fn).
        self.round_values, self.round_changes = _round_fn(
            tuple((r.set or r.delta or "0", r.set is not None, r.when) for r in s.dynamics.values()),
            tuple(self.index[r.indicator] for r in s.dynamics.values()), tuple(self.ids),
            tuple(self.lo), tuple(self.hi))
        self.dynamics_slots = tuple(r.slot for r in self.dynamics)
        # A state's values as floats (what formulas read), every round: see _floats_fn.
        self.floats: Callable[[tuple[int, ...]], list[float]] = _floats_fn(len(self.ids))
        # Whether a dynamics rule had to stay a closure of a formula context (then the round
        # function is given a function making one; otherwise None).
        self.round_needs_ctx: bool = getattr(self.round_values, "needs_ctx", True)
        # What checking, costing and carrying out an order reads of its move, by move id.
        self.move_info = {mid: MoveInfo(mid, m, self.requires.get(mid)) for mid, m in s.moves.items()}
        # Events in scenario order with what deciding whether they fire needs.
        self.event_plan = tuple((eid, ev.once, frozenset(ev.at), bool(ev.at), self.triggers.get(eid), ev.chance,
                                 len(self.effects[(eid, "event")]))
                                for eid, ev in s.events.items())
        # Each event's quick_plan by its position (event_quick_plan), made on first use.
        self.event_quick: list[tuple | None] = [None] * len(self.event_plan)
        # Which events fire, as one generated function (see _events_fn).
        events = tuple((eid, ev.once, tuple(ev.at), ev.trigger, ev.chance) for eid, ev in s.events.items())
        self.events_fn = _events_fn(events, tuple(self.ids))
        # The same for a round without injects (every look-ahead round): no test of INJ per event.
        self.events_no_injects = _events_fn(events, tuple(self.ids), injects=False)
        # The canonical order of due effects as one integer per (kind, source, variant,
        # index, role, target): see due_key.
        targets = sorted({*s.roles, *s.sectors, *(t for m in s.moves.values() for t in (m.targets or []))})
        self._target_rank = {"": 0, **{t: i + 1 for i, t in enumerate(targets)}}
        self._n_targets = len(targets) + 1
        self._n_roles = len(self.roles) + 2
        self._n_index = 1 + max((len(v) for v in self.effects.values()), default=0)
        self._n_rank = 1 + max(len(s.moves), len(s.events))
        self._due_keys: dict[tuple, int] = {}
        self._pending_due: dict[tuple, tuple] = {}  # see pending_due
        self._by_policies: dict[tuple, PolicySet] = {}
        self._by_identity: dict[int, tuple[tuple, PolicySet]] = {}
        self.plans: dict[tuple, tuple[tuple[int, int, int, int, CEffect], ...]] = {}  # see schedule_plan
        self.quick_plans: dict[tuple, tuple[tuple, tuple, tuple]] = {}  # see quick_plan
        self._per_policy: dict[tuple[str, str, str | None], tuple[list[tuple], list[tuple]]] = {}
        self._runs: dict[int, EffectRun] = {}  # see effect_run, by id of the CEffect (kept in self.effects)

    def due_key(self, kind: str, source: str, variant: str, index: int, role: str | None, target: str | None) -> int:
        """The canonical position of a due effect, as one integer that sorts like the tuple
        (source kind, move or event rank, variant, index, role rank, target): effects due in a
        round are applied, and their spreads drawn, in this order."""
        k = (kind, source, variant, index, role, target)
        key = self._due_keys.get(k)
        if key is None:
            rank = self.move_rank.get(source, 0) if kind != "event" else self.event_rank[source]
            trank = self._target_rank[target or ""]  # only a move's own targets are ever accepted
            key = _SOURCE_RANK[kind]
            for digit, base in ((rank, self._n_rank), (_VARIANT_RANK[variant], 4), (index, self._n_index),
                                (self.role_rank.get(role or "", -1) + 1, self._n_roles),
                                (trank, self._n_targets)):
                key = key * base + digit
            self._due_keys[k] = key
        return key

    def schedule_plan(self, kind: str, source: str, variant: str, role: str | None,
                      target: str | None) -> tuple[tuple[int, int, int, int, CEffect], ...]:
        """A move's or event's effects as (delay, delay + duration - 1, index, due key, effect)."""
        k = (kind, source, variant, role, target)
        plan = self.plans.get(k)
        if plan is None:
            if len(self.plans) >= 8192:
                self.plans.clear()
            plan = self.plans[k] = tuple(
                (e.delay, e.delay + e.duration - 1, i, self.due_key(kind, source, variant, i, role, target), e)
                for i, e in enumerate(self.effects[(source, variant)]))
        return plan

    def quick_plan(self, kind: str, source: str, variant: str, role: str | None,
                   target: str | None) -> tuple[tuple[tuple[int, int], ...], tuple, tuple]:
        """schedule_plan split for advance, which builds no trace: (the effects due at once
        with a fixed amount and no condition, as (indicator position, fixed-point amount),
        which draw nothing and are simply added; the other effects due at once; the effects
        that outlast the round). Integer sums do not depend on the order of adding, and only
        the effects left in the second part draw from the round's stream, so applying the
        first part directly gives the same values and the same draws as the canonical order."""
        k = (kind, source, variant, role, target)
        q = self.quick_plans.get(k)
        if q is None:
            adds: list[tuple[int, int]] = []
            now: list[tuple] = []
            later: list[tuple] = []
            for entry in self.schedule_plan(kind, source, variant, role, target):
                delay, last_offset, _, _, e = entry
                if last_offset > 0:
                    later.append(entry)
                if delay:
                    continue
                idx = e.slot
                if idx is None and target is not None and e.by_target is not None:
                    if target not in e.by_target:
                        continue  # not an indicator of this target: resolve skips it too
                    idx = e.by_target[target]
                if idx is not None and e.when is None and e.fixed is not None:
                    if e.fixed:
                        adds.append((idx, e.fixed))
                else:
                    now.append((entry[3], e, self.effect_run(e)))
            if len(self.quick_plans) >= 8192:
                self.quick_plans.clear()
            q = self.quick_plans[k] = (tuple(adds), tuple(now), tuple(later))
        return q

    def play_plan(self, m: MoveInfo, variant: str, target: str | None) -> tuple[tuple[tuple[int, int], ...], tuple, tuple]:
        """quick_plan of a play of move ``m`` by its own role (carried out as ``m.kind``), kept
        on the move by target: ``m.quick`` (variant 'effects') or ``m.quick_renegotiated``."""
        kept = m.quick if variant == "effects" else m.quick_renegotiated
        q = kept.get(target)
        if q is None:
            q = kept[target] = self.quick_plan(m.kind, m.id, variant, m.role, target)
        return q

    def event_quick_plan(self, k: int) -> tuple[tuple[tuple[int, int], ...], tuple, tuple]:
        """quick_plan of the event at position ``k`` (an event has one: no role, no target),
        kept in ``event_quick``."""
        q = self.event_quick[k] = self.quick_plan("event", self.event_plan[k][0], "event", None, None)
        return q

    def pending_due(self, p: tuple) -> tuple:
        """A pending entry (state.pending's Pending) as the due entry it gives when it comes due,
        without its sequence number: (due key, kind, source, role, target, effect, its
        effect_run). Kept per entry: the same entries come due in many look-ahead rounds."""
        hit = self._pending_due.get(p)
        if hit is None:
            kind, source, variant, index, role, target = p[2:]
            if len(self._pending_due) >= 8192:
                self._pending_due.clear()
            e = self.effects[(source, variant)][index]
            hit = self._pending_due[p] = (self.due_key(kind, source, variant, index, role, target), kind, source,
                                          role, target, e, self.effect_run(e))
        return hit

    def policy_set(self, policies: tuple[Any, ...]) -> "PolicySet":
        """What only changes when the policies in force change, computed once per set.

        Looked up first by the identity of the tuple (a state keeps its policies tuple
        until they change, and bots look ahead many times from one state), then by content.
        """
        hit = self._by_identity.get(id(policies))
        if hit is not None and hit[0] is policies:
            return hit[1]
        key = tuple([p[:3] for p in policies])  # (move, role, target) of each
        ps = self._by_policies.get(key)
        if ps is None:
            if len(self._by_policies) >= 4096:
                self._by_policies.clear()
            ps = self._by_policies[key] = self._policy_set(key)
        if len(self._by_identity) >= 256:
            self._by_identity.clear()
        self._by_identity[id(policies)] = (policies, ps)  # the tuple is kept, so its id is not reused
        return ps

    def policies_after(self, before: "PolicySet", old: tuple[Any, ...], enacted: list[Any]) -> tuple[tuple[Any, ...], "PolicySet"]:
        """The policies in force after enacting ``enacted`` (nothing revoked) on ``old``,
        in canonical order, and their set (as policy_set). ``old`` is ``before``'s policies,
        already in canonical order (every state's policies are), and no enacted policy is in
        force before (check_order), so where each policy goes depends only on the (move,
        role, target) of ``old`` (which ``before`` stands for) and of ``enacted``: the
        placement is worked out once per set and enacted policies (a sort with a key per
        policy) and kept with the set after, as an itemgetter over ``old + enacted``. Bots
        try one new policy after another from the same position."""
        added = tuple([p[:3] for p in enacted])  # (move, role, target) of each
        hit = before.after.get(added)
        if hit is None:
            role_rank, move_rank = self.role_rank, self.move_rank
            combined = [*old, *enacted]
            order = sorted(range(len(combined)), key=lambda i: (role_rank[combined[i].role],
                           move_rank[combined[i].move], combined[i].target or "", combined[i].since))
            key = tuple([combined[i][:3] for i in order])
            ps = self._by_policies.get(key)
            if ps is None:
                if len(self._by_policies) >= 4096:
                    self._by_policies.clear()
                ps = self._by_policies[key] = self._policy_set(added, before)
            if len(before.after) >= 64:
                before.after.clear()
            # itemgetter of one position gives the item, not a tuple: two positions at least
            # are asked for then, and the tuple cut to its length.
            hit = before.after[added] = (ps, itemgetter(*order) if len(order) > 1 else None)
        ps, place = hit
        policies = place(old + tuple(enacted)) if place is not None else tuple(enacted)
        if len(self._by_identity) >= 256:
            self._by_identity.clear()
        self._by_identity[id(policies)] = (policies, ps)  # the tuple is kept, so its id is not reused
        return policies, ps

    def _policy_set(self, key: tuple[tuple[str, str, str | None], ...], base: "PolicySet | None" = None) -> "PolicySet":
        """The set of ``base``'s policies (if any) and those of ``key``. Every part is an
        order-free sum (sets, counts, integer totals) or sorted, so the result is the same
        however the policies are split between ``base`` and ``key``."""
        acting: dict[str, set[str]] = {t: set(r) for t, r in base.acting.items()} if base else {}
        upkeep = dict(base.upkeep) if base else dict.fromkeys(self.roles, 0)
        const: list[tuple] = list(base.const) if base else []
        varying: list[tuple] = list(base.varying) if base else []
        totals: dict[int, int] = dict(base.totals) if base else {}
        for move, role, target in key:
            for t in self.tags[move]:
                acting.setdefault(t, set()).add(role)
            pol = self.scenario.moves[move].policy
            upkeep[role] = upkeep.get(role, 0) + (pol.upkeep if pol else 0)
            c, v = self._one_policy(move, role, target)
            const += c
            varying += v
            for _, _, contrib, idx in c:
                totals[idx] = totals.get(idx, 0) + contrib.amount
        # Each policy's entries are in canonical order; sorting the runs merges them.
        const.sort()
        varying.sort()
        active = frozenset(m for m, _, _ in key)
        held = frozenset((m, r) for m, r, _ in key)
        in_force = frozenset((m, t) for m, _, t in key)
        return PolicySet(base.active | active if base else active, {t: len(r) for t, r in acting.items()}, upkeep,
                         tuple(const), tuple(varying), tuple(totals.items()),
                         {t: frozenset(r) for t, r in acting.items()},
                         base.held | held if base else held, base.in_force | in_force if base else in_force)

    def _one_policy(self, move: str, role: str, target: str | None) -> tuple[list[tuple], list[tuple]]:
        """One policy's ongoing effects as due entries: those with a fixed, unconditional
        amount as ready contributions (the same every round the policy is in force), the
        others to evaluate each round. Kept per policy, so a new set of policies is a merge."""
        k = (move, role, target)
        hit = self._per_policy.get(k)
        if hit is not None:
            return hit
        const: list[tuple] = []
        varying: list[tuple] = []
        for i, e in enumerate(self.effects.get((move, "ongoing"), ())):
            key_ = self.due_key("policy", move, "ongoing", i, role, target)
            # The sequence number only breaks ties, and two entries of a set never tie: a
            # policy is in force at most once per target.
            idx = e.slot
            if idx is None and target is not None and e.by_target is not None:
                if target not in e.by_target:
                    continue  # not an indicator of this target: never applies
                idx = e.by_target[target]
            if idx is not None and e.when is None and e.fixed is not None:
                if e.fixed:
                    const.append((key_, 1 << 40, Contribution(self.ids[idx], e.fixed, "policy", move, role, None,
                                                              e.cites, e.rationale, e.basis), idx))
            else:
                varying.append((key_, 1 << 40, "policy", move, role, target, e, self.effect_run(e)))
        self._per_policy[k] = (const, varying)
        return const, varying

    def effect_run(self, e: CEffect) -> "EffectRun":
        """What resolve's step 5 does with one due effect, for advance (no trace), as one
        generated function of (W, TG, C, RNG): W the values (a list, added to), TG the
        entry's target, C the round's formula context, RNG the round's stream (see
        _effect_fn). Made on first use and kept per effect."""
        run = self._runs.get(id(e))
        if run is None:
            when, scale = self._effect_texts[id(e)]
            run = self._runs[id(e)] = _effect_fn(e, when, scale, tuple(self.ids))
        return run

    def formula(self, text: str) -> Compiled:
        fn = self._cache.get(text)
        if fn is None:
            fn = self._cache[text] = _compiled(text, tuple(self.ids))
        return fn

    def _effects(self, effects: list[Effect]) -> tuple[CEffect, ...]:
        out = []
        for e in effects:
            slot, by_target = None, None
            if e.indicator.startswith("$target."):
                name = e.indicator.split(".", 1)[1]
                by_target = {t: self.index[f"{t}.{name}"] for t in self._all_targets() if f"{t}.{name}" in self.index}
            else:
                slot = self.index[e.indicator]
            constant = not e.spread and not e.relative and e.scale is None
            ce = CEffect(slot, by_target, e.change, e.relative, e.delay, e.duration, e.spread,
                         self.formula(e.when) if e.when else None,
                         self.formula(e.scale) if e.scale else None,
                         tuple(e.cites), e.rationale,
                         # change + 0.0: what the engine adds when no spread is drawn
                         to_fixed_or_zero(e.change + 0.0) if constant else None, e.basis)
            self._effect_texts[id(ce)] = (e.when, e.scale)
            out.append(ce)
        return tuple(out)

    def _all_targets(self) -> list[str]:
        return [*self.scenario.roles, *self.scenario.sectors]

    def label(self, kind: str, source: str) -> str:
        s = self.scenario
        if kind in ("move", "policy", "deal") and source in s.moves:
            return s.moves[source].name
        if kind == "event" and source in s.events:
            return s.events[source].name
        if kind == "rule":
            return source.replace("_", " ")
        return source


_COMPILED: dict[tuple[str, tuple[str, ...]], Compiled] = {}


def _compiled(text: str, ids: tuple[str, ...]) -> Compiled:
    """A formula compiled against indicator positions, shared by every Rules with the same
    indicators (simulate and saves build Rules per game; a compiled formula is a pure function
    of its context, so sharing it is safe)."""
    key = (text, ids)
    fn = _COMPILED.get(key)
    if fn is None:
        if len(_COMPILED) >= 4096:
            _COMPILED.clear()
        formula = Formula.parse(text)
        index = {k: i for i, k in enumerate(ids)}
        fn = _COMPILED[key] = fast_compile(formula, index) or formula.compile(index)
    return fn


# --- formulas and the round's arithmetic as generated Python -------------------------------
#
# ``Formula.compile`` builds a tree of closures: one Python call per node. The engine
# instead writes Python from each parsed formula's syntax tree, with one code generator
# (``_gen``) for both uses: a single formula as one function of a context (conditions,
# scales, preconditions, triggers: ``fast_compile``), and the whole round's dynamics and
# clamping as one function per scenario (``_round_fn``). No text from the scenario
# reaches the generated source: indicators become positions (``V[3]``) or locals
# (``v3``), finite numbers are written as the ``repr`` of the parsed float (which reads
# back as the same float), and every other number and every quoted id is passed in as a
# bound constant (``k0``). Each node computes exactly what its closure in
# wargame.scenario.formula computes: division by zero is 0, ``min``/``max``/``clamp``
# are written inline with temporaries (a formula is pure, so evaluating an operand first
# or second cannot change its value, and each inline form returns what the built-in
# returns, NaN included), so results are the same floats bit for bit. A node the
# generator does not know falls back to ``Formula.compile``.

class _Unsupported(Exception):
    pass


class _Dialect(NamedTuple):
    """How the generated code reads what a formula reads."""

    ref: str  # an indicator's value; {i} is its position
    round: str
    active: str  # {k} is the bound constant holding the move id
    played: str
    acting: str
    start: str
    prev: str


# A formula as a function of the engine's context (wargame.engine.resolve.Ctx), whose sets of
# active and played ids and tag counts it reads directly (what Ctx.active etc. return).
_CTX = _Dialect("V[{i}]", "_float(c.round)", "{k} in c._active", "{k} in c._played", "_float(c._tags.get({k}, 0))",
                "c.starts[{i}]", "c.prevs[{i}]")
# The round function's locals: v3 a value after this round's effects, S starts, P values at
# the start of the round, R the round (float), A policy ids in force, PL ids played, T tag counts.
_ROUND = _Dialect("v{i}", "R", "{k} in A", "{k} in PL", "_float(T.get({k}, 0))", "S[{i}]", "P[{i}]")
# As _ROUND, reading values from a list V (when a rule has to be called as a closure).
_ROUND_LIST = _ROUND._replace(ref="V[{i}]")


_COMPARE = ("<", "<=", ">", ">=", "==", "!=")


def _gen(node: Node, index: dict[str, int], consts: dict[str, object], temps: list[int], d: _Dialect,
         refs: set[int] | None = None, as_cond: bool = False) -> str:
    """One node as a Python expression in dialect ``d``; ``refs`` collects the positions read.

    ``as_cond``: only the truth of the value is read (a condition), so a comparison or a
    test of the orders may stay a bool rather than become 1.0 or 0.0: the truth is the same.
    """

    def const(value: object) -> str:
        name = f"k{len(consts)}"
        consts[name] = value
        return name

    def temp() -> str:
        temps[0] += 1
        return f"_t{temps[0]}"

    def gen(n: Node) -> str:
        return _gen(n, index, consts, temps, d, refs)

    def cond(n: Node) -> str:
        return _gen(n, index, consts, temps, d, refs, True)

    if as_cond:
        match node:
            case Binary(op=op, left=a, right=b) if op in _COMPARE:
                return f"({gen(a)} {op} {gen(b)})"
            case Binary(op="and" | "or" as op, left=a, right=b):
                return f"({cond(a)} {op} {cond(b)})"
            case Unary(op="not", operand=x):
                return f"(not {cond(x)})"
            case Call(name="active", args=(Str(value=mid),)):
                return f"({d.active.format(k=const(mid))})"
            case Call(name="played", args=(Str(value=mid),)):
                return f"({d.played.format(k=const(mid))})"

    def pos(name: str) -> int:
        i = int(index[name])
        if refs is not None:
            refs.add(i)
        return i

    def pick2(a: str, op: str, b: str) -> str:
        # max(a, b) is b if a < b else a; min(a, b) is b if a > b else a. A number needs no
        # temporary: it reads the same twice.
        if _literal(a):
            ta, sa = a, a
        else:
            ta = temp()
            sa = f"({ta} := {a})"
        if _literal(b):
            tb, sb = b, b
        else:
            tb = temp()
            sb = f"({tb} := {b})"
        return f"({tb} if {sa} {op} {sb} else {ta})"

    def max2(a: str, b: str) -> str:
        return pick2(a, "<", b)

    def min2(a: str, b: str) -> str:
        return pick2(a, ">", b)

    match node:
        case Num(value=v) if type(v) is float and math.isfinite(v):
            return repr(v)  # a float's repr reads back as the same float
        case Num(value=v):
            return const(v)
        case Ref(name="round"):
            return d.round
        case Ref(name=name):
            return d.ref.format(i=pos(name))
        case Unary(op="-", operand=x):
            return f"(-{gen(x)})"
        case Unary(op="+", operand=x):
            return gen(x)
        case Unary(op="not", operand=x):
            return f"(0.0 if {cond(x)} else 1.0)"
        case Binary(op="and" | "or", left=a, right=b):
            return f"(1.0 if {cond(node)} else 0.0)"
        case Binary(op=op, left=a, right=b) if op in ("+", "-", "*"):
            return f"({gen(a)} {op} {gen(b)})"
        case Binary(op="/", left=a, right=Num(value=v)) if type(v) is float and math.isfinite(v) and v != 0.0:
            return f"({gen(a)} / {v!r})"  # _div by a number that is not zero: a plain division
        case Binary(op="/", left=a, right=b):
            tb = temp()
            return f"({gen(a)} / {tb} if ({tb} := {gen(b)}) else 0.0)"  # _div: a / b if b else 0.0
        case Binary(op="^", left=a, right=Num(value=v)) if type(v) is float and 0.0 < v <= 1.0:
            # _pow without the call where it cannot fail: a base >= 0 to a power in (0, 1]
            # neither raises nor overflows nor is complex, so _pow would return a ** v itself.
            ta = temp()
            return f"({ta} ** {v!r} if ({ta} := {gen(a)}) >= 0.0 else _pow({ta}, {v!r}))"
        case Binary(op="^", left=a, right=b):
            return f"_pow({gen(a)}, {gen(b)})"
        case Binary(op=op, left=a, right=b) if op in _COMPARE:
            return f"(1.0 if {cond(node)} else 0.0)"
        case Call(name="active" | "played", args=(Str(),)):
            return f"(1.0 if {cond(node)} else 0.0)"
        case Call(name="acting", args=(Str(value=tag),)):
            return d.acting.format(k=const(tag))
        case Call(name="start", args=(Ref(name=name),)) if name != "round":
            return d.start.format(i=int(index[name]))
        case Call(name="prev", args=(Ref(name=name),)) if name != "round":
            return d.prev.format(i=int(index[name]))
        case Call(name="if", args=(c, a, b)):
            return f"({gen(a)} if {cond(c)} else {gen(b)})"
        case Call(name="clamp", args=(x, lo, hi)):
            return min2(max2(gen(x), gen(lo)), gen(hi))  # min(max(x, lo), hi)
        case Call(name="min" | "max", args=args) if len(args) >= 2:
            # min(a, b, c) keeps the first of equals, as min(min(a, b), c) does.
            pick = min2 if node.name == "min" else max2
            out = gen(args[0])
            for a in args[1:]:
                out = pick(out, gen(a))
            return out
        case Call(name=name, args=(x,)) if name in _UNARY_FN:
            return f"{const(_UNARY_FN[name])}({gen(x)})"
    raise _Unsupported(repr(node))


def _literal(code: str) -> bool:
    """Is this generated expression a finite float literal (``2.5``, ``(-0.45)``)?"""
    text = code[2:-1] if code.startswith("(-") and code.endswith(")") else code
    if not text or not (text[0].isdigit() or text[0] == "."):
        return False
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _env(consts: dict[str, object]) -> dict[str, object]:
    return {"__builtins__": {}, "_float": float, "_round": round, "_fround": float.__round__, "_map": map, "_pow": _pow, "OverflowError": OverflowError, "TypeError": TypeError,
            "ValueError": ValueError, **consts}


def fast_compile(formula: Formula, index: dict[str, int]) -> Compiled | None:
    """One Python function computing the formula of an engine ``Ctx``, or None if it cannot
    be written (then use ``formula.compile``)."""
    consts: dict[str, object] = {}
    try:
        body = _gen(formula.tree, index, consts, [0], _CTX)
        source = f"def _formula(c):\n    V = c.values\n    return {body}\n"
        env = _env(consts)
        exec(compile(source, "<formula>", "exec"), env)  # noqa: S102 - source built from the tree, see above
    except (_Unsupported, KeyError, SyntaxError, RecursionError, MemoryError, ValueError):
        return None
    fn = env["_formula"]
    return fn  # type: ignore[return-value]


# --- the round's dynamics and clamping as one generated function --------------------------
#
# Dynamics are most of a round's arithmetic. Every rule of a scenario is written into one
# function (see above for how), together with what follows it in the round: every change
# turned into fixed point exactly as ``to_fixed_or_zero`` does, all added to the values
# after the round's effects, and every value clamped to its bounds. Values are read into
# locals once (``v3 = W[3] / 10000``, what ``W[3] / SCALE`` gives) and each rule's change
# is a local, so the function builds nothing but the new values' tuple.
#
# The rules are first computed without the finiteness check: ``round`` raises on an
# infinite or NaN change, and then every rule is computed again with the check (``y - y
# == 0.0`` is true exactly when y is finite); nothing is written before all changes are
# known, so the first attempt leaves no trace.

RoundFn = Callable[..., Any]


def _round_fn(rules: tuple[tuple[str, bool, str | None], ...], slots: tuple[int, ...], ids: tuple[str, ...],
              lo: tuple[int, ...], hi: tuple[int, ...]) -> tuple[RoundFn, RoundFn]:
    """Two functions of (W, S, P, R, A, PL, T, CL, MK): W the fixed-point values after this
    round's effects (a list), S starts, P values at the start of the round (floats), R the
    round as a float, A the policy ids in force, PL the move ids played, T tag counts, CL a
    list to which (position, value) is added for each value clamped, MK a function making
    the formula context from the list of values (used only for a rule that has to be
    called as a closure). The first returns the new values as a tuple; the second returns
    that and the list of each rule's fixed-point change, in rule order (0: no change)."""
    key = (rules, slots, ids, lo, hi)
    fns = _ROUNDS.get(key)
    if fns is not None:
        return fns
    index = {k: i for i, k in enumerate(ids)}
    consts: dict[str, object] = {}
    temps = [0]
    refs: set[int] = set()
    exprs: list[tuple[str, str | None]] = []
    # Written first with values as locals; if a rule cannot be written, every rule reads a list
    # (the closure needs it) and the context is made once.
    for dialect in (_ROUND, _ROUND_LIST):
        consts.clear()
        temps[0] = 0
        refs.clear()
        exprs.clear()
        needs_ctx = False
        for k, ((text, is_set, when), slot) in enumerate(zip(rules, slots)):
            temps[0] = 0  # a temporary lives within one rule: fewer locals (past 256 each costs more)
            try:
                expr = _gen(Formula.parse(text).tree, index, consts, temps, dialect, refs)
            except (_Unsupported, KeyError, RecursionError):
                name = f"f_{k}"
                consts[name] = _compiled(text, ids)
                expr, needs_ctx = f"{name}(C)", True
            cond = None
            if when is not None:
                try:
                    cond = _gen(Formula.parse(when).tree, index, consts, temps, dialect, refs, True)
                except (_Unsupported, KeyError, RecursionError):
                    name = f"w_{k}"
                    consts[name] = _compiled(when, ids)
                    cond, needs_ctx = f"{name}(C)", True
            if is_set:
                expr = f"({expr}) - {dialect.ref.format(i=int(slot))}"
                refs.add(int(slot))
            exprs.append((expr, cond))
        if not needs_ctx:
            break
    pad = "    "
    head = ["def {name}(W, S, P, R, A, PL, T, CL, MK, _round=_round, _fround=_fround, _map=_map):"]
    if needs_ctx:
        head += [pad + f"V = [w / {SCALE} for w in W]", pad + "C = MK(V)"]
    else:
        # Every value read once, by one unpacking: the integer for the sum, the float for formulas.
        if ids:
            head.append(pad + "".join(f"u{i}, " for i in range(len(ids))) + "= W")
        head += [pad + f"v{i} = u{i} / {SCALE}" for i in sorted(refs)]
    # Every change rounded by one map over a tuple of the scaled changes (a rule whose
    # condition is false contributes 0.0, which rounds to 0); a temporary lives within one
    # element of the tuple, which is evaluated in full before the next.
    # The check for infinite or NaN changes is in a function of its own, called only when
    # needed, so that the function run every round is half the size.
    fast = [pad + "try:", pad * 2 + "pass"]  # (a scenario may have no dynamics)
    fs = "".join(f"f{k}, " for k in range(len(exprs)))
    # Every change is a float (numbers are parsed as floats; comparisons, tests and counts
    # give floats), rounded by float.__round__ itself: what round() calls on a float, without
    # its lookup of __round__ (66 rules: ~6.7 -> ~2.5 us a round, measured). Were a change not
    # a float after all, TypeError sends the round to _checked, whose round() takes anything.
    safe = [pad + "except (OverflowError, ValueError, TypeError):  # a change is infinite or NaN: no change",
            pad * 2 + (f"{fs}= _checked(W, S, P, R, A, PL, T, MK)" if exprs else "pass")]
    checked = [head[0].format(name="_checked").replace("CL, ", ""), *head[1:]]
    if exprs:
        fast.append(pad * 2 + f"{fs}= _map(_fround, (")
    for k, (expr, cond) in enumerate(exprs):
        if cond is None:
            fast.append(pad * 3 + f"({expr}) * {SCALE},")
            checked.append(pad + f"y = ({expr}) * {SCALE}")
        else:
            fast.append(pad * 3 + f"(({expr}) * {SCALE} if {cond} else 0.0),")
            checked.append(pad + f"y = ({expr}) * {SCALE} if {cond} else 0.0")
        checked.append(pad + f"f{k} = _round(y) if y - y == 0.0 else 0")
    checked.append(pad + f"return ({fs})")
    if exprs:
        fast.append(pad * 2 + "))")
    by_slot: dict[int, list[int]] = {}
    for k, slot in enumerate(slots):
        by_slot.setdefault(int(slot), []).append(k)
    tail = []
    for i in range(len(ids)):
        ks = by_slot.get(i)
        # The new value in u{i}.
        if needs_ctx:
            tail.append(pad + f"u{i} = W[{i}]" + "".join(f" + f{k}" for k in ks or ()))
        elif ks:
            tail.append(pad + f"u{i} = u{i}" + "".join(f" + f{k}" for k in ks))
        lo_i, hi_i = int(lo[i]), int(hi[i])
        tail += [pad + f"if u{i} < {lo_i}:", pad * 2 + f"CL.append(({i}, u{i}))", pad * 2 + f"u{i} = {lo_i}",
                 pad + f"elif u{i} > {hi_i}:", pad * 2 + f"CL.append(({i}, u{i}))", pad * 2 + f"u{i} = {hi_i}"]
    values = "(" + "".join(f"u{i}, " for i in range(len(ids))) + ")"
    changes = "[" + ", ".join(f"f{k}" for k in range(len(exprs))) + "]"
    body = [*fast, *safe, *tail]
    code = "\n".join([*checked, head[0].format(name="_round_values"), *head[1:], *body, pad + f"return {values}",
                      head[0].format(name="_round_changes"), *head[1:], *body,
                      pad + f"return {values}, {changes}"]) + "\n"
    env = _env(consts)
    exec(compile(code, "<round>", "exec"), env)  # noqa: S102 - source built from the trees, see above
    for name in ("_round_values", "_round_changes"):  # whether MK is ever called (see Rules.round_needs_ctx)
        env[name].needs_ctx = needs_ctx  # type: ignore[attr-defined]
    fns = _ROUNDS[key] = (env["_round_values"], env["_round_changes"])  # type: ignore[assignment]
    if len(_ROUNDS) > 64:
        _ROUNDS.pop(next(iter(_ROUNDS)))
    return fns


_ROUNDS: dict[tuple, tuple[RoundFn, RoundFn]] = {}


def _floats_fn(n: int) -> Callable[[tuple[int, ...]], list[float]]:
    """``lambda W: [w / SCALE for w in W]`` for n values, written out: one unpacking and a
    division per value, without a loop's or a global's cost (72 values: ~2.5 -> ~1.6 us,
    measured). Generated from the count alone."""
    fn = _FLOATS.get(n)
    if fn is None:
        us = "".join(f"u{i}, " for i in range(n))
        code = (f"def _floats(W):\n    {us}= W\n    return [" + "".join(f"u{i} / {SCALE}, " for i in range(n)) + "]\n"
                if n else "def _floats(W):\n    return []\n")
        env = _env({})
        exec(compile(code, "<floats>", "exec"), env)  # noqa: S102 - built from a count
        fn = _FLOATS[n] = env["_floats"]  # type: ignore[assignment]
    return fn


_FLOATS: dict[int, Callable[[tuple[int, ...]], list[float]]] = {}


# --- which events fire, as one generated function ----------------------------------------
#
# Each round every event is considered in scenario order: injected by the facilitator; or,
# unless it is a once-only event that has fired, scheduled for this round, or triggered
# (its formula is true), or (with neither rounds nor a trigger) left to chance; and if it has
# a chance, a number is drawn that must fall below it. The generated function does exactly
# that, with each trigger written in (as in _round_fn) rather than called.

EventsFn = Callable[..., list[tuple[int, str, float | None]]]


def _events_fn(events: tuple[tuple[str, bool, tuple[int, ...], str | None, float | None], ...],
               ids: tuple[str, ...], injects: bool = True) -> EventsFn:
    """A function of (C, V, S, R, RI, A, PL, T, INJ, F, RNG): C the formula context, V the
    values at the start of the round (floats, also what prev() reads), S starts, R the
    round as a float and RI as an int, A the policy ids in force, PL the ids played, T tag
    counts, INJ the injected event ids, F the once-only events already fired, RNG the
    round stream's ``random``. It returns (event position, how, roll) for each event that
    fires, in scenario order. With ``injects`` false, INJ is taken to be empty and is not read
    (the compiler drops the ``if False:`` branches, so each event's first test is its own)."""
    key = (events, ids, injects)
    fn = _EVENTS.get(key)
    if fn is not None:
        return fn
    index = {k: i for i, k in enumerate(ids)}
    consts: dict[str, object] = {}
    temps = [0]
    dialect = _ROUND_LIST._replace(prev="V[{i}]")
    pad = "    "
    lines = ["def _events(C, V, S, R, RI, A, PL, T, INJ, F, RNG):", pad + "out = []", pad + "add = out.append"]

    def const(value: object) -> str:
        name = f"k{len(consts)}"
        consts[name] = value
        return name

    for k, (eid, once, at, trigger, chance) in enumerate(events):
        e = const(eid)
        lines += [pad + (f"if {e} in INJ:" if injects else "if False:"), pad * 2 + f"add(({k}, 'inject', None))"]
        lines.append(pad + (f"elif {e} not in F:" if once else "else:"))
        tests: list[tuple[str, str]] = []  # (condition, how), tried in turn
        if at:
            tests.append((f"RI in {const(frozenset(at))}", "scheduled"))
        if trigger is not None:
            temps[0] = 0
            try:
                cond = _gen(Formula.parse(trigger).tree, index, consts, temps, dialect, None, True)
            except (_Unsupported, KeyError, RecursionError):
                cond = f"{const(_compiled(trigger, ids))}(C)"
            tests.append((cond, "trigger"))
        elif not at and chance is not None:
            tests.append(("True", "chance"))
        if not tests:
            lines.append(pad * 2 + "pass")
        for j, (cond, how) in enumerate(tests):
            lines.append(pad * 2 + ("if" if j == 0 else "elif") + f" {cond}:")
            if chance is None:
                lines.append(pad * 3 + f"add(({k}, {how!r}, None))")
            else:
                lines += [pad * 3 + "roll = RNG()", pad * 3 + f"if roll < {const(chance)}:",
                          pad * 4 + f"add(({k}, {how!r}, roll))"]
    lines.append(pad + "return out")
    env = _env(consts)
    exec(compile("\n".join(lines) + "\n", "<events>", "exec"), env)  # noqa: S102 - built from the trees, see above
    fn = _EVENTS[key] = env["_events"]  # type: ignore[assignment]
    if len(_EVENTS) > 64:
        _EVENTS.pop(next(iter(_EVENTS)))
    return fn


_EVENTS: dict[tuple, EventsFn] = {}


# --- one due effect, as resolve's step 5 applies it, as one generated function ------------
#
# Step 5 reads a dozen fields of each due effect to decide what to compute (its indicator
# by target, condition, spread, relative size, scale). For advance (no trace, so nothing but
# the values is kept) each effect gets a function written for it alone, from its model and
# its validated formulas' trees (the condition and scale inline, in fast_compile's dialect).

EffectRun = Callable[[list[int], "str | None", Any, Any], None]


def _effect_fn(e: CEffect, when: str | None, scale: str | None, ids: tuple[str, ...]) -> EffectRun:
    """A function of (W, TG, C, RNG) adding to W (the values, fixed point) what resolve's
    step 5 adds for effect ``e`` due with target TG, in formula context C, drawing from
    stream RNG, in the same operations on the same floats: the indicator by target (an
    indicator this target lacks: nothing), the condition, then the fixed amount or the
    change (a spread drawn as ``RNG.uniform(-spread, spread)``), times the start value if
    relative, times the scale, to fixed point (an infinite or NaN amount is no change).
    ``when`` and ``scale`` are e's formula texts (those of ``e.when`` and ``e.scale``)."""
    index = {k: i for i, k in enumerate(ids)}
    consts: dict[str, object] = {}
    temps = [0]

    def const(value: object) -> str:
        name = f"k{len(consts)}"
        consts[name] = value
        return name

    def formula(text: str, compiled: Compiled | None, as_cond: bool) -> str:
        try:
            return _gen(Formula.parse(text).tree, index, consts, temps, _CTX, None, as_cond)
        except (_Unsupported, KeyError, RecursionError):
            return f"{const(compiled)}(C)"

    pad = "    "
    lines = ["def _run(W, TG, C, RNG):"]
    if e.slot is not None:
        i = str(int(e.slot))
    else:
        bt = const(e.by_target)
        lines += [pad + f"if TG is not None and TG not in {bt}:", pad * 2 + "return", pad + f"I = {bt}[TG]"]
        i = "I"
    if when is not None or scale is not None or (e.fixed is None and e.relative):
        lines += [pad + "c = C", pad + "V = C.values"]  # what fast_compile's dialect reads
    if when is not None:
        lines += [pad + f"if not {formula(when, e.when, True)}:", pad * 2 + "return"]
    if e.fixed is not None:
        lines.append(pad + f"W[{i}] += {int(e.fixed)}")
    else:
        if e.spread:
            lines.append(pad + f"change = {const(e.change)} + (RNG.uniform({const(-e.spread)}, {const(e.spread)}) or 0.0)")
        else:
            lines.append(pad + f"change = {const(e.change + 0.0)}")  # e.change + (None or 0.0)
        lines.append(pad + (f"amount = V[{i}] * change" if e.relative else "amount = change"))
        if scale is not None:
            lines.append(pad + f"amount *= {formula(scale, e.scale, False)}")
        lines += [pad + f"y = amount * {SCALE}", pad + "if y - y == 0.0:", pad * 2 + f"W[{i}] += _round(y)"]
    env = _env(consts)
    exec(compile("\n".join(lines) + "\n", "<effect>", "exec"), env)  # noqa: S102 - built from the model and trees, see above
    return env["_run"]  # type: ignore[return-value]
