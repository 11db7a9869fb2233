"""The title screen: scenarios, seats (human or bot), seed; new game, load, replay."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.markup import escape
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from wargame.tui.screens import PhaseScreen
from wargame.tui.widgets.phasebar import PhaseBar, clip, is_narrow
from wargame.tui.widgets.keybar import KeyBar


# The title's actions, as one line of clickable labels rather than four Buttons: the
# title is the first screen, and Buttons' styles were a tenth of its start-up cost.
ACTIONS = (("screen.new_game", "New game", "N"), ("screen.load", "Load", "L"), ("screen.replay", "Replay", "R"),
           ("app.quit", "Quit", "Q"))


def actions_markup(can_start: bool) -> str:
    parts = []
    for action, label, key in ACTIONS:
        text = f" {label} \\[{key}] "
        if action == "screen.new_game" and not can_start:
            parts.append(f"[$text-disabled on $panel]{text}[/]")
        else:
            style = "b $text on $primary" if action == "screen.new_game" else "b $text on $panel"
            parts.append(f"[@click={action}][{style}]{text}[/][/]")
    return "  ".join(parts)


def section(title: str, body: str = "") -> str:
    """A section's title (styled as the app's .section-title) and its text, in one widget:
    the title screen is the first frame, and each widget less makes it sooner."""
    return f"[b $text-accent]{title}[/]" + (f"\n{body}" if body else "")


def seat_lines(roles: list[tuple[str, str]], seats: dict[str, str]) -> list[Text]:
    """The seats list's lines: number, role, seat, in columns. Plain Text, not markup: Rich's
    markup parser loads its table of emoji codes (~3 ms) on first use, and nothing else
    before the title's first frame needs it."""
    width = max((len(name) for _, name in roles), default=0)
    return [Text(f"{i + 1}  {name.ljust(width)}  {seat_badge(seats.get(rid, 'human'))}", end="", no_wrap=True)
            for i, (rid, name) in enumerate(roles)]


def seat_badge(seat: str) -> str:
    return "● HUMAN" if seat == "human" else "○ BOT"


