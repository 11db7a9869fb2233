"""The "why" panel: every contribution to one indicator's change in a round, summing to it."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Static

from wargame.engine.explain import Why, WhyRow, explain, fmt_amount, places, total_fixed
from wargame.engine.rules import Rules
from wargame.engine.state import RoundTrace
from wargame.evidence.base import Evidence

COLUMNS = ("Source", "Kind", "Role", "Change", "Roll", "Cites", "Rationale")


class WhyTable(DataTable):
    """A row-cursor table where one click on a row selects it (not only a second click).

    Home and End go to the first and last row (DataTable's own move sideways, which a
    row cursor cannot).
    """

    BINDINGS = [
        Binding("home", "scroll_top", "First", show=False),
        Binding("end", "scroll_bottom", "Last", show=False),
    ]

    select_on_enter = True  # False where the screen keeps Enter (its WhyPanel's open_key is not enter)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "select_cursor" and not self.select_on_enter:
            return False  # Enter passes on to the screen, even when the screen ignores it
        return super().check_action(action, parameters)

    async def _on_click(self, event: events.Click) -> None:
        # DataTable's own handler runs after this one (Textual calls each class's handler):
        # it moves the cursor, and selects only when the row was already highlighted.
        meta = event.style.meta
        row = meta.get("row", -1)
        if "row" in meta and row >= 0 and row != self.cursor_row and self.show_cursor:
            self.call_later(self._post_selected_message)


class WhyPanel(Widget, can_focus=False):
    """Shows :func:`wargame.engine.explain.why_rows` for one indicator in one round."""

    DEFAULT_CSS = """
    WhyPanel {
        height: 1fr;
        layout: vertical;
    }
    WhyPanel > #why-title {
        height: auto;
        padding: 0 1;
        color: $text;
        background: $boost;
    }
    WhyPanel > #why-table {
        overflow-x: hidden;
    }
    WhyPanel > #why-total {
        height: 1;
        overflow: hidden;
        background: $boost;
    }
    WhyPanel > #why-detail {
        height: auto;
        padding: 0 1;
        color: $text-muted;
    }
    WhyPanel.-empty > #why-table, WhyPanel.-empty > #why-total {
        display: none;
    }
    """

    BINDINGS = [
        Binding("c", "next_cite", "Next cite", id="why.next_cite", tooltip="Cycle through the facts the row cites"),
        Binding("e", "open_fact", "Source", id="why.open_fact", tooltip="Open the fact the highlighted cause cites"),
    ]

    @dataclass
    class FactSelected(Message):
        """The user chose a fact cited by a contribution."""

        fact_id: str

    def __init__(self, rules: Rules, evidence: Evidence | None = None, *, open_key: str = "enter",
                 **kw) -> None:
        """``open_key``: the key the detail line names for opening a fact ("e" where the
        screen keeps Enter for moving on, as the resolution screen does)."""
        super().__init__(**kw)
        self.open_key = open_key
        self.compact = False  # a one-line title (set by a short screen before show)
        self.rules = rules
        self.evidence = evidence
        self.why: Why | None = None
        self.rows: list[WhyRow] = []
        self._cite_at = 0
        self._places = 1
        self._shown: tuple[RoundTrace, str] | None = None
        self._width = 0

    def compose(self) -> ComposeResult:
        yield Static("Select an indicator to see why it changed.", id="why-title")
        table = WhyTable(id="why-table", cursor_type="row", zebra_stripes=True)
        table.select_on_enter = self.open_key == "enter"
        for c in COLUMNS:
            table.add_column(c, key=c.lower())
        yield table
        # The total is a table of its own under the rows, with the same column widths: it
        # stays in view when the rows scroll (on a short screen it was the row cut off).
        total = DataTable(id="why-total", cursor_type="none", show_header=False, zebra_stripes=False)
        total.can_focus = False
        yield total
        yield Static("", id="why-detail")

    def on_mount(self) -> None:
        self.add_class("-empty")
        # The total is one line. Inline: an app's sheet outranks DEFAULT_CSS, and the app's
        # sizes every DataTable (height auto, at most 24 lines).
        self.table.styles.height = "auto"
        self.total_table.styles.height = 1
        self.total_table.styles.max_height = 1

    def _fit(self) -> None:
        """Cap the rows at what is left of the panel after the title, the total and the
        detail, so those three stay in view on a short screen and the rows scroll."""
        if not self.is_attached:
            return
        used = sum(self.query_one(f"#{w}").outer_size.height for w in ("why-title", "why-total", "why-detail"))
        room = max(2, self.content_size.height - used)
        if self.table.styles.max_height is None or self.table.styles.max_height.value != room:
            self.table.styles.max_height = room
            self.call_after_refresh(self._cursor_in_view)

    def _cursor_in_view(self) -> None:
        table = self.table
        if table.row_count:
            table.move_cursor(row=table.cursor_row, animate=False, scroll=True)

    @property
    def table(self) -> DataTable:
        return self.query_one("#why-table", DataTable)

    @property
    def total_table(self) -> DataTable:
        """The one-row table under the rows: TOTAL, the sum, and whether it is the change."""
        return self.query_one("#why-total", DataTable)

    # -- public -----------------------------------------------------------------------

    def clear(self) -> None:
        self._shown = None
        self.why = None
        self.rows = []
        self.table.clear()
        self.total_table.clear()
        self.query_one("#why-title", Static).update("Select an indicator to see why it changed.")
        self.query_one("#why-detail", Static).update("")
        self.add_class("-empty")

    def show(self, trace: RoundTrace, indicator: str) -> None:
        keep = self.table.cursor_row if self._shown == (trace, indicator) else 0
        self._shown = (trace, indicator)
        self._width = self.size.width
        why = explain(self.rules, trace, indicator)
        self.why, self.rows = why, list(why.rows)
        unit = why.unit
        fixed = [r.fixed for r in why.rows]
        before_f, after_f = trace.before[self.rules.index[indicator]], trace.after[self.rules.index[indicator]]
        self._places = nplaces = places([*fixed, before_f, after_f])
        change_f = after_f - before_f
        title = Text()
        title.append(why.name, style="bold")
        if self.compact:  # one line: the round is on the screen already, the id is for authors
            title.append(":  ")
        else:
            title.append(f"  {indicator}  round {trace.round}\n", style="dim")
        title.append(f"{fmt_amount(before_f, nplaces, unit, sign=False)} -> {fmt_amount(after_f, nplaces, unit, sign=False)}")
        title.append("   change ")
        title.append(fmt_amount(change_f, nplaces, unit), style="bold")
        title.append(f"   {_direction(change_f)}")
        self.query_one("#why-title", Static).update(title)
        table = self.table
        self.remove_class("-empty")
        tot = total_fixed(self.rows)
        amounts = [fmt_amount(r.fixed, nplaces, unit) for r in self.rows] + [fmt_amount(tot, nplaces, unit)]
        width = max(len(a) for a in amounts)
        # Role and Roll only when some row has one: room for the rationale on narrow screens.
        cols = [c for c in COLUMNS if (c != "Role" or any(r.role for r in self.rows))
                and (c != "Roll" or any(r.roll is not None for r in self.rows))]
        # On a narrow panel a long source name would push the cites off: it is cut (the
        # detail line under the table gives it in full).
        label_w = max(16, int(self._width * 0.3)) if self._width and self._width < 100 else 60
        cells = []
        for i, r in enumerate(self.rows):
            full = {"Source": _short(r.label, label_w), "Kind": r.kind, "Role": r.role, "Change": amounts[i].rjust(width),
                    "Roll": "" if r.roll is None else f"{r.roll:+.2f}", "Cites": _cites(r.cites)}
            cells.append([full[c] for c in cols[:-1]])
        # Explicit column widths, the same in both tables, so the TOTAL row lines up.
        widths = [max([len(h), len("TOTAL") if j == 0 else 0, *(len(c[j]) for c in cells)])
                  for j, h in enumerate(cols[:-1])]
        used = sum(w + 2 for w in widths)
        room = self._width - used - 6 if self._width else 48
        room = max(16, min(room, 72))
        widths.append(max(room, len(cols[-1]), len("DOES NOT ADD UP")))
        total_table = self.total_table
        for t in (table, total_table):
            t.clear(columns=True)
            for c, w in zip(cols, widths):
                t.add_column(c, key=c.lower(), width=w)
        for i, (r, c) in enumerate(zip(self.rows, cells)):
            table.add_row(*(cell(x) for x in c), cell(_short(r.rationale, room)), key=str(i))
        total_cells = {"Source": cell("TOTAL", "bold"), "Change": cell(amounts[-1].rjust(width), "bold")}
        ok = tot == change_f
        total_cells["Rationale"] = cell("= the change" if ok else "DOES NOT ADD UP", "italic" if ok else "bold reverse")
        total_table.add_row(*(total_cells.get(c, cell("")) for c in cols), key="total")
        if not self.rows:
            self.query_one("#why-detail", Static).update("No contributions: the indicator did not move this round.")
        else:
            row = min(keep, len(self.rows) - 1)
            table.move_cursor(row=row, animate=False)
            self._detail(row)

    def redraw(self) -> None:
        """Show the same indicator again (after a change of ``compact``)."""
        if self._shown is not None:
            self.show(*self._shown)

    def on_resize(self) -> None:
        if self._shown is not None and self.size.width != self._width:
            self.show(*self._shown)
        self.call_after_refresh(self._fit)

    def current(self) -> WhyRow | None:
        idx = self.table.cursor_row
        return self.rows[idx] if 0 <= idx < len(self.rows) else None

    def current_cite(self) -> str | None:
        r = self.current()
        if r is None or not r.cites:
            return None
        return r.cites[self._cite_at % len(r.cites)]

    # -- events -------------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#why-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._cite_at = 0
        self._detail(event.cursor_row)

    @on(DataTable.RowSelected, "#why-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        fact = self.current_cite()
        if fact is not None:
            self.post_message(self.FactSelected(fact))

    def action_open_fact(self) -> None:
        """Open the highlighted cause's current cite (what Enter does where Enter is free)."""
        fact = self.current_cite()
        if fact is None:
            self.notify("This cause cites no source.", severity="warning", timeout=3)
            return
        self.post_message(self.FactSelected(fact))

    def action_next_cite(self) -> None:
        r = self.current()
        if r is None or not r.cites:
            self.app.bell()
            return
        self._cite_at = (self._cite_at + 1) % len(r.cites)
        self._detail(self.table.cursor_row)

    def _detail(self, idx: int) -> None:
        detail = self.query_one("#why-detail", Static)
        if not (0 <= idx < len(self.rows)):
            detail.update("The total is the exact sum of the rows above." if self.rows else "")
            self.call_after_refresh(self._fit)
            return
        r = self.rows[idx]
        t = Text()
        t.append(f"{r.label} ({r.kind}{', ' + r.role if r.role else ''}): ", style="bold")
        t.append(r.rationale or "no rationale given")
        if r.roll is not None:
            t.append(f"  Roll {r.roll:+.3f}.")
        if r.basis:
            # What the size stands on (a documented figure, a calibrated outcome or an assumption).
            t.append("\nSize: ", style="bold")
            t.append(r.basis)
        if r.cites:
            fact = r.cites[self._cite_at % len(r.cites)]
            t.append("\nCites ")
            for j, c in enumerate(r.cites):
                if j:
                    t.append(", ")
                t.append(c, style="bold underline" if c == fact else "")
            if self.evidence is not None and fact in self.evidence.facts:
                t.append(f" - {self.evidence.facts[fact].locator}")
            t.append(f"   {self.open_key}: open the fact" + ("   c: next cite" if len(r.cites) > 1 else ""), style="italic")
        detail.update(t)
        self.call_after_refresh(self._fit)


def cell(text: str, style: str = "") -> Text:
    """A table cell: plain text (never markup), no trailing newline."""
    return Text(text, style=style, end="", no_wrap=True, overflow="ellipsis")


def _cites(cites: tuple[str, ...]) -> str:
    """The first cite, and how many more (the detail line lists them all)."""
    if not cites:
        return ""
    return cites[0] + (f" +{len(cites) - 1}" if len(cites) > 1 else "")


def _direction(change: int) -> str:
    return "(up)" if change > 0 else "(down)" if change < 0 else "(no change)"


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
