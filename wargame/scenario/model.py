"""The scenario format: pydantic models, strict at the edges.

A scenario is one YAML file. Unknown keys are errors, values are typed and
bounded, and every id is a plain lowercase identifier so that paths in error
messages read cleanly (``moves.us_entity_list.effects[0].indicator``).

Indicators live inside a sector or a role; their full id is
``<sector-or-role>.<name>`` (``cobalt.price``, ``drc.revenue``). Moves,
events and dynamics rules have ids of their own.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, StrictBool, model_serializer, model_validator

Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=48)]
IndicatorRef = Annotated[
    str,
    Field(
        pattern=r"^(\$target|[a-z][a-z0-9_]*)\.[a-z][a-z0-9_]*$",
        max_length=97,
        description="A full indicator id, <sector-or-role>.<name>; '$target.<name>' in a targeted move.",
    ),
]
FactId = Annotated[str, Field(pattern=r"^[a-z0-9]+(\.[a-z0-9_]+)+$", max_length=96)]
FormulaText = Annotated[str, Field(min_length=1, max_length=2000, description="A formula (see the authoring guide).")]
Cites = Annotated[list[FactId], Field(min_length=1, description="Fact ids from seeds/facts.yaml.")]
Text = Annotated[str, Field(max_length=4000)]
Name = Annotated[str, Field(min_length=1, max_length=80)]
Quadrant = Literal["win-win", "destructive-victory", "harmless-failure", "lose-lose"]
QUADRANTS: tuple[Quadrant, ...] = ("win-win", "destructive-victory", "harmless-failure", "lose-lose")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, str_strip_whitespace=False)


class Indicator(Strict):
    """A named number with bounds, a unit, a start value and its source."""

    name: Name
    unit: Annotated[str, Field(max_length=24)] = "index"
    min: float = 0.0
    max: float = 100.0
    start: float
    cites: Cites
    note: Text = Field("", description="Why this start value: what the cited facts say and any judgement made.")
    higher_is: Literal["better", "worse", "neutral"] = "neutral"

    @model_validator(mode="after")
    def _bounds(self) -> "Indicator":
        if self.min >= self.max:
            raise ValueError(f"min ({self.min:g}) must be below max ({self.max:g})")
        return self


class Axis(Strict):
    indicator: Id = Field(description="Name of an indicator of this sector.")
    threshold: float = Field(50.0, description="At or above this the axis reads success / constructive.")


class Axes(Strict):
    """The two CSIS ch. 1 axes: China's innovation outcome, and the effect on the global sector."""

    innovation: Axis = Axis(indicator="china_innovation")
    global_effect: Axis = Axis(indicator="global_effect")


class Documented(Strict):
    """Where a source places the sector (Kennedy's quadrants), for comparison in the debrief."""

    quadrant: Quadrant
    cites: Cites


class Sector(Strict):
    name: Name
    summary: Text = ""
    axes: Axes = Axes()
    documented: Documented | None = None
    indicators: dict[Id, Indicator] = Field(min_length=1)


class Objective(Strict):
    """A role's stake: an indicator it wants high, low, or near a target, with a weight."""

    indicator: IndicatorRef
    weight: Annotated[float, Field(gt=0, le=100)] = 1.0
    goal: Literal["max", "min", "target"] = "max"
    target: float | None = None
    note: Text = ""

    @model_validator(mode="after")
    def _target(self) -> "Objective":
        if self.goal == "target" and self.target is None:
            raise ValueError("goal 'target' needs a target value")
        if self.goal != "target" and self.target is not None:
            raise ValueError(f"target is only used with goal 'target' (goal is {self.goal!r})")
        return self


class Role(Strict):
    name: Name
    short: Annotated[str, Field(min_length=1, max_length=6)]
    briefing: Text = ""
    budget: Annotated[int, Field(ge=0, le=1000)] = Field(description="Points to spend each round; unspent points do not carry over.")
    indicators: dict[Id, Indicator] = {}
    objectives: list[Objective] = Field(min_length=1)


BasisText = Annotated[str, Field(min_length=1, max_length=400)]
FactIds = FactId | Annotated[list[FactId], Field(min_length=1)]
ExpectationIds = Id | Annotated[list[Id], Field(min_length=1)]


