"""Moving through a replayed save: positions, rounds, bookmarks, and what each event says.

Plain Python over :class:`wargame.saves.session.Replay` (no Textual here), so the
replay viewer stays a thin renderer and these rules can be tested on their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wargame.engine.orders import Order, parse_order
from wargame.engine.rules import Rules, to_fixed
from wargame.engine.scoring import quadrants, scores
from wargame.engine.state import OrderResult, RoundTrace, State
from wargame.numbers import plain
from wargame.saves.session import Replay, Step
from wargame.text import count


@dataclass(frozen=True, slots=True)
class Line:
    """One line of an event's description: text and a role for styling."""

    text: str
    style: str = ""  # '' | title | muted | warn | quote


# The round flow's phase changes: every round has the same six, so stepping through them
# says nothing; the offers, answers, messages and clock changes are shown.
QUIET = frozenset({"phase"})


class Timeline:
    """Positions 0..n-1 are the save's events, in order; each has the game state after it."""

    def __init__(self, replay: Replay) -> None:
        self.replay = replay
        self.rules: Rules = replay.session.rules
        self.steps: list[Step] = [s for s in replay.steps if s.event.get("type") not in QUIET]
        self.resolves = [i for i, s in enumerate(self.steps) if s.event.get("type") == "resolve"]
        self.bookmarks = [i for i, s in enumerate(self.steps)
                          if s.event.get("type") == "note" and s.event.get("bookmark")]

    def __len__(self) -> int:
        return len(self.steps)

    @property
    def rounds(self) -> int:
        """Rounds resolved in the (recovered part of the) save."""
        return len(self.replay.game.traces)

    def clamp(self, k: int) -> int:
        return max(0, min(k, len(self.steps) - 1))

    # -- moving --------------------------------------------------------------------------

    def next_round(self, k: int) -> int:
        """The next resolution after position ``k`` (or the last event)."""
        for i in self.resolves:
            if i > k:
                return i
        return len(self.steps) - 1

    def prev_round(self, k: int) -> int:
        """The previous resolution before position ``k`` (or the first event)."""
        for i in reversed(self.resolves):
            if i < k:
                return i
        return 0

    def round_at(self, rnd: int) -> int:
        """The position where round ``rnd`` is resolved; round 0 is the first event."""
        if rnd <= 0 or not self.resolves:
            return 0
        return self.resolves[min(rnd, len(self.resolves)) - 1]

    def next_bookmark(self, k: int) -> int | None:
        """The next bookmark after ``k``, wrapping round to the first; None when there are none."""
        if not self.bookmarks:
            return None
        for i in self.bookmarks:
            if i > k:
                return i
        return self.bookmarks[0]

    def bookmark_note(self, k: int) -> tuple[str, bool]:
        """What the position line says of bookmarks at ``k``: (text, whether ``k`` is one).

        "bookmark 1 of 2 (b: next)" on a bookmark; elsewhere "1 bookmark (b goes to it)"
        or "2 bookmarks (b goes to the next)"; "" when the save has none.
        """
        marks = self.bookmarks
        if k in marks:
            return f"* bookmark {marks.index(k) + 1} of {len(marks)}" + (" (b: next)" if len(marks) > 1 else ""), True
        if not marks:
            return "", False
        go = "b goes to it" if len(marks) == 1 else "b goes to the next"
        return f"{count(len(marks), 'bookmark')} ({go})", False

    # -- what is true at a position ------------------------------------------------------

    def resolved(self, k: int) -> int:
        """Rounds resolved after the event at position ``k``."""
        return self.steps[k].round if self.steps else 0

    def event_round(self, k: int) -> int:
        """The round an event belongs to: the one being played (orders, inject) or just resolved."""
        ev = self.steps[k].event
        rnd = ev.get("round")
        return rnd if isinstance(rnd, int) and not isinstance(rnd, bool) else self.resolved(k)

    def state(self, k: int) -> State:
        """The state after the event at ``k`` (overrides later in the same round not yet applied)."""
        r = self.resolved(k) if self.steps else 0
        st = self.replay.game.states[r]
        undo: dict[int, int] = {}
        for j in range(k + 1, len(self.steps)):
            s = self.steps[j]
            ev = s.event
            if ev.get("type") == "resolve" or s.round != r:
                break
            if ev.get("type") == "override" and ev.get("indicator") in self.rules.index:
                slot = self.rules.index[ev["indicator"]]
                mv = ev.get("model_value")
                if slot not in undo and isinstance(mv, int | float) and not isinstance(mv, bool):
                    undo[slot] = to_fixed(float(mv))
        if not undo:
            return st
        values = list(st.values)
        for slot, v in undo.items():
            values[slot] = v
        return State(st.round, tuple(values), st.policies, st.pending, st.used, st.fired)

    def previous_state(self, k: int) -> State | None:
        """The state at the start of the last resolved round, for changes in score."""
        r = self.resolved(k)
        return self.replay.game.states[r - 1] if r > 0 else None

    def quadrants(self, k: int) -> dict[str, str]:
        return quadrants(self.rules, self.state(k).values)

    def scores(self, k: int) -> dict[str, float]:
        return scores(self.rules, self.state(k).values)

    def trace(self, k: int) -> RoundTrace | None:
        """The trace of the last round resolved at position ``k``."""
        r = self.resolved(k)
        return self.replay.game.traces[r - 1] if r > 0 else None

    def orders(self, k: int) -> tuple[int, list[tuple[str, Order | Any, str]]]:
        """The orders of the event's round as known at ``k``: (round, [(role, order, status)]).

        Once the round is resolved, the trace's verdicts (accepted, or rejected with the reason);
        before that, the latest submission of each role so far, marked 'submitted'.
        """
        rnd = self.event_round(k)
        if rnd <= self.resolved(k) and rnd >= 1:
            tr: RoundTrace = self.replay.game.traces[rnd - 1]
            return rnd, [(r.order.role, r.order, _verdict(r)) for r in tr.orders]
        latest: dict[str, list[Any]] = {}
        by: dict[str, str] = {}
        for j in range(0, k + 1):
            ev = self.steps[j].event
            if ev.get("type") == "orders" and ev.get("round") == rnd:
                latest[ev["role"]] = list(ev.get("orders", []))
                by[ev["role"]] = str(ev.get("by", "human"))
        out: list[tuple[str, Order | Any, str]] = []
        for role in self.rules.roles:
            if role not in latest:
                continue
            if not latest[role]:
                out.append((role, None, f"submitted by {by[role]}: no orders"))
            for spec in latest[role]:
                try:
                    o: Order | Any = parse_order(self.rules.scenario, role, spec)
                except ValueError:
                    o = spec
                out.append((role, o, f"submitted by {by[role]}"))
        return rnd, out

    # -- words ---------------------------------------------------------------------------

    def round_label(self, rnd: int) -> str:
        rnd = max(rnd, 1)
        return self.rules.scenario.round_label(rnd)

    def role_name(self, role: str | None) -> str:
        if not role:
            return ""
        r = self.rules.scenario.roles.get(role)
        return f"{r.short}" if r else role

    def order_text(self, o: Order | Any) -> str:
        if o is None:
            return "(no orders)"
        if not isinstance(o, Order):
            return f"{o!r} (unreadable)"
        moves = self.rules.scenario.moves
        name = moves[o.move].name if o.move in moves else o.move
        if o.kind == "revoke":
            return f"revoke {name}"
        if o.kind == "respond":
            return f"answer {o.answer} to {name}"
        target = ""
        if o.target:
            t = o.target
            target = f" at {self.role_name(t) if t in self.rules.scenario.roles else self.rules.scenario.sectors[t].name if t in self.rules.scenario.sectors else t}"
        return f"{name}{target}" + (" (walk away if renegotiated)" if o.walk_away else "")

    def describe(self, k: int) -> list[Line]:
        """What the event at ``k`` says, in a few lines."""
        s = self.steps[k]
        ev = s.event
        t = ev.get("type")
        sc = self.rules.scenario
        if t == "orders":
            role = ev.get("role", "?")
            r = sc.roles.get(role)
            who = f"{r.name} ({r.short})" if r else role
            specs = ev.get("orders", [])
            out = [Line(f"Orders of {who} for round {ev.get('round')}, by {ev.get('by', 'human')}", "title")]
            if not specs:
                out.append(Line("No orders this round.", "muted"))
            for spec in specs:
                try:
                    out.append(Line("- " + self.order_text(parse_order(sc, role, spec))))
                except ValueError:
                    out.append(Line(f"- {spec!r} (unreadable)", "warn"))
            return out
        if t == "inject":
            e = sc.events.get(ev.get("event", ""))
            if e is None:
                return [Line(f"Inject: {ev.get('event')} (unknown event)", "warn")]
            return [Line(f"Inject for round {ev.get('round')}: {e.name}", "title"), Line(e.news, "quote")]
        if t == "resolve":
            rnd = ev.get("round", s.round)
            tr = self.replay.game.traces[rnd - 1] if isinstance(rnd, int) and 1 <= rnd <= self.rounds else None
            out = [Line(f"Round {rnd} resolved ({self.round_label(rnd if isinstance(rnd, int) else 1)})", "title")]
            if tr is not None:
                rejected = sum(1 for o in tr.orders if not o.accepted)
                parts = [count(len(tr.orders), "order") + (f", {rejected} rejected" if rejected else "")]
                if tr.deals:
                    parts.append("deals: " + ", ".join(
                        f"{sc.moves[d.move].name if d.move in sc.moves else d.move} {d.outcome}" for d in tr.deals))
                if tr.events:
                    parts.append("events: " + ", ".join(
                        f"{sc.events[e.event].name if e.event in sc.events else e.event} ({e.how})" for e in tr.events))
                changed = {c.indicator for c in tr.contributions}
                parts.append(f"{count(len(changed), 'indicator')} changed")
                out.append(Line("; ".join(parts)))
                for e in tr.events:
                    if e.event in sc.events:
                        out.append(Line(sc.events[e.event].news, "quote"))
            return out
        if t == "override":
            ind = ev.get("indicator", "?")
            meta = self.rules.indicator.get(ind)
            name = meta.name if meta else ind
            unit = "" if meta is None or meta.unit in ("", "index") else f" {meta.unit}"
            value, model = ev.get("value"), ev.get("model_value")
            return [Line(f"Override after round {ev.get('round')}: {name} ({ind})", "title"),
                    Line(f"set to {_g(value)}{unit}; the model had {_g(model)}{unit} "
                         f"(by {_signed(value, model)}{unit})", "warn"),
                    Line(f"Reason: {ev.get('reason', '')}", "quote")]
        if t == "note":
            mark = "Bookmark" if ev.get("bookmark") else "Note"
            return [Line(f"{mark} after round {ev.get('round')}", "title"), Line(str(ev.get("text", "")), "quote")]
        return self._describe_table(ev)

    def _describe_table(self, ev: dict[str, Any]) -> list[Line]:
        """The round flow's events: the negotiation table, messages, the clock."""
        t, sc = ev.get("type"), self.rules.scenario
        who = self.role_name(str(ev.get("role", "")))
        if t == "offer":
            m = sc.moves.get(str(ev.get("move")))
            return [Line(f"Offer {ev.get('id')} in round {ev.get('round')}: {who} offers "
                         f"{m.name if m else ev.get('move')}"
                         + (f" to {self.role_name(m.deal.counterparty)}" if m and m.deal else ""), "title")]
        if t in ("answer", "reply", "withdraw"):
            word = {"answer": ev.get("answer"), "reply": ev.get("reply"), "withdraw": "withdraw"}[t]
            return [Line(f"Offer {ev.get('id')}: {who} answers {word}", "title")]
        if t == "message":
            return [Line(f"Message in round {ev.get('round')}: {self.role_name(str(ev.get('from')))} to "
                         f"{self.role_name(str(ev.get('to')))}", "title"), Line(str(ev.get("text", "")), "quote")]
        if t == "clock":
            return [Line(f"Clock ({ev.get('phase')}): {ev.get('action')}"
                         + (f" {_g(ev.get('minutes'))} min" if "minutes" in ev else ""), "muted")]
        return [Line(f"{t} event", "muted")]


def _verdict(r: OrderResult) -> str:
    return "accepted" if r.accepted else f"REJECTED: {r.reason}" if r.reason else "REJECTED"


_g = plain  # one home for number formatting: wargame.numbers


def _signed(a: Any, b: Any) -> str:
    try:
        return f"{float(a) - float(b):+g}"
    except (TypeError, ValueError):
        return "?"
