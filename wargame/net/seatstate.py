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
    offers: dict[int, dict[str, Any]] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)
    revealed: dict[str, list[Any]] | None = None
    results: list[dict[str, Any]] = field(default_factory=list)  # resolve events, by round
    clock: tuple[int, dt.datetime] | None = None  # (seconds, started at, server time)
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

    def apply(self, env: dict[str, Any]) -> None:
        ev, at = env["event"], env.get("at", "")
        t = ev["type"]
        if t == "phase":
            self.phase, self.round = ev["phase"], ev["round"]
            self.clock = None
            if ev["phase"] == "briefing":
                self.board, self.my_orders, self.offers, self.revealed = {}, [], {}, None
            if ev["phase"] == "reveal":
                self.revealed = ev.get("orders")
            self.log.append(f"round {ev['round']}: {ev['phase']}")
        elif t in ("submitted", "orders"):
            self.board[ev["role"]] = (ev.get("by", "human"), at)
            if t == "orders" and ev["role"] == self.seat:
                self.my_orders = list(ev["orders"])
            self.log.append(f"{self.name(ev['role'])} submitted" + (f": {ev['orders']}" if t == "orders" else ""))
        elif t == "offer":
            self.offers[ev["id"]] = dict(ev)
            self.log.append(f"offer {ev['id']}: {self.name(ev['from'])} -> {self.name(ev['to'])} {ev.get('move') or ''} {ev.get('text', '')}")
        elif t == "answer":
            if ev["offer"] in self.offers:
                self.offers[ev["offer"]]["answer"] = ev["answer"]
            self.log.append(f"offer {ev['offer']}: {ev['answer']}")
        elif t == "message":
            self.messages.append(dict(ev))
            self.log.append(f"{self.name(ev['from'])} to {self.name(ev['to'])}: {ev['text']}")
        elif t == "resolve":
            self.results.append(dict(ev))
            self.log.append(f"round {ev['round']} resolved")
        elif t == "clock":
            started = parse_time(at) or dt.datetime.now(dt.timezone.utc)
            self.clock = (int(ev["seconds"]), started)
            self.log.append(f"clock: {ev['seconds']} s for {ev['phase']}")
        else:
            self.log.append(f"{t}: {', '.join(f'{k}={v}' for k, v in ev.items() if k != 'type')}")

    def remaining(self, now: dt.datetime | None = None) -> int | None:
        """Seconds left on the phase clock (by the server's time), or None when no clock runs."""
        if self.clock is None:
            return None
        now = (now or dt.datetime.now(dt.timezone.utc)) + self.skew
        left = self.clock[0] - (now - self.clock[1]).total_seconds()
        return max(0, int(left + 0.999))

    def waiting_for(self) -> list[str]:
        return [r for r in self.roles if r not in self.board]
