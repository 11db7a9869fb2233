"""``wargame join``: the app as one seat's client of an exercise server.

A team sees its own briefing, negotiation, orders and the public results; the
facilitator's seat drives the phases and the clock and can reissue a seat's code;
the observer's seat is the projector: a large countdown, the board of who has
submitted, the reveal and the results. Everything shown comes from what the server
sent this seat (:class:`wargame.net.seatstate.SeatState`); nothing is decided here.
"""

from __future__ import annotations

import json
from typing import Any

from rich.markup import escape
from rich.table import Table
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import (Button, Digits, Footer, Input, Label, Select, SelectionList, Static, TabbedContent,
                             TabPane)

from wargame.net.client import ClientError, SeatClient
from wargame.net.seatstate import SeatState

NEXT = {"briefing": "negotiation", "negotiation": "orders", "orders": "reveal", "reveal": "resolution",
        "resolution": "debrief", "debrief": "next round"}


class CodeScreen(ModalScreen[str]):
    """Asks for the seat's code (never echoed)."""

    DEFAULT_CSS = """
    CodeScreen { align: center middle; }
    CodeScreen > Vertical { width: 64; height: auto; border: thick $accent; padding: 1 2; background: $surface; }
    """

    def __init__(self, url: str, problem: str = "") -> None:
        super().__init__()
        self.url, self.problem = url, problem

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Join the exercise at {escape(self.url)}")
            yield Label("Enter your seat's code (from the facilitator):")
            yield Input(password=True, id="code", placeholder="code")
            if self.problem:
                yield Label(f"[b red]{escape(self.problem)}[/]", id="problem")
            yield Button("Join", id="join", variant="primary")

    @on(Input.Submitted, "#code")
    @on(Button.Pressed, "#join")
    def _done(self) -> None:
        code = self.query_one("#code", Input).value.strip()
        if code:
            self.dismiss(code)


