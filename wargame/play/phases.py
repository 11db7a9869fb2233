"""The phases of a round and the seats that watch it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


class Phase(StrEnum):
    """A round runs briefing -> negotiation -> orders -> reveal -> resolution -> debrief."""

    BRIEFING = "briefing"
    NEGOTIATION = "negotiation"
    ORDERS = "orders"
    REVEAL = "reveal"
    RESOLUTION = "resolution"
    DEBRIEF = "debrief"

    @property
    def label(self) -> str:
        return self.value.upper()


ROUND = (Phase.BRIEFING, Phase.NEGOTIATION, Phase.ORDERS, Phase.REVEAL, Phase.RESOLUTION, Phase.DEBRIEF)

# Phases that belong to the round being played (before it resolves); resolution and
# debrief belong to the round just resolved.
BEFORE_RESOLVE = frozenset({Phase.BRIEFING, Phase.NEGOTIATION, Phase.ORDERS, Phase.REVEAL})

SeatKind = Literal["team", "facilitator", "observer"]

# Who plays a role: a person at the table, a bot, or a scripted orders file.
Control = Literal["human", "bot", "script"]


@dataclass(frozen=True, slots=True)
class Seat:
    """Who is looking: one team, the facilitator (sees and controls everything), or an
    observer (the projector: sees what is public, controls nothing)."""

    kind: SeatKind
    role: str | None = None

    @classmethod
    def team(cls, role: str) -> "Seat":
        return cls("team", role)

    @property
    def is_facilitator(self) -> bool:
        return self.kind == "facilitator"

    def __str__(self) -> str:
        return f"team:{self.role}" if self.kind == "team" else self.kind


FACILITATOR = Seat("facilitator")
OBSERVER = Seat("observer")