class Basis(Strict):
    """What a magnitude stands on: a documented figure, a documented outcome it was calibrated to, or a stated assumption."""

    figure: FactIds | None = Field(None, description="Fact id(s) whose figures the magnitude is derived from; 'how' shows the arithmetic.")
    outcome: ExpectationIds | None = Field(None, description="Expectation id(s) the magnitude was calibrated to reproduce; 'how' says what the model gives.")
    assumption: BasisText | None = Field(None, description="Nothing documented sizes it: why this size, relative to comparable effects.")
    how: BasisText | None = Field(None, description="With figure or outcome: the arithmetic, or the calibration.")

    @model_validator(mode="after")
    def _one(self) -> "Basis":
        kinds = [k for k in ("figure", "outcome", "assumption") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("give exactly one of figure, outcome or assumption"
                             + (f" (found {', '.join(kinds)})" if kinds else ""))
        if kinds[0] == "assumption" and self.how is not None:
            raise ValueError("'how' goes with figure or outcome; an assumption's text is its own reason")
        if kinds[0] != "assumption" and self.how is None:
            raise ValueError(f"a {kinds[0]} basis needs 'how': the arithmetic or calibration that links it to this number")
        return self

    @property
    def kind(self) -> str:
        return "figure" if self.figure is not None else "outcome" if self.outcome is not None else "assumption"

    @property
    def refs(self) -> tuple[str, ...]:
        """The fact ids (figure) or expectation ids (outcome) named; empty for an assumption."""
        v = self.figure if self.figure is not None else self.outcome
        if v is None:
            return ()
        return (v,) if isinstance(v, str) else tuple(v)

    def text(self) -> str:
        """One line for the trace: 'figure g5.x: how', 'outcome huawei_battered: how', 'assumption: text'."""
        if self.assumption is not None:
            return f"assumption: {' '.join(self.assumption.split())}"
        return f"{self.kind} {', '.join(self.refs)}: {' '.join((self.how or '').split())}"


def _drop_none(keys: tuple[str, ...], data: Any) -> Any:
    # Fields added after saves existed are left out of the canonical text when unset, so a
    # scenario that does not use them dumps (and hashes) exactly as it did before.
    if isinstance(data, dict):
        for k in keys:
            if k in data and data[k] is None:
                del data[k]
    return data


class Effect(Strict):
    """A change to one indicator, with its timing, uncertainty, conditions and sources."""

    indicator: IndicatorRef
    change: float = Field(description="Absolute change, or a fraction of the current value if relative (0.1 = +10%).")
    relative: StrictBool = False
    delay: Annotated[int, Field(ge=0, le=40)] = 0
    duration: Annotated[int, Field(ge=1, le=40)] = Field(1, description="Rounds in which the change is applied again.")
    spread: Annotated[float, Field(ge=0)] = Field(0.0, description="Uncertainty: a uniform draw in [-spread, +spread] added to change.")
    when: FormulaText | None = Field(None, description="Condition, evaluated when the effect is due; false skips it.")
    scale: FormulaText | None = Field(None, description="Multiplier, e.g. coalition size: '0.3 + 0.35 * acting(\"export_control\")'.")
    cites: Cites
    rationale: Annotated[str, Field(min_length=1, max_length=600)]
    basis: Basis | None = Field(None, description="What the size of the change stands on: {figure: fact, how}, "
                                "{outcome: expectation id, how} or {assumption: why this size}.")

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> Any:
        return _drop_none(("basis",), handler(self))


class Policy(Strict):
    """A move that stays in force every round until revoked."""

    upkeep: Annotated[int, Field(ge=0, le=1000)] = 0
    revocable: StrictBool = True
    ongoing: list[Effect] = Field(default=[], description="Applied every round the policy is in force, from the round it is enacted.")


class Deal(Strict):
    """A move that needs the counterparty to accept in the same round."""

    counterparty: Id
    counterparty_cost: Annotated[int, Field(ge=0, le=1000)] = 0
    renegotiated: list[Effect] | None = Field(
        None, description="Alternative terms the counterparty may answer with; the proposer may walk away."
    )


class Move(Strict):
    role: Id
    name: Name
    summary: Text = ""
    cost: Annotated[int, Field(ge=0, le=1000)]
    tags: list[Id] = []
    targets: list[Id] | None = Field(None, description="Role or sector ids the move may be aimed at; effects may use $target.")
    requires: FormulaText | None = Field(None, description="Precondition, checked at the start of the round.")
    requires_note: Text = ""
    once: StrictBool = Field(False, description="May be ordered once per game.")
    policy: Policy | None = None
    deal: Deal | None = None
    effects: list[Effect] = []
    cites: Cites

    @model_validator(mode="after")
    def _something(self) -> "Move":
        if not self.effects and not (self.policy and self.policy.ongoing) and not (self.deal and self.deal.renegotiated):
            raise ValueError("a move needs effects (or, for a policy, ongoing effects)")
        return self


class Event(Strict):
    """An inject: scheduled, triggered by the state, or by chance; playable by hand."""

    name: Name
    news: Text = Field(description="The headline shown to the room.")
    at: list[Annotated[int, Field(ge=1, le=200)]] = Field([], description="Rounds in which it fires.")
    trigger: FormulaText | None = Field(None, description="Fires in a round when true (subject to chance).")
    chance: Annotated[float, Field(ge=0, le=1)] | None = Field(None, description="Probability per round that it fires when eligible.")
    once: StrictBool = True
    effects: list[Effect] = Field(min_length=1)
    cites: Cites


class Rule(Strict):
    """A per-round dynamic: a formula for the change (delta) or new value (set) of one indicator."""

    indicator: IndicatorRef
    delta: FormulaText | None = None
    set: FormulaText | None = None
    when: FormulaText | None = None
    cites: Cites
    rationale: Annotated[str, Field(min_length=1, max_length=600)]
    basis: Basis | None = Field(None, description="What the rule's coefficients stand on: {figure: fact, how}, "
                                "{outcome: expectation id, how} or {assumption: why this size}.")

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> Any:
        return _drop_none(("basis",), handler(self))

    @model_validator(mode="after")
    def _one(self) -> "Rule":
        if (self.delta is None) == (self.set is None):
            raise ValueError("give exactly one of 'delta' or 'set'")
        return self


OrderSpec = Annotated[
    str | dict[str, str | bool | None],
    Field(description="A move id, or {move, target}, {respond, answer}, {revoke}."),
]
RoundOrders = dict[Id, list[OrderSpec]]


class Check(Strict):
    indicator: IndicatorRef | None = None
    sector: Id | None = None
    value: tuple[float, float] | None = None
    change: tuple[float, float] | None = None
    pct_change: tuple[float, float] | None = None
    diff: tuple[float, float] | None = Field(None, description="With 'versus': this run's value minus the versus run's.")
    quadrant: Quadrant | None = None

    @model_validator(mode="after")
    def _shape(self) -> "Check":
        ranges = [k for k in ("value", "change", "pct_change", "diff") if getattr(self, k) is not None]
        if self.quadrant is not None:
            if self.sector is None or self.indicator is not None or ranges:
                raise ValueError("a quadrant check names a sector and nothing else")
            return self
        if self.indicator is None:
            raise ValueError("a check needs an indicator (or a sector with a quadrant)")
        if len(ranges) != 1:
            raise ValueError("give exactly one of value, change, pct_change or diff")
        lo, hi = getattr(self, ranges[0])
        if lo > hi:
            raise ValueError(f"range [{lo:g}, {hi:g}] is empty")
        return self


class Expectation(Strict):
    """A behaviour case the scenario pins itself to, run by `wargame validate`."""

    name: Annotated[str, Field(min_length=1, max_length=160)]
    id: Id | None = Field(None, description="A short id, unique among the expectations, for a magnitude's basis to name.")
    cites: Cites
    rounds: Annotated[int, Field(ge=1, le=200)] = 1
    seed: int | None = None
    setup: dict[IndicatorRef, float] = {}
    orders: dict[Annotated[int, Field(ge=1)], RoundOrders] = {}
    orders_file: str | None = Field(None, description="An orders file (path relative to the scenario) instead of inline orders.")
    versus: dict[Annotated[int, Field(ge=1)], RoundOrders] | None = None
    check: list[Check] = Field(min_length=1)
    unmet: Annotated[str, Field(min_length=1, max_length=600)] | None = Field(
        None, description="Knowingly unmet: why the rules cannot honestly reach this documented outcome yet. "
                          "validate reports it without failing, and says so if it starts to pass.")

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> Any:
        return _drop_none(("id",), handler(self))


class Scenario(Strict):
    format: Literal[1] = 1
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$", max_length=64)]
    title: Name
    summary: Text
    start: dt.date
    round_months: Annotated[int, Field(ge=1, le=60)] = 6
    rounds: Annotated[int, Field(ge=1, le=200)]
    seed: int = 1
    evidence: str | None = Field(None, description="Folder holding facts.yaml, relative to this file; by default the nearest seeds/.")
    history: str | None = Field(None, description="The orders file of documented history, relative to this file: the "
                                "baseline each role's vs_history is measured against; every order in it cites facts.")
    sectors: dict[Id, Sector] = Field(min_length=1)
    roles: dict[Id, Role] = Field(min_length=1)
    moves: dict[Id, Move] = {}
    events: dict[Id, Event] = {}
    dynamics: dict[Id, Rule] = {}
    expectations: list[Expectation] = []

    def round_date(self, rnd: int) -> dt.date:
        """The date a round begins (round 1 begins at ``start``)."""
        months = self.start.month - 1 + (rnd - 1) * self.round_months
        return dt.date(self.start.year + months // 12, months % 12 + 1, 1)

    def round_label(self, rnd: int) -> str:
        d = self.round_date(rnd)
        half = "H1" if d.month <= 6 else "H2"
        return f"{d.year} {half}" if self.round_months == 6 else d.strftime("%b %Y")
