"""Resolution: what changed, change by change; select one to see why."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.markup import escape
from textual.widgets import DataTable, Label, Static

from wargame.engine.fixed import to_float
from wargame.tui.messages import Advance, ShowEvidence
from wargame.tui.screens import PhaseScreen
from wargame.tui.widgets.dashboard import (
    PhaseBar,
    arrow,
    fill_table,
    fmt,
    fmt_delta,
    good_or_bad,
    indicator_label,
    owner_name,
    quadrant_markup,
    theme_var,
)
from wargame.tui.widgets.keybar import KeyBar


def why_panel(rules: Any, evidence: Any) -> Any:
    """The why breakdown (wargame.tui.widgets.why), or a plain stand-in if it is missing."""
    try:
        from wargame.tui.widgets.why import WhyPanel
    except ImportError:
        return _PlainWhy(rules, evidence)
    return WhyPanel(rules, evidence)


class _PlainWhy(VerticalScroll):
    """A minimal why list, used only when the WhyPanel widget is not installed."""

    def __init__(self, rules: Any, evidence: Any) -> None:
        super().__init__(id="why")
        self.rules, self.evidence = rules, evidence

    def compose(self) -> ComposeResult:
        yield Static(id="why-text")

    def show(self, trace: Any, indicator: str) -> None:
        rules = self.rules
        lines = [f"[b]Why {escape(indicator_label(rules, indicator))} changed by "
                 f"{fmt_delta(trace.change(rules, indicator))}[/b]"]
        for c in trace.why(indicator):
            lines.append(f"{fmt_delta(c.value):>8}  {escape(rules.label(c.kind, c.source) or c.kind)} "
                         f"[$text-muted]({c.kind})[/]")
            if c.rationale:
                lines.append(f"          [$text-muted]{escape(c.rationale)}[/]")
            if c.cites:
                lines.append(f"          [$text-muted]{escape(', '.join(c.cites))}[/]")
        self.query_one("#why-text", Static).update("\n".join(lines))


class ChangesTable(DataTable, inherit_bindings=False):
    """The list of changes: arrows move (and show the why); Enter is left to the screen (continue)."""

    BINDINGS = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "scroll_home", "First", show=False),
        Binding("end", "scroll_end", "Last", show=False),
    ]


class ResolutionScreen(PhaseScreen):
    """Each indicator that changed: before, after, change; and why."""

    BINDINGS = [
        Binding("enter", "advance", "Debrief", id="resolution.next"),
        Binding("tab", "app.focus_next", "List ⇄ why", id="resolution.switch"),
    ]
    CONTROL_ACTIONS = frozenset({"advance"})

    def __init__(self, trace: Any) -> None:
        super().__init__()
        self.trace = trace

    def compose(self) -> ComposeResult:
        app = self.game_app
        yield PhaseBar()
        with Vertical(id="resolution-main"):
            yield Static(id="resolution-intro", classes="intro")
            with Horizontal(id="resolution-body"):
                with Vertical(id="changes-box"):
                    yield Label("What changed (↑↓ select; the why is below)", classes="section-title")
                    yield ChangesTable(id="changes", cursor_type="row", zebra_stripes=True)
                with Vertical(id="why-box"):
                    yield why_panel(app.session.rules, app.evidence)
            yield Static("[b]Next → DEBRIEF: Enter[/b] · Tab: into the why, where Enter opens a source",
                         classes="next-hint")
        yield KeyBar()

    def on_mount(self) -> None:
        self.refresh_view()

    def refresh_view(self) -> None:
        """Drawn again after an override: the room sees the ruling beside the rules' number."""
        from wargame.tui.widgets.dashboard import rulings_markup

        session = self.game_app.session
        assert session is not None
        rules, trace = session.rules, self.trace
        ruled = {ov.indicator: ov for ov in session.game.overrides if ov.after_round == trace.round}
        s = rules.scenario
        intro = [f"[b]Round {trace.round} resolved[/b] · {s.round_label(trace.round)}."]
        names = [f"» [b]{escape(s.events[fe.event].name)}[/b]" for fe in trace.events if fe.event in s.events]
        if names:
            intro[0] += " Events: " + "  ".join(names) + " [$text-muted](the news is in the next briefing)[/]"
        prev = session.game.states[trace.round - 1] if trace.round - 1 < len(session.game.states) else None
        if prev is not None:
            from wargame.engine.scoring import quadrants

            before = quadrants(rules, trace.before)
            moved = [f"{escape(s.sectors[k].name)} {quadrant_markup(before[k])} → {quadrant_markup(q)}"
                     for k, q in trace.quadrants.items() if before.get(k) != q]
            if moved:
                intro.append("Quadrants moved: " + "; ".join(moved))
        intro += rulings_markup(session, trace.round)
        self.query_one("#resolution-intro", Static).update("\n".join(intro))
        table = self.query_one("#changes", DataTable)
        rows: list[tuple[str, list[Any]]] = []
        changed = [i for i, (a, b) in enumerate(zip(trace.before, trace.after)) if a != b or rules.ids[i] in ruled]
        owner = None
        for i in changed:
            ind = rules.ids[i]
            if ind.split(".", 1)[0] != owner:  # a heading row per sector or role
                owner = ind.split(".", 1)[0]
                heading = s.roles[owner].name if owner in s.roles else owner_name(rules, ind)
                rows.append((f"h:{owner}", ["", "", Text(heading, style=f"bold {theme_var(self, 'text-accent')}")]))
            a, b = to_float(trace.before[i]), to_float(trace.after[i])
            d = b - a
            verdict = good_or_bad(rules, ind, d)
            style = {"good": "text-success", "bad": "text-error"}.get(verdict, "text-primary")
            cell = Text(f"{arrow(d)} {fmt_delta(d)}", style=f"bold {theme_var(self, style)}")
            if verdict:
                cell.append(" better" if verdict == "good" else " worse", style=theme_var(self, style))
            unit = rules.indicator[ind].unit
            unit = "" if unit == "index" else f" {unit}"
            ba = f"{fmt(a)} → {fmt(b)}{unit}" + (f" ⚖ ruled {fmt(ruled[ind].value)}" if ind in ruled else "")
            rows.append((ind, [cell, ba, Text("  " + rules.indicator[ind].name)]))
        if not changed:
            rows.append(("-", ["", "", "Nothing changed this round."]))
        fill_table(table, [("delta", "Change"), ("ba", "Before → after"), ("ind", "Indicator")], rows)
        table.focus()
        if changed:
            table.move_cursor(row=1)  # the first change (row 0 is its heading)
            self._show_why(rules.ids[changed[0]])

    @on(DataTable.RowHighlighted, "#changes")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = str(event.row_key.value)
        if key != "-" and not key.startswith("h:"):
            self._show_why(key)

    def _show_why(self, indicator: str) -> None:
        panel = self.query_one("#why-box").children[0]
        panel.show(self.trace, indicator)  # type: ignore[attr-defined]

    def on_why_panel_fact_selected(self, event: Any) -> None:
        event.stop()
        self.post_message(ShowEvidence(getattr(event, "fact_id", None)))

    def action_advance(self) -> None:
        self.post_message(Advance())
