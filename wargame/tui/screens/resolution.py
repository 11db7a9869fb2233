"""Resolution: what changed, change by change; select one to see why."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.widgets import DataTable, Label, Static

from wargame.fixed import to_float
from wargame.tui.messages import Advance, ShowEvidence
from wargame.tui.screens import PhaseScreen
from wargame.tui.widgets.dashboard import (
    arrow,
    fill_table,
    fmt,
    fmt_delta,
    good_or_bad,
    owner_name,
    quadrant_markup,
    theme_var,
)
from wargame.tui.widgets.keybar import KeyBar
from wargame.tui.widgets.phasebar import PhaseBar
from wargame.tui.widgets.why import WhyPanel
from wargame.text import count

# Below this many lines the intro and the hint shrink, so the list and the why both show.
SHORT = 32


class ChangesTable(DataTable, inherit_bindings=False):
    """The list of changes, in groups under a heading row per sector or role.

    The cursor never rests on a heading: it moves on past it in the direction it was going
    (and back, at either end), so the why panel always shows the row under the cursor.
    Home/End go to the first/last change, PageUp/PageDown by a screenful. Enter is left to
    the screen (on to the debrief).
    """

    BINDINGS = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,ctrl+home", "scroll_top", "First", show=False),
        Binding("end,ctrl+end", "scroll_bottom", "Last", show=False),
    ]

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.headings: set[int] = set()  # row indices of the heading rows
        self._last_row = 0

    def landing(self, row: int, step: int) -> int:
        """The row the cursor should rest on when it arrives at ``row`` moving by ``step``."""
        n = self.row_count
        for direction in (step or 1, -(step or 1)):
            r = row
            while 0 <= r < n and r in self.headings:
                r += direction
            if 0 <= r < n:
                return r
        return row

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        row = event.cursor_row
        if row in self.headings:
            event.stop()  # the screen hears only about the row the cursor settles on
            target = self.landing(row, 1 if row >= self._last_row else -1)
            if target != row:
                self.move_cursor(row=target)
            return
        self._last_row = row

    def action_scroll_top(self) -> None:
        # Show the first heading too: the cursor goes to the first change, the view to the top.
        super().action_scroll_top()
        self.scroll_home(animate=False)


class ResolutionScreen(PhaseScreen):
    """Each indicator that changed: before, after, change; and why."""

    # Enter moves on from anywhere on the screen (priority: the focused list or why table
    # would otherwise take it); a cited source opens on E, from the list or the why.
    BINDINGS = [
        Binding("enter", "advance", "Debrief", priority=True, id="resolution.next"),
        Binding("tab", "app.focus_next", "List ⇄ why", id="resolution.switch"),
        Binding("e", "source", "Source", id="resolution.source",
                tooltip="Open the source the highlighted cause cites"),
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
                    yield Label("What changed (↑↓ select; the why is below)", classes="section-title",
                                id="changes-title")
                    yield ChangesTable(id="changes", cursor_type="row", zebra_stripes=True)
                with Vertical(id="why-box"):
                    yield WhyPanel(app.session.rules, app.evidence, open_key="e", id="why")
            yield Static("[b]Next → DEBRIEF: Enter[/b] · Tab: list ⇄ why · E: open the cause's source",
                         classes="next-hint")
        yield KeyBar()

    def on_resize(self, event: events.Resize) -> None:
        short = event.size.height < SHORT
        if short != self.has_class("-short"):
            self.set_class(short, "-short")
            self._intro()
            panel = self.query_one(WhyPanel)
            panel.compact = short
            panel.redraw()

    def _intro(self) -> None:
        """What happened this round, above the list. On a short screen, two lines at most:
        the events are counted, not named (their news is in the next briefing)."""
        session = self.game_app.session
        assert session is not None
        rules, trace = session.rules, self.trace
        s = rules.scenario
        short = self.has_class("-short")
        intro = [f"[b]Round {trace.round} resolved[/b] · {s.round_label(trace.round)}."]
        names = [f"» [b]{escape(s.events[fe.event].name)}[/b]" for fe in trace.events if fe.event in s.events]
        if names and short:
            intro[0] += f" {count(len(names), 'event')} [$text-muted](the news is in the next briefing)[/]"
        elif names:
            intro[0] += " Events: " + "  ".join(names) + " [$text-muted](the news is in the next briefing)[/]"
        prev = session.game.states[trace.round - 1] if trace.round - 1 < len(session.game.states) else None
        if prev is not None:
            from wargame.engine.scoring import quadrants

            before = quadrants(rules, trace.before)
            moved = [f"{escape(s.sectors[k].name)} {quadrant_markup(before[k])} → {quadrant_markup(q)}"
                     for k, q in trace.quadrants.items() if before.get(k) != q]
            if moved:
                intro.append("Quadrants moved: " + "; ".join(moved))
        from wargame.tui.widgets.dashboard import rulings_markup

        intro += rulings_markup(session, trace.round)  # the facilitator's rulings, for the room
        self.query_one("#resolution-intro", Static).update("\n".join(intro))

    def on_mount(self) -> None:
        self.set_class(self.app.size.height < SHORT, "-short")
        self.refresh_view()

    def refresh_view(self) -> None:
        """Drawn again after an override: the room sees the ruling beside the rules' number."""
        session = self.game_app.session
        assert session is not None
        rules, trace = session.rules, self.trace
        ruled = {ov.indicator: ov for ov in session.game.overrides if ov.after_round == trace.round}
        s = rules.scenario
        self._intro()
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
        # The indicator's name is cut to the width left (with "…"), not pushed off the edge.
        w_delta = max(Text.from_markup(str(c[0])).cell_len if not isinstance(c[0], Text) else c[0].cell_len
                      for _, c in rows)
        w_ba = max(len(str(c[1])) for _, c in rows)
        room = self.app.size.width - 2 - 2 - (w_delta + 2) - (w_ba + 2) - 2  # padding, scrollbar, cell padding
        for _, cells in rows:
            if isinstance(cells[2], Text) and cells[2].cell_len > room > 8:
                cells[2].truncate(room, overflow="ellipsis")
        fill_table(table, [("delta", "Change"), ("ba", "Before → after"), ("ind", "Indicator")], rows)
        table.headings = {n for n, (key, _) in enumerate(rows) if key.startswith("h:")}
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
        panel = self.query_one(WhyPanel)
        panel.compact = self.has_class("-short")
        panel.show(self.trace, indicator)

    def on_why_panel_fact_selected(self, event: WhyPanel.FactSelected) -> None:
        event.stop()
        self.post_message(ShowEvidence(event.fact_id))

    def action_source(self) -> None:
        """The highlighted cause's source (the why's cursor row), or the browser if it cites none."""
        self.post_message(ShowEvidence(self.query_one(WhyPanel).current_cite()))

    def action_advance(self) -> None:
        self.post_message(Advance())
