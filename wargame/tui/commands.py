"""The command palette's game commands (Ctrl+P)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider


class GameCommands(Provider):
    """Every game command by name; controls are left out in the observer view."""

    def _commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        app: Any = self.app
        out: list[tuple[str, str, Callable[[], Any]]] = [
            ("Help", "What each phase is, the keys, the console (F1)", app.action_help),
            ("Toggle dark mode", "Switch between the dark and light themes", app.action_toggle_dark),
            ("Switch to facilitator view" if app.observer else "Switch to observer view",
             "Observer: sees everything, controls nothing (F3)", app.action_toggle_observer),
        ]
        if app.session is None:
            return out
        out.append(("Evidence browser", "Sources and facts behind the rules", app.action_evidence))
        if app.observer:
            return out
        # The facilitator's commands: from a team's screen, the room's or the observer's, each asks
        # for the PIN first (WargameApp.as_facilitator), as F2 does.
        def umpire(fn: Callable[[], Any]) -> Callable[[], Any]:
            return partial(app.as_facilitator, fn)

        out += [
            ("Open facilitator console", "Clock, events, overrides, undo, notes (F2)", app.action_console),
            ("Play an event now…", "Choose an event; it fires when the round resolves", umpire(app.action_inject_event)),
            ("Override an indicator…", "Set a value by hand, with a reason (logged beside the model's value)",
             umpire(app.action_override)),
            ("Undo the last round", "Writes a new save without the last round and continues in it",
             umpire(app.action_undo_round)),
            ("Bookmark this moment…", "A bookmark in the save, for the after-action report", umpire(app.action_bookmark)),
            ("Add a note…", "A note in the save", umpire(app.action_note)),
            ("Set the phase clock…", "Minutes for the current phase", umpire(app.action_set_clock)),
            ("Pause or resume the clock", "", umpire(app.action_pause_clock)),
            ("Add 1 minute to the clock", "", umpire(partial(app.action_extend_clock, 1))),
            ("Add 5 minutes to the clock", "", umpire(partial(app.action_extend_clock, 5))),
        ]
        if app.can_advance():
            out.insert(0, ("Next phase", f"Continue from {app.phase.lower()}", app.action_next_phase))
        s = app.session.rules.scenario
        for eid, ev in s.events.items():
            out.append((f"Play event: {ev.name}", ev.news, umpire(partial(app.inject_event, eid))))
        return out

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text or None)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text or None)