class SeatScreen(Screen):
    BINDINGS = [
        Binding("f5", "tab('t-briefing')", "Briefing", id="seat.briefing"),
        Binding("f6", "tab('t-negotiation')", "Negotiation", id="seat.negotiation"),
        Binding("f7", "orders", "Orders", id="seat.orders"),
        Binding("f8", "tab('t-results')", "Results", id="seat.results"),
        Binding("ctrl+s", "submit", "Submit orders", id="seat.submit"),
        Binding("f9", "advance", "Advance phase", id="seat.advance"),
    ]
    DEFAULT_CSS = """
    #top { height: 1; background: $primary; color: $text; padding: 0 1; }
    #side { width: 46; padding: 0 1; }
    #main { padding: 0 1; }
    #countdown { width: auto; }
    .observer #countdown { width: 100%; height: 5; text-align: center; }
    .observer #side { width: 50; }
    #board { margin: 1 0; }
    Button { margin: 0 1 0 0; }
    .row { height: auto; }
    #seconds { width: 12; }
    #ovr-value { width: 14; }
    #ovr-indicator, #ovr-reason, #note-text { width: 1fr; }
    #reissue-seat, #inject-event, #incoming, #offer-move, #msg-to { width: 1fr; }
    #msg-text { width: 2fr; }
    #orders { height: 1fr; min-height: 8; }
    #offers, #messages, #results, #reveal, #log { height: auto; }
    """

    def __init__(self, state: SeatState) -> None:
        super().__init__()
        self.state = state

    def compose(self) -> ComposeResult:
        s = self.state
        yield Static(id="top")
        with Horizontal():
            with VerticalScroll(id="side"):
                yield Digits("--:--", id="countdown")
                yield Static(id="board")
                if s.kind == "facilitator":
                    yield Button("Advance", id="advance", variant="primary")
                    with Horizontal(classes="row"):
                        yield Input("300", id="seconds", restrict=r"[0-9]*", max_length=5)
                        yield Button("Start clock", id="clock")
                    with Horizontal(classes="row"):
                        yield Select([(x, x) for x in s.welcome["seats"] if x != "facilitator"], id="reissue-seat",
                                     prompt="seat")
                        yield Button("Reissue code", id="reissue")
                    yield Static(id="newcode")
                    with Horizontal(classes="row"):
                        yield Select([(name, eid) for eid, name in s.welcome.get("events", {}).items()],
                                     id="inject-event", prompt="event to inject")
                        yield Button("Inject", id="inject")
                    # A ruling: an indicator set by hand, with its reason (the room sees it).
                    with Horizontal(classes="row"):
                        yield Select([(f"{i} ({lo:g}..{hi:g})", i)
                                      for i, (lo, hi) in s.welcome.get("indicators", {}).items()],
                                     id="ovr-indicator", prompt="indicator to override")
                        yield Input(id="ovr-value", placeholder="value", restrict=r"[-+0-9.eE]*", max_length=24)
                    with Horizontal(classes="row"):
                        yield Input(id="ovr-reason", placeholder="reason (the room sees it)")
                        yield Button("Override", id="override", variant="warning")
                    # Notes and bookmarks stay in the facilitator's log, for the debrief.
                    yield Input(id="note-text", placeholder="note for the debrief (Enter notes it)")
                    with Horizontal(classes="row"):
                        yield Button("Note", id="note")
                        yield Button("Bookmark", id="bookmark")
            with VerticalScroll(id="main"):
                if s.kind == "team":
                    yield from self._team()
                elif s.kind == "facilitator":
                    with TabbedContent(initial="t-log"):
                        with TabPane("Console", id="t-log"):
                            yield Static(id="log")
                        with TabPane("Results", id="t-results"):
                            yield Static(id="reveal")
                            yield Static(id="results")
                else:
                    yield Static(id="reveal")
                    yield Static(id="results")
        yield Footer()

    def _team(self) -> ComposeResult:
        s = self.state
        team = s.team or {}
        others = [(s.name(r), r) for r in s.roles if r != s.seat]
        my_deals = [(f"{m['name']} (with {s.name(m['deal'])}, cost {m['cost']})", m["id"])
                    for m in team.get("moves", []) if m["deal"]]
        with TabbedContent(initial="t-briefing"):
            with TabPane("Briefing", id="t-briefing"):
                yield Static(f"[b]{escape(team.get('name', ''))}[/]   budget {team.get('budget', '?')} points a round\n\n"
                             f"{escape(team.get('briefing', ''))}", id="briefing")
            with TabPane("Negotiation", id="t-negotiation"):
                yield Static(id="offers")
                with Horizontal(classes="row"):
                    yield Select([], id="incoming", prompt="offer waiting for you")
                    yield Button("Accept", id="accept", variant="success")
                    yield Button("Reject", id="reject", variant="error")
                    yield Button("Counter", id="counter")
                with Horizontal(classes="row"):
                    yield Select(my_deals, id="offer-move", prompt="put a deal on the table")
                    yield Button("Offer", id="send-offer")
                yield Label("Messages (the facilitator sees them too):")
                yield Static(id="messages")
                with Horizontal(classes="row"):
                    yield Select([*others, ("the facilitator", "facilitator")], id="msg-to", prompt="to")
                    yield Input(id="msg-text", placeholder="message (Enter sends)")
            with TabPane("Orders", id="t-orders"):
                yield Static(id="orders-status")
                yield SelectionList[str](*self._order_options(), id="orders")
                yield Button("Submit orders", id="submit", variant="primary")
            with TabPane("Results", id="t-results"):
                yield Static(id="reveal")
                yield Static(id="results")

    def _order_options(self) -> list[tuple[str, str]]:
        team = self.state.team or {}
        out = []
        for m in team.get("moves", []):
            if m["deal"]:
                continue  # deals are made at the negotiation table, not ordered
            label = f"{m['name']} ({m['cost']})"
            if m["targets"]:
                for t in m["targets"]:
                    out.append((f"{label} -> {self.state.name(t)}", json.dumps({"move": m["id"], "target": t})))
            else:
                out.append((label, json.dumps(m["id"])))
        return out

    def on_mount(self) -> None:
        self.add_class(self.state.kind)
        self.set_interval(0.5, self._tick)
        self.refresh_view()

    def _tick(self) -> None:
        left = self.state.remaining()
        text = "--:--" if left is None else f"{left // 60:02d}:{left % 60:02d}"
        d = self.query_one("#countdown", Digits)
        if d.value != text:
            d.update(text)

    # --- rendering ----------------------------------------------------------------

    def refresh_view(self, status: str = "") -> None:
        s = self.state
        sc = s.welcome["scenario"]
        who = s.name(s.seat) if s.kind == "team" else s.kind
        status = status or getattr(self.app, "status", "")
        self.query_one("#top", Static).update(
            f"{escape(sc['title'])}  ·  {escape(who)}  ·  round {s.round}/{sc['rounds']}  ·  "
            f"[b]{s.phase.upper()}[/]  ·  {escape(status)}")
        self.query_one("#board", Static).update(self._board())
        self._tick()
        if s.kind == "facilitator":
            self.query_one("#advance", Button).label = f"Advance to {NEXT.get(s.phase, '-')}"
            self.query_one("#log", Static).update(escape("\n".join(s.log[-60:])))
        if s.kind == "team":
            self._refresh_team()
        self.query_one("#reveal", Static).update(self._reveal())
        self.query_one("#results", Static).update(self._results())

    def _board(self) -> Table:
        s = self.state
        t = Table(title=f"Round {s.round}: orders", expand=True, show_edge=False)
        t.add_column("team", ratio=3)
        t.add_column("", ratio=2)
        presence = self.app.client.presence if getattr(self.app, "client", None) else {}  # type: ignore[attr-defined]
        for r in s.roles:
            name = s.name(r) + ("" if s.kind != "facilitator" or s.roles[r]["seat"] != "human"
                                else (" (on)" if presence.get(r) else " (off)"))
            if r in s.board:
                by, at = s.board[r]
                t.add_row(name, f"in {at[11:19]}" + ("" if by == "human" else f" ({by})"))
            else:
                t.add_row(name, "[yellow]waiting for[/]" if s.phase == "orders" else "-")
        if s.kind == "facilitator" and presence:
            t.caption = f"observers connected: {presence.get('observer', 0)}"
        return t

    def _refresh_team(self) -> None:
        s = self.state
        lines = []
        for o in s.offers.values():
            mine = o["proposer"] == s.seat
            other = o["counterparty"] if mine else o["proposer"]
            lines.append(f"{o['id']} {'to' if mine else 'from'} {s.name(other)}: {s.move_name(o['move'])}  [{o['status']}]")
        self.query_one("#offers", Static).update(escape("\n".join(lines) or "No offers this round."))
        waiting = [(f"{o['id']} {s.move_name(o['move'])}" + (" (their counter)" if o["status"] == "countered" else ""),
                    o["id"]) for o in s.awaiting_me()]
        sel = self.query_one("#incoming", Select)
        if getattr(sel, "_seat_options", None) != waiting:
            sel.set_options(waiting)
            sel._seat_options = waiting  # type: ignore[attr-defined]
        msgs = [f"{s.name(m['from'])} -> {s.name(m['to'])}: {m['text']}" for m in s.messages[-20:]]
        self.query_one("#messages", Static).update(escape("\n".join(msgs) or "No messages."))
        mine = (f"Your orders this round: {', '.join(_order_text(o, s.move_name) for o in s.my_orders) or 'none'}"
                if s.seat in s.board else "Not given yet.")
        self.query_one("#orders-status", Static).update(
            f"Round {s.round}, {s.phase} phase. {escape(mine)}" + ("" if s.phase == "orders" else "  (orders open in the orders phase)"))

    def _reveal(self) -> str:
        s = self.state
        if not s.revealed:
            return "The reveal shows every team's orders at once." if s.phase not in ("reveal",) else ""
        lines = [f"[b]Round {s.round}: the reveal[/]"]
        for r, orders in s.revealed.items():
            lines.append(f"[b]{escape(s.name(r))}[/]: " + escape(", ".join(_order_text(o, s.move_name) for o in orders)
                                                               or "no orders"))
        deals = [o for o in s.offers.values() if o.get("status")]
        if deals:
            lines.append("[b]Deals[/]: " + escape("; ".join(
                f"{s.move_name(o['move'])} ({s.name(o['proposer'])} -> {s.name(o['counterparty'])}): {o['status']}"
                for o in deals)))
        return "\n".join(lines)

    def _results(self) -> Table | str:
        s = self.state
        if not s.results:
            return "No round resolved yet." + "".join("\n" + escape(_ruling_text(o)) for o in s.rulings)
        last = s.results[-1]
        t = Table(title=f"Round {last['round']}: results", expand=True)
        t.add_column("team")
        for r in s.results:
            t.add_column(f"r{r['round']}", justify="right")
        for role in s.roles:
            t.add_row(s.name(role), *(f"{r['scores'].get(role, 0):.1f}" for r in s.results))
        deals = "; ".join(f"{s.move_name(d['move'])}: {d['outcome']}" for d in last["summary"].get("deals", []))
        caption = [f"deals: {deals}"] if deals else []
        caption += [_ruling_text(o) for o in s.rulings if o.get("round") == last["round"]]
        if caption:
            t.caption = escape("\n".join(caption))
        return t

    # --- actions -----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        kind = self.state.kind
        if action in ("orders", "submit") or (action == "tab" and parameters and parameters[0] != "t-results"):
            return kind == "team"
        if action == "tab":
            return kind != "observer"
        if action == "advance":
            return kind == "facilitator"
        return True

    def action_tab(self, pane: str) -> None:
        self.query_one(TabbedContent).active = pane

    def action_orders(self) -> None:
        """The orders tab, with the keyboard on the list (space ticks a move)."""
        self.action_tab("t-orders")
        lst = self.query_one("#orders", SelectionList)
        lst.focus()
        if lst.highlighted is None and lst.option_count:
            lst.highlighted = 0

    def action_submit(self) -> None:
        self._submit()

    def action_advance(self) -> None:
        self._advance()

    @on(Button.Pressed, "#advance")
    def _advance(self) -> None:
        self.app.send("advance", expect=self.state.phase)  # type: ignore[attr-defined]

    @on(Button.Pressed, "#clock")
    def _clock(self) -> None:
        text = self.query_one("#seconds", Input).value or "0"
        self.app.send("clock", seconds=int(text))  # type: ignore[attr-defined]

    @on(Button.Pressed, "#reissue")
    def _reissue(self) -> None:
        seat = self.query_one("#reissue-seat", Select).value
        if isinstance(seat, str):
            self.app.send("reissue", seat=seat)  # type: ignore[attr-defined]

    @on(Button.Pressed, "#inject")
    def _inject(self) -> None:
        event = self.query_one("#inject-event", Select).value
        if isinstance(event, str):
            self.app.send("inject", event=event)  # type: ignore[attr-defined]

    @on(Button.Pressed, "#override")
    @on(Input.Submitted, "#ovr-reason")
    def _override(self) -> None:
        indicator = self.query_one("#ovr-indicator", Select).value
        value = self.query_one("#ovr-value", Input).value.strip()
        reason = self.query_one("#ovr-reason", Input).value.strip()
        if not isinstance(indicator, str) or not value or not reason:
            self.app.notify("An override needs an indicator, a value and a reason.", severity="warning")
            return
        try:
            number = float(value)
        except ValueError:
            self.app.notify(f"{value!r} is not a number.", severity="warning")
            return
        self.app.send("override", indicator=indicator, value=number, reason=reason)  # type: ignore[attr-defined]

    @on(Button.Pressed, "#note")
    @on(Button.Pressed, "#bookmark")
    @on(Input.Submitted, "#note-text")
    def _note(self, event: Button.Pressed | Input.Submitted) -> None:
        box = self.query_one("#note-text", Input)
        text = box.value.strip()
        if not text:
            return
        bookmark = isinstance(event, Button.Pressed) and event.button.id == "bookmark"
        self.app.send("note", text=text, bookmark=bookmark)  # type: ignore[attr-defined]
        box.value = ""

    @on(Button.Pressed, "#submit")
    def _submit(self) -> None:
        chosen = [json.loads(v) for v in self.query_one("#orders", SelectionList).selected]
        self.app.send("submit", round=self.state.round, orders=chosen)  # type: ignore[attr-defined]

    @on(Button.Pressed, "#send-offer")
    def _offer(self) -> None:
        move = self.query_one("#offer-move", Select).value
        if isinstance(move, str):
            self.app.send("offer", move=move)  # type: ignore[attr-defined]

    @on(Button.Pressed, "#accept")
    @on(Button.Pressed, "#reject")
    @on(Button.Pressed, "#counter")
    def _answer(self, event: Button.Pressed) -> None:
        oid = self.query_one("#incoming", Select).value
        offer = self.state.offers.get(oid) if isinstance(oid, str) else None
        if offer is None:
            return
        word = event.button.id or ""
        if offer["status"] == "countered":  # our own offer, countered: take the counter or walk away
            if word != "counter":
                self.app.send("reply", offer=oid, reply="accept" if word == "accept" else "walk-away")  # type: ignore[attr-defined]
        else:
            self.app.send("answer", offer=oid, answer=word)  # type: ignore[attr-defined]

    @on(Input.Submitted, "#msg-text")
    def _message(self) -> None:
        to = self.query_one("#msg-to", Select).value
        box = self.query_one("#msg-text", Input)
        if isinstance(to, str) and box.value.strip():
            self.app.send("message", to=to, text=box.value.strip())  # type: ignore[attr-defined]
            box.value = ""