class TitleScreen(PhaseScreen):
    """Choose a scenario and who plays which role."""

    CSS_PATH = None  # the first frame: app.tcss has its rules (see SCREENS_CSS)

    BINDINGS = [
        Binding("n", "new_game", "New game", id="title.new"),
        Binding("l", "load", "Load save", id="title.load"),
        Binding("r", "replay", "Replay save", id="title.replay"),
        Binding("1", "seat(0)", "Seats", key_display="1-9", id="title.seat"),
        Binding("s", "seed", "Seed", id="title.seed"),
        Binding("p", "pin", "PIN", id="title.pin"),
        *[Binding(str(i + 1), f"seat({i})", f"Seat {i + 1}", show=False, id=f"title.seat{i + 1}") for i in range(1, 9)],
        Binding("q", "app.quit", "Quit", id="title.quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[Any] = []
        self.loaded: dict[Path, Any] = {}  # path -> LoadedScenario | list of error lines
        self.current: Any = None
        self.seats: dict[str, str] = {}
        self.seed: int | None = None  # None: the scenario's default
        self.pin: str | None = None  # the facilitator's PIN; None: a solo game
        self._card_for: Path | None = None  # the scenario whose cached card is on screen
        self._seed_line = self._pin_line = ""
        self._card_seed: int | None = None  # the seed of the card on screen (before the full load)
        self._seat_roles: list[tuple[str, str]] = []  # (role id, name shown) in the seats list

    def compose(self) -> ComposeResult:
        yield PhaseBar()
        with Horizontal(id="title-body"):
            with Vertical(id="title-left"):
                yield Static("Scenarios", classes="section-title")
                yield OptionList(id="scenario-list")
                yield Static(section("Saves"), id="saves-note", classes="muted")
            with VerticalScroll(id="title-right"):
                yield Static("Loading scenario…", id="scenario-head")
                yield Static("Seats  (Enter or 1-9 switches human ⇄ bot)", classes="section-title")
                # A list, not a DataTable: the title is the first frame, and a DataTable (its
                # import, styles and cell cache) cost about a twentieth of the time to it.
                yield OptionList(id="seats")
                yield Static(id="seed-info")  # the seed's line and the PIN's
                yield Static(actions_markup(False), id="title-actions")
                yield Static(section("About this scenario"), id="scenario-info")
        yield KeyBar()

    def on_mount(self) -> None:
        from wargame.scenario.catalog import list_scenarios

        self.entries = list_scenarios()
        ol = self.query_one("#scenario-list", OptionList)
        if not self.entries:
            ol.add_option(Option("No scenarios found in ./scenarios", disabled=True))
            self.query_one("#scenario-head", Static).update(
                "No scenario files were found. Put one in ./scenarios, or run [b]wargame new-scenario NAME[/b].")
        else:
            ol.add_options([Option(escape(e.title), id=str(i)) for i, e in enumerate(self.entries)])
            ol.highlighted = 0
            self._show_cached(self.entries[0])  # on the first frame, before the full load
        ol.focus()
        self._show_pin()
        if self._card_for is None:  # else the card's seed is shown already
            self._show_seed()
        self.call_after_refresh(self.game_app.read_screens_css)  # after the first frame, like the saves
        self.call_after_refresh(self._scan_saves)  # after the first frame, like the scenario's load

    @work(thread=True, exclusive=True, group="saves-scan")
    def _scan_saves(self) -> None:
        """Read the saves folder off the main thread: every save is read and its hash chain
        checked, which takes a while with many saves, and must not hold up the first frame."""
        from wargame.tui.screens.dialogs import scan_saves

        saves = scan_saves(self.game_app.saves_dir)
        self.app.call_from_thread(self._saves_scanned, saves)

    def _saves_scanned(self, saves: list[Any]) -> None:
        folder = self.game_app.saves_dir
        games = [s for s in saves if s.depth == 0]
        copies = len(saves) - len(games)
        unfinished = sum(1 for s in saves if s.intact and not s.finished and not s.superseded)
        if saves:
            text = (f"{len(games)} game{'s' if len(games) != 1 else ''}"
                    + (f" (+{copies} undo/fork cop{'ies' if copies != 1 else 'y'} grouped under them)" if copies else "")
                    + (f", {unfinished} unfinished" if unfinished else "") + f"\nSaved in {folder}")
        else:
            text = f"No saves yet.\nGames are saved in {folder}"
        self.query_one("#saves-note", Static).update(section("Saves", escape(text)))
        self.game_app.saves_scanned(saves)

    # --- scenario details -------------------------------------------------------------

    @on(OptionList.OptionHighlighted, "#scenario-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id is None:
            return
        entry = self.entries[int(event.option.id)]
        if entry.path in self.loaded:
            self._show(entry)
        else:
            # on_mount showed the first scenario's card already: not again for its highlight
            if self._card_for != entry.path and not self._show_cached(entry):
                self.query_one("#scenario-head", Static).update(f"Loading [b]{escape(entry.title)}[/b]…")
            # Start loading once the screen is painted: the first frame is not kept waiting.
            self.call_after_refresh(self._load, entry)

    @on(OptionList.OptionSelected, "#scenario-list")
    def _selected(self) -> None:
        self.query_one("#seats", OptionList).focus()

    @work(thread=True, exclusive=True, group="scenario-load")
    def _load(self, entry: Any) -> None:
        from wargame.scenario.loader import load_scenario
        from wargame.scenario.yamlsafe import InputError

        try:
            result: Any = load_scenario(entry.path)
            from wargame.scenario.card import write_card

            write_card(result)  # the next start-up shows it on the first frame
        except InputError as exc:
            result = [str(d) for d in exc.diagnostics]
        except OSError as exc:  # pragma: no cover
            result = [f"{entry.path}: {exc}"]
        self.app.call_from_thread(self._loaded, entry, result)

    def _loaded(self, entry: Any, result: Any) -> None:
        self.loaded[entry.path] = result
        ol = self.query_one("#scenario-list", OptionList)
        opt = ol.highlighted_option
        if opt is not None and opt.id is not None and self.entries[int(opt.id)] is entry:
            self._show(entry)

    def _show(self, entry: Any) -> None:
        result = self.loaded[entry.path]
        self._card_for = None
        head = self.query_one("#scenario-head", Static)
        info = self.query_one("#scenario-info", Static)
        self.query_one("#seats", OptionList).clear_options()
        if isinstance(result, list):
            self.current = None
            lines = "\n".join(escape(x) for x in result[:8])
            more = f"\n… and {len(result) - 8} more" if len(result) > 8 else ""
            head.update(f"[b]{escape(entry.title)}[/b]\n[$text-error]✗ This scenario does not validate:[/]\n{lines}{more}\n"
                        f"Run [b]wargame validate {escape(str(entry.path))}[/b] for the full list.")
            info.update(section("About this scenario"))
            self.query_one("#title-actions", Static).update(actions_markup(False))
            return
        from wargame.scenario.card import card_of

        self.current = result
        self.query_one("#title-actions", Static).update(actions_markup(True))
        self._show_card(card_of(result))

    def _show_cached(self, entry: Any) -> bool:
        """Show the scenario's cached title card (wargame.scenario.card), if there is one for
        exactly this scenario, evidence and engine: no pydantic or yaml needed."""
        from wargame.scenario.card import read_card

        card = read_card(entry.path)
        self._card_for = entry.path if card is not None else None
        self._card_seed = None
        if card is None:
            return False
        self._show_card(card)
        return True

    def _show_card(self, s: Any) -> None:
        head = self.query_one("#scenario-head", Static)
        roles = ", ".join(f"{r.name} ({r.short})" for r in s.roles)
        head.update(
            f"[b $text-accent]{escape(s.title)}[/]\n"
            f"{s.rounds} rounds of {s.round_months} months ({s.first_label} to {s.last_label}) · {len(s.roles)} roles · "
            f"{len(s.sectors)} sectors · {s.moves} moves · {s.events} events")
        self.query_one("#scenario-info", Static).update(section(
            "About this scenario",
            f"{escape(s.summary.strip())}\n\n"
            f"[b]Roles:[/b] {escape(roles)}\n"
            f"[b]Sectors:[/b] {escape(', '.join(s.sectors))}"))
        self._card_seed = s.seed
        self._show_seed(s.seed)
        if set(self.seats) != {r.id for r in s.roles}:
            self.seats = {r.id: "human" for r in s.roles}
        narrow = is_narrow(self)
        self._seat_roles = [(r.id, f"{clip(r.name, 24) if narrow else r.name} ({r.short})") for r in s.roles]
        ol = self.query_one("#seats", OptionList)
        highlighted = ol.highlighted
        ol.set_options(Option(line, id=rid) for (rid, _), line in zip(self._seat_roles, self._seat_lines()))
        ol.highlighted = highlighted if highlighted is not None and highlighted < ol.option_count else 0

    def _seat_lines(self) -> list[Text]:
        return seat_lines(self._seat_roles, self.seats)

    def _toggle(self, rid: str) -> None:
        self.seats[rid] = "bot" if self.seats.get(rid) == "human" else "human"
        ol = self.query_one("#seats", OptionList)
        i = [r for r, _ in self._seat_roles].index(rid)
        ol.replace_option_prompt_at_index(i, self._seat_lines()[i])

    @on(OptionList.OptionSelected, "#seats")
    def _seat_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self._toggle(event.option.id)

    def action_seat(self, i: int) -> None:
        if self.current is None:
            return
        roles = list(self.current.scenario.roles)
        if i < len(roles):
            self._toggle(roles[i])
            self.query_one("#seats", OptionList).highlighted = i

    # --- actions ------------------------------------------------------------------------

    def action_new_game(self) -> None:
        if self.current is None:
            self.notify("Choose a scenario that validates first.", severity="warning")
            return
        from wargame.tui.messages import StartGame

        self.post_message(StartGame(self.current, self.seed, dict(self.seats), self.pin))

    def _show_pin(self) -> None:
        value = "[b]set[/b] (F2 asks for it away from the console)" if self.pin else "none: a solo game, F2 opens the console"
        self._pin_line = f"[b]Facilitator PIN[/b] {value} · [@click=screen.pin]change \\[P][/]"
        self._show_seed_and_pin()

    def action_pin(self) -> None:
        from wargame.tui.screens.dialogs import TextDialog

        def done(text: str | None) -> None:
            if text is not None:
                self.pin = text or None
                self._show_pin()

        self.app.push_screen(TextDialog("Facilitator PIN", "Asked before the console opens on a team's screen or in "
                                        "the observer view. Empty: no PIN (a solo game).", placeholder="PIN",
                                        required=False), done)

    def _show_seed(self, default: int | None = None) -> None:
        # A line and a dialog rather than an Input on the first screen: the seed is rarely
        # changed, and an Input (with its cursor timer) was a noticeable part of start-up.
        if default is None:
            default = self.current.scenario.seed if self.current is not None else self._card_seed
        value = f"[b]{self.seed}[/b] (chosen)" if self.seed is not None else (
            f"[b]{default}[/b] (the scenario's default)" if default is not None else "the scenario's default")
        self._seed_line = f"[b]Seed[/b] {value} · [@click=screen.seed]change \\[S][/] (same seed and orders, same game)"
        self._show_seed_and_pin()

    def _show_seed_and_pin(self) -> None:
        self.query_one("#seed-info", Static).update(f"{self._seed_line}\n{self._pin_line}".strip("\n"))

    def action_seed(self) -> None:
        from wargame.tui.screens.dialogs import TextDialog

        def done(text: str | None) -> None:
            if text is None:
                return
            try:
                self.seed = int(text) if text else None
            except ValueError:
                self.notify("The seed must be a whole number.", severity="error")
                return
            self._show_seed()

        self.app.push_screen(TextDialog("Seed", "A whole number; empty for the scenario's default.",
                                        value="" if self.seed is None else str(self.seed), required=False,
                                        number=True), done)

    def action_load(self) -> None:
        from wargame.tui.screens.dialogs import SavePicker, scan_saves

        saves = scan_saves(self.game_app.saves_dir)

        def done(path: Path | None) -> None:
            if path is not None:
                from wargame.tui.messages import OpenSave

                self.post_message(OpenSave(path, self.pin))

        self.app.push_screen(SavePicker(saves, "Load a saved game"), done)

    def action_replay(self) -> None:
        from wargame.tui.screens.dialogs import SavePicker, scan_saves

        saves = scan_saves(self.game_app.saves_dir)

        def done(path: Path | None) -> None:
            if path is not None:
                from wargame.tui.messages import ReplaySave

                self.post_message(ReplaySave(path))

        self.app.push_screen(SavePicker(saves, "Replay a saved game", allow_damaged=True), done)
