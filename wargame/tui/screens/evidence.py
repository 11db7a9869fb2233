"""The evidence browser: sources, the facts taken from them, and which rules cite each fact."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Input, Select, Static, TabbedContent, TabPane

from wargame.engine.rules import Rules
from wargame.scenario.seeds import Evidence, Fact, Source
from wargame.evidence.index import Citation, citations, filter_facts, prefixes
from wargame.tui.widgets.keybar import KeyBar
from wargame.tui.screens import SCREENS_CSS


def _cell(text: str, style: str = "") -> Text:
    return Text(text, style=style, end="", no_wrap=True, overflow="ellipsis")


class EvidenceScreen(Screen):
    """Browse sources and facts; see which parts of the scenario cite the selected fact."""

    CSS_PATH = SCREENS_CSS

    DEFAULT_CSS = """
    EvidenceScreen {
        layout: vertical;
    }
    EvidenceScreen #ev-title {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text;
        text-style: bold;
    }
    EvidenceScreen TabbedContent {
        height: 1fr;
    }
    EvidenceScreen TabPane {
        padding: 0;
        height: 1fr;
    }
    EvidenceScreen #ev-filters {
        height: 1;
    }
    EvidenceScreen #ev-filter {
        width: 1fr;
    }
    EvidenceScreen #ev-source {
        width: 26;
    }
    EvidenceScreen #ev-area {
        width: 18;
    }
    EvidenceScreen .ev-body {
        height: 1fr;
    }
    EvidenceScreen .ev-list {
        width: 40%;
        min-width: 26;
        max-width: 52;
        height: 1fr;
    }
    EvidenceScreen .ev-detail {
        width: 3fr;
        height: 1fr;
        padding: 0 1;
        border-left: vkey $primary 50%;
    }
    EvidenceScreen #ev-count {
        height: 1;
        color: $text-muted;
        padding: 0 1;
    }
    """

    BINDINGS = [
        Binding("escape", "back", "Back", id="evidence.back", tooltip="Close the evidence browser"),
        Binding("q", "back", "Back", show=False, id="evidence.quit"),
        Binding("slash", "find", "Filter", id="evidence.filter", tooltip="Type words, source:ID or an area like semi."),
        Binding("ctrl+r", "reset", "Clear filter", id="evidence.reset", tooltip="Show every fact"),
        Binding("f", "show_tab('ev-facts')", "Facts", id="evidence.facts"),
        Binding("s", "show_tab('ev-sources')", "Sources", id="evidence.sources"),
    ]

    def __init__(self, evidence: Evidence, rules: Rules | None = None, focus: str | None = None,
                 *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.evidence = evidence
        self.rules = rules
        self.focus_fact = focus
        self.cited: dict[str, list[Citation]] = citations(rules.scenario) if rules is not None else {}
        self.shown: list[Fact] = []
        self.fact_id: str | None = None

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        ev = self.evidence
        where = f"   cited in: {self.rules.scenario.title}" if self.rules is not None else ""
        nf, ns = len(ev.facts), len(ev.sources)
        yield Static(f"Evidence: {nf} fact{'s' * (nf != 1)} from {ns} source{'s' * (ns != 1)}{where}", id="ev-title")
        with TabbedContent(initial="ev-facts"):
            with TabPane("Facts", id="ev-facts"):
                with Horizontal(id="ev-filters"):
                    yield Input(placeholder="/ filter: words, source:ID, semi.", id="ev-filter", compact=True)
                    yield Select([(f"{s.id}: {s.author.split(' (')[0]}", s.id) for s in ev.sources.values()],
                                 prompt="All sources", id="ev-source", compact=True)
                    yield Select([(p, p) for p in prefixes(ev)], prompt="All areas", id="ev-area", compact=True)
                with Horizontal(classes="ev-body"):
                    table = DataTable(id="ev-facts-table", cursor_type="row", classes="ev-list")
                    table.add_column("Fact", key="fact")
                    if self.rules is not None:
                        table.add_column("Cited", key="cited")
                    yield table
                    with VerticalScroll(classes="ev-detail", id="ev-fact-scroll"):
                        yield Static(id="ev-fact-detail")
                yield Static(id="ev-count")
            with TabPane("Sources", id="ev-sources"):
                with Horizontal(classes="ev-body"):
                    st = DataTable(id="ev-sources-table", cursor_type="row", classes="ev-list")
                    st.add_column("Source", key="source")
                    st.add_column("Date", key="date")
                    st.add_column("Facts", key="facts")
                    yield st
                    with VerticalScroll(classes="ev-detail", id="ev-source-scroll"):
                        yield Static(id="ev-source-detail")
        yield KeyBar()

    def on_mount(self) -> None:
        counts: dict[str, int] = {}
        for f in self.evidence.facts.values():
            counts[f.source] = counts.get(f.source, 0) + 1
        st = self.query_one("#ev-sources-table", DataTable)
        for s in self.evidence.sources.values():
            st.add_row(_cell(s.id), _cell(s.date), _cell(str(counts.get(s.id, 0)).rjust(5)), key=s.id)
        if self.evidence.sources:
            self._show_source(next(iter(self.evidence.sources)))
        self.refilter()
        table = self.query_one("#ev-facts-table", DataTable)
        if self.focus_fact is not None:
            self.select_fact(self.focus_fact)
        table.focus()

    # -- filtering -----------------------------------------------------------------------

    @property
    def filter_text(self) -> str:
        return self.query_one("#ev-filter", Input).value

    def _select_value(self, wid: str) -> str | None:
        v = self.query_one(wid, Select).value
        return None if v is Select.NULL else str(v)

    def refilter(self) -> None:
        text = self.filter_text
        area = self._select_value("#ev-area")
        if area:
            text = f"{text} prefix:{area}"
        self.shown = filter_facts(self.evidence, text, self._select_value("#ev-source"))
        table = self.query_one("#ev-facts-table", DataTable)
        keep = self.fact_id
        table.clear()
        for f in self.shown:
            n = len(self.cited.get(f.id, ()))
            cells = [_cell(f.id)]
            if self.rules is not None:
                cells.append(_cell(str(n).rjust(5) if n else "    -"))
            table.add_row(*cells, key=f.id)
        count = self.query_one("#ev-count", Static)
        cited_note = "" if self.rules is None else f"; {sum(1 for f in self.shown if f.id in self.cited)} cited by the scenario"
        count.update(f"{len(self.shown)} of {len(self.evidence.facts)} facts shown{cited_note}")
        ids = [f.id for f in self.shown]
        if keep in ids:
            table.move_cursor(row=ids.index(keep), animate=False)
            self._show_fact(keep)
        elif ids:
            table.move_cursor(row=0, animate=False)
            self._show_fact(ids[0])
        else:
            self._show_fact(None)

    @on(Input.Changed, "#ev-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.refilter()

    @on(Input.Submitted, "#ev-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        self.query_one("#ev-facts-table", DataTable).focus()

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        self.refilter()

    def select_fact(self, fact_id: str) -> bool:
        """Show and highlight one fact, clearing filters that hide it."""
        self.query_one(TabbedContent).active = "ev-facts"
        if fact_id not in self.evidence.facts:
            self.fact_id = None
            self.query_one("#ev-fact-detail", Static).update(
                Content.assemble((fact_id, "bold $error"), "\nThis fact is not in the evidence base ",
                                 (str(self.evidence.folder), "italic"), "."))
            return False
        if fact_id not in (f.id for f in self.shown):
            self.query_one("#ev-filter", Input).value = ""
            self.query_one("#ev-source", Select).clear()
            self.query_one("#ev-area", Select).clear()
            self.fact_id = fact_id
            self.refilter()
        ids = [f.id for f in self.shown]
        table = self.query_one("#ev-facts-table", DataTable)
        table.move_cursor(row=ids.index(fact_id), animate=False)
        self.call_after_refresh(table.move_cursor, row=ids.index(fact_id), animate=False)
        self._show_fact(fact_id)
        return True

    # -- details -------------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#ev-facts-table")
    def _fact_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self._show_fact(event.row_key.value)

    @on(DataTable.RowHighlighted, "#ev-sources-table")
    def _source_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self._show_source(event.row_key.value)

    @on(DataTable.RowSelected, "#ev-sources-table")
    def _source_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a source: list its facts."""
        if event.row_key.value is not None:
            self.query_one("#ev-filter", Input).value = ""
            self.query_one("#ev-area", Select).clear()
            self.query_one("#ev-source", Select).value = event.row_key.value
            self.refilter()
            self.query_one(TabbedContent).active = "ev-facts"
            self.query_one("#ev-facts-table", DataTable).focus()

    def _show_fact(self, fact_id: str | None) -> None:
        self.fact_id = fact_id
        detail = self.query_one("#ev-fact-detail", Static)
        if fact_id is None:
            detail.update(Content.assemble(("No fact matches the filter.", "italic"), "\nctrl+r clears it."))
            return
        fact = self.evidence.facts[fact_id]
        src = self.evidence.sources.get(fact.source)
        parts: list[str | tuple[str, str]] = [(fact.id, "bold $primary"), "\n", fact.statement, "\n"]
        if fact.figures:
            parts.append(("\nFigures\n", "bold"))
            for fig in fact.figures:
                year = f" ({fig.year})" if fig.year else ""
                parts += ["  ", (f"{fig.value:g} {fig.unit}", "bold"), f"  {fig.of}{year}\n"]
        parts += [("\nWhere   ", "bold"), fact.locator, "\n", ("Source  ", "bold")]
        if src is not None:
            parts += [f"{src.id}: {src.author}, ", (src.title, "italic"), f". {src.publisher}, {src.date}.\n"]
        else:
            parts.append(f"{fact.source} (not in sources.yaml)\n")
        parts.append("\n")
        if self.rules is None:
            parts.append(("No scenario loaded: citing rules are not shown.", "$text-muted italic"))
        else:
            cites = self.cited.get(fact_id, [])
            if not cites:
                parts.append((f"Not cited by {self.rules.scenario.title}.", "$text-muted italic"))
            else:
                parts.append((f"Cited by {len(cites)} in {self.rules.scenario.title}\n", "bold"))
                for c in cites:
                    parts += ["- ", c.label, "\n  ", (c.kind, "bold $accent"), (f"  {c.path}\n", "$text-muted")]
        detail.update(Content.assemble(*parts))
        self.query_one("#ev-fact-scroll", VerticalScroll).scroll_home(animate=False)

    def _show_source(self, source_id: str) -> None:
        s: Source | None = self.evidence.sources.get(source_id)
        if s is None:
            return
        n = sum(1 for f in self.evidence.facts.values() if f.source == s.id)
        parts: list[str | tuple[str, str]] = [
            (s.title, "bold $primary"), "\n",
            s.author, "\n", f"{s.publisher}, {s.date}\n", (s.address, "$text-muted"), "\n\n",
        ]
        if s.summary:
            parts += [s.summary, "\n\n"]
        parts += [(f"{n} facts", "bold"), f" from this source (id {s.id}, file {s.file}). ",
                  ("Enter lists them.", "italic")]
        self.query_one("#ev-source-detail", Static).update(Content.assemble(*parts))

    # -- actions -------------------------------------------------------------------------

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_find(self) -> None:
        self.query_one(TabbedContent).active = "ev-facts"
        self.query_one("#ev-filter", Input).focus()

    def action_reset(self) -> None:
        self.query_one("#ev-filter", Input).value = ""
        self.query_one("#ev-source", Select).clear()
        self.query_one("#ev-area", Select).clear()
        self.refilter()

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self.query_one("#ev-facts-table" if tab == "ev-facts" else "#ev-sources-table", DataTable).focus()
