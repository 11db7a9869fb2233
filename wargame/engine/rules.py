"""A scenario compiled for the engine: indicators by position, formulas as closures.

Indicator values are fixed-point integers (``SCALE`` units per 1.0) so that the
contributions in a trace add up to the change *exactly*, and so that a game's
log is the same bytes on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass

from wargame.scenario.formula import _UNARY_FN, Binary, Call, Compiled, Formula, Node, Num, Ref, Str, Unary, _div, _pow
from wargame.scenario.loader import LoadedScenario, indicator_ids
from wargame.scenario.model import Effect, Scenario

from wargame.engine.fixed import SCALE, to_fixed, to_float

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
                  self.formula(r.when) if r.when else None, tuple(r.cites), r.rationale)
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
            out.append(CEffect(slot, by_target, e.change, e.relative, e.delay, e.duration, e.spread,
                               self.formula(e.when) if e.when else None,
                               self.formula(e.scale) if e.scale else None,
                               tuple(e.cites), e.rationale))
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
