"""Messages that flow up from screens to the app (state flows down as attributes).

Each is a dataclass; the app handles them (``on_start_game``, ``on_advance``...) by
calling the round's flow (:mod:`wargame.play`). Screens never drive the game themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from wargame.engine.orders import Order
    from wargame.play.negotiation import Answer, Reply
    from wargame.scenario.loader import LoadedScenario


@dataclass
class StartGame(Message):
    """Begin a new game from the title screen."""

    loaded: LoadedScenario
    seed: int | None
    seats: dict[str, str]
    pin: str | None = None  # the facilitator's PIN; None: a solo game, no PIN asked


@dataclass
class OpenSave(Message):
    """Resume (or, when finished, review) a saved game."""

    path: Path
    pin: str | None = None  # the facilitator's PIN chosen on the title (not kept in the save)


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
    orders: tuple[Order, ...]


@dataclass
class OrdersDrafted(Message):
    """A team's orders as they stand: what a time-out submits (or drops)."""

    role: str
    orders: tuple[Order, ...]


@dataclass
class OpenTable(Message):
    """At the negotiation table: this team wants its turn (a hand-over comes first)."""

    role: str


@dataclass
class TableDone(Message):
    """A team leaves the negotiation table; the room's view comes back."""

    role: str


@dataclass
class MakeOffer(Message):
    role: str
    move: str
    target: str | None


@dataclass
class AnswerOffer(Message):
    role: str
    offer_id: str
    answer: Answer


@dataclass
class ReplyCounter(Message):
    role: str
    offer_id: str
    reply: Reply


@dataclass
class WithdrawOffer(Message):
    role: str
    offer_id: str


@dataclass
class SendMessage(Message):
    sender: str
    to: str
    text: str


@dataclass
class ShowEvidence(Message):
    """Open the evidence browser on a fact."""

    fact_id: str | None


@dataclass
class NewGame(Message):
    """Back to the title screen."""
