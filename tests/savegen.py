"""A finished game played by bots and saved, for tests that need a real save to damage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wargame.engine.bots import choose_orders
from wargame.engine.game import bot_rng
from wargame.saves.session import Session


def bot_game(loaded: Any, seed: int, path: Path) -> Path:
    """Every role a bot, every round played, logged through a Session (as the app logs)."""
    s = Session.new(loaded, seed, None, path)
    g, rules = s.game, s.rules
    try:
        while not g.finished:
            rnd = g.round
            for role in rules.roles:
                s.submit(role, choose_orders(rules, g.state, role, bot_rng(g.seed, rnd, role)), by="bot")
            s.resolve()
    finally:
        s.close()
    return path