def _ruling_text(o: dict[str, Any]) -> str:
    """A facilitator's override in words, as the room sees it."""
    return (f"Ruling: {o['indicator']} set to {o['value']:g} (the rules gave {o['model_value']:g}): "
            f"{o.get('reason', '')}")


def _order_text(o: Any, name: Any = str) -> str:
    """An order in words: the move's name, its target, an answer to a deal, a policy ended."""
    if isinstance(o, str):
        return str(name(o))
    if "respond" in o:
        return f"{o['answer']} {name(o['respond'])}"
    if "revoke" in o:
        return f"revoke {name(o['revoke'])}"
    return f"{name(o['move'])} -> {o['target']}" if o.get("target") else str(name(o.get("move")))


class SeatApp(App[int]):
    TITLE = "wargame seat"
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", id="quit")]

    def __init__(self, url: str, code: str | None = None) -> None:
        super().__init__()
        self.url, self.code = url, code
        self.client: SeatClient | None = None
        self.state: SeatState | None = None
        self.status = "connecting"
        self.last_reply: dict[str, Any] | None = None

    def on_mount(self) -> None:
        if self.code:
            self._connect(self.code)
        else:
            self._ask()

    def _ask(self, problem: str = "") -> None:
        self.push_screen(CodeScreen(self.url, problem), self._code_given)

    def _code_given(self, code: str | None) -> None:
        self._connect(code)

    @work(exclusive=True, group="connect")
    async def _connect(self, code: str | None) -> None:
        if not code:
            return
        self.client = SeatClient(self.url, code, on_event=self._event, on_status=self._status)
        self.client.start()
        try:
            welcome = await self.client.wait_ready(15)
        except (ClientError, TimeoutError) as exc:
            await self.client.close()
            self.client = None
            self._ask(exc.message if isinstance(exc, ClientError) else str(exc))
            return
        self.state = SeatState(welcome)
        for env in self.client.events:  # what arrived with the welcome
            self.state.apply(env)
        self.push_screen(SeatScreen(self.state))

    def _event(self, env: dict[str, Any]) -> None:
        if self.state is None:
            return  # still connecting: the events are replayed from the client once the screen opens
        self.state.apply(env)
        self._refresh()

    def _status(self, state: str, detail: str) -> None:
        if state == "notice":
            self.notify(detail, title="Clock", timeout=8)
            return
        if state == "presence":
            self._refresh()
            return
        self.status = {"connected": "connected", "reconnecting": "reconnecting...", "refused": f"refused: {detail}",
                       "error": detail}.get(state, state)
        if state == "connected" and self.state is not None and self.client and self.client.welcome:
            self.state.welcome = {**self.client.welcome}
        self._refresh()

    def _refresh(self) -> None:
        if isinstance(self.screen, SeatScreen):
            try:
                self.screen.refresh_view()
            except NoMatches:
                # The screen was pushed but its widgets are not all mounted yet (a presence or
                # event frame arrived in between): its on_mount draws the state in full.
                pass

    def send(self, kind: str, **fields: Any) -> None:
        self._send(kind, fields)

    @work(group="requests")
    async def _send(self, kind: str, fields: dict[str, Any]) -> None:
        if self.client is None:
            return
        try:
            reply = await self.client.request(kind, **fields)
        except (ClientError, TimeoutError) as exc:
            self.last_reply = {"type": "error", "message": getattr(exc, "message", str(exc))}
            self.notify(self.last_reply["message"], title="Refused", severity="error")
            return
        self.last_reply = reply
        if kind == "reissue" and isinstance(self.screen, SeatScreen):
            self.screen.query_one("#newcode", Static).update(f"New code for {reply['seat']}:\n{reply['code']}")
        elif kind == "submit":
            self.notify("Orders given.")
        elif kind == "inject":
            self.notify("Injected: it fires when the round resolves.")
        elif kind == "override" and isinstance(self.screen, SeatScreen):
            self.notify(f"Override of {fields['indicator']} applied.")
            self.screen.query_one("#ovr-reason", Input).value = ""
        elif kind == "note":
            self.notify("Bookmarked." if fields.get("bookmark") else "Noted.")

    async def on_unmount(self) -> None:
        if self.client is not None:
            await self.client.close()


def run_seat(url: str, code: str | None = None) -> int:
    return SeatApp(url, code).run() or 0
