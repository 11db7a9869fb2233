"""The negotiation table: the room's view, and one team's private seat at it.

The room sees only which teams have something waiting; a team, after a hand-over,
sees the offers made to it (with their terms and costs, before it answers), its own
offers and their state, the deals it may put on the table, and its messages. What a
seat sees comes from :func:`wargame.play.view`; every action is a message to the app,
which asks the flow.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.markup import escape
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from wargame.play.negotiation import Status
from wargame.play.view import OfferView
from wargame.tui.messages import (
    Advance,
    AnswerOffer,
    MakeOffer,
    OpenTable,
    ReplyCounter,
    SendMessage,
    TableDone,
    WithdrawOffer,
)
from wargame.tui.screens import PhaseScreen
from wargame.tui.widgets.dashboard import plural, role_name, target_name
from wargame.tui.widgets.keybar import KeyBar
from wargame.tui.widgets.phasebar import PhaseBar

STATUS_MARK = {
    Status.OPEN: ("…", "$text-muted"), Status.COUNTERED: ("↔", "$text-warning"),
    Status.MADE: ("✓", "$text-success"), Status.RENEGOTIATED: ("✓", "$text-success"),
    Status.REFUSED: ("✗", "$text-error"), Status.WITHDRAWN: ("✗", "$text-muted"),
    Status.WALKED_AWAY: ("✗", "$text-error"), Status.UNANSWERED: ("○", "$text-muted"),
}


def status_markup(status: Status) -> str:
    sym, style = STATUS_MARK[status]
    return f"[b {style}]{sym} {escape(status.words)}[/]"


class NegotiationScreen(PhaseScreen):
    """The room's view of the table: which team has something waiting (the facilitator's seat
    only); nothing of what."""

    SCOPED_CSS = False
    DEFAULT_CSS = """
        #table-teams { height: auto; max-height: 12; margin: 1 0; }
    """
    BINDINGS = [Binding("c", "close_table", "Close table → orders", id="negotiation.close")]
    CONTROL_ACTIONS = frozenset({"close_table"})

    def compose(self) -> ComposeResult:
        yield PhaseBar()
        with VerticalScroll(id="negotiation-body", classes="phase-body"):
            yield Static(id="negotiation-intro", classes="intro")
            yield OptionList(id="table-teams")
            yield Static(id="negotiation-next", classes="next-hint")
            yield Button("Close the table: go to orders  \\[C]", id="close", variant="primary", classes="control")
        yield KeyBar()

    def on_mount(self) -> None:
        self.refresh_view()
        self.query_one("#table-teams", OptionList).focus()

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.refresh_view()

    def refresh_view(self) -> None:
        flow = self.flow
        rules = flow.rules
        humans = flow.humans()
        self.query_one("#negotiation-intro", Static).update(
            f"[b]The negotiation table[/b] · round {flow.round}. Each team in turn puts deals on the table, answers "
            "the offers made to it and sends private messages. A deal made here takes effect when the round resolves, "
            "and only a deal made costs anything. [b]Enter[/b] on a team gives it the keyboard (after a hand-over).")
        ol = self.query_one("#table-teams", OptionList)
        keep = ol.highlighted
        ol.clear_options()
        if not humans:
            ol.add_option(Option("No team here is played by a person: the bots have made their offers.",
                                 disabled=True))
        # What the table holds is the parties' business: the room (with a PIN) and the observer see
        # no offers before the reveal, so no count of them either; the facilitator's seat sees all.
        v = self.seat_view()
        for role in humans:
            if v.seat.is_facilitator:
                waiting = sum(1 for o in v.offers if o.round == v.round and not v.locked and (
                    (o.status == Status.OPEN and o.counterparty == role)
                    or (o.status == Status.COUNTERED and o.proposer == role)))
                note = (f"[b $text-warning]{plural(waiting, 'answer')} waiting[/]" if waiting
                        else "[$text-muted]nothing waiting[/]")
            else:
                note = "[$text-muted]Enter: its seat at the table[/]"
            ol.add_option(Option(f"[b]{escape(role_name(rules, role))}[/b] · {note}", id=role))
        if humans:  # the first team, or the one highlighted before: Enter works at once
            ol.highlighted = keep if keep is not None and keep < ol.option_count else 0
        locked = " [b $text-error]Time is up: the table is closed.[/]" if flow.locked else ""
        self.query_one("#negotiation-next", Static).update(
            "[b]Next → ORDERS.[/b] Offers not answered by then are [i]unanswered[/i]; a counter-offer not taken is "
            f"no deal. Press [b]C[/b] to close the table.{locked}")

    @on(OptionList.OptionSelected, "#table-teams")
    def _team(self, event: OptionList.OptionSelected) -> None:
        if event.option.id and not self.game_app.observer:
            self.post_message(OpenTable(event.option.id))

    def action_close_table(self) -> None:
        self.post_message(Advance())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "close":
            self.action_close_table()


class TeamTableScreen(PhaseScreen):
    """One team's private seat at the table."""

    SCOPED_CSS = False
    DEFAULT_CSS = """
        #table-main { height: 1fr; padding: 0 1; }
        #table-head { height: auto; }
        #table-body { height: 1fr; }
        #table-list { width: 1fr; height: 1fr; }
        #table-detail { width: 1fr; height: 1fr; padding: 0 1; border: round $primary; }
        #table-hint { height: auto; color: $text-muted; }
    """
    BINDINGS = [
        Binding("a", "answer('accept')", "Accept", id="table.accept"),
        Binding("r", "answer('reject')", "Reject", id="table.reject"),
        Binding("c", "answer('counter')", "Counter", id="table.counter"),
        Binding("o", "offer", "Offer", id="table.offer"),
        Binding("w", "withdraw", "Withdraw", id="table.withdraw"),
        Binding("t", "reply('accept')", "Take counter", id="table.take"),
        Binding("k", "reply('walk-away')", "Walk away", id="table.walk"),
        Binding("m", "message", "Message", id="table.message"),
        Binding("escape,d", "done", "Done", id="table.done"),
    ]
    CONTROL_ACTIONS = frozenset({"answer", "offer", "withdraw", "reply", "message", "done"})

    def __init__(self, role: str) -> None:
        super().__init__()
        self.role = self.team = role

    def compose(self) -> ComposeResult:
        yield PhaseBar()
        with Vertical(id="table-main"):
            yield Static(id="table-head")
            with Horizontal(id="table-body"):
                yield OptionList(id="table-list")
                with VerticalScroll(id="table-detail"):
                    yield Static(id="table-terms")
            yield Static("[b]A[/b]/[b]R[/b]/[b]C[/b] accept, reject, counter an offer · [b]O[/b] offer a deal · "
                         "[b]W[/b] withdraw · [b]T[/b]/[b]K[/b] take or walk away from a counter · "
                         "[b]M[/b] message · [b]Esc[/b] done", id="table-hint")
        yield KeyBar()

    def on_mount(self) -> None:
        self.refresh_view()
        self.query_one("#table-list", OptionList).focus()

    # --- what this team sees ---------------------------------------------------------------

    def _offers(self) -> dict[str, OfferView]:
        v = self.seat_view()
        return {o.id: o for o in v.offers if o.round == self.flow.round}

    def refresh_view(self) -> None:
        flow, role = self.flow, self.role
        rules = flow.rules
        b = flow.budget(role)
        self.query_one("#table-head", Static).update(
            f"[b $text-accent]{escape(role_name(rules, role))}[/] at the table. [i]Private: only your team looks.[/i]\n"
            f"Budget {b.budget}" + (f" · upkeep −{b.upkeep}" if b.upkeep else "")
            + (f" · deals made or offered −{b.deals}" if b.deals else "")
            + f" · [b]{plural(b.left, 'point')} left[/b] for orders")
        ol = self.query_one("#table-list", OptionList)
        keep = ol.highlighted_option.id if ol.highlighted_option is not None else None
        ol.clear_options()
        offers = self._offers()
        opts: list[Option] = [Option("[b $text-accent]OFFERS TO YOU[/]", id="h:in", disabled=True)]
        incoming = [o for o in offers.values() if o.counterparty == role]
        for o in incoming:
            cost = o.terms.counterparty_cost
            opts.append(Option(f"[b]{escape(o.terms.name)}[/b] from {escape(role_name(rules, o.proposer))}"
                               + (f" → {escape(target_name(rules, o.target))}" if o.target else "")
                               + f"\n    {status_markup(Status(o.status))} · costs you {plural(cost, 'point')}"
                               + ("" if Status(o.status).made else " if made"),
                               id=f"in:{o.id}"))
        if not incoming:
            opts.append(Option("[$text-muted]none this round[/]", id="h:in-none", disabled=True))
        opts.append(Option("[b $text-accent]YOUR OFFERS[/]", id="h:out", disabled=True))
        outgoing = [o for o in offers.values() if o.proposer == role]
        for o in outgoing:
            opts.append(Option(f"[b]{escape(o.terms.name)}[/b] to {escape(role_name(rules, o.counterparty))}\n"
                               f"    {status_markup(Status(o.status))}", id=f"out:{o.id}"))
        if not outgoing:
            opts.append(Option("[$text-muted]none yet[/]", id="h:out-none", disabled=True))
        offerable = flow.offerable(role)
        if offerable:
            opts.append(Option("[b $text-accent]PUT A DEAL ON THE TABLE[/]", id="h:new", disabled=True))
            for order in offerable:
                t = flow.terms(order.move)
                opts.append(Option(f"[b]{escape(t.name)}[/b] → {escape(role_name(rules, t.counterparty))}"
                                   + (f" ({escape(target_name(rules, order.target))})" if order.target else "")
                                   + f"\n    costs you {plural(t.proposer_cost, 'point')}, them "
                                     f"{plural(t.counterparty_cost, 'point')}, only if made",
                                   id=f"new:{order.move}:{order.target or ''}"))
        msgs = self.seat_view().messages
        opts.append(Option("[b $text-accent]MESSAGES[/] [$text-muted](M writes one; the facilitator sees all)[/]",
                           id="h:msg", disabled=True))
        for m in msgs[-8:]:
            if m.sender == role:
                line = f"to {escape(role_name(rules, m.to) if m.to in rules.roles else m.to)}: {escape(m.text)}"
            else:
                line = f"from {escape(role_name(rules, m.sender) if m.sender in rules.roles else m.sender)}: " \
                       f"{escape(m.text)}"
            opts.append(Option(f"R{m.round} {line}", id=f"msg:{m.id}"))
        ol.add_options(opts)
        ids = [ol.get_option_at_index(i).id for i in range(ol.option_count)]
        if keep in ids:
            ol.highlighted = ids.index(keep)
        else:
            for i in range(ol.option_count):
                if not ol.get_option_at_index(i).disabled:
                    ol.highlighted = i
                    break
        self._show_detail()
        self.refresh_bindings()

    def _highlighted(self) -> str:
        opt = self.query_one("#table-list", OptionList).highlighted_option
        return (opt.id or "") if opt is not None else ""

    @on(OptionList.OptionHighlighted, "#table-list")
    def _on_highlight(self) -> None:
        self._show_detail()
        self.refresh_bindings()

    def _show_detail(self) -> None:
        from wargame.tui.screens.orders import effects_block

        oid = self._highlighted()
        detail = self.query_one("#table-terms", Static)
        flow = self.flow
        rules = flow.rules
        kind, _, rest = oid.partition(":")
        move = None
        lines: list[str] = []
        if kind in ("in", "out"):
            o = self._offers().get(rest)
            if o is None:
                detail.update("")
                return
            move = o.move
            who = (f"Offered by {escape(role_name(rules, o.proposer))} to you." if kind == "in"
                   else f"Offered by you to {escape(role_name(rules, o.counterparty))}.")
            lines += [f"[b $text-accent]{escape(o.terms.name)}[/]", who, status_markup(Status(o.status))]
        elif kind == "new":
            move = rest.split(":", 1)[0]
            lines += [f"[b $text-accent]{escape(flow.terms(move).name)}[/]",
                      "A deal you may offer. [b]O[/b] or [b]Enter[/b] puts it on the table."]
        else:
            detail.update("")
            return
        t = flow.terms(move)
        m = rules.scenario.moves[move]
        lines.append(f"Costs {escape(role_name(rules, t.proposer))} [b]{plural(t.proposer_cost, 'point')}[/b] and "
                     f"{escape(role_name(rules, t.counterparty))} [b]{plural(t.counterparty_cost, 'point')}[/b], "
                     "this round, only if the deal is made.")
        if t.summary:
            lines.append(escape(t.summary.strip()))
        lines.append("\n[b]The terms[/b] (if accepted):")
        lines += effects_block(rules, self.game_app.evidence, m.effects) or ["• (no direct effects)"]
        if m.deal and m.deal.renegotiated:
            lines.append("\n[b]The counter-offer's terms[/b] (if countered, and the proposer takes them):")
            lines += effects_block(rules, self.game_app.evidence, m.deal.renegotiated)
        detail.update("\n".join(lines))

    # --- actions ---------------------------------------------------------------------------------

    def _offer_here(self) -> OfferView | None:
        kind, _, rest = self._highlighted().partition(":")
        return self._offers().get(rest) if kind in ("in", "out") else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted:
            return super().check_action(action, parameters)
        kind = self._highlighted().partition(":")[0]
        o = self._offer_here()
        status = Status(o.status) if o is not None else None
        if action == "answer" and not (kind == "in" and status == Status.OPEN):
            return False
        if action == "answer" and parameters == ("counter",) and o is not None and not o.terms.can_counter:
            return False
        if action == "withdraw" and not (kind == "out" and status == Status.OPEN):
            return False
        if action == "reply" and not (kind == "out" and status == Status.COUNTERED):
            return False
        if action == "offer" and kind != "new":
            return False
        return super().check_action(action, parameters)

    @on(OptionList.OptionSelected, "#table-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self._highlighted().startswith("new:"):
            self.action_offer()

    def action_answer(self, answer: str) -> None:
        o = self._offer_here()
        if o is not None and answer in ("accept", "reject", "counter"):
            self.post_message(AnswerOffer(self.role, o.id, answer))  # type: ignore[arg-type]

    def action_reply(self, reply: str) -> None:
        o = self._offer_here()
        if o is not None and reply in ("accept", "walk-away"):
            self.post_message(ReplyCounter(self.role, o.id, reply))  # type: ignore[arg-type]

    def action_withdraw(self) -> None:
        o = self._offer_here()
        if o is not None:
            self.post_message(WithdrawOffer(self.role, o.id))

    def action_offer(self) -> None:
        oid = self._highlighted()
        if oid.startswith("new:"):
            move, _, target = oid[4:].partition(":")
            self.post_message(MakeOffer(self.role, move, target or None))

    def action_message(self) -> None:
        from wargame.tui.screens.dialogs import ChoiceDialog, TextDialog

        flow = self.flow
        choices = [(r, escape(role_name(flow.rules, r))) for r in flow.roles if r != self.role]
        choices.append(("facilitator", "The facilitator"))

        def to_chosen(to: str | None) -> None:
            if not to:
                return

            def written(text: str | None) -> None:
                if text:
                    self.post_message(SendMessage(self.role, to, text))

            name = "the facilitator" if to == "facilitator" else role_name(flow.rules, to)
            self.app.push_screen(TextDialog(f"Message to {name}", "Private: seen by them and the facilitator.",
                                            placeholder="your message"), written)

        self.app.push_screen(ChoiceDialog("Send a message to…", choices), to_chosen)

    def action_done(self) -> None:
        self.post_message(TableDone(self.role))
