"""Briefing and dashboard: where the sectors stand, the roles' scores, policies and news."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.markup import escape
from textual.widgets import Button, Label, Static

from wargame.tui.messages import Advance
from wargame.tui.screens import PhaseScreen
from wargame.tui.widgets.dashboard import RoleTable, SectorTable, news_markup, policies_markup, role_name
from wargame.tui.widgets.keybar import KeyBar
from wargame.tui.widgets.phasebar import PhaseBar


class BriefingScreen(PhaseScreen):
    """The situation at the start of a round."""

    BINDINGS = [Binding("enter", "advance", "To the table", priority=True, id="briefing.next")]
    CONTROL_ACTIONS = frozenset({"advance"})

    def compose(self) -> ComposeResult:
        yield PhaseBar()
        with VerticalScroll(id="briefing-body", classes="phase-body"):
            yield Static(id="briefing-intro", classes="intro")
            yield Label("Sectors: China's innovation, effect on the world sector, quadrant",
                        classes="section-title")
            yield SectorTable(id="sectors")
            yield Label("Roles", classes="section-title")
            yield RoleTable(id="roles")
            with Horizontal(classes="dash-row"):
                with Vertical(classes="dash-cell"):
                    yield Label("News", classes="section-title")
                    yield Static(id="news")
                with Vertical(classes="dash-cell"):
                    yield Label("Policies in force", classes="section-title")
                    yield Static(id="policies")
            yield Static(id="briefing-next", classes="next-hint")
            yield Button("To the negotiation table  \\[Enter]", id="advance", variant="primary", classes="control")
        yield KeyBar()

    def on_mount(self) -> None:
        self.refresh_view()
        self.app.theme_changed_signal.subscribe(self, lambda _t: self.refresh_view())

    def on_resize(self) -> None:
        from wargame.tui.widgets.phasebar import is_narrow

        narrow = is_narrow(self)
        if getattr(self, "_narrow", None) not in (None, narrow):
            self.refresh_view()
        self._narrow = narrow

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.refresh_view()

    def refresh_view(self) -> None:
        session = self.game_app.session
        if session is None:
            return
        rules = session.rules
        s = rules.scenario
        rnd = session.game.round
        intro = (f"[b]Round {rnd} of {s.rounds}[/b] · {s.round_label(rnd)}. Read the situation"
                 + ("; ▲▼ show the change since the last round" if rnd > 1 else "")
                 + ". Then the negotiation table, then each team enters its orders in secret.")
        self.query_one("#briefing-intro", Static).update(intro)
        self.query_one(SectorTable).show(session)
        self.query_one(RoleTable).show(session)
        self.query_one("#news", Static).update(news_markup(session))
        self.query_one("#policies", Static).update(policies_markup(session))
        flow = self.flow
        humans, bots = flow.humans(), flow.bots()
        parts = []
        if humans:
            parts.append("Teams at the table: " + ", ".join(escape(role_name(rules, r)) for r in humans))
        if bots:
            parts.append("bots: " + ", ".join(escape(role_name(rules, r)) for r in bots))
        self.query_one("#briefing-next", Static).update(
            "[b]Next → NEGOTIATION[/b], then orders. " + "; ".join(parts) + ". Press [b]Enter[/b] to begin.")

    def action_advance(self) -> None:
        self.post_message(Advance())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "advance":
            self.action_advance()
