"""The bots' look-ahead bookkeeping: games continued where they stopped, the start position
shared by a batch's games, utilities read with the objectives prepared once, games shared
by threads. None of these may change what a bot does.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

import wargame.engine.bots as bots
from wargame.engine.game import bot_rng
from wargame.engine.resolve import advance, round_rng
from wargame.engine.rules import Rules
from wargame.engine.state import State
from wargame.play.headless import play_session
from wargame.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = {"mini": ROOT / "tests" / "data" / "mini.yaml", "tech-contest": ROOT / "scenarios" / "tech-contest.yaml"}


@functools.cache
def rules_of(name: str) -> Rules:
    return Rules(load_scenario(SCENARIOS[name]))


class Counting:
    """Counts the look-ahead rounds the bots play."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.n = 0

        def counted(*a, **k):  # type: ignore[no-untyped-def]
            self.n += 1
            return advance(*a, **k)

        monkeypatch.setattr(bots, "advance", counted)


def test_a_lookahead_game_continued_is_the_game_played_at_once() -> None:
    rules = rules_of("tech-contest")
    state = play_session(rules.loaded, 3, rules=rules).game.states[2]
    role = rules.roles[0]
    o = bots.legal_plays(rules, state, role)[0]
    seed = bots.lookahead_seed(state)
    bots._SHARED.clear()
    partial = [bots._path(rules, state, [o], seed, k) for k in (1, 2, 3)]
    st, by_hand = state, []
    for h in range(3):
        st = advance(rules, st, [o] if h == 0 else (), round_rng(seed, st.round + 1))
        by_hand.append(st.values)
    assert partial == by_hand
    bots._SHARED.clear()
    assert bots._path(rules, state, [o], seed, 3) == by_hand[2]  # played at once


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_orders_a_lookahead_key_leaves_out_change_nothing(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A look-ahead game is played with only the orders its key keeps (an answer to a deal
    nobody offers, a refusal, a lone deal offer not taken are left out) and shared by every
    set of orders with that key: its first round must be the same with them as without."""
    rules = rules_of(name)
    asked: list[tuple[State, tuple, int]] = []
    real = bots._game

    def noted(rules_, state, orders, seed):  # type: ignore[no-untyped-def]
        asked.append((state, tuple(orders), seed))
        return real(rules_, state, orders, seed)

    monkeypatch.setattr(bots, "_game", noted)
    for seed in (1, 2, 3):
        play_session(rules.loaded, seed, rules=rules)
    checked = 0
    for state, orders, seed in set(asked):
        counted = bots._key(rules, orders)
        kept = tuple(o for o in orders if o in counted)
        if kept != orders:
            with_all = advance(rules, state, orders, round_rng(seed, state.round + 1))
            assert with_all == advance(rules, state, kept, round_rng(seed, state.round + 1)), orders
            checked += 1
    assert checked  # some sets of orders did have orders left out


def test_the_games_of_a_batch_share_the_start_position_and_are_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = rules_of("mini")
    bots._SHARED.clear()
    cold = Counting(monkeypatch)
    first = play_session(rules.loaded, 11, rules=rules).events
    cold_rounds = cold.n
    play_session(rules.loaded, 12, rules=rules)  # another game: its start is the same position
    bots._SHARED.clear(starts=False)  # only the start position is remembered from here
    warm = Counting(monkeypatch)
    again = play_session(rules.loaded, 11, rules=rules).events
    assert again == first
    assert warm.n < cold_rounds


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_bots_scorer_is_the_utility_to_the_last_bit(name: str) -> None:
    from wargame.engine.scoring import utility

    rules = rules_of(name)
    states = [st for seed in (1, 2) for st in play_session(rules.loaded, seed, rules=rules).game.states]
    lo_hi = [tuple(rules.lo), tuple(rules.hi)]  # the bounds themselves: the extremes of every term
    for values in [st.values for st in states] + lo_hi:
        for role in rules.roles:
            assert bots._scorer(rules, role)(values) == utility(rules, values, role)


def test_the_bots_scorer_is_the_utility_to_the_last_bit_for_every_kind_of_goal() -> None:
    """No scenario aims at a target yet: the same objectives turned into each goal in turn,
    targets inside, on and outside the bounds, negative and fractional."""
    import copy

    from wargame.engine.rules import Objective
    from wargame.engine.scoring import utility

    base = rules_of("tech-contest")
    states = [st for seed in (1, 2) for st in play_session(base.loaded, seed, rules=base).game.states]
    for goal, targets in (("min", [None]), ("max", [None]), ("target", [-1.5, 0.0, 0.37, 2.0, 1e6, None])):
        for t in targets:
            rules = copy.copy(base)
            rules._once = {}  # its own per-scenario memo (Rules.once), so the scorer is made afresh
            rules.objectives = {r: tuple(Objective(o.slot, o.weight, goal, t) for o in objs)
                                for r, objs in base.objectives.items()}
            for values in [st.values for st in states] + [tuple(base.lo), tuple(base.hi)]:
                for role in rules.roles:
                    assert bots._scorer(rules, role)(values) == utility(rules, values, role), (goal, t, role)


def test_a_lookahead_game_grown_by_two_threads_at_once_is_the_game_grown_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's bots think in a thread while a comparison may play a batch in another: they
    share look-ahead games (the start position's at least). Here both threads are made to
    play each round at the same time (each waits for the other inside advance)."""
    import threading

    rules = rules_of("tech-contest")
    state = play_session(rules.loaded, 3, rules=rules).game.states[2]
    seed = bots.lookahead_seed(state)
    alone = bots._Game(rules, state, (), seed)
    want = [alone.at(k) for k in (1, 2, 3)]
    barrier = threading.Barrier(2, timeout=10)

    def slow(*a, **k):  # type: ignore[no-untyped-def]
        st = advance(*a, **k)
        barrier.wait()  # both have played the round; neither has kept it yet
        return st

    monkeypatch.setattr(bots, "advance", slow)
    shared = bots._Game(rules, state, (), seed)
    threads = [threading.Thread(target=shared.at, args=(3,)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [s.values for s in shared.states[1:]] == [s.values for s in want]
