"""Saves edited by someone who recomputes the hash chain (it is not a signature).

Property: whatever a line's fields are changed to (any JSON value, a field removed,
a field added), with the chain made valid again, ``replay --verify``, ``report``
and the saves listing all end in a clean result: exit 0 or 1, a message, never
an internal error, and the listing never raises. The heavier run (thousands of
examples, the big tech-contest save) is tests/benchmarks/fuzz_saves.py.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wargame.cli import main
from wargame.saves.catalog import save_info
from wargame.saves.log import encode
from wargame.scenario.loader import load_scenario
from savegen import bot_game

DATA = Path(__file__).resolve().parent / "data"

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


@pytest.fixture(scope="module")
def game_lines(tmp_path_factory) -> list[dict[str, Any]]:
    loaded = load_scenario(DATA / "mini.yaml")
    path = tmp_path_factory.mktemp("forge") / "game.jsonl"
    bot_game(loaded, 9, path)
    return [json.loads(x) for x in path.read_bytes().split(b"\n")[:-1]]


def rechain(objs: list[dict[str, Any]]) -> bytes:
    """Lines with a valid chain: line 2 (the scenario) and the first event follow the header."""
    out = []
    head, h1 = encode(objs[0], "")
    out.append(head)
    prev = h1
    for i, o in enumerate(objs[1:], 1):
        data, h = encode(o, h1 if i <= 2 else prev)
        out.append(data)
        prev = h
    return b"".join(out)


@st.composite
def forgeries(draw, lines: list[dict[str, Any]]) -> bytes:
    objs = json.loads(json.dumps(lines))
    for _ in range(draw(st.integers(1, 3), label="edits")):
        i = draw(st.integers(0, len(objs) - 1), label="line")
        target: Any = objs[i]
        # go down into the value a few levels, as a careful forger would
        for _ in range(draw(st.integers(0, 2), label="depth")):
            keys = [k for k in target if k not in ("prev", "hash")] if isinstance(target, dict) else \
                list(range(len(target))) if isinstance(target, list) else []
            if not keys:
                break
            k = draw(st.sampled_from(keys), label="into")
            if not isinstance(target[k], dict | list):
                break
            target = target[k]
        if isinstance(target, dict):
            keys = [k for k in target if k not in ("prev", "hash")]
            action = draw(st.sampled_from(["set", "delete", "add"]), label="action")
            if action == "delete" and keys:
                del target[draw(st.sampled_from(keys))]
            elif action == "set" and keys:
                target[draw(st.sampled_from(keys))] = draw(JSON, label="value")
            else:
                target[draw(st.text(max_size=8), label="new key")] = draw(JSON, label="value")
        elif isinstance(target, list) and target:
            target[draw(st.integers(0, len(target) - 1))] = draw(JSON, label="value")
    return rechain(objs)


def _run(*args: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, err.getvalue()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_forged_saves_end_in_a_clean_result(game_lines, data) -> None:
    raw = data.draw(forgeries(game_lines))
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "forged.jsonl"
        p.write_bytes(raw)
        code, err = _run("replay", str(p), "--verify")
        assert code in (0, 1) and "internal error" not in err, err
        code, err = _run("report", str(p))
        assert code in (0, 1) and "internal error" not in err, err
        info = save_info(p)  # never raises
        assert info.intact or info.problem
        assert "unexpected error" not in info.problem, info.problem
