"""The wargame app: phases of a round as screens, a facilitator's console, a command palette.

State flows down (the app holds the :class:`Session`; screens read it), events flow
up (screens post the messages in :mod:`wargame.tui.messages`; the app moves the
game on and logs every step through the session, which autosaves). Domain modules
are imported inside methods so that importing this module stays cheap.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.events import Event, Key, MouseDown, Resize
from textual.reactive import reactive
from textual.screen import Screen
from textual.signal import Signal

from wargame.tui import messages as msg
from wargame.tui.clock import PhaseClock, SystemTime, TimeSource
from wargame.tui.gcpause import IdleCollector
from wargame.tui.widgets.dashboard import NARROW

# Actions that change the game: hidden and disabled in the observer view.
CONTROL_ACTIONS = frozenset({
    "console", "set_clock", "pause_clock", "extend_clock", "override", "undo_round", "bookmark", "note",
    "inject_event", "next_phase",
})
# Actions that need a game in progress.
GAME_ACTIONS = frozenset({
    "console", "toggle_observer", "override", "undo_round", "bookmark", "note", "inject_event", "next_phase", "evidence",
    "set_clock", "pause_clock", "extend_clock",
})
ADVANCING = ("BRIEFING", "REVEAL", "RESOLUTION", "DEBRIEF")


def _game_commands() -> Any:
    from wargame.tui.commands import GameCommands

    return GameCommands


def default_saves_dir() -> Path:
    return Path(os.environ.get("WARGAME_SAVES") or "saves")


class WargameApp(App[int]):
    """One terminal, one room: briefing, secret orders, reveal, resolution, debrief."""

    CSS_PATH = "app.tcss"
    TITLE = "wargame"
    COMMANDS = App.COMMANDS | {_game_commands}
    BINDINGS = [
        Binding("f1,question_mark", "help", "Help", id="app.help"),
        Binding("f2", "console", "Console", id="app.console"),
        Binding("f3", "toggle_observer", "Observer", id="app.observer"),
    ]

    phase: reactive[str] = reactive("TITLE")
    phase_note: reactive[str] = reactive("")
    round_text: reactive[str] = reactive("")
    clock_text: reactive[str] = reactive("")
    observer: reactive[bool] = reactive(False)

    def __init__(self, scenario: Any = None, seed: int | None = None, seats: dict[str, str] | None = None,
                 replay_path: Path | None = None, saves_dir: Path | str | None = None,
                 time: TimeSource | None = None, offer_resume: bool = True) -> None:
        super().__init__()
        self.bar_changed: Signal[None] = Signal(self, "bar-changed")  # the PhaseBar listens
        self.start_scenario, self.start_seed, self.start_seats = scenario, seed, seats
        self.replay_path = Path(replay_path) if replay_path else None
        self.replay_only = self.replay_path is not None
        self.saves_dir = Path(saves_dir) if saves_dir is not None else default_saves_dir()
        self.time: TimeSource = time or SystemTime()
        self.clock = PhaseClock(self.time)
        self.collector = IdleCollector()  # full garbage collections while nobody waits
        self.offer_resume = offer_resume
        self._resume_offered = False
        self.session: Any = None
        self.evidence: Any = None
        self.last_trace: Any = None
        self.phase_minutes: dict[str, float] = {}
        self._clock_key = "TITLE"
        self._turns: list[str] = []
        self._turn_total = 0
        self.bots_waiting: list[str] = []
        self.bots_done: list[str] = []
        self._loaded_by_sha: dict[str, Any] = {}

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
        else:
            self.show_title()

    @work(thread=True, group="prewarm", name="prewarm")
    def _prewarm(self) -> None:
        """Import the screens not yet shown, off the main thread, so their first opening is quick."""
        import importlib

        for name in ("wargame.engine.bots", "wargame.saves.session", "wargame.tui.screens.briefing",
                     "wargame.tui.screens.handover", "wargame.tui.screens.orders", "wargame.tui.screens.reveal",
                     "wargame.tui.screens.resolution", "wargame.tui.screens.debrief", "wargame.tui.screens.console",
                     "wargame.tui.screens.help", "wargame.tui.commands"):
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - a warm-up only; the real import reports errors
                pass

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.width < NARROW, "-narrow")

    def on_unmount(self) -> None:
        self.collector.uninstall()
        self._close_session()

    async def on_event(self, event: Event) -> None:
        if isinstance(event, (Key, MouseDown)):
            self.collector.input_seen()
        await super().on_event(event)

    def _tick(self) -> None:
        self._tick_clock()
        self.collector.tick()

    def saves_scanned(self, saves: list[Any]) -> None:
        """The title screen has read the saves folder: at start-up, offer to resume the newest
        unfinished game (once; the title's Load button reaches the others)."""
        from wargame.tui.screens.dialogs import ResumeDialog
        from wargame.tui.screens.title import TitleScreen

        if not self.offer_resume or self._resume_offered:
            return
        self._resume_offered = True
        if not isinstance(self.screen, TitleScreen):  # the user moved on before the scan finished
            return
        unfinished = [s for s in saves if s.intact and s.rounds_total and not s.finished]
        if not unfinished:
            return
        info = unfinished[0]

        def chosen(choice: str | None) -> None:
            if choice == "resume":
                self.open_save(info.path)

        self.push_screen(ResumeDialog(info), chosen)

    # --- screens and phases -------------------------------------------------------------------

    def _goto(self, screen: Screen) -> None:
        """Replace the phase screen (closing any dialog or console above it)."""
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if len(self.screen_stack) == 2:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def _enter_phase(self, phase: str, note: str = "", rnd: int | None = None, clock_key: str | None = None) -> None:
        self.phase, self.phase_note = phase, note
        self._clock_key = clock_key or phase
        minutes = self.phase_minutes.get(self._clock_key)
        if minutes:
            self.clock.set(minutes)
        else:
            self.clock.clear()
        self._tick_clock()
        if self.session is not None:
            s = self.session.rules.scenario
            r = self.session.game.round if rnd is None else rnd
            r = min(max(r, 1), s.rounds)
            self.round_text = f"Round {r} of {s.rounds} · {s.round_label(r)}"
        else:
            self.round_text = ""

    def clock_phase(self) -> str:
        return self._clock_key

    def _tick_clock(self) -> None:
        self.clock_text = self.clock.text()

    def _screen_changed(self, screen: Screen) -> None:
        if self.replay_only and len(self.screen_stack) == 1:
            self.exit(0)

    def show_title(self) -> None:
        from wargame.tui.screens.title import TitleScreen

        self._close_session()
        self._enter_phase("TITLE")
        self._goto(TitleScreen())

    def show_briefing(self) -> None:
        from wargame.tui.screens.briefing import BriefingScreen

        self._enter_phase("BRIEFING")
        self._goto(BriefingScreen())

    def begin_orders(self) -> None:
        s = self.session
        self._turns = [r for r in s.rules.roles if s.seats.get(r) == "human" and r not in s.pending]
        self._turn_total = len(self._turns)
        self._next_turn()

    def _team_label(self, role: str) -> str:
        r = self.session.rules.scenario.roles[role]
        return r.name if len(r.name) <= 16 else r.short

    def _next_turn(self) -> None:
        from wargame.tui.screens.handover import HandoverScreen, team_turn

        if not self._turns:
            self.show_reveal()
            return
        role = self._turns[0]
        name = self.session.rules.scenario.roles[role].name
        self._enter_phase("HAND-OVER", self._team_label(role))
        position, count = team_turn(self.session.rules.roles, self.session.seats, role)
        self._goto(HandoverScreen(role, name, position, count))

    def show_reveal(self) -> None:
        from wargame.tui.screens.reveal import RevealScreen

        s = self.session
        bots = [r for r in s.rules.roles if s.seats.get(r) != "human" and r not in s.pending]
        self.bots_waiting, self.bots_done = bots, []
        self._enter_phase("REVEAL")
        screen = RevealScreen()
        self._goto(screen)
        if bots:
            self._run_bots(s, s.game.round, list(bots))

    @work(thread=True, exclusive=True, group="bots", name="bots")
    def _run_bots(self, session: Any, rnd: int, roles: list[str]) -> None:
        """Bots choose in a thread: the screen stays live and shows progress."""
        from wargame.engine.bots import choose_orders
        from wargame.engine.game import bot_rng

        rules, state, seed = session.rules, session.game.state, session.game.seed
        results: dict[str, list[Any]] = {}
        for role in roles:
            results[role] = choose_orders(rules, state, role, bot_rng(seed, rnd, role))
            self.call_from_thread(self._bot_progress, session, role)
        self.call_from_thread(self._bots_finished, session, rnd, results)

    def _bot_progress(self, session: Any, role: str) -> None:
        from wargame.tui.screens.reveal import RevealScreen

        if session is not self.session:
            return
        self.bots_done.append(role)
        if isinstance(self.screen, RevealScreen) and self.screen.set_up and self.bots_waiting:
            self.screen.waiting(self.bots_waiting, self.bots_done)

    def _bots_finished(self, session: Any, rnd: int, results: dict[str, list[Any]]) -> None:
        from wargame.tui.screens.reveal import RevealScreen

        if session is not self.session or session.game.round != rnd:
            return
        for role, orders in results.items():
            session.submit(role, orders, by="bot")
        self.bots_waiting = []
        for screen in self.screen_stack:
            if isinstance(screen, RevealScreen) and screen.set_up:
                screen.populate()

    def resolve_round(self) -> None:
        from wargame.tui.screens.resolution import ResolutionScreen

        if self.bots_waiting:
            self.notify("Waiting for the bots' orders…")
            return
        trace = self.session.resolve()
        self.last_trace = trace
        self._enter_phase("RESOLUTION", rnd=trace.round)
        self._goto(ResolutionScreen(trace))

    def show_debrief(self) -> None:
        from wargame.tui.screens.debrief import DebriefScreen

        game = self.session.game
        final = game.finished
        self._enter_phase("FINAL DEBRIEF" if final else "DEBRIEF", rnd=game.state.round, clock_key="DEBRIEF")
        self._goto(DebriefScreen(final=final))

    def can_advance(self) -> bool:
        if self.session is None or self.phase not in ADVANCING:
            return False
        if self.phase == "REVEAL" and self.bots_waiting:
            return False
        return not (self.phase == "DEBRIEF" and self.session.game.finished)

    # --- messages from screens --------------------------------------------------------------------

    def on_start_game(self, message: msg.StartGame) -> None:
        self.new_game(message.loaded, message.seed, message.seats)

    def on_open_save(self, message: msg.OpenSave) -> None:
        self.open_save(message.path)

    def on_play_save(self, message: msg.PlaySave) -> None:
        self.replay_only = False
        self.open_save(message.path)

    def on_replay_save(self, message: msg.ReplaySave) -> None:
        self._open_replay(message.path)

    def on_new_game(self, message: msg.NewGame) -> None:
        self.show_title()

    def on_advance(self, message: msg.Advance) -> None:
        if self.observer or self.session is None:
            return
        if self.phase == "BRIEFING":
            self.begin_orders()
        elif self.phase == "REVEAL":
            self.resolve_round()
        elif self.phase == "RESOLUTION":
            self.show_debrief()
        elif self.phase == "DEBRIEF" and not self.session.game.finished:
            self.show_briefing()

    def on_handover_done(self, message: msg.HandoverDone) -> None:
        from wargame.tui.screens.orders import OrdersScreen

        if self.phase != "HAND-OVER" or not self._turns or self._turns[0] != message.role:
            return
        self._enter_phase("ORDERS", self._team_label(message.role))
        self._goto(OrdersScreen(message.role))

    def on_orders_submitted(self, message: msg.OrdersSubmitted) -> None:
        if message.role not in self._turns:
            return
        self.session.submit(message.role, list(message.orders), by="human")
        self._turns.remove(message.role)
        name = self.session.rules.scenario.roles[message.role].name
        self.notify(f"{name}'s orders are in (secret until the reveal).", timeout=3)
        self._next_turn()

    def on_show_evidence(self, message: msg.ShowEvidence) -> None:
        self._open_evidence(message.fact_id)

    # --- sessions -------------------------------------------------------------------------------

    def new_game(self, loaded: Any, seed: int | None = None, seats: dict[str, str] | None = None) -> None:
        from wargame.saves.log import SaveError
        from wargame.saves.session import Session, default_save_path

        self._close_session()
        roles = list(loaded.scenario.roles)
        seats = {r: (seats or {}).get(r, "human") for r in roles}
        try:
            path = default_save_path(loaded.scenario.id, self.saves_dir, self.time.now())
            session = Session.new(loaded, seed, seats, path)
        except (OSError, SaveError) as exc:  # SaveError: the saves folder is a file, say
            self._message("Cannot start the game", f"The save file cannot be written in {self.saves_dir}: {exc}")
            return
        self._loaded_by_sha[loaded.sha256] = loaded
        self._start(session)

    def open_save(self, path: Path) -> None:
        from wargame.saves.log import SaveError
        from wargame.saves.session import resume

        try:
            replay = resume(path)
        except SaveError as exc:
            self._message("This save cannot be continued",
                          f"{exc}\n\nOpen it with Replay to see what survives, or run: wargame replay {path} --verify")
            return
        except OSError as exc:
            self._message("This save cannot be opened", str(exc))
            return
        self._close_session()
        self._start(replay.session)

    def _start(self, session: Any) -> None:
        self.session = session
        self.evidence = self._evidence_for(session)
        self.last_trace = session.game.traces[-1] if session.game.traces else None
        self._turns, self.bots_waiting, self.bots_done = [], [], []
        if session.game.finished:
            self.show_debrief()
        else:
            self.show_briefing()

    def _close_session(self) -> None:
        if self.session is not None:
            self.session.close()
        self.session = None

    def _evidence_for(self, session: Any) -> Any:
        if session.loaded.evidence is not None:
            return session.loaded.evidence
        known = self._loaded_by_sha.get(session.loaded.sha256)
        if known is not None and known.evidence is not None:
            return known.evidence
        try:
            from wargame.scenario.catalog import find_scenario
            from wargame.scenario.loader import load_scenario

            loaded = load_scenario(find_scenario(session.rules.scenario.id))
            if loaded.evidence is not None:
                return loaded.evidence
        except Exception:  # noqa: BLE001 - any failure just means no evidence to show
            pass
        try:
            from wargame.evidence import default_seeds_dir, load_evidence

            return load_evidence(default_seeds_dir().resolve())
        except Exception:  # noqa: BLE001
            return None

    # --- evidence and replay (screens written elsewhere) -----------------------------------------

    def _open_evidence(self, fact_id: str | None) -> None:
        if self.evidence is None:
            self.notify("No evidence base is loaded for this scenario.", severity="warning")
            return
        try:
            from wargame.tui.screens.evidence import EvidenceScreen
        except ImportError:
            fact = self.evidence.facts.get(fact_id or "")
            body = f"{fact.statement}\n\n{fact.locator}" if fact else "The evidence browser is not installed."
            self._message(fact_id or "Evidence", body)
            return
        self.push_screen(EvidenceScreen(self.evidence, self.session.rules if self.session else None, focus=fact_id))

    def _open_replay(self, path: Path) -> None:
        try:
            from wargame.tui.screens.replay import ReplayScreen
        except ImportError:
            self._message("Replay", "The replay viewer is not installed.")
            return
        self.push_screen(ReplayScreen(Path(path), saves_dir=self.saves_dir))

    def on_replay_screen_fork_requested(self, message: Any) -> None:
        """The replay viewer wrote a fork: play it as a live game."""
        path = getattr(message, "new_path", None)
        if path is None:
            return
        self.replay_only = False
        self.open_save(Path(path))

    def _message(self, title: str, body: str) -> None:
        from textual.markup import escape

        from wargame.tui.screens.dialogs import MessageDialog

        self.push_screen(MessageDialog(title, escape(body)))

    # --- actions (keys, console, palette) ---------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in GAME_ACTIONS and self.session is None:
            return False
        if self.observer and action in CONTROL_ACTIONS:
            return False
        return True

    def action_help(self) -> None:
        from wargame.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_console(self) -> None:
        from wargame.tui.screens.console import ConsoleScreen

        if self.session is None or self.observer:
            return
        if isinstance(self.screen, ConsoleScreen):
            self.pop_screen()
            return
        self.push_screen(ConsoleScreen())

    def action_toggle_observer(self) -> None:
        self.observer = not self.observer
        if self.observer:
            self.notify("Observer view: everything visible, no controls. F3 returns to the facilitator view.",
                        timeout=4)
        else:
            self.notify("Facilitator view: controls are back.", timeout=3)

    def _bar_watch(self) -> None:
        self.bar_changed.publish(None)

    watch_phase = watch_phase_note = watch_round_text = watch_clock_text = _bar_watch

    def watch_observer(self, observer: bool) -> None:
        self.bar_changed.publish(None)
        self.set_class(observer, "-observer")
        self.refresh_bindings()
        for screen in self.screen_stack:
            if hasattr(screen, "refresh_view") and screen.is_mounted:
                screen.refresh_view()

    def action_toggle_dark(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"

    def action_next_phase(self) -> None:
        if self.can_advance():
            self.post_message(msg.Advance())

    def action_evidence(self) -> None:
        self._open_evidence(None)

    def _refresh_console(self) -> None:
        for screen in self.screen_stack:
            if hasattr(screen, "refresh_view") and screen.is_mounted:
                screen.refresh_view()

    def inject_event(self, event_id: str) -> None:
        if self.session is None or self.observer:
            return
        if self.session.game.finished:
            self.notify("The game is over: there is no round left for an event.", severity="warning")
            return
        s = self.session.rules.scenario
        if event_id in self.session.pending_injects:
            self.notify(f"{s.events[event_id].name} is already queued for this round.", severity="warning")
            return
        self.session.inject(event_id)
        self.notify(f"» {s.events[event_id].name}: fires when round {self.session.game.round} resolves.",
                    title="Event played", timeout=5)
        self._refresh_console()

    def action_inject_event(self) -> None:
        from textual.markup import escape

        from wargame.tui.screens.dialogs import ChoiceDialog

        if self.session is None:
            return
        s = self.session.rules.scenario
        choices = [(eid, f"{escape(ev.name)}: {escape(ev.news)}") for eid, ev in s.events.items()]

        def chosen(eid: str | None) -> None:
            if eid:
                self.inject_event(eid)

        self.push_screen(ChoiceDialog("Play an event now", choices,
                                      body=f"It fires when round {self.session.game.round} resolves."), chosen)

    def action_override(self, indicator: str | None = None) -> None:
        from wargame.tui.screens.dialogs import OverrideDialog
        from wargame.tui.widgets.dashboard import fmt, indicator_label

        if self.session is None:
            return
        session = self.session

        def done(result: tuple[str, float, str] | None) -> None:
            if result is None or session is not self.session:
                return
            ind, value, reason = result
            try:
                session.override(ind, value, reason)
            except ValueError as exc:
                self.notify(str(exc), title="Override refused", severity="error")
                return
            ov = session.game.overrides[-1]
            self.notify(f"{indicator_label(session.rules, ind)} set to {fmt(ov.value)} (the model had "
                        f"{fmt(ov.model_value)}). Logged with your reason.", title="Override", timeout=6)
            self._refresh_console()

        self.push_screen(OverrideDialog(session.rules, session.game.state, indicator), done)

    def action_undo_round(self) -> None:
        from wargame.tui.screens.dialogs import ConfirmDialog

        session = self.session
        if session is None:
            return
        rnd = session.game.state.round
        if rnd == 0:
            self.notify("No round has been resolved yet: nothing to undo.", severity="warning")
            return
        if session.path is None:
            self.notify("This game is not being saved, so it cannot be undone.", severity="error")
            return
        body = (f"Round {rnd} will be removed, with anything entered since. The game goes back to the briefing of "
                f"round {rnd}.\nA new save file is written; the current one is kept unchanged.")

        def done(yes: bool | None) -> None:
            if yes and session is self.session:
                self._do_undo()

        self.push_screen(ConfirmDialog(f"Undo round {rnd}?", body, yes="Undo round", no="Keep playing"), done)

    def _do_undo(self) -> None:
        from wargame.saves.log import SaveError
        from wargame.saves.session import resume, undo

        session = self.session
        old = session.path
        rnd = session.game.state.round
        session.close()
        try:
            new = undo(old)
            replay = resume(new)
        except (SaveError, OSError) as exc:
            self._message("Undo failed", f"{exc}\nThe game continues in {old}.")
            replay = resume(old)
            self.session = replay.session
            return
        self.session = None
        self._start(replay.session)
        self._message(f"Round {rnd} undone", f"The game continues in a new save file:\n  {new.name}\n\n"
                                             f"The previous file is kept unchanged:\n  {old.name}")

    def action_bookmark(self) -> None:
        self._ask_note(bookmark=True)

    def action_note(self) -> None:
        self._ask_note(bookmark=False)

    def _ask_note(self, bookmark: bool) -> None:
        from wargame.tui.screens.dialogs import TextDialog

        session = self.session
        if session is None:
            return

        def done(text: str | None) -> None:
            if text and session is self.session:
                session.note(text, bookmark=bookmark)
                self.notify("Bookmark saved." if bookmark else "Note saved.", timeout=3)
                self._refresh_console()

        title = "Bookmark this moment" if bookmark else "Add a note"
        self.push_screen(TextDialog(title, "Written into the save for the after-action report.",
                                    placeholder="what happened here"), done)

    def action_set_clock(self) -> None:
        from wargame.tui.screens.dialogs import TextDialog

        key = self._clock_key
        current = self.phase_minutes.get(key)

        def done(text: str | None) -> None:
            if not text:
                return
            try:
                minutes = float(text)
            except ValueError:
                self.notify("Minutes must be a number.", severity="error")
                return
            if minutes <= 0:
                self.phase_minutes.pop(key, None)
                self.clock.clear()
            else:
                self.phase_minutes[key] = minutes
                self.clock.set(minutes)
            self._tick_clock()
            self._refresh_console()

        self.push_screen(TextDialog(f"Clock for {key.lower()}",
                                    f"Minutes for each {key.lower()} phase (0 turns the clock off). "
                                    "It starts now and again each time this phase begins.",
                                    placeholder="minutes", value=f"{current:g}" if current else "", number=True), done)

    def action_pause_clock(self) -> None:
        if not self.clock.active:
            self.notify("No clock is set for this phase (M in the console sets one).", severity="warning")
            return
        self.clock.toggle()
        self._tick_clock()
        self._refresh_console()

    def action_extend_clock(self, minutes: int = 1) -> None:
        self.clock.extend(minutes)
        self._tick_clock()
        self._refresh_console()


def run_app(scenario: Any = None, seed: int | None = None, seats: dict[str, str] | None = None,
            replay_path: Path | None = None, saves_dir: Path | str | None = None) -> int:
    """Run the app. ``scenario`` (a LoadedScenario) starts a game at once; ``replay_path`` opens the viewer."""
    app = WargameApp(scenario=scenario, seed=seed, seats=seats, replay_path=replay_path, saves_dir=saves_dir)
    result = app.run()
    if app.return_code:  # the app failed (an unhandled error): say so to the shell, not 0
        return app.return_code
    return result if isinstance(result, int) else 0
