"""A scenario compiled for the engine: indicators by position, formulas as closures.

Indicator values are fixed-point integers (``SCALE`` units per 1.0) so that the
contributions in a trace add up to the change *exactly*, and so that a game's
log is the same bytes on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from wargame.scenario.formula import Compiled, Formula
from wargame.scenario.loader import LoadedScenario, indicator_ids
from wargame.scenario.model import Effect, Scenario

SCALE = 10_000


def to_fixed(x: float) -> int:
    return int(round(x * SCALE))


def to_float(n: int) -> float:
    return n / SCALE


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
        self.roles: list[str] = list(s.roles)
        self.sectors: list[str] = list(s.sectors)
        self.role_rank = {r: i for i, r in enumerate(self.roles)}
        self.move_rank = {m: i for i, m in enumerate(s.moves)}
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
        self.tags = {mid: m.tags for mid, m in s.moves.items()}

    def formula(self, text: str) -> Compiled:
        fn = self._cache.get(text)
        if fn is None:
            fn = self._cache[text] = Formula.parse(text).compile(self.index)
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


def compile_rules(loaded: LoadedScenario) -> Rules:
    return Rules(loaded)


Scorer = Callable[[list[float]], float]
