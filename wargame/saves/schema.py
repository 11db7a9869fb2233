"""The types of every line of a save, checked before anything reads a field.

The hash chain shows a line was not changed by accident; it is not a signature,
so anyone can edit a save and recompute it. Every field the program reads from a
save is therefore validated here, by type and range, at the edge (as scenarios
are): a ``"round": [1]`` or a ``"round": "10"`` is a damaged line, named with
its field, never a TypeError deep in the report or the title screen's scan.

Validation is strict (a string is not a number, a number is not a bool) and
allows extra fields, which a newer program of the same format may add; the
line's dict is kept as written, so its bytes and hash are unchanged.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

Hash = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Round = Annotated[int, Field(ge=0, le=10_000)]
Played = Annotated[int, Field(ge=1, le=10_000)]
Text = Annotated[str, Field(max_length=100_000)]
OrderSpec = str | dict[str, str | bool | None]


class _Line(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow", frozen=True)

    prev: str
    hash: Hash


class Parent(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow", frozen=True)

    file: str
    sha256: str


class Header(_Line):
    type: Literal["header"]
    format: Literal[1, 2]
    engine: str = ""
    scenario_id: str
    scenario_sha256: Hash
    seed: int
    seats: dict[str, str] | None = None
    parent: Parent | None = None
    # format 2: the number of rounds, so that a writer knows when a game ends without
    # reading the scenario; format 1 keeps the scenario text here instead.
    rounds: Played | None = None
    scenario: str | None = None


class ScenarioLine(_Line):
    type: Literal["scenario"]
    text: str


class OrdersEv(_Line):
    type: Literal["orders"]
    round: Played
    role: str
    orders: list[OrderSpec]
    by: str = "human"


class InjectEv(_Line):
    type: Literal["inject"]
    round: Played
    event: str


class OrderSummary(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow", frozen=True)

    role: str
    order: OrderSpec
    accepted: bool
    reason: str | None = None


class DealSummary(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow", frozen=True)

    move: str
    proposer: str
    answer: str | None = None
    outcome: str


class EventSummary(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow", frozen=True)

    event: str
    how: str


class Summary(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow", frozen=True)

    orders: list[OrderSummary] = []
    deals: list[DealSummary] = []
    events: list[EventSummary] = []
    changed: list[str] = []


class ResolveEv(_Line):
    type: Literal["resolve"]
    round: Played
    digest: Hash
    values: list[int]
    quadrants: dict[str, str]
    scores: dict[str, float]
    summary: Summary

    @field_validator("scores")
    @classmethod
    def _finite(cls, v: dict[str, float]) -> dict[str, float]:
        for k, x in v.items():
            if not math.isfinite(x):
                raise ValueError(f"score of {k!r} is not a finite number")
        return v


class OverrideEv(_Line):
    type: Literal["override"]
    round: Round
    indicator: str
    value: float
    model_value: float | None = None
    reason: Text
    digest: Hash

    @field_validator("value", "model_value")
    @classmethod
    def _finite(cls, v: float | None) -> float | None:
        if v is not None and not math.isfinite(v):
            raise ValueError("not a finite number")
        return v


class NoteEv(_Line):
    type: Literal["note"]
    round: Round
    text: Text
    bookmark: bool = False


class EndEv(_Line):
    """Written with the last round's resolution: the game is over. A finished game
    without it was cut short, even exactly at the end of a line."""

    type: Literal["end"]
    round: Played


# --- the round flow's events (wargame.play): a replay of the engine needs none of them ---

class PhaseEv(_Line):
    type: Literal["phase"]
    round: Round
    phase: Literal["briefing", "negotiation", "orders", "reveal", "resolution", "debrief"]


class OfferEv(_Line):
    type: Literal["offer"]
    round: Played
    id: str
    role: str
    move: str
    target: str | None = None
    by: str = "human"


class AnswerEv(_Line):
    type: Literal["answer"]
    round: Played
    id: str
    role: str
    answer: Literal["accept", "reject", "counter"]
    by: str = "human"


class ReplyEv(_Line):
    type: Literal["reply"]
    round: Played
    id: str
    role: str
    reply: Literal["accept", "walk-away"]
    by: str = "human"


class WithdrawEv(_Line):
    type: Literal["withdraw"]
    round: Played
    id: str
    role: str


class MessageEv(_Line):
    model_config = ConfigDict(strict=True, extra="allow", frozen=True, populate_by_name=True)

    type: Literal["message"]
    round: Round
    id: str
    sender: str = Field(alias="from")
    to: str
    text: Text


class ClockEv(_Line):
    type: Literal["clock"]
    round: Round
    phase: Literal["briefing", "negotiation", "orders", "reveal", "resolution", "debrief"]
    action: Literal["set", "policy", "pause", "resume", "extend", "lock"]
    minutes: float | None = None
    remaining: float | None = None
    policy: Literal["submit", "drop"] | None = None
    late: list[str] = []

    @field_validator("minutes", "remaining")
    @classmethod
    def _finite(cls, v: float | None) -> float | None:
        if v is not None and not math.isfinite(v):
            raise ValueError("not a finite number")
        return v


class SeatEv(_Line):
    """The exercise server (wargame.net): a seat's code was reissued. The code itself is never in a save."""

    type: Literal["seat"]
    round: Round
    seat_id: str
    action: Literal["reissued"]


Event = Annotated[OrdersEv | InjectEv | ResolveEv | OverrideEv | NoteEv | EndEv | PhaseEv | OfferEv | AnswerEv
                  | ReplyEv | WithdrawEv | MessageEv | ClockEv | SeatEv, Field(discriminator="type")]
_EVENT = TypeAdapter(Event)
EVENT_NAMES = ("orders", "inject", "resolve", "override", "note", "end", "phase", "offer", "answer", "reply",
               "withdraw", "message", "clock", "seat")
_HEADER = TypeAdapter(Header)
_SCENARIO = TypeAdapter(ScenarioLine)


def _problem(exc: ValidationError) -> str:
    """The first type error, as a person reads it: which field, what was expected, what was found."""
    err = exc.errors(include_url=False)[0]
    loc = [str(p) for p in err["loc"]]
    # the discriminated union puts the event type first in the location; drop it
    if loc and isinstance(err["loc"][0], str) and loc[0] in EVENT_NAMES and len(loc) > 1:
        loc = loc[1:]
    where = ".".join(loc) or "the line"
    found = err.get("input")
    shown = repr(found)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    if err["type"] == "missing":
        return f"field {where!r} is missing"
    if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
        return f"unknown event type {found.get('type') if isinstance(found, dict) else found!r}"
    msg = str(err["msg"]).removeprefix("Value error, ")
    return f"field {where!r}: {msg[0].lower()}{msg[1:]}, found {shown}"


def check_event(obj: dict[str, Any]) -> str:
    """'' if ``obj`` is a well-typed event line, else what is wrong with it."""
    try:
        _EVENT.validate_python(obj)
    except ValidationError as exc:
        return _problem(exc)
    return ""


def check_header(obj: dict[str, Any]) -> str:
    try:
        h = _HEADER.validate_python(obj)
    except ValidationError as exc:
        return _problem(exc)
    if h.format == 1 and h.scenario is None:
        return "field 'scenario' is missing"
    if h.format == 2 and h.rounds is None:
        return "field 'rounds' is missing"
    return ""


def check_scenario_line(obj: dict[str, Any]) -> str:
    try:
        _SCENARIO.validate_python(obj)
    except ValidationError as exc:
        return _problem(exc)
    return ""
