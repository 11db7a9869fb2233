"""The reveal: every role's orders at once, accepted or rejected with reasons, and the deals.

Deals show their true outcome at the table (made, countered, refused, withdrawn,
unanswered), never a tick for a deal that did not happen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.markup import escape
from textual.widgets import Button, LoadingIndicator, Static

from wargame.tui.messages import Advance
from wargame.tui.screens import PhaseScreen
from wargame.tui.widgets.dashboard import plural, role_name, seat_word, target_name
from wargame.tui.widgets.keybar import KeyBar
from wargame.tui.widgets.phasebar import PhaseBar

if TYPE_CHECKING:
    from wargame.engine.rules import Rules
    from wargame.engine.state import OrderResult
    from wargame.play.view import OfferView


def order_line(rules: Rules, r: OrderResult) -> str:
    o = r.order
    name = f"[b]{escape(rules.scenario.moves[o.move].name)}[/b]"
    text = f"revoke {name}" if o.kind == "revoke" else name + (
        f" → {escape(target_name(rules, o.target))}" if o.target else "")
    if r.accepted:
        return f"[b $text-success]✓[/] {text}"
    return f"[b $text-error]✗[/] {text}\n    [$text-error]rejected:[/] {escape(r.reason)}"


def deal_line(rules: Rules, offer: OfferView, refused_by_rules: str = "") -> str:
    """A deal as the table left it: its true outcome, with who offered it to whom."""
    from wargame.play.negotiation import Status
    from wargame.tui.screens.negotiation import status_markup

    name = escape(rules.scenario.moves[offer.move].name)
    line = (f"{name}: {escape(role_name(rules, offer.proposer))} → {escape(role_name(rules, offer.counterparty))} · "
            f"{status_markup(Status(offer.status))}")
    if refused_by_rules:
        line += f"\n    [$text-error]but the rules reject it:[/] {escape(refused_by_rules)}"
    return line


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
        rules = self.flow.rules
        names = ", ".join(escape(role_name(rules, r)) + (" ✓" if r in done else " …") for r in roles)
        self.query_one("#reveal-intro", Static).update(f"[b]Bots are choosing their orders[/b]: {names}")
        self.query_one("#reveal-wait").display = True
        self.query_one("#advance", Button).disabled = True

    def on_mount(self) -> None:
        self.query_one("#reveal-wait").display = False
        self.query_one("#reveal-deals").display = False
        self.set_up = True
        app = self.game_app
        if self.flow.bots_to_play():
            self.waiting(self.flow.bots_to_play(), app.bots_done)
        else:
            self.populate()

    def on_screen_resume(self) -> None:
        if self.ready and self.set_up:
            self.populate()

    def populate(self) -> None:
        """The round's orders and deals as the seat at the keyboard may see them (view()): all of
        them once the round is revealed, never another team's before."""
        from wargame.play import Phase
        from wargame.play.negotiation import Status

        flow = self.flow
        if flow.phase != Phase.REVEAL:
            return
        self.ready = True
        rules = flow.rules
        s = rules.scenario
        v = self.seat_view()
        shown = set(v.orders)
        # The rules' verdict on each order shown (accepted, or rejected with the reason).
        trace = flow.preview()
        self.query_one("#reveal-wait").display = False
        self.query_one("#advance", Button).disabled = False
        self.query_one("#reveal-intro", Static).update(
            f"[b]All orders, revealed together.[/b] Round {v.round} · {s.round_label(v.round)}. "
            "✓ accepted · ✗ rejected, with the reason. Deals as the table left them.")
        offers = [o for o in v.offers if o.round == v.round]
        grid = self.query_one("#reveal-grid", Grid)
        grid.remove_children()
        cards = []
        for rid, role in s.roles.items():
            if rid not in shown:
                continue
            results = [r for r in trace.orders if r.order.role == rid and s.moves[r.order.move].deal is None]
            lines = [f"[b $text-accent]{escape(role.name)}[/] [$text-muted]({seat_word(v.controls[rid])})[/]"]
            spent = trace.spent.get(rid, 0)
            lines.append(f"[$text-muted]spends {spent} of {plural(role.budget, 'point')} (upkeep and deals made "
                         "included)[/]")
            mine = [o for o in offers if rid in (o.proposer, o.counterparty)]
            if not results and not mine:
                lines.append("[$text-muted]no orders[/]")
            lines += [order_line(rules, r) for r in results]
            for o in mine:
                lines.append(f"deal: {deal_line(rules, o)}")
            cards.append(Static("\n".join(lines), classes="card"))
        grid.mount_all(cards)
        deals = self.query_one("#reveal-deals", Static)
        rejected = {r.order.move: r.reason for r in trace.orders
                    if not r.accepted and r.order.role in shown and s.moves[r.order.move].deal}
        dl = [deal_line(rules, o, rejected.get(o.move, "") if Status(o.status).made else "") for o in offers]
        for eid in v.injects:
            dl.append(f"» Facilitator's event [b]{escape(s.events[eid].name)}[/b] fires when the round resolves.")
        deals.update("[b]Deals and events[/b]\n" + "\n".join(dl) if dl
                     else "[b]Deals[/b]\n[$text-muted]No deals were offered.[/]")
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
