"""A log line is JSON-encoded once (saves.log.encode): the same bytes and hash as encoding it
twice, first without its hash to compute it, then with it."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from wargame.engine.rules import Rules
from wargame.play.headless import play_session
from wargame.saves.log import canonical, encode
from wargame.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def encode_twice(event: dict[str, Any], prev: str) -> tuple[bytes, str]:
    body = {k: v for k, v in event.items() if k not in ("prev", "hash")}
    body["prev"] = prev
    h = hashlib.sha256(canonical(body).encode()).hexdigest()
    body["hash"] = h
    return (canonical(body) + "\n").encode(), h


ODD: list[dict[str, Any]] = [
    {"type": "note", "round": 1, "text": "é 中 \u2028 \"quoted\" \\ back", "bookmark": False},
    {"type": "note", "round": 1, "text": "\x00wargame-line-hash\x00"},  # the marker as a value
    {"type": "x", "nested": {"hash": "\x00wargame-line-hash\x00"}},  # ... as a nested member: twice
    {"type": "x", "hash": "stale", "prev": "stale", "a": {"hash": 1, "z": [{"hash": "y"}]}},
    {"type": "x", "hasi": 1, "hasj": 2, "h": 3, "i": 4, "zz": None},
    {},
]


def test_odd_lines_encode_as_if_twice() -> None:
    for ev in ODD:
        for prev in ("", "0" * 64):
            assert encode(ev, prev) == encode_twice(ev, prev)


@pytest.mark.parametrize("seed", [1, 2])
def test_a_games_lines_encode_as_if_twice(seed: int) -> None:
    loaded = load_scenario(ROOT / "tests" / "data" / "mini.yaml")
    session = play_session(loaded, seed, rules=Rules(loaded))
    prev = "0" * 64
    for ev in [{"type": "header", **{k: v for k, v in session.header.items() if k != "scenario"}},
               {"type": "scenario", "text": session.header["scenario"]}, *session.events]:
        data, h = encode(ev, prev)
        assert (data, h) == encode_twice(ev, prev)
        prev = h
