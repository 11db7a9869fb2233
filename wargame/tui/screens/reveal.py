"""The reveal: every role's orders at once, accepted or rejected with reasons, and the deals."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.markup import escape
from textual.widgets import Button, LoadingIndicator, Static

from wargame.tui.messages import Advance
from wargame.tui.screens import PhaseScreen
from wargame.tui.widgets.dashboard import PhaseBar, role_name, seat_word, target_name
from wargame.tui.widgets.keybar import KeyBar

OUTCOME = {
    "made": ("✓", "MADE", "$text-success"),
    "renegotiated": ("↔", "MADE ON RENEGOTIATED TERMS", "$text-success"),
    "refused": ("✗", "REFUSED", "$text-error"),
    "walked-away": ("✗", "PROPOSER WALKED AWAY", "$text-error"),
    "unanswered": ("·", "NO ANSWER: NO DEAL", "$text-muted"),
}


def preview(session: Any) -> Any:
    """The round as it would resolve now: a pure dry run (nothing is logged)."""
    from wargame.engine.resolve import resolve, round_rng

    game = session.game
    orders = [o for role in session.rules.roles for o in session.pending.get(role, ())]
    _, trace = resolve(session.rules, game.state, orders, round_rng(game.seed, game.round), session.pending_injects)
    return trace


def order_line(rules: Any, r: Any, proposed: set[str]) -> str:
    s = rules.scenario
    o = r.order
    m = s.moves[o.move]
    name = f"[b]{escape(m.name)}[/b]"
    if o.kind == "play":
        text = name + (f" → {escape(target_name(rules, o.target))}" if o.target else "")
        if m.deal:
            text += f" [$text-muted](deal offered to {escape(role_name(rules, m.deal.counterparty))})[/]"
    elif o.kind == "revoke":
        text = f"revoke {name}"
    else:
        offered = "" if o.move in proposed else " [$text-muted](not offered this round)[/]"
        text = f"if offered {name}: answer [b]{o.answer}[/b]{offered}"
    if r.accepted:
        return f"[b $text-success]✓[/] {text}"
    return f"[b $text-error]✗[/] {text}\n    [$text-error]rejected:[/] {escape(r.reason)}"


class RevealScreen(PhaseScreen):
    """All orders of all roles, shown together."""

    # This screen's look, loaded when it is first shown (not at start-up). Not scoped:
    # some rules hang off the app's -narrow class.
    SCOPED_CSS = False
    DEFAULT_CSS = """
        .cards {
            grid-size: 2;
            grid-gutter: 0 1;
            grid-rows: auto;
            height: auto;
        }

        .-narrow .cards {
            grid-size: 1;
        }

        .card {
            height: auto;
            border: round $primary;
            padding: 0 1;
        }

        #reveal-wait {
            height: 3;
        }
    """

    BINDINGS = [Binding("enter", "advance", "Resolve round", priority=True, id="reveal.resolve")]
    CONTROL_ACTIONS = frozenset({"advance"})

    def __init__(self) -> None:
        super().__init__()
        self.ready = False
        self.set_up = False

    def compose(self) -> ComposeResult:
        yield PhaseBar()
        with VerticalScroll(id="reveal-body", classes="phase-body"):
            yield Static(id="reveal-intro", classes="intro")
            yield LoadingIndicator(id="reveal-wait")
            yield Grid(id="reveal-grid", classes="cards")
            yield Static(id="reveal-deals", classes="card")
            yield Static(id="reveal-next", classes="next-hint")
            yield Button("Resolve the round  \\[Enter]", id="advance", variant="primary", classes="control")
        yield KeyBar()

    def waiting(self, roles: list[str], done: list[str]) -> None:
        """Bots are still choosing: a progress note (the screen stays live)."""
        rules = self.game_app.session.rules
        names = ", ".join(escape(role_name(rules, r)) + (" ✓" if r in done else " …") for r in roles)
        self.query_one("#reveal-intro", Static).update(f"[b]Bots are choosing their orders[/b]: {names}")
        self.query_one("#reveal-wait").display = True
        self.query_one("#advance", Button).disabled = True

    def on_mount(self) -> None:
        self.query_one("#reveal-wait").display = False
        self.query_one("#reveal-deals").display = False
        self.set_up = True
        app = self.game_app
        if app.bots_waiting:
            self.waiting(app.bots_waiting, app.bots_done)
        else:
            self.populate()

    def on_screen_resume(self) -> None:
        if self.ready and self.set_up:
            self.populate()

    def populate(self) -> None:
        session = self.game_app.session
        self.ready = True
        rules = session.rules
        s = rules.scenario
        trace = preview(session)
        self.query_one("#reveal-wait").display = False
        self.query_one("#advance", Button).disabled = False
        self.query_one("#reveal-intro", Static).update(
            f"[b]All orders, revealed together.[/b] Round {session.game.round} · {s.round_label(session.game.round)}. "
            "✓ accepted · ✗ rejected, with the reason.")
        proposed = {d.move for d in trace.deals}
        grid = self.query_one("#reveal-grid", Grid)
        grid.remove_children()
        cards = []
        for rid, role in s.roles.items():
            results = [r for r in trace.orders if r.order.role == rid]
            lines = [f"[b $text-accent]{escape(role.name)}[/] [$text-muted]({seat_word(session.seats.get(rid, 'human'))})[/]"]
            spent = trace.spent.get(rid, 0)
            lines.append(f"[$text-muted]spends {spent} of {role.budget} points (incl. upkeep)[/]")
            if not results:
                lines.append("[$text-muted]no orders[/]")
            lines += [order_line(rules, r, proposed) for r in results]
            cards.append(Static("\n".join(lines), classes="card"))
        grid.mount_all(cards)
        deals = self.query_one("#reveal-deals", Static)
        dl = []
        for d in trace.deals:
            sym, word, style = OUTCOME.get(d.outcome, ("?", d.outcome, "$text"))
            answer = "no answer" if d.answer == "none" else d.answer
            dl.append(f"{escape(s.moves[d.move].name)}: {escape(role_name(rules, d.proposer))} → "
                      f"{escape(role_name(rules, d.counterparty))}, who answered [b]{answer}[/b] · "
                      f"[b {style}]{sym} {word}[/]")
        if session.pending_injects:
            for eid in session.pending_injects:
                ev = s.events[eid]
                dl.append(f"» Facilitator's event [b]{escape(ev.name)}[/b] fires when the round resolves.")
        deals.update("[b]Deals and events[/b]\n" + "\n".join(dl) if dl else "[b]Deals[/b]\n[$text-muted]No deals were offered.[/]")
        deals.display = True
        self.query_one("#reveal-next", Static).update("[b]Next → RESOLUTION.[/b] Press [b]Enter[/b] to resolve the round.")

    def action_advance(self) -> None:
        if self.ready:
            self.post_message(Advance())
        else:
            self.notify("Waiting for the bots' orders…")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "advance":
            self.action_advance()
