"""The replay viewer: step through a save by event, round or bookmark; see why; fork."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Input, OptionList, Static, TabbedContent, TabPane
from textual.widgets.option_list import Option

from wargame.engine.explain import changed
from wargame.engine.rules import SCALE, Rules
from wargame.engine.scoring import scores
from wargame.scenario.seeds import Evidence
from wargame.text import count
from wargame.tui.replaynav import Line, Timeline
from wargame.tui.widgets.dashboard import fill_table
from wargame.tui.widgets.keybar import KeyBar
from wargame.tui.widgets.why import WhyPanel
from wargame.tui.screens import SCREENS_CSS

_LINE_STYLE = {"title": "bold", "muted": "$text-muted", "warn": "bold $warning", "quote": "italic"}


def _cell(text: str, style: str = "") -> Text:
    return Text(text, style=style, end="", no_wrap=True, overflow="ellipsis")


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _short_num(x: float) -> str:
    return f"{round(x, 1):,g}" if abs(x) < 1e6 else f"{x:,.0f}"


def _lines(lines: list[Line]) -> Content:
    parts: list[str | tuple[str, str]] = []
    for i, ln in enumerate(lines):
        if i:
            parts.append("\n")
        parts.append((ln.text, _LINE_STYLE.get(ln.style, "")))
    return Content.assemble(*parts)


# --- dialogs -------------------------------------------------------------------------------


class JumpDialog(ModalScreen[int | None]):
    """Ask for a round number (0 = before the first round)."""

    CSS_PATH = SCREENS_CSS

    DEFAULT_CSS = """
    JumpDialog { align: center middle; }
    JumpDialog > Vertical {
        width: 44; height: auto; padding: 1 2;
        border: thick $primary; background: $surface;
    }
    JumpDialog Static { width: 1fr; }
    JumpDialog #jump-error { color: $error; height: auto; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="replay.jump.cancel")]

    def __init__(self, rounds: int, current: int) -> None:
        super().__init__()
        self.rounds, self.current = rounds, current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Jump to round (0 to {self.rounds}); enter to go, escape to cancel.")
            yield Input(str(self.current), type="integer", id="jump-round", select_on_focus=True)
            yield Static("", id="jump-error")

    @on(Input.Submitted, "#jump-round")
    def _submit(self, event: Input.Submitted) -> None:
        try:
            n = int(event.value)
        except ValueError:
            n = -1
        if not 0 <= n <= self.rounds:
            self.query_one("#jump-error", Static).update(f"No round {event.value!r}: choose 0 to {self.rounds}.")
            return
        self.dismiss(n)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ForkDialog(ModalScreen[dict[str, str] | None]):
    """Choose a seat (human or bot) for each role, then fork."""

    CSS_PATH = SCREENS_CSS

    DEFAULT_CSS = """
    ForkDialog { align: center middle; }
    ForkDialog > Vertical {
        width: 64; max-width: 100%; height: auto; max-height: 100%; padding: 0 1;
        border: thick $primary; background: $surface;
    }
    ForkDialog #fork-intro { height: auto; margin-bottom: 1; }
    ForkDialog OptionList { height: auto; max-height: 12; }
    ForkDialog #fork-buttons { height: auto; margin-top: 1; align-horizontal: right; }
    ForkDialog Button { margin-left: 1; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="replay.fork.cancel"),
        Binding("space", "toggle", "Human/bot", id="replay.fork.toggle"),
        Binding("a", "all('bot')", "All bots", id="replay.fork.all_bots"),
        Binding("h", "all('human')", "All human", id="replay.fork.all_human"),
        Binding("f", "fork", "Fork", id="replay.fork.confirm"),
    ]

    def __init__(self, rules: Rules, at_round: int, label: str, seats: dict[str, str]) -> None:
        super().__init__()
        self.rules, self.at_round, self.label = rules, at_round, label
        self.seats = {r: ("human" if seats.get(r) == "human" else "bot") for r in rules.roles}

    def compose(self) -> ComposeResult:
        total = self.rules.scenario.rounds
        with Vertical():
            kept = ("Keeps no rounds" if not self.at_round else "Keeps round 1" if self.at_round == 1
                    else f"Keeps rounds 1 to {self.at_round}")
            yield Static(Content.assemble(
                (f"Fork after round {self.at_round}", "bold"), "\n",
                f"{kept} and plays on from round {self.at_round + 1} of {total} ({self.label}) "
                "as a new game in a new save. Enter or space toggles a seat; f forks."), id="fork-intro")
            yield OptionList(*self._options(), id="fork-seats")
            with Horizontal(id="fork-buttons"):
                yield Button("Cancel", id="fork-cancel")
                yield Button("Fork and play", id="fork-go", variant="primary")

    def _options(self) -> list[Option]:
        out = []
        for rid in self.rules.roles:
            r = self.rules.scenario.roles[rid]
            seat = self.seats[rid]
            out.append(Option(Text.assemble((f"{r.short:<6} ", "bold"), f"{r.name:<34.34} ",
                                            (f"[{seat:^7}]", "reverse" if seat == "human" else "")), id=rid))
        return out

    def _refresh(self) -> None:
        ol = self.query_one(OptionList)
        at = ol.highlighted
        ol.clear_options()
        ol.add_options(self._options())
        ol.highlighted = at

    @on(OptionList.OptionSelected, "#fork-seats")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.toggle(event.option.id)

    def toggle(self, role: str | None) -> None:
        if role in self.seats:
            self.seats[role] = "bot" if self.seats[role] == "human" else "human"
            self._refresh()

    def action_toggle(self) -> None:
        ol = self.query_one(OptionList)
        if ol.highlighted is not None:
            self.toggle(ol.get_option_at_index(ol.highlighted).id)

    def action_all(self, seat: str) -> None:
        self.seats = {r: seat for r in self.seats}
        self._refresh()

    @on(Button.Pressed, "#fork-go")
    def action_fork(self) -> None:
        self.dismiss(dict(self.seats))

    @on(Button.Pressed, "#fork-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


# --- the viewer ----------------------------------------------------------------------------

_EVENTS = Binding.Group("Event")
_ROUNDS = Binding.Group("Round")
_VIEWS = Binding.Group("Views")  # the tabs name each: "State (s)", "Orders (o)", "Trace (t)"


class ReplayScreen(Screen):
    """Step through a saved game; every position shows the event, the state, the orders and the trace."""

    CSS_PATH = SCREENS_CSS

    DEFAULT_CSS = """
    ReplayScreen { layout: vertical; }
    ReplayScreen #rp-title {
        height: auto; padding: 0 1; background: $panel; color: $text; text-style: bold;
    }
    ReplayScreen #rp-problems {
        height: auto; max-height: 5; padding: 0 1;
        background: $error 20%; color: $text; border-left: thick $error;
        display: none;
    }
    ReplayScreen.-damaged #rp-problems { display: block; }
    ReplayScreen #rp-position {
        height: auto; padding: 0 1; background: $boost; color: $text;
    }
    ReplayScreen #rp-event-box {
        height: auto; max-height: 8; border-bottom: hkey $primary 40%;
    }
    ReplayScreen #rp-event { height: auto; padding: 0 1; }
    ReplayScreen #rp-notice {
        height: auto; padding: 0 1; color: $success; display: none;
    }
    ReplayScreen.-forked #rp-notice { display: block; }
    ReplayScreen TabbedContent { height: 1fr; }
    ReplayScreen TabPane { padding: 0; height: 1fr; }
    ReplayScreen .rp-caption { height: 1; padding: 0 1; color: $text-muted; text-style: bold; }
    ReplayScreen #rp-state { height: 1fr; }
    ReplayScreen #rp-state DataTable { height: auto; margin-bottom: 1; }
    ReplayScreen #rp-policies { height: auto; padding: 0 1; color: $text-muted; }
    ReplayScreen #rp-orders { height: 1fr; }
    ReplayScreen #rp-why { height: 1fr; border-top: hkey $primary 40%; }
    ReplayScreen.-short #rp-event-box { max-height: 4; }
    ReplayScreen.-short #rp-state DataTable { margin-bottom: 0; }
    """

    # Key bar order is importance order: on a narrow bar the last ones go first.
    BINDINGS = [
        Binding("left,p", "step(-1)", "Prev", key_display="←", priority=True, id="replay.prev_event",
                tooltip="Previous event", group=_EVENTS),
        Binding("right,n", "step(1)", "Next", key_display="→", priority=True, id="replay.next_event",
                tooltip="Next event", group=_EVENTS),
        Binding("left_square_bracket,shift+left", "round(-1)", "-Round", key_display="[", priority=True,
                id="replay.prev_round", tooltip="Back to the previous round's resolution", group=_ROUNDS),
        Binding("right_square_bracket,shift+right", "round(1)", "+Round", key_display="]", priority=True,
                id="replay.next_round", tooltip="On to the next round's resolution", group=_ROUNDS),
        # The three views: shown in the key bar as one group, and on the tabs themselves.
        Binding("s", "tab('rp-tab-state')", "State", id="replay.tab_state", group=_VIEWS,
                tooltip="The state: sectors, roles, policies"),
        Binding("o", "tab('rp-tab-orders')", "Orders", id="replay.tab_orders", group=_VIEWS,
                tooltip="The round's orders and what became of them"),
        Binding("t", "tab('rp-tab-trace')", "Trace", id="replay.tab_trace", group=_VIEWS,
                tooltip="What changed in the round, and why"),
        Binding("home", "edge(0)", "First", show=False, priority=True, id="replay.first"),
        Binding("end", "edge(1)", "Last", show=False, priority=True, id="replay.last"),
        Binding("g", "jump", "Jump", id="replay.jump", tooltip="Jump to a round"),
        Binding("b", "bookmark", "Mark", id="replay.bookmark", tooltip="Next bookmark (cycles)"),
        Binding("e", "evidence", "Facts", id="replay.evidence", tooltip="Open the evidence browser"),
        Binding("f", "fork", "Fork", id="replay.fork", tooltip="Fork a new game from this round"),
        Binding("c", "compare", "Compare", id="replay.compare", tooltip="Compare from here: alternative moves, many runs"),
        Binding("f1,question_mark", "help", "Help", id="replay.help", tooltip="The replay viewer's keys"),
        Binding("escape,q", "back", "Back", key_display="esc", id="replay.back", tooltip="Leave the replay"),
    ]

    @dataclass
    class ForkRequested(Message):
        """A fork was written: the app should resume ``new_path`` as a live game."""

        new_path: Path

    def __init__(self, path: Path, saves_dir: Path | None = None, *, evidence: Evidence | None = None,
                 name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.path = Path(path)
        self.saves_dir = saves_dir
        self.evidence = evidence
        self.timeline: Timeline | None = None
        self.replay = None
        self.error: str | None = None
        self.problems: list[str] = []
        self.k = 0
        self.forked: Path | None = None

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(f"Replay  {self.path.name}", id="rp-title")
        yield Static("", id="rp-problems")
        yield Static("Loading the save...", id="rp-position")
        # The event's words scroll (wheel, or the scrollbar) when a round's news is long.
        box = VerticalScroll(Static("", id="rp-event"), id="rp-event-box")
        box.can_focus = False
        yield box
        yield Static("", id="rp-notice")
        with TabbedContent(initial="rp-tab-state", id="rp-tabs"):
            with TabPane("State (s)", id="rp-tab-state"):
                with VerticalScroll(id="rp-state"):
                    yield Static("Sectors", classes="rp-caption")
                    sec = DataTable(id="rp-sectors", cursor_type="none", zebra_stripes=True)
                    sec.add_columns("Sector", "Innovation", "Global effect", "Quadrant")
                    yield sec
                    yield Static("Roles", classes="rp-caption")
                    roles = DataTable(id="rp-roles", cursor_type="none", zebra_stripes=True)
                    roles.add_columns("Role", "Score", "Change", "Indicators")
                    yield roles
                    yield Static("", id="rp-policies")
            with TabPane("Orders (o)", id="rp-tab-orders"):
                with Vertical(id="rp-orders"):
                    yield Static("", classes="rp-caption", id="rp-orders-caption")
                    orders = DataTable(id="rp-orders-table", cursor_type="row", zebra_stripes=True)
                    orders.add_columns("Role", "Order", "Result")
                    yield orders
            with TabPane("Trace (t)", id="rp-tab-trace"):
                yield Static("", classes="rp-caption", id="rp-trace-caption")
                ch = DataTable(id="rp-changed", cursor_type="row", zebra_stripes=True)
                ch.add_columns("Indicator", "Before", "After", "Change")
                yield ch
                yield WhyPanel(None, None, id="rp-why")  # type: ignore[arg-type]  # rules set on load
        yield KeyBar()

    def on_mount(self) -> None:
        self._fit(self.app.size.height)
        self.load_save()

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size.height)
        if self.timeline is not None:
            self.refresh_view()  # column widths follow the width

    def _fit(self, height: int) -> None:
        """Short screens: less room for the event and the list of changes, so the why shows.

        The changes table is sized inline: the game app's sheet sizes every DataTable
        (at most 24 lines), and an app's sheet outranks this screen's DEFAULT_CSS.
        """
        short = height < 32
        self.set_class(short, "-short")
        changed = self.query_one("#rp-changed", DataTable)
        changed.styles.height = "auto"
        changed.styles.max_height = 6 if short else "40%"

    @work(thread=True, exclusive=True, group="replay-load")
    def load_save(self) -> None:
        from wargame.saves.log import SaveError
        from wargame.saves.session import load

        try:
            replay = load(self.path)
        except (SaveError, OSError, ValueError) as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        evidence = self.evidence or _find_evidence(replay, self.path)
        self.app.call_from_thread(self._loaded, replay, evidence)

    def _failed(self, message: str) -> None:
        self.error = message
        self.add_class("-damaged")
        self.query_one("#rp-problems", Static).update(Content.assemble(("This save cannot be opened\n", "bold"), message))
        self.query_one("#rp-position", Static).update("Nothing to show.")

    def _loaded(self, replay, evidence: Evidence | None) -> None:
        self.replay = replay
        self.evidence = evidence
        self.timeline = tl = Timeline(replay)
        why = self.query_one(WhyPanel)
        why.rules, why.evidence = tl.rules, evidence
        sc = tl.rules.scenario
        header = replay.read.header
        parent = header.get("parent")
        origin = ""
        if isinstance(parent, dict) and parent.get("file"):
            how = f"round {parent['round']}" if "round" in parent else ", ".join(k for k in parent if k not in ("file", "sha256", "parent"))
            origin = f"Forked from {parent['file']} at {how}"
        # The title wraps (height auto) and the fork's origin has its own line: at 120
        # columns a fork's name, the scenario and its origin did not fit on one.
        parts: list[str | tuple[str, str]] = [
            ("Replay ", "bold"), (self.path.name, "bold $primary"),
            f"   {sc.title}, seed {header.get('seed')}, {tl.rounds} of {count(sc.rounds, 'round')} played"]
        if origin:
            parts += ["\n", (origin, "$text-muted")]
        self.query_one("#rp-title", Static).update(Content.assemble(*parts))
        self.problems = replay.problems()
        if self.problems:
            self.add_class("-damaged")
            lost = "DAMAGED SAVE" if replay.read.damage else "DIVERGED"
            self.query_one("#rp-problems", Static).update(Content.assemble(
                (f"{lost}: showing the {count(len(tl), 'event')} recovered before the problem.\n", "bold"),
                "\n".join(self.problems)))
        self.k = tl.clamp(0)
        self.refresh_view()

    # -- showing a position --------------------------------------------------------------

    def refresh_view(self) -> None:
        tl = self.timeline
        if tl is None:
            return
        if not len(tl):
            self.query_one("#rp-position", Static).update("The save holds no events yet.")
            self.query_one("#rp-event", Static).update("")
            self._show_state()
            return
        k = self.k
        step = tl.steps[k]
        rnd = tl.event_round(k)
        parts: list[str | tuple[str, str]] = [
            ("Event ", "bold"), (f"{k + 1} of {len(tl)}", "bold"), f"  line {step.line}  ",
            ("round ", "bold"), (str(rnd), "bold"),
            f" ({tl.round_label(rnd)})  {tl.resolved(k)} of {tl.rules.scenario.rounds} resolved",
        ]
        mark, on_mark = tl.bookmark_note(k)
        if mark:
            parts += ["  ", (mark, "bold $accent" if on_mark else "$text-muted")]
        self.query_one("#rp-position", Static).update(Content.assemble(*parts))
        self.query_one("#rp-event", Static).update(_lines(tl.describe(k)))
        self.query_one("#rp-event-box").scroll_home(animate=False)
        self._show_state()
        self._show_orders()
        self._show_trace()

    def _show_state(self) -> None:
        tl = self.timeline
        assert tl is not None
        rules = tl.rules
        k = self.k
        st = tl.state(k) if len(tl) else tl.replay.game.states[0]
        quad = tl.quadrants(k) if len(tl) else {}
        width = self.size.width or 80
        name_w = max(14, min(44, width - 58))  # room for "destructive-victory" and a scrollbar
        sec_rows: list[tuple[str, list[Text]]] = []
        for sid, (ii, it, gi, gt) in rules.axes.items():
            inn, glob = st.values[ii] / SCALE, st.values[gi] / SCALE
            sec_rows.append((sid, [
                _cell(_clip(rules.scenario.sectors[sid].name, name_w)),
                _cell(f"{inn:5.1f} {'success' if inn >= it else 'failure'}" + ("" if it == 50 else f" (line {it:g})")),
                _cell(f"{glob:5.1f} {'constructive' if glob >= gt else 'destructive'}" + ("" if gt == 50 else f" (line {gt:g})")),
                _cell(quad.get(sid, ""), "bold")]))
        # Explicit widths (fill_table): a table refilled on screen kept its header at the
        # first widths, so the header stood narrower than the rows under it.
        fill_table(self.query_one("#rp-sectors", DataTable),
                   [("sector", "Sector"), ("innovation", "Innovation"), ("global", "Global effect"),
                    ("quadrant", "Quadrant")], sec_rows)
        now = tl.scores(k) if len(tl) else {}
        prev_state = tl.previous_state(k) if len(tl) else None
        before = scores(rules, prev_state.values) if prev_state is not None else {}
        role_w = max(12, min(36, width - 60))
        ind_w = max(20, width - role_w - 28)
        role_rows: list[tuple[str, list[Text]]] = []
        for rid in rules.roles:
            r = rules.scenario.roles[rid]
            inds = ", ".join(f"{ind.name} {_short_num(st.values[rules.index[f'{rid}.{n}']] / SCALE)}"
                             for n, ind in r.indicators.items())
            delta = now.get(rid, 0.0) - before[rid] if rid in before else None
            role_rows.append((rid, [
                _cell(_clip(f"{r.short} {r.name}", role_w)),
                _cell(f"{now.get(rid, 0.0):6.1f}"),
                _cell("" if delta is None else f"{delta:+6.1f} {'up' if delta > 0.05 else 'down' if delta < -0.05 else 'same'}"),
                _cell(_clip(inds, ind_w))]))
        fill_table(self.query_one("#rp-roles", DataTable),
                   [("role", "Role"), ("score", "Score"), ("change", "Change"), ("indicators", "Indicators")],
                   role_rows)
        pol = [f"{rules.label('policy', p.move)} ({tl.role_name(p.role)}, since round {p.since})" for p in st.policies]
        self.query_one("#rp-policies", Static).update(
            "Policies in force: " + ("; ".join(pol) if pol else "none"))

    def _show_orders(self) -> None:
        tl = self.timeline
        assert tl is not None
        rnd, rows = tl.orders(self.k)
        cap = self.query_one("#rp-orders-caption", Static)
        done = rnd <= tl.resolved(self.k)
        cap.update(f"Orders of round {rnd} ({tl.round_label(rnd)})" + ("" if done else ": submitted so far, not yet resolved"))
        fill_table(self.query_one("#rp-orders-table", DataTable),
                   [("role", "Role"), ("order", "Order"), ("result", "Result")],
                   [(str(i), [_cell(tl.role_name(role)), _cell(tl.order_text(order)),
                              _cell(status, "bold" if status.startswith("REJECTED") else "")])
                    for i, (role, order, status) in enumerate(rows)])

    def _show_trace(self) -> None:
        tl = self.timeline
        assert tl is not None
        trace = tl.trace(self.k)
        cap = self.query_one("#rp-trace-caption", Static)
        table = self.query_one("#rp-changed", DataTable)
        why = self.query_one(WhyPanel)
        keep = None
        if table.row_count and 0 <= table.cursor_row < table.row_count:
            keep = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        table.clear(columns=True)
        self._trace = trace
        if trace is None:
            cap.update("No round resolved yet: the trace appears after round 1.")
            why.clear()
            return
        ids = changed(tl.rules, trace)
        name_w = max(20, min(60, (self.size.width or 80) - 42))
        cap.update(f"Round {trace.round} ({tl.round_label(trace.round)}): {count(len(ids), 'indicator')} changed;"
                   " pick one to see why")
        rows = []
        for ind in ids:
            i = tl.rules.index[ind]
            meta = tl.rules.indicator[ind]
            b, a = trace.before[i], trace.after[i]
            word = "up" if a > b else "down" if a < b else "same"
            owner = ind.split(".", 1)[0]
            who = tl.role_name(owner) if owner in tl.rules.scenario.roles else owner
            rows.append((_clip(f"{meta.name} ({who})", name_w), f"{b / SCALE:,.2f}", f"{a / SCALE:,.2f}",
                         f"{(a - b) / SCALE:+,.2f}", word))
        wb = max((len(r[1]) for r in rows), default=0)
        wa = max((len(r[2]) for r in rows), default=0)
        wc = max((len(r[3]) for r in rows), default=0)
        fill_table(table, [("indicator", "Indicator"), ("before", "Before"), ("after", "After"), ("change", "Change")],
                   [(ind, [_cell(name), _cell(b.rjust(wb)), _cell(a.rjust(wa)), _cell(f"{c.rjust(wc)} {word}")])
                    for ind, (name, b, a, c, word) in zip(ids, rows)])
        if ids:
            row = ids.index(keep) if keep in ids else 0
            table.move_cursor(row=row, animate=False)
            why.show(trace, ids[row])
        else:
            why.clear()

    @on(DataTable.RowHighlighted, "#rp-changed")
    def _changed_highlighted(self, event: DataTable.RowHighlighted) -> None:
        trace = getattr(self, "_trace", None)
        if trace is not None and event.row_key.value is not None:
            self.query_one(WhyPanel).show(trace, event.row_key.value)

    @on(DataTable.RowSelected, "#rp-changed")
    def _changed_selected(self, event: DataTable.RowSelected) -> None:
        self.query_one(WhyPanel).table.focus()

    @on(WhyPanel.FactSelected)
    def _fact(self, event: WhyPanel.FactSelected) -> None:
        event.stop()
        self.open_evidence(event.fact_id)

    # -- actions -------------------------------------------------------------------------

    def go(self, k: int) -> None:
        tl = self.timeline
        if tl is None or not len(tl):
            self.app.bell()
            return
        k = tl.clamp(k)
        if k == self.k:
            self.app.bell()
            return
        self.k = k
        self.refresh_view()

    def action_step(self, delta: int) -> None:
        self.go(self.k + delta)

    def action_round(self, delta: int) -> None:
        tl = self.timeline
        if tl is not None and len(tl):
            self.go(tl.next_round(self.k) if delta > 0 else tl.prev_round(self.k))

    def action_edge(self, end: int) -> None:
        if self.timeline is not None:
            self.go(len(self.timeline) - 1 if end else 0)

    def jump_to_round(self, rnd: int) -> None:
        if self.timeline is not None:
            self.k = self.timeline.round_at(rnd)
            self.refresh_view()

    def action_jump(self) -> None:
        tl = self.timeline
        if tl is None or not len(tl):
            self.app.bell()
            return

        def done(rnd: int | None) -> None:
            if rnd is not None:
                self.jump_to_round(rnd)

        self.app.push_screen(JumpDialog(tl.rounds, tl.resolved(self.k)), done)

    def action_bookmark(self) -> None:
        tl = self.timeline
        nxt = tl.next_bookmark(self.k) if tl is not None else None
        if nxt is None:
            self.notify("This save has no bookmarks.", severity="warning")
            return
        self.k = nxt
        self.refresh_view()

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_help(self) -> None:
        """The replay viewer's own help (not the game's: its keys are not the game's keys)."""
        from wargame.tui.screens.help import REPLAY_HELP, HelpScreen

        self.app.push_screen(HelpScreen(REPLAY_HELP, "Replay help"))

    def action_evidence(self) -> None:
        self.open_evidence(None)

    def open_evidence(self, fact_id: str | None) -> None:
        if self.evidence is None:
            self.notify("No evidence base found for this save.", severity="warning")
            return
        from wargame.tui.screens.evidence import EvidenceScreen

        rules = self.timeline.rules if self.timeline is not None else None
        self.app.push_screen(EvidenceScreen(self.evidence, rules, fact_id))

    def action_fork(self) -> None:
        tl = self.timeline
        if tl is None or self.replay is None:
            self.app.bell()
            return
        at = tl.resolved(self.k) if len(tl) else 0
        if at >= tl.rules.scenario.rounds:
            self.notify("The game ends at this point: step back to fork from an earlier round.", severity="warning")
            return
        seats = tl.replay.session.seats

        def done(chosen: dict[str, str] | None) -> None:
            if chosen is not None:
                self.fork_at(at, chosen)

        self.app.push_screen(ForkDialog(tl.rules, at, tl.round_label(at + 1), seats), done)

    def action_compare(self) -> None:
        from wargame.tui.screens.compare import CompareScreen

        tl = self.timeline
        if tl is None or self.replay is None or tl.replay.game.state.round == 0:
            self.app.bell()
            return
        at = min(tl.resolved(self.k) + 1, tl.replay.game.state.round) if len(tl) else 1
        self.app.push_screen(CompareScreen(tl.replay.session, self.path.name, at, self.evidence))

    def fork_at(self, at_round: int, seats: dict[str, str]) -> Path | None:
        from wargame.saves.log import SaveError
        from wargame.saves.session import fork, unique_path

        out = None
        if self.saves_dir is not None:
            out = unique_path(Path(self.saves_dir) / f"{self.path.stem}-fork-r{at_round}{self.path.suffix}")
        try:
            new = fork(self.path, at_round, out=out, seats=seats)
        except (SaveError, OSError, ValueError) as exc:
            self.notify(f"Could not fork: {exc}", severity="error", timeout=10)
            return None
        self.forked = new
        self.add_class("-forked")
        self.query_one("#rp-notice", Static).update(Content.assemble(
            ("Forked: ", "bold"), f"{new} keeps {count(at_round, 'round')}; ",
            "humans: " + (", ".join(self.timeline.role_name(r) for r, s in seats.items() if s == "human") or "none")))
        self.notify(f"Forked to {new}", title="Fork")
        self.post_message(self.ForkRequested(new))
        return new


def _find_evidence(replay, path: Path) -> Evidence | None:
    """The evidence base for a save (one home: wargame.evidence.find)."""
    from wargame.evidence.find import find_evidence

    return find_evidence(replay.session.loaded, path).evidence
