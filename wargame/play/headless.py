"""Whole games without a screen: scripted roles follow their file, the rest are bots.

The same :class:`~wargame.play.flow.Flow` the app drives, phase by phase, so a
headless game and a game at the table log the same events.
"""

from __future__ import annotations

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


def play_session(loaded: LoadedScenario, seed: int | None = None, script: Script | None = None,
                 path: Path | str | None = None, rules: Rules | None = None) -> Session:
    """Play a whole game headless, logging it exactly as the app would.

    Roles the script names follow it; every other role is a bot. Pass ``rules`` to
    reuse compiled rules across many games.
    """
    scripted = script.roles if script else frozenset()
    controls: dict[str, Control] = {r: ("script" if r in scripted else "bot") for r in loaded.scenario.roles}
    flow = Flow.new(loaded, seed, controls, path, script=script, rules=rules)
    try:
        run(flow)
    finally:
        flow.close()
    return flow.session


def play_game(rules: Rules, seed: int | None = None, script: Script | None = None) -> Game:
    """A whole game in memory (no save), for analysis and tests."""
    return play_session(rules.loaded, seed, script, None, rules).game
