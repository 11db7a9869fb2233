"""A game in progress: the rules, the seed, and every round played so far.

This is a convenience over :func:`resolve` for callers that play whole games
(simulate, saves, the app). The history it keeps is what replay rebuilds.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from wargame.engine.orders import Order, Script
from wargame.engine.resolve import override as _override
from wargame.engine.resolve import advance, resolve, round_rng
from wargame.engine.rules import Rules
from wargame.engine.scoring import quadrants, scores
from wargame.engine.state import Contribution, RoundTrace, State, initial_state


@dataclass(frozen=True)
class Override:
    after_round: int
    indicator: str
    value: float
    model_value: float
    reason: str
    contribution: Contribution


@dataclass
class Game:
    rules: Rules
    seed: int
    states: list[State] = field(default_factory=list)
    traces: list[RoundTrace] = field(default_factory=list)
    orders: list[tuple[Order, ...]] = field(default_factory=list)
    injects: list[tuple[str, ...]] = field(default_factory=list)
    overrides: list[Override] = field(default_factory=list)

    @classmethod
    def new(cls, rules: Rules, seed: int | None = None, setup: dict[str, float] | None = None) -> "Game":
        seed = rules.scenario.seed if seed is None else seed
        return cls(rules, seed, [initial_state(rules, setup)])

    @property
    def state(self) -> State:
        return self.states[-1]

    @property
    def round(self) -> int:
        """The next round to be resolved (1-based)."""
        return self.state.round + 1

    @property
    def finished(self) -> bool:
        return self.state.round >= self.rules.scenario.rounds

    def play(self, orders: Iterable[Order], injects: Iterable[str] = ()) -> RoundTrace:
        if self.finished:
            raise ValueError("the game is over: no rounds left")
        orders_t, injects_t = tuple(orders), tuple(injects)
        state, trace = resolve(self.rules, self.state, orders_t, round_rng(self.seed, self.round), injects_t)
        self.states.append(state)
        self.traces.append(trace)
        self.orders.append(orders_t)
        self.injects.append(injects_t)
        return trace

    def advance(self, orders: Iterable[Order], injects: Iterable[str] = ()) -> State:
        """Play the next round without building its trace (verifying a save needs only the
        states): ``traces`` is not extended, so use this only where no trace is read."""
        if self.finished:
            raise ValueError("the game is over: no rounds left")
        orders_t, injects_t = tuple(orders), tuple(injects)
        state = advance(self.rules, self.state, orders_t, round_rng(self.seed, self.round), injects_t)
        self.states.append(state)
        self.orders.append(orders_t)
        self.injects.append(injects_t)
        return state

    def override(self, indicator: str, value: float, reason: str) -> Override:
        # The model's value is what the rules produced this round, not what an earlier
        # override of the same indicator left there.
        before = self.model_value(indicator)
        state, c = _override(self.rules, self.state, indicator, value, reason)
        self.states[-1] = state
        ov = Override(self.state.round, indicator, state.value(self.rules, indicator), before, reason, c)
        self.overrides.append(ov)
        return ov

    def model_value(self, indicator: str) -> float:
        """What the rules gave ``indicator`` at the end of the last round (before any override)."""
        for ov in self.overrides:
            if ov.after_round == self.state.round and ov.indicator == indicator:
                return ov.model_value
        return self.state.value(self.rules, indicator)

    def quadrants(self) -> dict[str, str]:
        return quadrants(self.rules, self.state.values)

    def scores(self) -> dict[str, float]:
        return scores(self.rules, self.state.values)

    def value(self, indicator: str, rnd: int | None = None) -> float:
        st = self.state if rnd is None else self.states[rnd]
        return st.value(self.rules, indicator)


BotFn = Callable[[Rules, State, str, random.Random], list[Order]]


def bot_rng(seed: int, rnd: int, role: str) -> random.Random:
    return random.Random(f"wargame-bot:{seed}:{rnd}:{role}")


def play_script(rules: Rules, seed: int | None, script: Script) -> Game:
    """A whole game of scripted orders only (no bots; a role the script leaves out gives none).

    For baselines such as documented history, where every role is scripted. Games with bots,
    negotiation or a facilitator are played by the round's flow (wargame.play).
    """
    game = Game.new(rules, seed)
    while not game.finished:
        game.play([o for role in rules.roles for o in script.orders(game.round, role)])
    return game
