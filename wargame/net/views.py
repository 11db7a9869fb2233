"""What each seat may receive. Every frame the server sends about the game passes
through :func:`view_for`; nothing else decides.

- A team sees its own pending orders, the offers it made or was made (and their
  answers), the messages it sent or was sent, and everything public. Of another
  team's orders it learns only that they were given, by whom (person, bot or the
  clock's lock) and when: the "waiting for" board.
- The observer (the projector) sees only what is public: never anyone's pending
  orders, offers or messages.
- The facilitator sees everything except the seats' codes, which are never events.

At the reveal every team's orders and the round's offers become public at once: the
reveal event carries them. This is the wire's form of :func:`wargame.play.view`.
"""

from __future__ import annotations

from typing import Any

from wargame.net.seats import FACILITATOR, OBSERVER

# Events everyone may see as they are.
PUBLIC = frozenset({"phase", "clock", "resolve", "override"})
# Events only the facilitator sees (injects become public with the round's resolution).
FACILITATOR_ONLY = frozenset({"inject", "note", "seat"})
OFFER_EVENTS = frozenset({"offer", "answer", "reply", "withdraw"})


def view_for(seat: str, kind: str, event: dict[str, Any], parties: frozenset[str] = frozenset(),
             extra: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The part of ``event`` that ``seat`` (of ``kind``: team, facilitator, observer) may receive, or None.

    ``parties`` are the two sides of an offer event; ``extra`` is what a reveal shows the
    room. The result is a new dict: callers may send it without exposing the stored event.
    """
    t = event.get("type")
    full = {**_strip(event), **(extra or {})}
    if kind == "facilitator" and seat == FACILITATOR:
        return full
    if t in PUBLIC:
        return full
    if t in FACILITATOR_ONLY:
        return None
    if t == "orders":
        if kind == "team" and event.get("role") == seat:
            return full
        # The board: that a team has given its orders, not what.
        return {"type": "submitted", "round": event.get("round"), "role": event.get("role"), "by": event.get("by")}
    if t in OFFER_EVENTS:
        return full if kind == "team" and seat in parties else None
    if t == "message":
        return full if kind == "team" and seat in (event.get("from"), event.get("to")) else None
    # An event type this function does not know is withheld: a new kind of event
    # must be given a rule here before any seat but the facilitator sees it.
    return None


def _strip(event: dict[str, Any]) -> dict[str, Any]:
    # The log's chain fields, request ids and the requester are the server's business.
    return {k: v for k, v in event.items() if k not in ("prev", "hash", "req", "seat")}


def seat_kind(seat: str) -> str:
    if seat == FACILITATOR:
        return "facilitator"
    if seat == OBSERVER:
        return "observer"
    return "team"
