"""What a seat knows, built from the events the server sent it (no Textual here).

The join client renders this; it holds nothing the server did not send to this seat.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


def parse_time(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None


@dataclass
class SeatState:
    welcome: dict[str, Any]
    phase: str = "briefing"
    round: int = 1
    # role -> (by, at) for this round's submissions: the "waiting for" board
    board: dict[str, tuple[str, str]] = field(default_factory=dict)
    my_orders: list[Any] = field(default_factory=list)
    offers: dict[str, dict[str, Any]] = field(default_factory=dict)  # by offer id ("r1-3")
    messages: list[dict[str, Any]] = field(default_factory=list)
    revealed: dict[str, list[Any]] | None = None
    results: list[dict[str, Any]] = field(default_factory=list)  # resolve events, by round
    rulings: list[dict[str, Any]] = field(default_factory=list)  # the facilitator's overrides, in order
    # The phase clock: (seconds left when it was last set or resumed, when that was by the
    # server's time, running?); None when no clock is set.
    clock: tuple[float, dt.datetime, bool] | None = None
    locked: bool = False
    notices: list[str] = field(default_factory=list)
    skew: dt.timedelta = dt.timedelta(0)  # server clock minus ours
    log: list[str] = field(default_factory=list)  # one line per event, for the facilitator's console

    def __post_init__(self) -> None:
        self.phase, self.round = self.welcome.get("phase", "briefing"), self.welcome.get("round", 1)
        now = parse_time(self.welcome.get("now", ""))
        if now is not None:
            self.skew = now - dt.datetime.now(dt.timezone.utc)

    @property
    def seat(self) -> str:
        return str(self.welcome["seat"])

    @property
    def kind(self) -> str:
        return str(self.welcome["kind"])

    @property
    def roles(self) -> dict[str, dict[str, Any]]:
        return dict(self.welcome["scenario"]["roles"])

    @property
    def team(self) -> dict[str, Any] | None:
        return self.welcome.get("team")

    def name(self, role: str) -> str:
        if role in self.roles:
            return str(self.roles[role]["name"])
        return {"all": "everyone", "facilitator": "the facilitator"}.get(role, role)

    def counterparty(self, move: str) -> str:
        return str(self.welcome["scenario"]["moves"].get(move, {}).get("deal") or "?")

    def move_name(self, move: str) -> str:
        return str(self.welcome["scenario"]["moves"].get(move, {}).get("name", move))

    def apply(self, env: dict[str, Any]) -> None:
        ev, at = env["event"], env.get("at", "")
        when = parse_time(at) or dt.datetime.now(dt.timezone.utc)
        t = ev["type"]
        if t == "phase":
            self.phase, self.round = ev["phase"], ev["round"]
            self.clock, self.locked = None, False
            if ev["phase"] == "briefing":
                self.board, self.my_orders, self.offers, self.revealed = {}, [], {}, None
            if ev["phase"] == "reveal":
                self.revealed = ev.get("orders")
                for o in ev.get("offers", []):
                    self.offers[o["id"]] = {**self.offers.get(o["id"], {}), **o}
            self.log.append(f"round {ev['round']}: {ev['phase']}")
        elif t in ("submitted", "orders"):
            self.board[ev["role"]] = (ev.get("by", "human"), at)
            if t == "orders" and ev["role"] == self.seat:
                self.my_orders = list(ev["orders"])
            self.log.append(f"{self.name(ev['role'])} gave orders" + (f": {ev['orders']}" if t == "orders" else ""))
        elif t == "offer":
            self.offers[ev["id"]] = {"id": ev["id"], "move": ev["move"], "proposer": ev["role"], "target": ev.get("target"),
                                     "counterparty": self.counterparty(ev["move"]), "status": "open"}
            self.log.append(f"offer {ev['id']}: {self.name(ev['role'])} offers {self.move_name(ev['move'])}")
        elif t in ("answer", "reply", "withdraw"):
            word = ev.get("answer") or ev.get("reply") or "withdraw"
            status = {"accept": "made" if t == "answer" else "renegotiated", "reject": "refused", "counter": "countered",
                      "walk-away": "walked-away", "withdraw": "withdrawn"}[word]
            if ev["id"] in self.offers:
                self.offers[ev["id"]]["status"] = status
            self.log.append(f"offer {ev['id']}: {self.name(ev['role'])} {word} -> {status}")
        elif t == "message":
            self.messages.append(dict(ev))
            self.log.append(f"{self.name(ev['from'])} to {self.name(ev['to'])}: {ev['text']}")
        elif t == "resolve":
            self.results.append(dict(ev))
            self.log.append(f"round {ev['round']} resolved")
        elif t == "clock":
            self._clock(ev, when)
        elif t == "override":
            self.rulings.append(dict(ev))
            self.log.append(f"override {ev['indicator']} = {ev['value']:g} (rules: {ev['model_value']:g}): {ev['reason']}")
        elif t == "note":
            self.log.append(("bookmark: " if ev.get("bookmark") else "note: ") + str(ev.get("text", "")))
        else:
            self.log.append(f"{t}: {', '.join(f'{k}={v}' for k, v in ev.items() if k != 'type')}")

    def _clock(self, ev: dict[str, Any], when: dt.datetime) -> None:
        action = ev.get("action")
        if ev.get("phase") != self.phase and action == "set":
            self.log.append(f"clock: {ev.get('minutes')} min for every {ev.get('phase')} phase")
            return
        if action == "set":
            secs = float(ev.get("minutes", 0)) * 60
            self.clock = (secs, when, True) if secs else None
        elif action == "pause" and self.clock:
            self.clock = (float(ev.get("remaining", 0)), when, False)
        elif action in ("resume", "extend") and self.clock:
            self.clock = (float(ev.get("remaining", self.clock[0])), when, True)
        elif action == "lock":
            self.locked = True
            self.clock = (0.0, when, False) if self.clock else None
        self.log.append(f"clock: {action} {ev.get('minutes', '')}".rstrip())

    def remaining(self, now: dt.datetime | None = None) -> int | None:
        """Seconds left on the phase clock (by the server's time), or None when no clock runs."""
        if self.clock is None:
            return None
        secs, since, running = self.clock
        if not running:
            return max(0, int(secs + 0.999))
        now = (now or dt.datetime.now(dt.timezone.utc)) + self.skew
        left = secs - (now - since).total_seconds()
        return max(0, int(left + 0.999))

    def awaiting_me(self) -> list[dict[str, Any]]:
        """Offers waiting on this team: addressed to it and open, or its own and countered."""
        return [o for o in self.offers.values()
                if (o["status"] == "open" and o["counterparty"] == self.seat)
                or (o["status"] == "countered" and o["proposer"] == self.seat)]

    def waiting_for(self) -> list[str]:
        return [r for r in self.roles if r not in self.board]
