"""Compare from here: choose a round and alternative moves, play both branches on
many times in a worker, and see the distributions and why they differ.

Opened from the replay viewer and the final debrief. The numbers come from
:mod:`wargame.batch.compare` (the same as ``wargame compare``); this screen only
chooses, runs and shows. A line of the "why" list opens the facts behind that
cause in the evidence browser.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Input, Label, OptionList, ProgressBar, SelectionList, Static
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection

from wargame.batch.compare import AS_PLAYED, Branch, Choice, CompareError, alternative, choices, compare
from wargame.scenario.seeds import Evidence
from wargame.tui.widgets.keybar import KeyBar
from wargame.tui.screens import SCREENS_CSS

BAR = 36  # width of a distribution bar, in cells
ALT = "alternative"
BRANCH_STYLE = {AS_PLAYED: "bold $primary", ALT: "bold $warning"}


def band_lines(groups: list[tuple[str, list[tuple[str, dict[str, float]]]]], lo: float, hi: float,
               bar: int = BAR) -> list[Text]:
    """Distributions as text on one shared scale: ─ 5th to 95th percentile, ┃ median, ● mean."""
    BAR = max(10, bar)  # noqa: N806 - the width of this chart
    span = (hi - lo) or 1.0

    def col(v: float) -> int:
        return max(0, min(BAR - 1, round((v - lo) / span * (BAR - 1))))

    out: list[Text] = []
    axis = Text(" " * 14 + f"{lo:<.1f}".ljust(BAR - 6) + f"{hi:>6.1f}", style="dim")
    out.append(axis)
    for name, bands in groups:
        out.append(Text(name, style="bold"))
        for k, (label, d) in enumerate(bands):
            cells = [" "] * BAR
            for c in range(col(d["p5"]), col(d["p95"]) + 1):
                cells[c] = "─"
            cells[col(d["p50"])] = "┃"
            cells[col(d["mean"])] = "●"
            colour = "#0072B2" if k == 0 else "#D55E00"
            line = Text(f"  {label[:11]:<11} ", style="dim")
            line.append("".join(cells), style=colour)
            line.append(f" {d['mean']:.1f}")
            out.append(line)
    return out


class CompareScreen(Screen):
    """Choose, run, and read a comparison of "as played" with an alternative."""

    CSS_PATH = SCREENS_CSS

    DEFAULT_CSS = """
    CompareScreen { layout: vertical; }
    CompareScreen #cmp-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    CompareScreen #cmp-body { height: 1fr; }
    CompareScreen #cmp-setup { width: 2fr; min-width: 30; max-width: 58; padding: 0 1; border-right: vkey $primary 40%; }
    CompareScreen #cmp-setup Input { width: 1fr; height: 1; border: none; padding: 0 1; }
    CompareScreen #cmp-setup .row { height: 1; margin-top: 1; }
    CompareScreen #cmp-setup .row Label { width: 12; }
    CompareScreen #cmp-choices { height: 1fr; min-height: 4; }
    CompareScreen #cmp-run { width: 1fr; height: 1; min-width: 10; border: none; }
    CompareScreen #cmp-progress { width: 1fr; }
    CompareScreen #cmp-status { height: auto; max-height: 3; color: $text-muted; }
    CompareScreen #cmp-results { width: 3fr; padding: 0 1; }
    CompareScreen .caption { height: auto; text-style: bold; color: $text-muted; margin-top: 1; }
    CompareScreen #cmp-chart, CompareScreen #cmp-quads { height: auto; }
    CompareScreen #cmp-why { height: auto; max-height: 20; }
    """
    BINDINGS = [
        Binding("ctrl+r", "run", "Run", id="compare.run", tooltip="Run the comparison"),
        Binding("e", "evidence", "Facts", id="compare.evidence", tooltip="Open the facts behind the chosen cause"),
        Binding("escape", "back", "Back", key_display="esc", id="compare.back"),
    ]

    def __init__(self, session: Any, save: str, at: int, evidence: Evidence | None = None, runs: int = 40) -> None:
        super().__init__()
        self.session = session
        self.save = save
        self.rules = session.game.rules
        last = min(session.game.state.round, self.rules.scenario.rounds)
        self.last = max(1, last)
        self.at = min(max(1, at), self.last)
        self.evidence = evidence
        self.runs = runs
        self.choices: list[Choice] = []
        self.result: dict[str, Any] | None = None
        self.why_sources: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        yield Static(f"Compare from here  {self.save}", id="cmp-title")
        with Horizontal(id="cmp-body"):
            with Vertical(id="cmp-setup"):
                with Horizontal(classes="row"):
                    yield Label("From round")
                    yield Input(str(self.at), type="integer", id="cmp-at")
                with Horizontal(classes="row"):
                    yield Label("Runs")
                    yield Input(str(self.runs), type="integer", id="cmp-runs")
                yield Static("Alternatives (space): − drop a move, + add one", classes="caption")
                yield SelectionList[int](id="cmp-choices")
                yield Button("Run comparison  [ctrl+r]", id="cmp-run", variant="primary")
                yield ProgressBar(total=self.runs, id="cmp-progress", show_eta=False)
                yield Static("", id="cmp-status")
            with VerticalScroll(id="cmp-results"):
                yield Static("Team scores (one scale: ─ 5th-95th percentile, ┃ median, ● mean)", classes="caption")
                yield Static("Choose alternative moves and run the comparison.", id="cmp-chart")
                yield Static("Where the sectors end", classes="caption")
                yield Static("", id="cmp-quads")
                yield Static("Why they differ (enter opens the facts)", classes="caption")
                yield OptionList(id="cmp-why")
        yield KeyBar()

    def on_mount(self) -> None:
        self.fill_choices()
        self.query_one("#cmp-choices", SelectionList).focus()

    # --- setup --------------------------------------------------------------------------

    def choice_label(self, c: Choice) -> str:
        s = self.rules.scenario
        m = s.moves.get(c.order.move)
        name = m.name if m else c.order.move
        who = s.roles[c.order.role].short
        sign = "−" if c.kind == "drop" else "+"
        return f"{s.round_label(c.round)} {who:<3} {sign} {name}"

    def fill_choices(self) -> None:
        self.choices = choices(self.session, self.at)
        sel = self.query_one("#cmp-choices", SelectionList)
        sel.clear_options()
        sel.add_options([Selection(self.choice_label(c), k) for k, c in enumerate(self.choices)])
        if self.choices:
            sel.highlighted = 0

    @on(Input.Submitted, "#cmp-at")
    @on(Input.Changed, "#cmp-at")
    def _round_changed(self, event: Input.Changed | Input.Submitted) -> None:
        try:
            at = int(event.value)
        except ValueError:
            return
        if 1 <= at <= self.last and at != self.at:
            self.at = at
            self.fill_choices()

    # --- running ------------------------------------------------------------------------

    @on(Button.Pressed, "#cmp-run")
    def action_run(self) -> None:
        chosen = [self.choices[k] for k in self.query_one("#cmp-choices", SelectionList).selected]
        status = self.query_one("#cmp-status", Static)
        if not chosen:
            status.update("Choose at least one alternative move first.")
            self.app.bell()
            return
        try:
            runs = max(1, min(2000, int(self.query_one("#cmp-runs", Input).value)))
        except ValueError:
            runs = self.runs
        self.runs = runs
        bar = self.query_one("#cmp-progress", ProgressBar)
        bar.update(total=runs, progress=0)
        status.update(f"Playing {runs} runs of each branch from {self.rules.scenario.round_label(self.at)}…")
        self.query_one("#cmp-run", Button).disabled = True
        self.run_worker_compare(self.at, chosen, runs)

    @work(thread=True, exclusive=True, group="compare")
    def run_worker_compare(self, at: int, chosen: list[Choice], runs: int) -> None:
        branch = Branch(ALT, alternative(self.session, at, chosen))

        def progress(n: int) -> None:
            self.app.call_from_thread(self.query_one("#cmp-progress", ProgressBar).advance, n)

        try:
            result = compare(self.session, self.save, at, [branch], runs, progress=progress)
        except CompareError as exc:
            self.app.call_from_thread(self.failed, str(exc))
            return
        self.app.call_from_thread(self.show_result, result, chosen)

    def failed(self, message: str) -> None:
        self.query_one("#cmp-status", Static).update(f"Could not compare: {message}")
        self.query_one("#cmp-run", Button).disabled = False

    # --- results ------------------------------------------------------------------------

    def show_result(self, result: dict[str, Any], chosen: list[Choice]) -> None:
        from wargame.report.comparison import indicator_label, percent_row, source_label

        self.result = result
        s = self.rules.scenario
        self.query_one("#cmp-run", Button).disabled = False
        what = "; ".join(self.choice_label(c) for c in chosen)
        self.query_one("#cmp-status", Static).update(f"Done: {result['runs']} runs per branch. Alternative: {what}.")
        played, alt = result["branches"][0], result["branches"][1]
        groups = []
        dists = []
        for rid, role in s.roles.items():
            bands = [(br["name"], br["roles"][rid]["score"]) for br in (played, alt)]
            dists += [d for _, d in bands]
            d = alt["roles"][rid]["delta"]
            groups.append((f"{role.name}  {d['mean']:+.1f} [{d['lo']:+.1f}, {d['hi']:+.1f}]", bands))
        lo = max(0.0, min(d["p5"] for d in dists) - 1)
        hi = min(100.0, max(d["p95"] for d in dists) + 1)
        width = self.query_one("#cmp-results").content_region.width
        chart = Text("\n").join(band_lines(groups, lo, hi, min(BAR, width - 22)))
        self.query_one("#cmp-chart", Static).update(chart)
        quads = []
        for sid, sec in s.sectors.items():
            a, b = percent_row(played["sectors"][sid]["quadrants"]), percent_row(alt["sectors"][sid]["quadrants"])
            quads.append(f"{sec.name}: {a}" + ("" if a == b else f"  →  {b}"))
        self.query_one("#cmp-quads", Static).update(Text("\n".join(quads)))
        why = self.query_one("#cmp-why", OptionList)
        why.clear_options()
        self.why_sources = []
        options: list[Option] = []
        for ind, items in alt["attribution"].items():
            d = alt["indicators"][ind]["delta"]
            options.append(Option(Text.assemble((indicator_label(self.rules, ind), "bold"), f"  {d['mean']:+.3g}"),
                                  disabled=True))
            for it in items:
                self.why_sources.append((it["kind"], it["source"]))
                options.append(Option(f"  {it['mean']:+8.3f}  {source_label(self.rules, it['kind'], it['source'])}",
                                      id=f"why-{len(self.why_sources) - 1}"))
        if not options:
            options.append(Option("Nothing differs: the alternative changes no indicator.", disabled=True))
        why.add_options(options)

    def cites_of(self, kind: str, source: str) -> tuple[str, ...]:
        s = self.rules.scenario
        if kind == "move" and source in s.moves:
            return tuple(s.moves[source].cites)
        if kind == "event" and source in s.events:
            return tuple(s.events[source].cites)
        if kind == "rule" and source in s.dynamics:
            return tuple(s.dynamics[source].cites)
        return ()

    @on(OptionList.OptionSelected, "#cmp-why")
    def _why_selected(self, event: OptionList.OptionSelected) -> None:
        self.open_evidence(event.option.id)

    def action_evidence(self) -> None:
        why = self.query_one("#cmp-why", OptionList)
        opt = why.highlighted_option
        self.open_evidence(opt.id if opt is not None else None)

    def open_evidence(self, option_id: str | None) -> None:
        if not option_id or not option_id.startswith("why-"):
            self.app.bell()
            return
        kind, source = self.why_sources[int(option_id[4:])]
        cites = self.cites_of(kind, source)
        if self.evidence is None or not cites:
            self.notify("No facts are cited for this cause.", severity="warning")
            return
        from wargame.tui.screens.evidence import EvidenceScreen

        self.app.push_screen(EvidenceScreen(self.evidence, self.rules, cites[0]))

    def action_back(self) -> None:
        self.app.pop_screen()
