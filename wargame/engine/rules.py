"""A scenario compiled for the engine: indicators by position, formulas as closures.

Indicator values are fixed-point integers (``SCALE`` units per 1.0) so that the
contributions in a trace add up to the change *exactly*, and so that a game's
log is the same bytes on every machine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

from wargame.scenario.formula import _UNARY_FN, Binary, Call, Compiled, Formula, Node, Num, Ref, Str, Unary, _div, _pow
from wargame.scenario.loader import LoadedScenario, indicator_ids
from wargame.scenario.model import Basis, Effect, Scenario

from wargame.engine.fixed import SCALE, to_fixed, to_fixed_or_zero, to_float
from wargame.engine.state import Contribution

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
    varying: tuple[tuple, ...]  # (due key, seq, kind, source, role, target, CEffect)
    totals: tuple[tuple[int, int], ...]  # (indicator position, fixed-point sum of const)
    acting: dict[str, frozenset[str]] = field(default_factory=dict)  # tag -> roles with such a policy


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
        self.move_rank = {m: i for i, m in enumerate(s.moves)}
        self.event_rank = {e: i for i, e in enumerate(s.events)}
        self._cache: dict[str, Compiled] = {}
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

    def _plan(self) -> None:
        s = self.scenario
        # Every dynamics rule in one generated function (see _dynamics_source).
        self.dynamics_fn, self.dynamics_into = _dynamics_fn(tuple((r.set or r.delta or "0", r.set is not None, r.when)
                                                          for r in s.dynamics.values()),
                                                    tuple(self.index[r.indicator] for r in s.dynamics.values()),
                                                    tuple(self.ids))
        # Events in scenario order with what deciding whether they fire needs.
        self.event_plan = tuple((eid, ev.once, frozenset(ev.at), bool(ev.at), self.triggers.get(eid), ev.chance,
                                 len(self.effects[(eid, "event")]))
                                for eid, ev in s.events.items())
        # The canonical order of due effects as one integer per (kind, source, variant,
        # index, role, target): see due_key.
        targets = sorted({*s.roles, *s.sectors, *(t for m in s.moves.values() for t in (m.targets or []))})
        self._target_rank = {"": 0, **{t: i + 1 for i, t in enumerate(targets)}}
        self._n_targets = len(targets) + 1
        self._n_roles = len(self.roles) + 2
        self._n_index = 1 + max((len(v) for v in self.effects.values()), default=0)
        self._n_rank = 1 + max(len(s.moves), len(s.events))
        self._due_keys: dict[tuple, int] = {}
        self._by_policies: dict[tuple, PolicySet] = {}
        self._by_identity: dict[int, tuple[tuple, PolicySet]] = {}
        self._plans: dict[tuple, tuple[tuple[int, int, int, int, CEffect], ...]] = {}
        self._per_policy: dict[tuple[str, str, str | None], tuple[list[tuple], list[tuple]]] = {}

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
        plan = self._plans.get(k)
        if plan is None:
            if len(self._plans) >= 8192:
                self._plans.clear()
            plan = self._plans[k] = tuple(
                (e.delay, e.delay + e.duration - 1, i, self.due_key(kind, source, variant, i, role, target), e)
                for i, e in enumerate(self.effects[(source, variant)]))
        return plan

    def policy_set(self, policies: tuple[Any, ...]) -> "PolicySet":
        """What only changes when the policies in force change, computed once per set.

        Looked up first by the identity of the tuple (a state keeps its policies tuple
        until they change, and bots look ahead many times from one state), then by content.
        """
        hit = self._by_identity.get(id(policies))
        if hit is not None and hit[0] is policies:
            return hit[1]
        key = tuple((p.move, p.role, p.target) for p in policies)
        ps = self._by_policies.get(key)
        if ps is None:
            if len(self._by_policies) >= 4096:
                self._by_policies.clear()
            ps = self._by_policies[key] = self._policy_set(key)
        if len(self._by_identity) >= 256:
            self._by_identity.clear()
        self._by_identity[id(policies)] = (policies, ps)  # the tuple is kept, so its id is not reused
        return ps

    def policy_set_after(self, before: "PolicySet", policies: tuple[Any, ...], enacted: list[Any]) -> "PolicySet":
        """As policy_set, for ``before``'s policies plus ``enacted`` (nothing revoked): a set
        not seen yet is built from ``before`` rather than from scratch (bots try one new
        policy after another from the same position)."""
        hit = self._by_identity.get(id(policies))
        if hit is not None and hit[0] is policies:
            return hit[1]
        key = tuple((p.move, p.role, p.target) for p in policies)
        ps = self._by_policies.get(key)
        if ps is None:
            if len(self._by_policies) >= 4096:
                self._by_policies.clear()
            ps = self._by_policies[key] = self._policy_set(tuple((p.move, p.role, p.target) for p in enacted), before)
        if len(self._by_identity) >= 256:
            self._by_identity.clear()
        self._by_identity[id(policies)] = (policies, ps)
        return ps

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
        return PolicySet(base.active | active if base else active, {t: len(r) for t, r in acting.items()}, upkeep,
                         tuple(const), tuple(varying), tuple(totals.items()),
                         {t: frozenset(r) for t, r in acting.items()})

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
            entry = (key_, 1 << 40, "policy", move, role, target, e)
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
                varying.append(entry)
        self._per_policy[k] = (const, varying)
        return const, varying

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
            out.append(CEffect(slot, by_target, e.change, e.relative, e.delay, e.duration, e.spread,
                               self.formula(e.when) if e.when else None,
                               self.formula(e.scale) if e.scale else None,
                               tuple(e.cites), e.rationale,
                               # change + 0.0: what the engine adds when no spread is drawn
                               to_fixed_or_zero(e.change + 0.0) if constant else None, e.basis))
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


# --- formulas as one Python function each ----------------------------------------------
#
# ``Formula.compile`` builds a tree of closures: one Python call per node. Dynamics,
# conditions and scales are most of the work of a round, so the engine turns each
# parsed formula into a single function instead, written from the syntax tree. No
# text from the scenario reaches the generated source: indicators become positions
# (``V[3]``), and every number and quoted id is passed in as a bound constant
# (``k0``), never written into the code. Each node computes exactly what its closure
# in wargame.scenario.formula computes, with the same helpers (division by zero is 0,
# and so on), so results are the same floats bit for bit. Anything this does not know
# falls back to ``Formula.compile``.

class _Unsupported(Exception):
    pass


def _codegen(node: Node, index: dict[str, int], consts: dict[str, object]) -> str:
    def const(value: object) -> str:
        name = f"k{len(consts)}"
        consts[name] = value
        return name

    def gen(n: Node) -> str:
        return _codegen(n, index, consts)

    match node:
        case Num(value=v):
            return const(v)
        case Ref(name="round"):
            return "_float(c.round)"
        case Ref(name=name):
            return f"V[{int(index[name])}]"
        case Unary(op="-", operand=x):
            return f"(-{gen(x)})"
        case Unary(op="+", operand=x):
            return gen(x)
        case Unary(op="not", operand=x):
            return f"(0.0 if {gen(x)} else 1.0)"
        case Binary(op="and", left=a, right=b):
            return f"(1.0 if ({gen(a)} and {gen(b)}) else 0.0)"
        case Binary(op="or", left=a, right=b):
            return f"(1.0 if ({gen(a)} or {gen(b)}) else 0.0)"
        case Binary(op=op, left=a, right=b) if op in ("+", "-", "*"):
            return f"({gen(a)} {op} {gen(b)})"
        case Binary(op="/", left=a, right=b):
            return f"_div({gen(a)}, {gen(b)})"
        case Binary(op="^", left=a, right=b):
            return f"_pow({gen(a)}, {gen(b)})"
        case Binary(op=op, left=a, right=b) if op in ("<", "<=", ">", ">=", "==", "!="):
            return f"(1.0 if ({gen(a)} {op} {gen(b)}) else 0.0)"
        case Call(name="active", args=(Str(value=mid),)):
            return f"(1.0 if c.active({const(mid)}) else 0.0)"
        case Call(name="played", args=(Str(value=mid),)):
            return f"(1.0 if c.played({const(mid)}) else 0.0)"
        case Call(name="acting", args=(Str(value=tag),)):
            return f"_float(c.acting({const(tag)}))"
        case Call(name="start", args=(Ref(name=name),)) if name != "round":
            return f"c.starts[{int(index[name])}]"
        case Call(name="prev", args=(Ref(name=name),)) if name != "round":
            return f"c.prevs[{int(index[name])}]"
        case Call(name="if", args=(cond, a, b)):
            return f"({gen(a)} if {gen(cond)} else {gen(b)})"
        case Call(name="clamp", args=(x, lo, hi)):
            return f"_min(_max({gen(x)}, {gen(lo)}), {gen(hi)})"
        case Call(name="min" | "max", args=args) if len(args) >= 2:
            # min(f(ctx) for f in fs) and min(a, b, ...) run the same loop over the same values.
            return f"_{node.name}({', '.join(gen(a) for a in args)})"
        case Call(name=name, args=(x,)) if name in _UNARY_FN:
            return f"{const(_UNARY_FN[name])}({gen(x)})"
    raise _Unsupported(repr(node))


def fast_compile(formula: Formula, index: dict[str, int]) -> Compiled | None:
    """One Python function computing the formula, or None if it cannot be written (then use
    ``formula.compile``)."""
    consts: dict[str, object] = {}
    try:
        body = _codegen(formula.tree, index, consts)
        source = f"def _formula(c):\n    V = c.values\n    return {body}\n"
        env: dict[str, object] = {"__builtins__": {}, "_float": float, "_min": min, "_max": max,
                                  "_div": _div, "_pow": _pow, **consts}
        exec(compile(source, "<formula>", "exec"), env)  # noqa: S102 - source built from the tree, see above
    except (_Unsupported, KeyError, SyntaxError, RecursionError, MemoryError, ValueError):
        return None
    fn = env["_formula"]
    return fn  # type: ignore[return-value]


# --- the whole round's dynamics as one generated function ------------------------------
#
# Dynamics are two thirds of a round's arithmetic. Rather than one call per rule (each
# reading its context through attributes), every rule of a scenario is written into one
# function from the parsed syntax trees, with the same rules as fast_compile above: no
# scenario text reaches the source (indicators become positions, numbers and quoted ids
# are bound constants), each node computes what its closure computes, and the change is
# turned into fixed point exactly as ``to_fixed_or_zero`` does. A rule this cannot write
# is called through its compiled formula instead.

DynamicsFn = Callable[..., list[tuple[int, int, int]]]


def _gen_flat(node: Node, index: dict[str, int], consts: dict[str, object], temps: list[int] | None = None) -> str:
    """One node as an expression over locals: V values, S starts, P prevs, R round (float),
    A active policy ids, PL played move ids, T tag counts.

    Division, min, max and clamp are written inline with temporaries (``_t3``) rather
    than as calls: a formula is pure, so evaluating an operand first or second cannot
    change its value, and each inline form returns exactly what the function returns
    (``max(a, b)`` is ``b if b > a else a``, NaN included)."""
    temps = temps if temps is not None else [0]

    def const(value: object) -> str:
        name = f"k{len(consts)}"
        consts[name] = value
        return name

    def temp() -> str:
        temps[0] += 1
        return f"_t{temps[0]}"

    def gen(n: Node) -> str:
        return _gen_flat(n, index, consts, temps)

    def max2(a: str, b: str) -> str:
        ta, tb = temp(), temp()
        return f"({tb} if ({ta} := {a}) < ({tb} := {b}) else {ta})"

    def min2(a: str, b: str) -> str:
        ta, tb = temp(), temp()
        return f"({tb} if ({ta} := {a}) > ({tb} := {b}) else {ta})"

    match node:
        case Num(value=v) if type(v) is float and math.isfinite(v):
            return repr(v)  # a float's repr reads back as the same float
        case Num(value=v):
            return const(v)
        case Ref(name="round"):
            return "R"
        case Ref(name=name):
            return f"V[{int(index[name])}]"
        case Unary(op="-", operand=x):
            return f"(-{gen(x)})"
        case Unary(op="+", operand=x):
            return gen(x)
        case Unary(op="not", operand=x):
            return f"(0.0 if {gen(x)} else 1.0)"
        case Binary(op="and", left=a, right=b):
            return f"(1.0 if ({gen(a)} and {gen(b)}) else 0.0)"
        case Binary(op="or", left=a, right=b):
            return f"(1.0 if ({gen(a)} or {gen(b)}) else 0.0)"
        case Binary(op=op, left=a, right=b) if op in ("+", "-", "*"):
            return f"({gen(a)} {op} {gen(b)})"
        case Binary(op="/", left=a, right=Num(value=v)) if type(v) is float and math.isfinite(v) and v != 0.0:
            return f"({gen(a)} / {v!r})"  # _div by a number that is not zero: a plain division
        case Binary(op="/", left=a, right=b):
            tb = temp()
            return f"({gen(a)} / {tb} if ({tb} := {gen(b)}) else 0.0)"  # _div: a / b if b else 0.0
        case Binary(op="^", left=a, right=b):
            return f"_pow({gen(a)}, {gen(b)})"
        case Binary(op=op, left=a, right=b) if op in ("<", "<=", ">", ">=", "==", "!="):
            return f"(1.0 if ({gen(a)} {op} {gen(b)}) else 0.0)"
        case Call(name="active", args=(Str(value=mid),)):
            return f"(1.0 if {const(mid)} in A else 0.0)"
        case Call(name="played", args=(Str(value=mid),)):
            return f"(1.0 if {const(mid)} in PL else 0.0)"
        case Call(name="acting", args=(Str(value=tag),)):
            return f"_float(T.get({const(tag)}, 0))"
        case Call(name="start", args=(Ref(name=name),)) if name != "round":
            return f"S[{int(index[name])}]"
        case Call(name="prev", args=(Ref(name=name),)) if name != "round":
            return f"P[{int(index[name])}]"
        case Call(name="if", args=(cond, a, b)):
            return f"({gen(a)} if {gen(cond)} else {gen(b)})"
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


_DYNAMICS: dict[tuple, tuple[DynamicsFn, Callable[..., None]]] = {}


def _dynamics_fn(rules: tuple[tuple[str, bool, str | None], ...], slots: tuple[int, ...],
                 ids: tuple[str, ...]) -> tuple[DynamicsFn, Callable[..., None]]:
    """Two functions of (C, V, S, P, R, A, PL, T): one returns [(slot, fixed change, rule
    position)] for the rules whose change is not zero, in rule order (for the trace); the
    other, given W, adds the changes to W in place (for look-ahead). C is the context for
    a rule that has to be called as a closure."""
    key = (rules, slots, ids)
    fns = _DYNAMICS.get(key)
    if fns is not None:
        return fns
    index = {k: i for i, k in enumerate(ids)}
    consts: dict[str, object] = {}
    temps = [0]
    body: list[tuple[str, int, int]] = []  # (line, extra indent, rule position) ; -1: emit the change
    for k, ((text, is_set, when), slot) in enumerate(zip(rules, slots)):
        depth = 0
        try:
            expr = _gen_flat(Formula.parse(text).tree, index, consts, temps)
        except (_Unsupported, KeyError, RecursionError):
            name = f"f{k}"
            consts[name] = _compiled(text, ids)
            expr = f"{name}(C)"
        if when is not None:
            try:
                cond = _gen_flat(Formula.parse(when).tree, index, consts, temps)
            except (_Unsupported, KeyError, RecursionError):
                name = f"w{k}"
                consts[name] = _compiled(when, ids)
                cond = f"{name}(C)"
            body.append((f"if {cond}:", 0, k))
            depth = 1
        x = f"({expr}) - V[{int(slot)}]" if is_set else expr
        # to_fixed_or_zero: y - y is 0.0 exactly when y is finite (inf - inf and nan - nan are nan)
        body += [(f"y = ({x}) * {SCALE}", depth, k), ("if y - y == 0.0:", depth, k),
                 ("f = _round(y)", depth + 1, k), ("if f:", depth + 1, k), (f"#{int(slot)}", depth + 2, k)]

    def source(name: str, params: str, emit: str, head: list[str], tail: list[str]) -> str:
        lines = [f"def {name}({params}):", *head]
        for line, depth, k in body:
            pad = "    " * (depth + 1)
            if line.startswith("#"):
                line = emit.format(slot=line[1:], k=k)
            lines.append(pad + line)
        return "\n".join([*lines, *tail]) + "\n"

    env: dict[str, object] = {"__builtins__": {}, "_float": float, "_round": round, "_pow": _pow, **consts}
    code = (source("_dynamics", "C, V, S, P, R, A, PL, T", "add(({slot}, f, {k}))", ["    out = []", "    add = out.append"],
                   ["    return out"])
            + source("_dynamics_into", "C, V, S, P, R, A, PL, T, W", "W[{slot}] += f", [], ["    return None"]))
    exec(compile(code, "<dynamics>", "exec"), env)  # noqa: S102 - source built from the trees, see above
    fns = _DYNAMICS[key] = (env["_dynamics"], env["_dynamics_into"])  # type: ignore[assignment]
    if len(_DYNAMICS) > 64:
        _DYNAMICS.pop(next(iter(_DYNAMICS)))
    return fns
