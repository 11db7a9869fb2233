"""The wargame app: glue between the round's flow (wargame.play) and the screens.

The app holds a :class:`~wargame.play.Flow`; every step of the game is a call to it
(advance, submit, propose, override...). The flow owns the phases, the turns, the bots,
the clock and what each seat may see; the app only chooses which screen shows that,
runs the bots' thinking off the main thread, and guards the facilitator's powers
(PIN, confirmation before quitting). Domain modules are imported inside methods so
that importing this module stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.events import Event, Key, MouseDown, Resize
from textual.reactive import reactive
from textual.screen import Screen
from textual.signal import Signal

from wargame.tui.clock import TimeSource
from wargame.tui.gcpause import IdleCollector
from wargame.tui.widgets.phasebar import NARROW

if TYPE_CHECKING:
    from wargame.engine.orders import Order
    from wargame.engine.state import RoundTrace
    from wargame.scenario.seeds import Evidence
    from wargame.play import Flow, Seat
    from wargame.saves.session import Session
    from wargame.scenario.loader import LoadedScenario
    # Only for annotations: handlers are found by name, and the messages' ~35 dataclasses
    # need not be built before the first frame (screens import them when they send one).
    from wargame.tui import messages as msg

# Actions that change the game: hidden and disabled in the observer view.
CONTROL_ACTIONS = frozenset({
    "console", "set_clock", "pause_clock", "extend_clock", "override", "undo_round", "bookmark", "note",
    "inject_event", "next_phase", "timeout_policy",
})
# Actions that need a game in progress.
GAME_ACTIONS = frozenset({
    "console", "toggle_observer", "override", "undo_round", "bookmark", "note", "inject_event", "next_phase", "evidence",
    "set_clock", "pause_clock", "extend_clock", "timeout_policy",
})


def _game_commands() -> type:
    from wargame.tui.commands import GameCommands

    return GameCommands


def default_saves_dir() -> Path:
    from wargame.saves.location import saves_dir

    return saves_dir()


class WargameApp(App[int]):
    """One terminal, one room: briefing, negotiation, secret orders, reveal, resolution, debrief."""

    CSS_PATH = "app.tcss"
    TITLE = "wargame"
    COMMANDS = App.COMMANDS | {_game_commands}
    BINDINGS = [
        Binding("f1,question_mark", "help", "Help", id="app.help"),
        Binding("f2", "console", "Console", id="app.console"),
        Binding("f3", "toggle_observer", "Observer", id="app.observer"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", show=False, priority=True),
    ]

    phase: reactive[str] = reactive("TITLE")
    phase_note: reactive[str] = reactive("")
    round_text: reactive[str] = reactive("")
    clock_text: reactive[str] = reactive("")
    observer: reactive[bool] = reactive(False)

    def __init__(self, scenario: LoadedScenario | None = None, seed: int | None = None,
                 seats: dict[str, str] | None = None, replay_path: Path | None = None,
                 saves_dir: Path | str | None = None, time: TimeSource | None = None,
                 offer_resume: bool = True, pin: str | None = None) -> None:
        super().__init__()
        from wargame.tui.clock import SystemTime

        self.bar_changed: Signal[None] = Signal(self, "bar-changed")  # the PhaseBar listens
        self.start_scenario, self.start_seed, self.start_seats = scenario, seed, seats
        self.replay_path = Path(replay_path) if replay_path else None
        self.replay_only = self.replay_path is not None
        self.saves_dir = Path(saves_dir) if saves_dir is not None else default_saves_dir()
        self.time: TimeSource = time or SystemTime()
        self.collector = IdleCollector()  # full garbage collections while nobody waits
        self.offer_resume = offer_resume
        self._resume_offered = False
        self.flow: Flow | None = None
        self.pin: str | None = pin or None  # the facilitator's PIN; None: a solo game
        self.evidence: Evidence | None = None
        self.bots_thinking: list[str] = []
        self.bots_done: list[str] = []
        self._loaded_by_sha: dict[str, LoadedScenario] = {}

    # --- what screens read ------------------------------------------------------------------

    @property
    def session(self) -> Session | None:
        """The game and its log, for screens to render (they change it only through the flow)."""
        return self.flow.session if self.flow is not None else None

    @property
    def last_trace(self) -> RoundTrace | None:
        return self.flow.last_trace if self.flow is not None else None

    # --- start-up ---------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.set_interval(0.25, self._tick)
        self.call_after_refresh(self.collector.install)
        self.set_timer(1.5, self._prewarm)
        self.screen_change_signal.subscribe(self, self._screen_changed)
        if self.replay_path is not None:
            self._open_replay(self.replay_path)
        elif self.start_scenario is not None:
            self.new_game(self.start_scenario, self.start_seed, self.start_seats)
        # else the title is the first screen already (get_default_screen)

    @work(thread=True, group="prewarm", name="prewarm")
    def _prewarm(self) -> None:
        """Import the screens not yet shown, off the main thread, so their first opening is quick."""
        import importlib

        for name in ("wargame.engine.bots", "wargame.play", "wargame.tui.screens.briefing",
                     "wargame.tui.screens.negotiation", "wargame.tui.screens.handover", "wargame.tui.screens.orders",
                     "wargame.tui.screens.reveal", "wargame.tui.screens.resolution", "wargame.tui.screens.debrief",
                     "wargame.tui.screens.console", "wargame.tui.screens.help", "wargame.tui.commands"):
            try:
                importlib.import_module(name)
            except ImportError:  # a warm-up only; the real import reports errors
                pass

    def get_default_screen(self) -> Screen:
        """The title, when the app opens on it: the first frame draws it, with no blank screen
        drawn first and the title pushed over it (a frame and a layout less, ~4% of the time to
        the roles on screen). A game or a replay given on the command line opens over a blank one."""
        if self.replay_path is None and self.start_scenario is None:
            from wargame.tui.screens.title import TitleScreen

            self._bar("TITLE")
            return TitleScreen()
        return super().get_default_screen()

    def read_screens_css(self) -> None:
        """Parse the other screens' CSS (SCREENS_CSS) now, once the title is on screen: Textual
        would parse it when the first of them opens, and re-parsing the app's stylesheet takes
        ~15 ms that a keypress would wait for. Textual's own steps for a screen's CSS_PATH."""
        from wargame.tui.screens import SCREENS_CSS

        if not self.stylesheet.has_source(SCREENS_CSS):
            self.stylesheet.read(SCREENS_CSS)
            self.stylesheet.reparse()
            self.stylesheet.update(self)

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.width < NARROW, "-narrow")

    def on_unmount(self) -> None:
        self.collector.uninstall()
        self._close_flow()

    async def on_event(self, event: Event) -> None:
        if isinstance(event, (Key, MouseDown)):
            self.collector.input_seen()
        await super().on_event(event)

    def _tick(self) -> None:
        self._tick_clock()
        self.collector.tick()

    def saves_scanned(self, saves: list) -> None:
        """The title screen has read the saves folder: at start-up, offer to resume the newest
        unfinished game (once; the title's Load button reaches the others)."""
        from wargame.tui.screens.dialogs import ResumeDialog
        from wargame.tui.screens.title import TitleScreen

        if not self.offer_resume or self._resume_offered:
            return
        self._resume_offered = True
        if not isinstance(self.screen, TitleScreen):  # the user moved on before the scan finished
            return
        unfinished = [s for s in saves if s.intact and s.rounds_total and not s.finished and not s.superseded]
        if not unfinished:
            return
        info = unfinished[0]

        def chosen(choice: str | None) -> None:
            if choice == "resume":
                self.open_save(info.path)

        self.push_screen(ResumeDialog(info), chosen)

    # --- showing the flow -------------------------------------------------------------------

    def _goto(self, screen: Screen) -> None:
        """Replace the phase screen (closing any dialog or console above it). It sits on the
        first screen: the title the app opened on (get_default_screen), or a blank one; Textual
        cannot replace the bottom screen, so the first title stays under the game, unseen."""
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if len(self.screen_stack) == 2:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def _bar(self, label: str, note: str = "") -> None:
        self.phase, self.phase_note = label, note
        flow = self.flow
        if flow is not None:
            s = flow.rules.scenario
            r = min(max(flow.round, 1), s.rounds)
            self.round_text = f"Round {r} of {s.rounds} · {s.round_label(r)}"
        else:
            self.round_text = ""
        self._tick_clock()

    def _tick_clock(self) -> None:
        flow = self.flow
        if flow is None:
            self.clock_text = ""
            return
        for notice in flow.tick():
            self.notify(notice.text, title="Clock", severity="warning" if notice.kind == "warning" else "error",
                        timeout=8)
            if notice.kind == "lock":
                self.show_phase()
        self.clock_text = flow.clock.text()

    def _screen_changed(self, screen: Screen) -> None:
        if self.replay_only and len(self.screen_stack) == 1:
            self.exit(0)

    def show_title(self) -> None:
        from wargame.tui.screens.title import TitleScreen

        self._close_flow()
        self._bar("TITLE")
        self._goto(TitleScreen())

    def show_phase(self) -> None:
        """Show the screen for where the flow is now. The only place that maps phase to screen."""
        from wargame.play import Phase

        flow = self.flow
        if flow is None:
            return
        if flow.phase == Phase.BRIEFING:
            from wargame.tui.screens.briefing import BriefingScreen

            self._bar("BRIEFING")
            self._goto(BriefingScreen())
        elif flow.phase == Phase.NEGOTIATION:
            self.show_table_room()
        elif flow.phase == Phase.ORDERS:
            self._next_turn()
        elif flow.phase == Phase.REVEAL:
            from wargame.tui.screens.reveal import RevealScreen

            self._bar("REVEAL")
            self._goto(RevealScreen())
        elif flow.phase == Phase.RESOLUTION:
            from wargame.tui.screens.resolution import ResolutionScreen

            self._bar("RESOLUTION")
            trace = flow.last_trace
            assert trace is not None
            self._goto(ResolutionScreen(trace))
        else:
            from wargame.tui.screens.debrief import DebriefScreen

            self._bar("FINAL DEBRIEF" if flow.finished else "DEBRIEF")
            self._goto(DebriefScreen(final=flow.finished))

    def show_table_room(self) -> None:
        from wargame.tui.screens.negotiation import NegotiationScreen

        self._bar("NEGOTIATION")
        self._goto(NegotiationScreen())

    def _team_label(self, role: str) -> str:
        assert self.flow is not None
        r = self.flow.rules.scenario.roles[role]
        return r.name if len(r.name) <= 16 else r.short

    def _next_turn(self) -> None:
        """Orders: the next team's hand-over, or (all people done) the reveal once the bots are."""
        from wargame.tui.screens.handover import HandoverScreen
        from wargame.tui.screens.reveal import RevealScreen

        flow = self.flow
        assert flow is not None
        self._start_bots()
        turns = flow.turns()
        if turns:
            role = turns[0]
            humans = flow.humans()
            done = len([r for r in humans if r in flow.submitted()])
            self._bar("HAND-OVER", self._team_label(role))
            self._goto(HandoverScreen(role, flow.rules.scenario.roles[role].name, done + 1, len(humans)))
            return
        if flow.bots_to_play():
            self._bar("REVEAL")
            if not isinstance(self.screen, RevealScreen):
                self._goto(RevealScreen())  # waits for the bots, with progress
            return
        self._advance()

    def can_advance(self) -> bool:
        from wargame.play import Phase

        flow = self.flow
        if flow is None or self.observer or flow.phase == Phase.ORDERS:
            return False
        return not flow.blocked()

    def _advance(self) -> None:
        from wargame.play import FlowError

        flow = self.flow
        if flow is None:
            return
        try:
            flow.advance()
        except FlowError as exc:
            self.notify(str(exc), severity="warning")
            return
        self.show_phase()

    # --- bots -----------------------------------------------------------------------------------

    def _start_bots(self) -> None:
        flow = self.flow
        assert flow is not None
        waiting = [r for r in flow.bots_to_play() if r not in self.bots_thinking]
        if waiting and not self.bots_thinking:
            self.bots_thinking, self.bots_done = list(waiting), []
            self._run_bots(flow, flow.round, waiting)

    @work(thread=True, exclusive=True, group="bots", name="bots")
    def _run_bots(self, flow: Flow, rnd: int, roles: list[str]) -> None:
        """Bots choose in a thread (the flow's bot_orders is pure): the screen stays live."""
        results: dict[str, list[Order]] = {}
        for role in roles:
            results[role] = flow.bot_orders(role)
            self.call_from_thread(self._bot_progress, flow, role)
        self.call_from_thread(self._bots_finished, flow, rnd, results)

    def _bot_progress(self, flow: Flow, role: str) -> None:
        from wargame.tui.screens.reveal import RevealScreen

        if flow is not self.flow:
            return
        self.bots_done.append(role)
        if isinstance(self.screen, RevealScreen) and self.screen.set_up:
            self.screen.waiting(self.bots_thinking, self.bots_done)

    def _bots_finished(self, flow: Flow, rnd: int, results: dict[str, list[Order]]) -> None:
        from wargame.play import FlowError, Phase

        self.bots_thinking = []
        if flow is not self.flow or flow.round != rnd or flow.phase != Phase.ORDERS:
            return
        for role, orders in results.items():
            if role in flow.bots_to_play():
                try:
                    flow.submit(role, orders, by="bot")
                except FlowError as exc:  # locked by the clock meanwhile: the lock gave it empty orders
                    self.notify(str(exc), severity="warning")
        if not flow.turns():
            self._next_turn()

    # --- messages from screens --------------------------------------------------------------------

    def on_start_game(self, message: msg.StartGame) -> None:
        self.pin = message.pin or None
        self.new_game(message.loaded, message.seed, message.seats)

    def on_open_save(self, message: msg.OpenSave) -> None:
        self.pin = message.pin or None  # a resumed exercise is protected as a new one is
        self.open_save(message.path)

    def on_play_save(self, message: msg.PlaySave) -> None:
        self.replay_only = False
        self.open_save(message.path)

    def on_replay_save(self, message: msg.ReplaySave) -> None:
        self._open_replay(message.path)

    def on_new_game(self, message: msg.NewGame) -> None:
        self.show_title()

    def on_advance(self, message: msg.Advance) -> None:
        from wargame.play import Phase

        if self.observer or self.flow is None or self.flow.phase == Phase.ORDERS:
            return
        self._advance()

    def on_handover_done(self, message: msg.HandoverDone) -> None:
        from wargame.play import Phase
        from wargame.tui.screens.orders import OrdersScreen

        flow = self.flow
        if flow is None:
            return
        if flow.phase == Phase.NEGOTIATION:
            from wargame.tui.screens.negotiation import TeamTableScreen

            self._bar("NEGOTIATION", self._team_label(message.role))
            self._goto(TeamTableScreen(message.role))
            return
        turns = flow.turns()
        if not turns or turns[0] != message.role:
            return
        self._bar("ORDERS", self._team_label(message.role))
        self._goto(OrdersScreen(message.role))

    def on_orders_drafted(self, message: msg.OrdersDrafted) -> None:
        if self.flow is not None:
            self.flow.draft(message.role, message.orders)

    def on_orders_submitted(self, message: msg.OrdersSubmitted) -> None:
        from wargame.play import FlowError

        flow = self.flow
        if flow is None or message.role not in flow.turns():
            return
        try:
            flow.submit(message.role, message.orders, by="human")
        except FlowError as exc:
            self.notify(str(exc), title="Orders refused", severity="error")
            return
        self._next_turn()

    def on_open_table(self, message: msg.OpenTable) -> None:
        from wargame.tui.screens.handover import HandoverScreen

        flow = self.flow
        if flow is None or self.observer:
            return
        self._bar("HAND-OVER", self._team_label(message.role))
        self._goto(HandoverScreen(message.role, flow.rules.scenario.roles[message.role].name, 0, 0,
                                  purpose="negotiation"))

    def on_table_done(self, message: msg.TableDone) -> None:
        self.show_table_room()

    def on_make_offer(self, message: msg.MakeOffer) -> None:
        if self.flow is not None:
            self._flow_call("Not possible", self.flow.propose, message.role, message.move, message.target)

    def on_answer_offer(self, message: msg.AnswerOffer) -> None:
        if self.flow is not None:
            self._flow_call("Not possible", self.flow.answer, message.role, message.offer_id, message.answer)

    def on_reply_counter(self, message: msg.ReplyCounter) -> None:
        if self.flow is not None:
            self._flow_call("Not possible", self.flow.reply, message.role, message.offer_id, message.reply)

    def on_withdraw_offer(self, message: msg.WithdrawOffer) -> None:
        if self.flow is not None:
            self._flow_call("Not possible", self.flow.withdraw, message.role, message.offer_id)

    def on_send_message(self, message: msg.SendMessage) -> None:
        if self.flow is not None and self._flow_call("Not sent", self.flow.send, message.sender, message.to,
                                                     message.text):
            self.notify("Message sent (the facilitator sees every message).", timeout=3)

    def on_show_evidence(self, message: msg.ShowEvidence) -> None:
        self._open_evidence(message.fact_id)

    # --- games ------------------------------------------------------------------------------------

    def new_game(self, loaded: LoadedScenario, seed: int | None = None, seats: dict[str, str] | None = None) -> None:
        from wargame.play import Flow
        from wargame.saves.log import SaveError
        from wargame.saves.session import default_save_path

        self._close_flow()
        controls = {r: ("bot" if (seats or {}).get(r) == "bot" else "human") for r in loaded.scenario.roles}
        try:
            path = default_save_path(loaded.scenario.id, self.saves_dir, self.time.now())
            flow = Flow.new(loaded, seed, controls, path, time=self.time)  # type: ignore[arg-type]
        except (OSError, SaveError) as exc:
            self._message("Cannot start the game", f"The save file cannot be written in {self.saves_dir}: {exc}")
            return
        self._loaded_by_sha[loaded.sha256] = loaded
        self._start(flow)

    def open_save(self, path: Path) -> None:
        from wargame.play import Flow
        from wargame.saves.log import SaveError

        try:
            flow = Flow.resume(path, time=self.time)
        except SaveError as exc:
            self._message("This save cannot be continued",
                          f"{exc}\n\nOpen it with Replay to see what survives, or run: wargame replay {path} --verify")
            return
        except OSError as exc:
            self._message("This save cannot be opened", str(exc))
            return
        self._close_flow()
        self._start(flow)

    def _start(self, flow: Flow) -> None:
        from wargame.evidence.find import find_evidence

        self.flow = flow
        loaded = self._loaded_by_sha.get(flow.session.loaded.sha256, flow.session.loaded)
        self.evidence = find_evidence(loaded, flow.path).evidence
        self.bots_thinking, self.bots_done = [], []
        self.show_phase()

    def _close_flow(self) -> None:
        if self.flow is not None:
            self.flow.close()
        self.flow = None

    # --- evidence and replay --------------------------------------------------------------------

    def _open_evidence(self, fact_id: str | None) -> None:
        from wargame.tui.screens.evidence import EvidenceScreen

        if self.evidence is None:
            self.notify("No evidence base is loaded for this scenario.", severity="warning")
            return
        self.push_screen(EvidenceScreen(self.evidence, self.flow.rules if self.flow else None, focus=fact_id))

    def _open_replay(self, path: Path) -> None:
        from wargame.tui.screens.replay import ReplayScreen

        self.push_screen(ReplayScreen(Path(path), saves_dir=self.saves_dir))

    def on_replay_screen_fork_requested(self, message: msg.Message) -> None:
        """The replay viewer wrote a fork: play it as a live game."""
        from wargame.tui.screens.replay import ReplayScreen

        if isinstance(message, ReplayScreen.ForkRequested):
            self.replay_only = False
            self.open_save(Path(message.new_path))

    def _message(self, title: str, body: str) -> None:
        from textual.markup import escape

        from wargame.tui.screens.dialogs import MessageDialog

        self.push_screen(MessageDialog(title, escape(body)))

    # --- the facilitator's seat ---------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in GAME_ACTIONS and self.flow is None:
            return False
        if self.observer and action in CONTROL_ACTIONS and action != "console":
            return False
        return True

    def seat_for(self, screen: object) -> Seat:
        """Who is at the keyboard while ``screen`` shows. The console is the facilitator's; the
        observer view is the observer's; a team's own screen is that team's; a screen the whole
        room sees is the facilitator's in a solo game (no PIN) and, with a PIN, the room's, which
        sees what an observer does. Screens render ``view(flow, seat)`` for it."""
        from wargame.play.phases import FACILITATOR, OBSERVER, Seat
        from wargame.tui.screens import PhaseScreen

        if isinstance(screen, PhaseScreen) and screen.FACILITATOR_SCREEN:
            return FACILITATOR
        if self.observer:
            return OBSERVER
        team = screen.team if isinstance(screen, PhaseScreen) else None
        if team is not None:
            return Seat.team(team)
        return FACILITATOR if self.pin is None else OBSERVER

    def seat_label(self, screen: object) -> str:
        """The top bar's name for the seat at the keyboard (ROOM: a shared screen in a game with a PIN)."""
        if self.flow is None:
            # The title (no game yet): answered without importing the flow, which the first
            # frame must not load (tests/test_title_card.py).
            return "OBSERVER" if self.observer else "FACILITATOR"
        seat = self.seat_for(screen)
        if seat.kind == "team" and seat.role is not None and self.flow is not None:
            role = self.flow.rules.scenario.roles[seat.role]
            return (role.name if len(role.name) <= 16 else role.short).upper()
        if seat.kind == "observer":
            return "OBSERVER" if self.observer else "ROOM"
        return "FACILITATOR"

    def keyboard_seat(self) -> Seat:
        """The seat at the keyboard now: that of the topmost phase screen (dialogs and viewers
        above it do not change who is sitting there)."""
        from wargame.play.phases import FACILITATOR
        from wargame.tui.screens import PhaseScreen

        for screen in reversed(self.screen_stack):
            if isinstance(screen, PhaseScreen):
                return self.seat_for(screen)
        return FACILITATOR

    def as_facilitator(self, then: Callable[[], None], why: str = "This is the facilitator's.") -> None:
        """Run a facilitator's action: at once from the facilitator's seat (the console, or a solo
        game), otherwise only with the PIN. The console's keys and the command palette both come here."""
        if self.keyboard_seat().is_facilitator:
            then()
        else:
            self.with_pin(then, why)

    def with_pin(self, then: Callable[[], None], why: str) -> None:
        """Run ``then`` if this is the facilitator: a solo game (no PIN), or the PIN given."""
        from wargame.tui.screens.dialogs import PinDialog

        if self.pin is None:
            then()
            return

        def checked(ok: bool | None) -> None:
            if ok:
                then()
            else:
                self.notify("Not opened: the facilitator's PIN is needed.", severity="warning")

        self.push_screen(PinDialog(self.pin, why), checked)

    def action_console(self) -> None:
        from wargame.tui.screens.console import ConsoleScreen

        if self.flow is None:
            return
        if isinstance(self.screen, ConsoleScreen):
            self.pop_screen()
            return

        def open_console() -> None:
            self.observer = False
            self.push_screen(ConsoleScreen())

        self.as_facilitator(open_console, "The console holds the facilitator's controls.")

    def action_help(self) -> None:
        from wargame.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_observer(self) -> None:
        if not self.observer:
            self.observer = True
            self.notify("Observer view: what is public, no controls. F3 returns to the facilitator view.", timeout=4)
            return

        def back() -> None:
            self.observer = False
            self.notify("Facilitator view: controls are back.", timeout=3)

        self.with_pin(back, "Leaving the observer view gives back the facilitator's controls.")

    async def action_quit(self) -> None:
        """Ask first, and say where the game is saved."""
        from wargame.tui.screens.dialogs import QuitDialog

        if any(isinstance(s, QuitDialog) for s in self.screen_stack):
            return
        flow = self.flow
        lines = []
        if flow is not None and flow.path is not None:
            lines.append(f"The game is saved as it goes, in\n  {flow.path}\nContinue it from the title screen "
                         f"(Load), or step through it with: wargame replay {flow.path}")
        elif flow is not None:
            lines.append("This game is not being saved.")
        from wargame.tui.screens.orders import OrdersScreen

        for s in self.screen_stack:
            if isinstance(s, OrdersScreen) and flow is not None:
                lines.append(f"\n{flow.rules.scenario.roles[s.role].name} has not submitted its orders: "
                             "what it has entered is not saved.")

        def done(yes: bool | None) -> None:
            if yes:
                self._pause_clock_for_quit()
                self.exit(0)

        self.push_screen(QuitDialog("Quit wargame?", "\n".join(lines) or "Nothing is lost.", yes="Quit",
                                    no="Keep playing"), done)

    def _pause_clock_for_quit(self) -> None:
        """A running clock is paused (and logged) as the game closes, so a resumed game has the
        time that was left, not the whole phase again (the log is the clock's only memory)."""
        from wargame.play import FlowError

        flow = self.flow
        if flow is not None and flow.clock.running and flow.path is not None:
            try:
                flow.pause_clock()
            except FlowError:
                pass  # no clock after all: nothing to keep

    def _bar_watch(self) -> None:
        self.bar_changed.publish(None)

    watch_phase = watch_phase_note = watch_round_text = watch_clock_text = _bar_watch

    def watch_observer(self, observer: bool) -> None:
        self.bar_changed.publish(None)
        self.set_class(observer, "-observer")
        self.refresh_bindings()
        self._refresh_views()

    def action_toggle_dark(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"

    def action_next_phase(self) -> None:
        if self.can_advance():
            from wargame.tui.messages import Advance

            self.post_message(Advance())

    def action_evidence(self) -> None:
        self._open_evidence(None)

    def _refresh_views(self) -> None:
        from wargame.tui.screens import PhaseScreen

        for screen in self.screen_stack:
            if isinstance(screen, PhaseScreen) and screen.is_mounted:
                screen.refresh_view()

    def _flow_call(self, title: str, call: Callable[..., object], *args: object) -> bool:
        """Call the flow; a refusal is shown with its reason. True if it went through."""
        from wargame.play import FlowError

        try:
            call(*args)
        except FlowError as exc:
            self.notify(str(exc), title=title, severity="error")
            return False
        self._refresh_views()
        return True

    def inject_event(self, event_id: str) -> None:
        flow = self.flow
        if flow is None or self.observer:
            return
        if self._flow_call("Event not played", flow.inject, event_id):
            name = flow.rules.scenario.events[event_id].name
            self.notify(f"» {name}: fires when round {flow.game.round} resolves.", title="Event played", timeout=5)

    def action_inject_event(self) -> None:
        from textual.markup import escape

        from wargame.tui.screens.dialogs import ChoiceDialog

        flow = self.flow
        if flow is None:
            return
        s = flow.rules.scenario
        choices = [(eid, f"{escape(ev.name)}: {escape(ev.news)}") for eid, ev in s.events.items()]

        def chosen(eid: str | None) -> None:
            if eid:
                self.inject_event(eid)

        self.push_screen(ChoiceDialog("Play an event now", choices,
                                      body=f"It fires when round {flow.game.round} resolves."), chosen)

    def action_override(self, indicator: str | None = None) -> None:
        from wargame.tui.screens.dialogs import OverrideDialog
        from wargame.tui.widgets.dashboard import fmt, indicator_label

        flow = self.flow
        if flow is None:
            return

        def done(result: tuple[str, float, str] | None) -> None:
            if result is None or flow is not self.flow:
                return
            ind, value, reason = result
            if self._flow_call("Override refused", flow.override, ind, value, reason):
                ov = flow.game.overrides[-1]
                self.notify(f"{indicator_label(flow.rules, ind)} set to {fmt(ov.value)} (the rules gave "
                            f"{fmt(ov.model_value)}). Logged with your reason.", title="Override", timeout=6)

        self.push_screen(OverrideDialog(flow.rules, flow.game.state, indicator), done)

    def action_undo_round(self) -> None:
        from wargame.tui.screens.dialogs import ConfirmDialog

        flow = self.flow
        if flow is None:
            return
        rnd = flow.game.state.round
        if rnd == 0:
            self.notify("No round has been resolved yet: nothing to undo.", severity="warning")
            return
        if flow.path is None:
            self.notify("This game is not being saved, so it cannot be undone.", severity="error")
            return
        body = (f"Round {rnd} will be removed, with anything entered since. The game goes back to the briefing of "
                f"round {rnd}.\nA new save file is written; the current one is kept unchanged "
                "(the title lists it under this game).")

        def done(yes: bool | None) -> None:
            if yes and flow is self.flow:
                self._do_undo()

        self.push_screen(ConfirmDialog(f"Undo round {rnd}?", body, yes="Undo round", no="Keep playing"), done)

    def _do_undo(self) -> None:
        from wargame.play import FlowError

        flow = self.flow
        assert flow is not None
        old, rnd = flow.path, flow.game.state.round
        try:
            new_flow = flow.undo("round")
        except FlowError as exc:
            self._message("Undo failed", f"{exc}\nThe game continues in {old}.")
            return
        self.flow = None
        self._start(new_flow)
        self._message(f"Round {rnd} undone", f"The game continues in a new save file:\n  {new_flow.path}\n\n"
                                             f"The previous file is kept unchanged:\n  {old}")

    def action_bookmark(self) -> None:
        self._ask_note(bookmark=True)

    def action_note(self) -> None:
        self._ask_note(bookmark=False)

    def _ask_note(self, bookmark: bool) -> None:
        from wargame.tui.screens.dialogs import TextDialog

        flow = self.flow
        if flow is None:
            return

        def done(text: str | None) -> None:
            if text and flow is self.flow and self._flow_call("Not saved", flow.note, text, bookmark):
                self.notify("Bookmark saved." if bookmark else "Note saved.", timeout=3)

        title = "Bookmark this moment" if bookmark else "Add a note"
        self.push_screen(TextDialog(title, "Written into the save for the after-action report.",
                                    placeholder="what happened here"), done)

    def action_set_clock(self) -> None:
        from wargame.tui.screens.dialogs import TextDialog

        flow = self.flow
        if flow is None:
            return
        phase = flow.phase
        current = flow.minutes.get(phase)

        def done(text: str | None) -> None:
            if not text or flow is not self.flow:
                return
            try:
                minutes = float(text)
            except ValueError:
                self.notify("Minutes must be a number.", severity="error")
                return
            self._flow_call("Clock", flow.set_clock, phase, max(minutes, 0.0))
            self._tick_clock()

        self.push_screen(TextDialog(f"Clock for {phase.value}",
                                    f"Minutes for each {phase.value} phase (0 turns the clock off). It starts now "
                                    "and again each time this phase begins. At time-out the phase locks.",
                                    placeholder="minutes", value=f"{current:g}" if current else "", number=True), done)

    def action_pause_clock(self) -> None:
        if self.flow is not None and self._flow_call("Clock", self.flow.pause_clock):
            self._tick_clock()

    def action_extend_clock(self, minutes: int = 1) -> None:
        if self.flow is not None and self._flow_call("Clock", self.flow.extend_clock, minutes):
            self._tick_clock()

    def action_timeout_policy(self) -> None:
        flow = self.flow
        if flow is not None:
            policy = "drop" if flow.on_timeout == "submit" else "submit"
            if self._flow_call("Clock", flow.set_timeout_policy, policy):
                self.notify(f"At time-out, late teams' drafts are {'submitted' if policy == 'submit' else 'dropped'}.",
                            timeout=4)


def run_app(scenario: LoadedScenario | None = None, seed: int | None = None, seats: dict[str, str] | None = None,
            replay_path: Path | None = None, saves_dir: Path | str | None = None) -> int:
    """Run the app. ``scenario`` starts a game at once; ``replay_path`` opens the viewer."""
    app = WargameApp(scenario=scenario, seed=seed, seats=seats, replay_path=replay_path, saves_dir=saves_dir)
    result = app.run()
    if app.return_code:  # the app failed (an unhandled error): say so to the shell, not 0
        return app.return_code
    return result if isinstance(result, int) else 0
