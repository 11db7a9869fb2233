"""What each seat may receive. Every frame the server sends about the game passes
through :func:`view_for`; nothing else decides.

- A team sees its own pending orders, offers it made or was made, messages it sent
  or was sent, and everything public. Of another team's orders it learns only that
  they were submitted, by whom (person or bot) and when: the "waiting for" board.
- The observer (the projector) sees only what is public: never anyone's pending
  orders, offers or private messages.
- The facilitator sees everything except the seats' codes, which are never events.

Orders become public for everyone at the reveal, which carries them all at once.
"""

from __future__ import annotations

from typing import Any

from wargame.net.seats import FACILITATOR, OBSERVER

# Events that everyone may see as they are.
PUBLIC = frozenset({"phase", "clock", "resolve", "override"})
# Events only the facilitator sees (injects become public with the round's resolution).
FACILITATOR_ONLY = frozenset({"inject", "note", "seat"})


def view_for(seat: str, kind: str, event: dict[str, Any]) -> dict[str, Any] | None:
    """The part of ``event`` that ``seat`` (of ``kind``: team, facilitator, observer) may receive, or None.

    The result is a new dict: callers may send it without exposing the stored event.
    """
    t = event.get("type")
    if kind == "facilitator" and seat == FACILITATOR:
        return _strip(event)
    if t in PUBLIC:
        return _strip(event)
    if t in FACILITATOR_ONLY:
        return None
    if t == "orders":
        if kind == "team" and event.get("role") == seat:
            return _strip(event)
        # The board: that a team has submitted, not what.
        return {"type": "submitted", "round": event.get("round"), "role": event.get("role"), "by": event.get("by")}
    if t in ("offer", "answer"):
        if kind == "team" and seat in (event.get("from"), event.get("to")):
            return _strip(event)
        return None
    if t == "message":
        if event.get("to") == "all":
            return _strip(event)
        if kind == "team" and seat in (event.get("from"), event.get("to")):
            return _strip(event)
        return None
    # An event type this function does not know is withheld: a new kind of event
    # must be given a rule here before any seat but the facilitator sees it.
    return None


def _strip(event: dict[str, Any]) -> dict[str, Any]:
    # The log's chain fields and request ids are the server's business.
    return {k: v for k, v in event.items() if k not in ("prev", "hash", "req")}


def seat_kind(seat: str) -> str:
    if seat == FACILITATOR:
        return "facilitator"
    if seat == OBSERVER:
        return "observer"
    return "team"
