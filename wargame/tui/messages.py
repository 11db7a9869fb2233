"""Messages that flow up from screens to the app (state flows down as attributes).

Each is a dataclass; the app handles them (``on_start_game``, ``on_advance``...) and
moves the game from phase to phase. Screens never drive the session themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.message import Message


@dataclass
class StartGame(Message):
    """Begin a new game from the title screen."""

    loaded: Any  # LoadedScenario (not imported: keep this module cheap)
    seed: int | None
    seats: dict[str, str]


@dataclass
class OpenSave(Message):
    """Resume (or, when finished, review) a saved game."""

    path: Path


@dataclass
class ReplaySave(Message):
    """Open a save in the replay viewer."""

    path: Path


@dataclass
class PlaySave(Message):
    """Continue playing a save (e.g. a fork written by the replay viewer)."""

    path: Path


@dataclass
class Advance(Message):
    """The facilitator asks for the next phase."""


@dataclass
class HandoverDone(Message):
    """Only this team can see the screen now."""

    role: str


@dataclass
class OrdersSubmitted(Message):
    """A team commits its orders for the round."""

    role: str
    orders: tuple[Any, ...]  # tuple[Order, ...]


@dataclass
class ShowEvidence(Message):
    """Open the evidence browser on a fact."""

    fact_id: str | None


@dataclass
class NewGame(Message):
    """Back to the title screen."""
