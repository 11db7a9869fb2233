"""The facilitator's console: clock, events, overrides, undo, bookmarks and notes, the view."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.markup import escape
from textual.widgets import Button, DataTable, Label, Static

from wargame.tui.screens import PhaseScreen
from wargame.tui.widgets.dashboard import fmt, indicator_label, role_name
from wargame.tui.widgets.keybar import KeyBar
from wargame.tui.widgets.phasebar import PhaseBar


if TYPE_CHECKING:
    from wargame.saves.session import Session


def log_lines(session: Session, limit: int = 10) -> list[str]:
    """The session's latest events in words. Orders of the round being played stay secret."""
    rules = session.rules
    s = rules.scenario
    current = session.game.round
    out = []
    for ev in session.events[-limit:]:
        t, rnd = ev.get("type"), ev.get("round")
        if t == "orders":
            who = escape(role_name(rules, ev["role"]))
            if rnd == current:
                out.append(f"R{rnd} orders submitted by {who} ({ev.get('by', 'human')}) [$text-muted]secret until the reveal[/]")
            else:
                n = len(ev.get("orders", []))
                out.append(f"R{rnd} orders of {who}: {n} order{'' if n == 1 else 's'}")
        elif t == "inject":
            name = s.events[ev["event"]].name if ev.get("event") in s.events else ev.get("event")
            out.append(f"R{rnd} » event played by the facilitator: {escape(str(name))}")
        elif t == "resolve":
            out.append(f"R{rnd} resolved")
        elif t == "override":
            ind = ev.get("indicator", "")
            label = indicator_label(rules, ind) if ind in rules.index else ind
            out.append(f"after R{rnd} override {escape(label)} = [b]{fmt(float(ev['value']))}[/b] "
                       f"(the rules gave {fmt(float(ev['model_value']))}): {escape(ev.get('reason', ''))}")
        elif t == "clock":
            what = {"set": f"set to {ev.get('minutes', 0):g} min", "pause": "paused", "resume": "resumed",
                    "extend": f"extended by {ev.get('minutes', 0):g} min",
                    "lock": "time-out: locked" if ev.get("phase") in ("negotiation", "orders") else "time is up",
                    "policy": f"at time-out, drafts are {'submitted' if ev.get('policy') == 'submit' else 'dropped'}"}
            out.append(f"R{rnd} clock ({ev.get('phase')}): {what.get(str(ev.get('action')), ev.get('action'))}")
        elif t == "offer":
            out.append(f"R{rnd} offer {ev.get('id')}: {escape(role_name(rules, ev['role']))} offers "
                       f"{escape(s.moves[ev['move']].name if ev.get('move') in s.moves else str(ev.get('move')))}")
        elif t in ("answer", "reply", "withdraw"):
            word = ev.get("answer") or ev.get("reply") or "withdraw"
            out.append(f"R{rnd} offer {ev.get('id')}: {escape(role_name(rules, ev['role']))}: {word}")
        elif t == "message":
            out.append(f"R{rnd} message {escape(str(ev.get('from')))} → {escape(str(ev.get('to')))}: "
                       f"{escape(str(ev.get('text', '')))}")
        elif t == "note":
            mark = "★ bookmark" if ev.get("bookmark") else "note"
            out.append(f"R{rnd} {mark}: {escape(ev.get('text', ''))}")
    return out


CLOCK = Binding.Group("Clock", compact=True)
NOTES = Binding.Group("Bookmark/note", compact=True)


