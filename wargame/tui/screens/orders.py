"""A team's secret order entry: its moves and revokes, beside the deals it made at the table.

What this screen shows depends only on the scenario, the state at the start of
the round, this team's deals and its own choices: never on another team's pending
orders. What may be played, and the budget, come from the round's flow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.markup import escape
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from wargame.tui.messages import OrdersDrafted, OrdersSubmitted, ShowEvidence
from wargame.tui.screens import PhaseScreen
from wargame.tui.widgets.dashboard import fmt, indicator_label, plural, role_name, target_name
from wargame.tui.widgets.keybar import KeyBar
from wargame.tui.widgets.phasebar import PhaseBar

if TYPE_CHECKING:
    from wargame.play.view import OfferView
    from wargame.engine.orders import Order
    from wargame.play import Budget


def describe_effect(rules: Any, e: Any, ongoing: bool = False) -> str:
    """One effect as a sentence fragment: what, how much, when (markup)."""
    if e.indicator.startswith("$target."):
        name = e.indicator.split(".", 1)[1].replace("_", " ")
        what = f"the target's {escape(name)}"
    else:
        what = escape(indicator_label(rules, e.indicator))
    if e.relative:
        amount = f"{'+' if e.change >= 0 else '−'}{abs(e.change) * 100:g}%"
    else:
        amount = f"{'+' if e.change >= 0 else '−'}{fmt(abs(e.change))}"
    bits = [f"{what} [b]{amount}[/b]"]
    if e.spread:
        bits.append(f"± {e.spread * 100:g}%" if e.relative else f"± {fmt(e.spread)}")
    if ongoing:
        bits.append("every round while in force")
    else:
        if e.delay:
            bits.append(f"after {e.delay} round{'s' if e.delay != 1 else ''}")
        if e.duration > 1:
            bits.append(f"for {e.duration} rounds")
    # Players read what a multiplier or condition depends on, in words; the exact
    # formula is in the scenario, and the rationale below says how it was set.
    from wargame.engine.explain import formula_words

    if e.scale:
        try:
            bits.append(f"× {float(e.scale):g}")
        except ValueError:
            bits.append(f"scaled by [i]{escape(formula_words(rules, e.scale))}[/i]")
    if e.when:
        bits.append(f"conditional on [i]{escape(formula_words(rules, e.when))}[/i]")
    return ", ".join(bits)


def effects_block(rules: Any, evidence: Any, effects: list[Any], ongoing: bool = False) -> list[str]:
    lines = []
    for e in effects:
        lines.append(f"• {describe_effect(rules, e, ongoing)}")
        cites = ", ".join(escape(c) for c in e.cites)
        lines.append(f"  [$text-muted]why:[/] {escape(e.rationale)} [$text-muted]\\[{cites}][/]")
        if getattr(e, "basis", None) is not None:
            lines.append(f"  [$text-muted]size:[/] {escape(e.basis.text())}")
    return lines


def cite_text(evidence: Any, fact_id: str) -> str:
    if evidence is not None and fact_id in evidence.facts:
        return f"{escape(fact_id)}: {escape(evidence.facts[fact_id].locator)}"
    return escape(fact_id)


class OrdersScreen(PhaseScreen):
    """Secret order entry for one team."""

    # This screen's look, loaded when it is first shown (not at start-up). Not scoped:
    # some rules hang off the app's -narrow class.
    SCOPED_CSS = False
    DEFAULT_CSS = """
        #orders-main {
            height: 1fr;
            padding: 0 1;
        }

        #orders-head {
            height: auto;
        }

        #budget {
            height: auto;
            padding: 0 1;
            background: $boost;
            border-left: thick $success;
        }

        #budget.-over {
            border-left: thick $error;
        }

        #orders-body {
            height: 1fr;
        }

        #order-list {
            width: 1fr;
            height: 1fr;
        }

        #order-detail {
            width: 1fr;
            height: 1fr;
            padding: 0 1;
            border: round $primary;
        }

        #orders-hint {
            height: auto;
            color: $text-muted;
        }
    """

    BINDINGS = [
        Binding("space", "toggle", "Choose", id="orders.toggle"),
        # Enter does not choose: a second Enter after the hand-over must not pick a move.
        Binding("enter", "enter_key", "Choose", show=False, priority=True, id="orders.enter"),
        Binding("t", "target", "Target", id="orders.target"),
        Binding("e", "evidence", "Evidence", id="orders.evidence"),
        Binding("s", "submit", "Submit", id="orders.submit"),
    ]
    CONTROL_ACTIONS = frozenset({"toggle", "target", "submit"})

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The target key shows only where it applies."""
        if action == "target" and self.is_mounted:
            oid = self._highlighted_id() or ""
            if not oid.startswith("play:"):
                return False
            m = self.session.rules.scenario.moves[oid.split(":", 1)[1]]
            if not m.targets:
                return False
        return super().check_action(action, parameters)

    def __init__(self, role: str) -> None:
        super().__init__()
        self.role = self.team = role
        self.plays: dict[str, str | None] = {}  # chosen move -> target
        self.revokes: set[str] = set()
        self.reasons: dict[str, str] = {}  # move -> why it cannot be played ('' if it can)
        self.valid_targets: dict[str, list[str]] = {}
        self._contextual_keys: tuple[bool, bool] | None = None
        self._detail_cache: dict[tuple[str, str, str], str] = {}

    # --- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield PhaseBar()
        with Vertical(id="orders-main"):
            yield Static(id="orders-head")
            yield Static(id="budget")
            with Horizontal(id="orders-body"):
                yield OptionList(id="order-list")
                with VerticalScroll(id="order-detail"):
                    yield Static(id="detail")
            yield Static("[b]↑↓[/b] move · [b]Space[/b] choose · [b]E[/b] evidence · "
                         "[b]S[/b] submit", id="orders-hint")
        yield KeyBar()

    @property
    def session(self) -> Any:
        return self.flow.session

    def on_mount(self) -> None:
        s = self.flow.rules.scenario
        for mid, (ok, why) in self.flow.available(self.role).items():
            self.valid_targets[mid] = [t for t in ok if t is not None]
            self.reasons[mid] = why
        role = s.roles[self.role]
        head = f"[b $text-accent]{escape(role.name)}[/]: your orders for this round. [i]Secret: only your team looks.[/i]"
        self.query_one("#orders-head", Static).update(head)
        self._build()
        self._update_budget()
        ol = self.query_one("#order-list", OptionList)
        ol.focus()

    def _made(self) -> list[OfferView]:
        """This team's deals made at this round's table, as its seat's view has them."""
        from wargame.play.negotiation import Status

        v = self.seat_view()
        return [o for o in v.offers if o.round == v.round and Status(o.status).made
                and self.role in (o.proposer, o.counterparty)]

    def _own_policies(self) -> list[Any]:
        return [p for p in self.session.game.state.policies if p.role == self.role]

    def _build(self) -> None:
        from wargame.engine.budget import order_cost
        from wargame.engine.orders import Order

        rules = self.session.rules
        s = rules.scenario
        ol = self.query_one("#order-list", OptionList)
        keep = ol.highlighted
        ol.clear_options()
        opts: list[Any] = []
        deals = self._made()
        if deals:
            opts.append(Option("[b $text-accent]DEALS MADE AT THE TABLE[/] [$text-muted](in your orders)[/]",
                               id="h:deals", disabled=True))
            for d in deals:
                mine = (Order(self.role, d.move, "play", d.target) if d.proposer == self.role
                        else Order(self.role, d.move, "respond", answer="accept"))
                pts = order_cost(rules, mine)
                other = d.counterparty if d.proposer == self.role else d.proposer
                opts.append(Option(f"[b $text-success]✓[/] [b]{escape(s.moves[d.move].name)}[/b] with "
                                   f"{escape(role_name(rules, other))} · {plural(pts, 'point')}",
                                   id=f"made:{d.id}", disabled=True))
        opts.append(Option("[b $text-accent]YOUR MOVES[/]", id="h:moves", disabled=True))
        for mid, m in s.moves.items():
            if mid in self.reasons:
                opts.append(Option(self._play_prompt(mid), id=f"play:{mid}", disabled=bool(self.reasons[mid])))
        pols = self._own_policies()
        if pols:
            opts.append(Option("[b $text-accent]REVOKE A POLICY IN FORCE[/]", id="h:revoke", disabled=True))
            seen = set()
            for p in pols:
                if p.move in seen:
                    continue
                seen.add(p.move)
                m = s.moves[p.move]
                revocable = bool(m.policy and m.policy.revocable)
                opts.append(Option(self._revoke_prompt(p.move), id=f"revoke:{p.move}", disabled=not revocable))
        ol.add_options(opts)
        if keep is not None and keep < ol.option_count and not ol.get_option_at_index(keep).disabled:
            ol.highlighted = keep
        else:
            for i in range(ol.option_count):
                if not ol.get_option_at_index(i).disabled:
                    ol.highlighted = i
                    break
        self._show_detail()

    def _refresh_option(self, oid: str) -> None:
        ol = self.query_one("#order-list", OptionList)
        kind, mid = oid.split(":", 1)
        prompt = {"play": self._play_prompt, "revoke": self._revoke_prompt}[kind](mid)
        ol.replace_option_prompt(oid, prompt)

    # --- prompts --------------------------------------------------------------------------

    def _cost_text(self, mid: str) -> str:
        m = self.session.rules.scenario.moves[mid]
        c = f"{m.cost} pt{'s' if m.cost != 1 else ''}"
        if m.policy and m.policy.upkeep:
            c += f" + {m.policy.upkeep} upkeep"
        return c

    def _play_prompt(self, mid: str) -> str:
        rules = self.session.rules
        m = rules.scenario.moves[mid]
        reason = self.reasons.get(mid, "")
        name = escape(m.name)
        if reason:
            return f"✗ {name} · {self._cost_text(mid)}\n   [i]unavailable: {escape(reason)}[/i]"
        chosen = mid in self.plays
        mark = "[b $text-success]\\[✓][/]" if chosen else "\\[ ]"
        kind = []
        if m.policy:
            kind.append("policy")
        if m.once:
            kind.append("once only")
        line = f"{mark} [b]{name}[/b] · {self._cost_text(mid)}"
        if kind:
            line += f" [$text-muted]({', '.join(kind)})[/]"
        if chosen and self.plays[mid] is not None:
            line += f"\n    → target: [b]{escape(target_name(rules, self.plays[mid]))}[/b]"
        elif m.targets and not chosen:
            line += "\n    [$text-muted]needs a target[/]"
        return line

    def _revoke_prompt(self, mid: str) -> str:
        m = self.session.rules.scenario.moves[mid]
        if not (m.policy and m.policy.revocable):
            return f"✗ {escape(m.name)}\n   [i]cannot be revoked once enacted[/i]"
        mark = "[b $text-warning]\\[✓][/]" if mid in self.revokes else "\\[ ]"
        up = m.policy.upkeep
        return f"{mark} Revoke [b]{escape(m.name)}[/b]" + (f" · saves {up} upkeep" if up else "")

    # --- budget ---------------------------------------------------------------------------

    def budget(self) -> Budget:
        """The team's budget with the orders chosen so far (the flow's one budget rule)."""
        return self.flow.budget(self.role, self._plain_orders())

    def _update_budget(self) -> None:
        b = self.budget()
        parts = [f"[b]Budget {b.budget}[/b]"]
        if b.upkeep:
            parts.append(f"upkeep of policies in force −{b.upkeep}")
        if b.deals:
            parts.append(f"deals made −{b.deals}")
        parts.append(f"chosen −{b.orders}")
        if b.left >= 0:
            parts.append(f"[b $text-success]✓ {plural(b.left, 'point')} left[/]")
        else:
            parts.append(f"[b $text-error]✗ OVER BUDGET by {-b.left}: deselect a move to submit[/]")
        w = self.query_one("#budget", Static)
        w.update(" · ".join(parts))
        w.set_class(b.left < 0, "-over")

    # --- details --------------------------------------------------------------------------

    def _highlighted_id(self) -> str | None:
        ol = self.query_one("#order-list", OptionList)
        opt = ol.highlighted_option
        return opt.id if opt is not None else None

    @on(OptionList.OptionHighlighted, "#order-list")
    def _on_highlight(self) -> None:
        self._show_detail()
        self._refresh_contextual_keys()

    def _refresh_contextual_keys(self) -> None:
        """Redraw the footer only when the target key comes or goes.

        Refreshing bindings rebuilds the footer's widgets; doing it on every
        highlight cost most of a keypress.
        """
        key = (self.check_action("target", ()) is not False, False)
        if key != self._contextual_keys:
            self._contextual_keys = key
            self.refresh_bindings()

    def _show_detail(self) -> None:
        oid = self._highlighted_id()
        detail = self.query_one("#detail", Static)
        if not oid or oid.startswith("h:"):
            detail.update("")
            return
        kind, mid = oid.split(":", 1)
        # The text depends only on the move; build it once.
        key = (kind, mid, "")
        text = self._detail_cache.get(key)
        if text is None:
            text = self._detail_cache[key] = "\n".join(self._detail_lines(kind, mid))
        detail.update(text)
        self.query_one("#order-detail", VerticalScroll).scroll_home(animate=False)

    def _detail_lines(self, kind: str, mid: str) -> list[str]:
        rules = self.session.rules
        ev = self.game_app.evidence
        s = rules.scenario
        m = s.moves[mid]
        out = [f"[b $text-accent]{escape(m.name)}[/]"]
        if kind == "revoke":
            assert m.policy is not None
            out.append("A policy of yours in force. Revoking it ends its ongoing effects"
                       + (f" and saves {m.policy.upkeep} upkeep a round." if m.policy.upkeep else "."))
            if m.policy.ongoing:
                out.append("\n[b]What stops[/b]:")
                out += effects_block(rules, ev, m.policy.ongoing, ongoing=True)
            return out
        reason = self.reasons.get(mid, "")
        if reason:
            out.append(f"[b $text-error]✗ Unavailable this round:[/] {escape(reason)}")
        out.append(f"Cost: [b]{self._cost_text(mid)}[/b]" + (" (upkeep is paid every round while in force)"
                                                            if m.policy and m.policy.upkeep else ""))
        if m.summary:
            out.append(escape(m.summary.strip()))
        facts = []
        if m.policy:
            facts.append("It is a policy: it stays in force until revoked." if m.policy.revocable
                         else "It is a policy that cannot be revoked.")
        if m.once:
            facts.append("It can be played once per game.")
        if facts:
            out.append(" ".join(facts))
        if m.targets:
            valid = self.valid_targets.get(mid, [])
            names = ", ".join(escape(target_name(rules, t)) + ("" if t in valid else " (not now)") for t in m.targets)
            out.append(f"Targets: {names}. [b]T[/b] picks one.")
        if m.effects:
            out.append("\n[b]What it does[/b]:")
            out += effects_block(rules, ev, m.effects)
        if m.policy and m.policy.ongoing:
            out.append("\n[b]While in force[/b]:")
            out += effects_block(rules, ev, m.policy.ongoing, ongoing=True)
        out.append(f"\n[$text-muted]Sources: {', '.join(cite_text(ev, c) for c in m.cites)}. [b]E[/b] opens the evidence.[/]")
        return out

    # --- actions --------------------------------------------------------------------------

    @on(OptionList.OptionSelected, "#order-list")
    def _on_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_toggle()

    def action_toggle(self) -> None:
        oid = self._highlighted_id()
        if not oid or oid.startswith("h:"):
            return
        kind, mid = oid.split(":", 1)
        m = self.session.rules.scenario.moves[mid]
        if kind == "play":
            if self.reasons.get(mid):
                self.notify(self.reasons[mid], title="Unavailable", severity="warning")
                return
            if mid in self.plays:
                del self.plays[mid]
            elif m.targets:
                self.action_target()
                return
            else:
                self.plays[mid] = None
        elif kind == "revoke":
            self.revokes.symmetric_difference_update({mid})
        self._changed(oid)

    def action_enter_key(self) -> None:
        self.notify("Space chooses a move (Enter does not, so a second Enter after the hand-over picks nothing).",
                    timeout=3)

    def _changed(self, oid: str) -> None:
        self.post_message(OrdersDrafted(self.role, self.orders()))
        self._refresh_option(oid)
        self._update_budget()
        self._show_detail()
        self._refresh_contextual_keys()

    def action_target(self) -> None:
        from wargame.tui.screens.dialogs import ChoiceDialog

        oid = self._highlighted_id()
        if not oid or not oid.startswith("play:"):
            return
        mid = oid.split(":", 1)[1]
        rules = self.session.rules
        m = rules.scenario.moves[mid]
        if not m.targets or self.reasons.get(mid):
            return
        choices = [(t, escape(target_name(rules, t))) for t in self.valid_targets.get(mid, [])]

        def picked(target: str | None) -> None:
            if target is not None:
                self.plays[mid] = target
                self._changed(oid)

        self.app.push_screen(ChoiceDialog(f"{m.name}: choose a target", choices), picked)

    def action_evidence(self) -> None:
        oid = self._highlighted_id()
        if not oid or oid.startswith("h:"):
            self.post_message(ShowEvidence(None))
            return
        m = self.session.rules.scenario.moves[oid.split(":", 1)[1]]
        self.post_message(ShowEvidence(m.cites[0] if m.cites else None))

    def _plain_orders(self) -> list[Order]:
        from wargame.engine.orders import Order

        out = [Order(self.role, mid, "play", target) for mid, target in self.plays.items()]
        out += [Order(self.role, mid, "revoke") for mid in sorted(self.revokes)]
        return out

    def orders(self) -> tuple[Order, ...]:
        """The team's own orders (the deals it made are added by the flow)."""
        return tuple(self._plain_orders())

    def action_submit(self) -> None:
        from wargame.tui.screens.dialogs import ConfirmDialog

        b = self.budget()
        if b.over:
            self.notify(f"Over budget by {-b.left}: deselect a move before submitting.",
                        title="Cannot submit", severity="error")
            self._update_budget()
            return
        orders = self.orders()
        rules = self.session.rules
        s = rules.scenario
        lines = []
        for o in orders:
            name = escape(s.moves[o.move].name)
            if o.kind == "play":
                lines.append(f"• {name}" + (f" → {escape(target_name(rules, o.target))}" if o.target else ""))
            elif o.kind == "revoke":
                lines.append(f"• revoke {name}")
        for d in self._made():
            lines.append(f"• the deal made at the table: {escape(s.moves[d.move].name)}")
        body = ("\n".join(lines) if lines else "No orders: your team does nothing this round.") + \
            f"\n\n{plural(b.left, 'point')} left unspent (they do not carry over)."
        team = s.roles[self.role].name

        def done(yes: bool | None) -> None:
            if yes:
                self.post_message(OrdersSubmitted(self.role, orders))

        self.app.push_screen(ConfirmDialog(f"{team}: submit these orders?", body, yes="Submit", no="Back"), done)
