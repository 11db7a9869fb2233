"""Headless games pause the garbage collector while they run (wargame.play.headless): safe
only because a game makes no reference cycles, which is what these tests hold."""

from __future__ import annotations

import gc
import threading
from pathlib import Path

import pytest

from wargame.engine.rules import Rules
from wargame.play.headless import collector_paused, play_session
from wargame.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("path", [ROOT / "tests" / "data" / "mini.yaml", ROOT / "scenarios" / "tech-contest.yaml"])
def test_an_all_bot_game_leaves_no_reference_cycles_behind(path: Path) -> None:
    rules = Rules(load_scenario(path))
    play_session(rules.loaded, 1, rules=rules)  # caches filled (scorers, plays, start position)
    was = gc.isenabled()
    gc.disable()
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        session = play_session(rules.loaded, 2, rules=rules)
        assert session.game.finished
        del session
        found = gc.collect()
        kinds = sorted({type(o).__name__ for o in gc.garbage})
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was:
            gc.enable()
    assert found == 0, f"a game left {found} objects in reference cycles: {kinds}"


def test_the_collector_is_paused_during_a_game_and_put_back_after() -> None:
    was = gc.isenabled()
    try:
        gc.enable()
        with collector_paused():
            assert not gc.isenabled()
            with collector_paused():  # a second game at once (another thread): still paused
                assert not gc.isenabled()
            assert not gc.isenabled()  # the first is still running
        assert gc.isenabled()
        gc.disable()  # whoever turned it off keeps it off
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()


def test_overlapping_games_in_two_threads_turn_the_collector_back_on() -> None:
    was = gc.isenabled()
    gc.enable()
    inside = threading.Barrier(2, timeout=10)

    def game() -> None:
        with collector_paused():
            inside.wait()  # both games under way at once
            inside.wait()

    try:
        threads = [threading.Thread(target=game) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()
