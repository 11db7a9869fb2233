"""Whole games without a screen: scripted roles follow their file, the rest are bots.

The same :class:`~wargame.play.flow.Flow` the app drives, phase by phase, so a
headless game and a game at the table log the same events.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from wargame.engine.game import Game
from wargame.engine.orders import Script
from wargame.engine.rules import Rules
from wargame.play.flow import Flow, FlowError
from wargame.play.phases import Control, Phase
from wargame.saves.session import Session
from wargame.scenario.loader import LoadedScenario


def run(flow: Flow) -> Flow:
    """Advance ``flow`` to the end of its last round. Every role must be a bot or scripted."""
    people = flow.humans()
    if people:
        raise FlowError(f"a headless game has no one to play {', '.join(people)}")
    while not (flow.finished and flow.phase == Phase.DEBRIEF):
        if flow.phase == Phase.ORDERS:
            flow.play_bots()
        flow.advance()
    return flow


_PAUSE_LOCK = threading.Lock()
_pauses = 0  # games under way that paused the collector (threads may run games side by side)
_resume = False  # whether the first of them found it on, so the last turns it back on


@contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic garbage collection while a headless game runs.

    A game makes no reference cycles (everything it drops is freed by reference counting
    at once: tests/test_headless.py checks it), so the collector finds nothing; but it
    still runs every few hundred allocations and, in a long batch, walks everything alive.
    That was ~4% of an all-bot game. Collection is only deferred: the collector is turned
    back on when the last game running ends (it stays off if it was off before)."""
    global _pauses, _resume
    with _PAUSE_LOCK:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _PAUSE_LOCK:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()


def play_session(loaded: LoadedScenario, seed: int | None = None, script: Script | None = None,
                 path: Path | str | None = None, rules: Rules | None = None) -> Session:
    """Play a whole game headless, logging it exactly as the app would.

    Roles the script names follow it; every other role is a bot. Pass ``rules`` to
    reuse compiled rules across many games.
    """
    scripted = script.roles if script else frozenset()
    controls: dict[str, Control] = {r: ("script" if r in scripted else "bot") for r in loaded.scenario.roles}
    with collector_paused():
        flow = Flow.new(loaded, seed, controls, path, script=script, rules=rules)
        try:
            run(flow)
        finally:
            flow.close()
    return flow.session


def play_game(rules: Rules, seed: int | None = None, script: Script | None = None) -> Game:
    """A whole game in memory (no save), for analysis and tests."""
    return play_session(rules.loaded, seed, script, None, rules).game