class ConsoleScreen(PhaseScreen):
    """Controls for the white cell. Escape returns to the game where it was."""

    FACILITATOR_SCREEN = True

    BINDINGS = [
        Binding("escape,f2", "close", "Back to game", id="console.close"),
        Binding("i", "inject", "Play event", id="console.inject"),
        Binding("o", "app.override", "Override", id="console.override"),
        Binding("u", "app.undo_round", "Undo round", id="console.undo"),
        Binding("m", "app.set_clock", "Set clock", id="console.clock", group=CLOCK),
        Binding("p", "app.pause_clock", "Pause/resume", id="console.pause", group=CLOCK),
        Binding("plus", "app.extend_clock(1)", "+1 min", id="console.plus1", group=CLOCK),
        Binding("5", "app.extend_clock(5)", "+5 min", id="console.plus5", group=CLOCK),
        Binding("d", "app.timeout_policy", "Drafts at time-out", id="console.drafts", group=CLOCK),
        Binding("b", "app.bookmark", "Bookmark", id="console.bookmark", group=NOTES),
        Binding("a", "app.note", "Note", id="console.note", group=NOTES),
        Binding("v", "app.toggle_observer", "Observer view", id="console.observer"),
    ]
    CONTROL_ACTIONS = frozenset({"inject"})

    def compose(self) -> ComposeResult:
        yield PhaseBar()
        with VerticalScroll(id="console-body", classes="phase-body"):
            yield Static("[b]Facilitator's console[/b] · the room's screen is paused behind this one. "
                         "[b]Esc[/b] returns to the game.", classes="intro")
            with Horizontal(classes="dash-row"):
                with Vertical(classes="dash-cell"):
                    yield Label("Clock", classes="section-title")
                    yield Static(id="clock-info")
                    with Horizontal(classes="button-row control"):
                        yield Button("Set \\[M]", id="b-clock")
                        yield Button("Pause \\[P]", id="b-pause")
                        yield Button("+1 \\[+]", id="b-plus1")
                        yield Button("+5 \\[5]", id="b-plus5")
                with Vertical(classes="dash-cell"):
                    yield Label("Save, undo, notes", classes="section-title")
                    yield Static(id="save-info")
                    with Horizontal(classes="button-row control"):
                        yield Button("Override \\[O]", id="b-override")
                        yield Button("Undo \\[U]", id="b-undo")
                        yield Button("Bookmark \\[B]", id="b-bookmark")
                        yield Button("Note \\[A]", id="b-note")
            yield Label("Events: select one and press Enter (or I) to play it now", classes="section-title")
            yield DataTable(id="events", cursor_type="row", zebra_stripes=True)
            yield Static(id="queued")
            yield Label("Log (latest last)", classes="section-title")
            yield Static(id="log")
            yield Static(id="view-info")
        yield KeyBar()

    def on_mount(self) -> None:
        session = self.game_app.session
        table = self.query_one("#events", DataTable)
        table.add_column("Event", key="name")
        table.add_column("When", key="when")
        table.add_column("News", key="news")
        if session is not None:
            s = session.rules.scenario
            for eid, ev in s.events.items():
                when = []
                if ev.at:
                    when.append("round " + ",".join(map(str, ev.at)))
                if ev.trigger:
                    when.append("on trigger")
                if ev.chance is not None:
                    when.append(f"{ev.chance:.0%} chance")
                news = ev.news if len(ev.news) <= 70 else ev.news[:69] + "…"
                table.add_row(ev.name, ", ".join(when) or "by hand", news, key=eid)
        table.focus()
        self.refresh_view()
        self.set_interval(0.5, self._tick)

    def _tick(self) -> None:
        self.query_one("#clock-info", Static).update(self._clock_text())

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.refresh_view()

    def _clock_text(self) -> str:
        flow = self.game_app.flow
        if flow is None:
            return ""
        phase = flow.phase.value
        mins = flow.minutes.get(flow.phase)
        state = flow.clock.text() or "no clock running"
        set_for = f"{mins:g} min for each {phase} phase" if mins else f"not set for {phase}"
        others = ", ".join(f"{p.value} {m:g} min" for p, m in flow.minutes.items() if p != flow.phase)
        policy = "submitted" if flow.on_timeout == "submit" else "dropped"
        return (f"[b]{escape(state)}[/b]{' · LOCKED' if flow.locked else ''}\nPhase clock: {set_for}."
                + (f" Also: {others}." if others else "")
                + f"\n[$text-muted]At time-out negotiation closes and orders lock; late teams' drafts are "
                  f"[b]{policy}[/b] (D switches).[/]")

    def refresh_view(self) -> None:
        app = self.game_app
        session = app.session
        self._tick()
        if session is None:
            self.query_one("#save-info", Static).update("No game in progress.")
            return
        path = session.path
        rnd = session.game.state.round
        self.query_one("#save-info", Static).update(
            f"Saving to [b]{escape(str(path)) if path else '(not saved)'}[/b]\n"
            f"{rnd} round{'s' if rnd != 1 else ''} resolved · undo goes back to the start of round {max(rnd, 1)}"
            if rnd else f"Saving to [b]{escape(str(path)) if path else '(not saved)'}[/b]\nNo round resolved yet: nothing to undo.")
        s = session.rules.scenario
        queued = self.game_app.flow.pending_injects if self.game_app.flow else []
        q = ("Queued for this round: " + ", ".join(f"» [b]{escape(s.events[e].name)}[/b]" for e in queued)
             + f" (fires when round {session.game.round} resolves)") if queued else \
            "[$text-muted]No event queued. A played event fires when the round resolves.[/]"
        self.query_one("#queued", Static).update(q)
        self.query_one("#log", Static).update("\n".join(log_lines(session)) or "[$text-muted]Nothing logged yet.[/]")
        view = ("OBSERVER: sees what is public, controls nothing" if app.observer
                else "FACILITATOR: sees everything, controls the game")
        self.query_one("#view-info", Static).update(f"View: [b]{view}[/b] · [b]V[/b] switches")

    def action_close(self) -> None:
        self.app.pop_screen()

    @on(DataTable.RowSelected, "#events")
    def _event_selected(self, event: DataTable.RowSelected) -> None:
        if not self.game_app.observer:
            self.game_app.inject_event(str(event.row_key.value))

    def action_inject(self) -> None:
        table = self.query_one("#events", DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
            self.game_app.inject_event(str(key.value))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        app = self.game_app
        action = {"b-clock": app.action_set_clock, "b-pause": app.action_pause_clock,
                  "b-plus1": lambda: app.action_extend_clock(1), "b-plus5": lambda: app.action_extend_clock(5),
                  "b-override": app.action_override, "b-undo": app.action_undo_round,
                  "b-bookmark": app.action_bookmark, "b-note": app.action_note}.get(event.button.id or "")
        if action is not None:
            action()
