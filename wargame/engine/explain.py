"""The "why" of an indicator's change in one round, as plain rows.

Built from a :class:`~wargame.engine.state.RoundTrace`; shared by the app's why
panel and the after-action report. Amounts are kept as fixed-point integers
beside their float value, so a total is the exact sum of its rows and can be
printed at the same precision as the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from wargame.engine.rules import Rules, to_fixed, to_float
from wargame.engine.state import Contribution, RoundTrace
from wargame.numbers import fmt_amount, fmt_fixed, places  # re-exported: the app imports them from here

KIND_WORD = {
    "move": "move",
    "policy": "policy",
    "deal": "deal",
    "event": "event",
    "rule": "rule",
    "clamp": "clamp",
    "override": "override",
}


@dataclass(frozen=True, slots=True)
class WhyRow:
    """One contribution, ready to show."""

    label: str  # the move, event or rule as a reader knows it
    kind: str  # move | policy | deal | event | rule | clamp | override
    role: str  # the acting role's short name, or ''
    amount: float  # the contribution, in the indicator's unit
    roll: float | None  # the spread drawn, if any
    cites: tuple[str, ...]  # fact ids
    rationale: str
    fixed: int = 0  # the amount in fixed-point units: sum these for exact totals
    basis: str = ""  # what the magnitude stands on, in one line ('' for clamps and overrides)


@dataclass(frozen=True, slots=True)
class Why:
    """An indicator's change in one round and every contribution to it."""

    indicator: str
    name: str
    unit: str
    before: float
    after: float
    change: float
    rows: tuple[WhyRow, ...]

    @property
    def total(self) -> float:
        return total(self.rows)

    @property
    def places(self) -> int:
        return places([*(r.fixed for r in self.rows), to_fixed(self.before), to_fixed(self.after)])


def _label(rules: Rules, c: Contribution) -> str:
    if c.kind == "clamp":
        return "clamp to bounds"
    if c.kind == "override":
        return "facilitator override"
    return rules.label(c.kind, c.source) or c.source


def _role(rules: Rules, role: str | None) -> str:
    if not role:
        return ""
    r = rules.scenario.roles.get(role)
    return r.short if r is not None else role


def row(rules: Rules, c: Contribution) -> WhyRow:
    return WhyRow(_label(rules, c), KIND_WORD.get(c.kind, c.kind), _role(rules, c.role), c.value, c.roll,
                  tuple(c.cites), c.rationale, c.amount, c.basis.text() if c.basis is not None else "")


def why_rows(rules: Rules, trace: RoundTrace, indicator: str) -> list[WhyRow]:
    """One row per contribution to ``indicator`` in the round, in the trace's order."""
    return [row(rules, c) for c in trace.why(indicator)]


def explain(rules: Rules, trace: RoundTrace, indicator: str) -> Why:
    """The indicator's name, before, after and change, with its rows."""
    ind = rules.indicator[indicator]
    i = rules.index[indicator]
    return Why(indicator, ind.name, ind.unit, to_float(trace.before[i]), to_float(trace.after[i]),
               to_float(trace.after[i] - trace.before[i]), tuple(why_rows(rules, trace, indicator)))


def total_fixed(rows: Sequence[WhyRow]) -> int:
    return sum(r.fixed for r in rows)


def total(rows: Sequence[WhyRow]) -> float:
    """The exact sum of the rows (summed as fixed-point integers)."""
    return to_float(total_fixed(rows))


def changed(rules: Rules, trace: RoundTrace) -> list[str]:
    """Indicators that changed in the round or had any contribution, in scenario order."""
    touched = {c.indicator for c in trace.contributions}
    return [k for i, k in enumerate(rules.ids) if trace.after[i] != trace.before[i] or k in touched]


def formula_words(rules: Rules, text: str) -> str:
    """What a formula depends on, in words, for players: 'how many roles apply export
    controls; U.S. alliance cohesion'. The exact formula stays in the scenario and guide."""
    from wargame.scenario.formula import Formula, FormulaError

    try:
        f = Formula.parse(text)
    except FormulaError:
        return text
    s = rules.scenario
    parts: list[str] = []
    for sid in f.ids:
        before = f.text[: sid.offset].rstrip()
        if before.endswith("acting("):
            parts.append(f"how many roles apply {sid.value.replace('_', ' ')}")
        elif before.endswith("active("):
            name = s.moves[sid.value].name if sid.value in s.moves else sid.value
            parts.append(f"whether {name} is in force")
        elif before.endswith("played("):
            name = s.moves[sid.value].name if sid.value in s.moves else sid.value
            parts.append(f"whether {name} is ordered this round")
    for ref in f.refs:
        if ref.name == "round":
            parts.append("the round")
        elif ref.name in rules.indicator:
            parts.append(rules.indicator[ref.name].name)
    seen: set[str] = set()
    unique = [p for p in parts if not (p in seen or seen.add(p))]
    return "; ".join(unique) if unique else text
