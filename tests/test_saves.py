"""Saved games: the hash-chained log, replay, damage, crashes, undo and fork, and the report.

The save format's promises, each checked against real saves:

* a game written through :class:`Session` loads back to the same states, traces and bytes;
* a truncated, bit-flipped, edited or partly deleted file never crashes the loader and gives
  back exactly the lines before the first bad one;
* an event reported committed survives SIGKILL;
* a save replays without its scenario file, and a changed rule is named by round and indicator;
* undo and fork write new files and leave the original alone;
* ``wargame replay --verify`` and ``wargame report`` say the right thing with the right exit code.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from wargame.cli import main
from wargame.engine.bots import choose_orders, legal_plays, offered_deals
from wargame.engine.game import bot_rng
from wargame.engine.orders import Order
from wargame.saves.log import FORMAT, SaveError, SaveWriter, encode, log_bytes, parse_log, read_log
from wargame.saves.session import (
    Session,
    default_save_path,
    fork,
    override_bounds,
    load,
    rebuild,
    recover,
    resume,
    undo,
)
from wargame.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
MINI = DATA / "mini.yaml"
TECH = ROOT / "scenarios" / "tech-contest.yaml"


@pytest.fixture(scope="module")
def mini():
    return load_scenario(MINI)


def play_rich(loaded, path: Path | None, seed: int = 7, rounds: int | None = None) -> Session:
    """A game that uses every kind of event: bot and human orders, a deal, injects,
    overrides (two on one indicator), notes and bookmarks."""
    s = Session.new(loaded, seed, {r: ("human" if i == 0 else "bot") for i, r in enumerate(loaded.scenario.roles)}, path)
    g, rules = s.game, s.rules
    events = list(rules.scenario.events)
    s.note("Before the first round: the room is briefed.")
    last = rules.scenario.rounds if rounds is None else rounds
    while g.state.round < last:
        rnd = g.round
        for role in rules.roles:
            s.submit(role, choose_orders(rules, g.state, role, bot_rng(g.seed, rnd, role)), by="bot")
        if rnd == 2 and events:
            s.inject(events[-1])
        s.resolve()
        if rnd == 2:
            ind = rules.ids[0]
            s.override(ind, g.value(ind) + 3.25, "The room judged the model too pessimistic; firms stockpiled.")
            s.override(ind, g.value(ind) - 1.5, "On reflection, less: a second ruling on the same indicator.")
        s.note(f"After round {rnd}: «notes» keep unicode, \"quotes\" and\nnewlines", bookmark=rnd % 2 == 1)
    return s


@pytest.fixture(scope="module")
def mini_save(tmp_path_factory, mini) -> Path:
    path = tmp_path_factory.mktemp("saves") / "mini.jsonl"
    play_rich(mini, path).close()
    return path


def lines_of(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def run_cli(*args: str, capsys=None) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr() if capsys is not None else ("", "")
    return code, out, err


# --- (a) a game written through a Session loads back exactly ---------------------------

def _random_game(loaded, path: Path, data, seed: int) -> Session:
    s = Session.new(loaded, seed, None, path)
    g, rules = s.game, s.rules
    sc = rules.scenario
    texts = st.text(max_size=40)
    rounds = data.draw(st.integers(0, sc.rounds), label="rounds")
    for _ in range(rounds):
        for role in rules.roles:
            if data.draw(st.booleans(), label="skip role"):
                continue
            legal = legal_plays(rules, g.state, role)
            orders = data.draw(st.lists(st.sampled_from(legal), unique=True, max_size=3), label="plays") if legal else []
            for mid in offered_deals(rules, role):
                if data.draw(st.booleans(), label="answer"):
                    ans = data.draw(st.sampled_from(["accept", "reject"] + (["renegotiate"] if sc.moves[mid].deal.renegotiated else [])))
                    orders.append(Order(role, mid, "respond", answer=ans))
            for p in g.state.policies:
                if p.role == role and data.draw(st.integers(0, 4), label="revoke") == 0:
                    orders.append(Order(role, p.move, "revoke"))
            s.submit(role, orders, by=data.draw(st.sampled_from(["human", "bot"])))
        for eid in data.draw(st.lists(st.sampled_from(list(sc.events)), max_size=2), label="injects") if sc.events else []:
            s.inject(eid)
        s.resolve()
        for _ in range(data.draw(st.integers(0, 2), label="overrides")):
            ind = data.draw(st.sampled_from(rules.ids))
            lo, hi = override_bounds(rules, ind)
            value = data.draw(st.floats(lo, hi, allow_nan=False))
            s.override(ind, value, data.draw(texts.filter(str.strip), label="reason"))
        for _ in range(data.draw(st.integers(0, 2), label="notes")):
            s.note(data.draw(texts, label="note"), bookmark=data.draw(st.booleans()))
    s.close()
    return s


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), seed=st.integers(0, 2**31 - 1))
def test_random_games_load_back_exactly(mini, data, seed):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "game.jsonl"
        played = _random_game(mini, path, data, seed)
        event(f"rounds={played.game.state.round}, overrides={bool(played.game.overrides)}")
        raw = path.read_bytes()
        replay = load(path)
        assert replay.intact, replay.problems()
        assert [st_.digest() for st_ in replay.game.states] == [st_.digest() for st_ in played.game.states]
        rules = played.rules
        assert [t.to_json(rules) for t in replay.game.traces] == [t.to_json(rules) for t in played.game.traces]
        assert [(o.after_round, o.indicator, o.value, o.model_value, o.reason) for o in replay.game.overrides] == \
               [(o.after_round, o.indicator, o.value, o.model_value, o.reason) for o in played.game.overrides]
        # The same bytes, whether re-encoded from the loaded log or from the game as played.
        assert log_bytes(replay.session.header, replay.session.events) == raw
        assert hashlib.sha256(log_bytes(played.header, played.events)).hexdigest() == hashlib.sha256(raw).hexdigest()


# --- (b) damage: truncation, flipped bytes, deleted and edited lines --------------------

def _saves_to_damage(tmp_path_factory, mini) -> list[Path]:
    out = []
    folder = tmp_path_factory.mktemp("damage")
    p = folder / "mini.jsonl"
    play_rich(mini, p).close()
    out.append(p)
    if TECH.is_file():
        tech = load_scenario(TECH)
        p = folder / "tech.jsonl"
        play_rich(tech, p, rounds=min(4, tech.scenario.rounds)).close()
        out.append(p)
    return out


@pytest.fixture(scope="module")
def damage_saves(tmp_path_factory, mini) -> list[Path]:
    return _saves_to_damage(tmp_path_factory, mini)


def _end_line(raw: bytes) -> int | None:
    """The line number of the end-of-game line in a whole log (None if the game is unfinished)."""
    for n, line in enumerate(raw.split(b"\n"), 1):
        if line.startswith(b"{") and json.loads(line).get("type") == "end":
            return n
    return None


def _event_hashes(raw: bytes) -> list[str]:
    """The hashes of a whole log's events, in order (header, scenario and end lines left out)."""
    out = []
    for line in raw.split(b"\n")[2:]:
        if line:
            obj = json.loads(line)
            if obj["type"] != "end":
                out.append(obj["hash"])
    return out


def _check_prefix(raw: bytes, cut: bytes, path: Path, end_line: int | None = None) -> int | None:
    """parse_log on a prefix of a good log: SaveError only while the header is incomplete,
    otherwise exactly the complete event lines are recovered. Returns the events recovered.

    Format 2: line 2 is the scenario, and a finished game's last resolution is followed by
    an end line; a cut exactly between the two (at a line end) is damage, not a shorter game.
    """
    header_end = raw.index(b"\n") + 1
    if len(cut) < header_end:
        with pytest.raises(SaveError) as exc:
            parse_log(cut, path)
        assert "empty" in str(exc.value) or "header cannot be read" in str(exc.value)
        return None
    read = parse_log(cut, path)
    complete = cut.count(b"\n")
    ended = end_line is not None and complete >= end_line
    assert len(read.events) == max(0, complete - 2) - ended
    assert read.ended == ended
    if cut.endswith(b"\n") and complete == 1:
        assert read.damaged_line == 2 and "ends after the header" in read.damage
    elif cut.endswith(b"\n") and end_line is not None and complete == end_line - 1:
        assert read.damaged_line == end_line and "end line" in read.damage, read.damage
    elif cut.endswith(b"\n"):
        assert read.damage == "" and read.damaged_line is None
    else:
        assert read.damaged_line == complete + 1
        assert "cut short" in read.damage
        assert read.lost_lines == 1 and read.lost_bytes == len(cut) - cut.rindex(b"\n") - 1
    return len(read.events)


def _offsets(raw: bytes, full: bool) -> list[int]:
    """Every offset; or, for a big save in a quick run, every offset near the header's end,
    around every line boundary and inside a few whole event lines, plus a random sample."""
    if full:
        return list(range(len(raw) + 1))
    header_end = raw.index(b"\n") + 1
    starts = [0] + [i + 1 for i, b in enumerate(raw) if b == 10]
    picked = {*range(0, 64), *range(header_end - 2048, header_end + 1)}
    picked |= {i + d for i in starts for d in (-2, -1, 0, 1, 2)}
    for k in (1, 2, len(starts) // 2, len(starts) - 3, len(starts) - 2):  # whole lines, every byte
        picked |= set(range(starts[k], starts[k + 1] + 1))
    picked |= set(random.Random(1).sample(range(len(raw) + 1), 3000))
    return sorted(o for o in picked if 0 <= o <= len(raw))


def test_truncation_at_every_byte(damage_saves):
    """Every prefix of the mini save. The tech-contest save's header alone is ~175 KB, so every
    prefix of it takes about a minute: set WARGAME_FULL_SWEEP=1 for that; by default its
    prefixes are sampled (every byte of several lines, every line boundary, 3000 at random)."""
    for path in damage_saves:
        raw = path.read_bytes()
        full = path.name == "mini.jsonl" or bool(os.environ.get("WARGAME_FULL_SWEEP"))
        events = len(parse_log(raw, path).events)
        end_line = _end_line(raw)
        # The events recovered depend only on how many lines are whole, so a rebuild is run
        # once per count (for the big save, a few counts: each rebuild validates its scenario).
        to_rebuild = set(range(events + 1)) if full else {0, 1, 2, events // 2, events - 1, events}
        seen: set[int] = set()
        for off in _offsets(raw, full):
            n = _check_prefix(raw, raw[:off], path, end_line)
            if n is None or n in seen:
                continue
            seen.add(n)
            if n in to_rebuild and raw[:off].count(b"\n") >= 2:  # the scenario line is whole
                replay = rebuild(parse_log(raw[:off], path))
                assert replay.divergence is None
                assert len(replay.session.events) == n
        assert seen == set(range(events + 1))  # every line boundary was reached


def test_truncated_file_through_read_log_and_cli(mini_save, tmp_path, capsys):
    raw = mini_save.read_bytes()
    lines = lines_of(mini_save)
    cut_at = sum(len(x) for x in lines[:6]) + 10  # inside line 7
    p = tmp_path / "cut.jsonl"
    p.write_bytes(raw[:cut_at])
    read = read_log(p)
    assert len(read.events) == 4 and read.damaged_line == 7  # lines 3-6: line 2 is the scenario
    code, out, err = run_cli("replay", str(p), "--verify", capsys=capsys)
    assert code == 1
    assert f"{p}:7: damaged at line 7" in err and "cut short" in err
    assert "4 events before it recovered" in err and "lost" in err
    assert "Traceback" not in err


def test_flipped_bytes_recover_the_lines_before(damage_saves):
    path = damage_saves[0]
    raw = path.read_bytes()
    end = _end_line(raw)
    rng = random.Random(20240521)
    for _ in range(300):
        off = rng.randrange(len(raw))
        new = rng.choice([b for b in range(256) if b != raw[off]])
        bad = raw[:off] + bytes([new]) + raw[off + 1:]
        line = raw[:off].count(b"\n") + 1  # the 1-based line holding the flipped byte
        if line == 1:
            with pytest.raises(SaveError):
                parse_log(bad, path)
            continue
        read = parse_log(bad, path)
        if line == 2:  # the scenario: every event is still read and checked
            assert read.scenario_damage and not read.damage, (off, new)
            assert read.events == parse_log(raw, path).events
            with pytest.raises(SaveError, match="no scenario file with its content hash"):
                rebuild(read)  # mini.yaml is not in ./scenarios to be found by its hash
            continue
        assert read.damaged_line == line, (off, new)
        expected = _event_hashes(raw)[: line - 3 - (line > end)]
        assert [e["hash"] for e in read.events] == expected
        replay = rebuild(read)  # never crashes
        assert not replay.intact


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_flipped_bytes_hypothesis(mini_save, data):
    raw = mini_save.read_bytes()
    off = data.draw(st.integers(raw.index(b"\n") + 1, len(raw) - 1), label="offset")
    new = data.draw(st.integers(0, 255).filter(lambda b: b != raw[off]), label="byte")
    bad = raw[:off] + bytes([new]) + raw[off + 1:]
    read = parse_log(bad, mini_save)
    line = raw[:off].count(b"\n") + 1
    if line == 2:
        assert read.scenario_damage and len(read.events) == len(parse_log(raw, mini_save).events)
        return
    end = _end_line(raw)
    assert read.damaged_line == line and len(read.events) == line - 3 - (line > end)
    rebuild(read).problems()


def test_deleted_middle_line_is_found(mini_save, tmp_path, capsys):
    lines = lines_of(mini_save)
    k = len(lines) // 2  # 0-based index of the line to drop
    p = tmp_path / "deleted.jsonl"
    p.write_bytes(b"".join(lines[:k] + lines[k + 1:]))
    read = read_log(p)
    assert read.damaged_line == k + 1
    assert len(read.events) == k - 2
    assert "does not follow the line before it" in read.damage
    assert read.lost_lines == len(lines) - k - 1
    code, _, err = run_cli("replay", str(p), "--verify", capsys=capsys)
    assert code == 1 and f"line {k + 1}" in err


def test_edited_value_with_valid_json_is_caught_by_the_hash(mini_save, tmp_path):
    lines = lines_of(mini_save)
    k = next(i for i, x in enumerate(lines) if json.loads(x)["type"] == "orders" and json.loads(x)["orders"])
    obj = json.loads(lines[k])
    obj["orders"] = obj["orders"][:-1]  # someone removes an order by hand and keeps the JSON tidy
    p = tmp_path / "edited.jsonl"
    p.write_bytes(b"".join(lines[:k]) + (json.dumps(obj, sort_keys=True, separators=(",", ":")) + "\n").encode() + b"".join(lines[k + 1:]))
    read = read_log(p)
    assert read.damaged_line == k + 1 and len(read.events) == k - 2
    assert "do not match its hash" in read.damage


def test_newer_format_gets_a_clear_error(mini_save, tmp_path, capsys):
    lines = lines_of(mini_save)
    header = json.loads(lines[0])
    header["format"] = FORMAT + 1
    for name, rehash in (("newer-rehashed.jsonl", True), ("newer.jsonl", False)):
        h = {k: v for k, v in header.items() if k != "hash"}
        data = encode(h, "")[0] if rehash else (json.dumps(header, sort_keys=True, separators=(",", ":")) + "\n").encode()
        p = tmp_path / name
        p.write_bytes(data + b"".join(lines[1:]))
        with pytest.raises(SaveError, match=rf"format {FORMAT + 1} is newer than this program understands"):
            read_log(p)
        code, _, err = run_cli("replay", str(p), "--verify", capsys=capsys)
        assert code == 1 and "newer" in err and "upgrade wargame" in err and "Traceback" not in err


@pytest.mark.parametrize("content, message", [
    (b"", "the file is empty"),
    (b"\n\n  \n", "the file is empty"),
    (b"hello, world\nthis is not a save\n", "header cannot be read: not valid JSON"),
    (bytes(range(256)) * 8, "header cannot be read"),
    (b'{"type": "orders"}\n', "header cannot be read"),
    (b"[" * 100_000 + b"\n", "header cannot be read"),
    (b'{"a": 1}', "header cannot be read: the line is cut short"),
])
def test_empty_and_garbage_files(tmp_path, capsys, content, message):
    p = tmp_path / "junk.jsonl"
    p.write_bytes(content)
    with pytest.raises(SaveError, match=re.escape(message)):
        read_log(p)
    code, _, err = run_cli("replay", str(p), "--verify", capsys=capsys)
    assert code == 1 and message in err and "Traceback" not in err
    code, _, err = run_cli("report", str(p), capsys=capsys)
    assert code == 1 and message in err


def test_a_line_that_cannot_be_applied_is_divergence_not_a_crash(mini_save, tmp_path):
    """A well-formed, correctly chained line the engine cannot apply (forged with a valid hash)."""
    replay = load(mini_save)
    header = replay.session.header
    events = [{k: v for k, v in e.items() if k not in ("prev", "hash")} for e in replay.read.events]
    digest = "0" * 64
    for bad in ({"type": "override", "round": 1, "indicator": "nope.nothing", "value": 1, "reason": "x", "digest": digest},
                {"type": "override", "round": 1, "indicator": events[-1].get("indicator", "chips.china_innovation"),
                 "value": 1e308, "reason": "x", "digest": digest},
                {"type": "orders", "round": 1, "role": "us", "orders": [{"move": "cn_fund"}]},
                {"type": "orders", "round": 1, "role": "martians", "orders": []},
                {"type": "inject", "round": 1, "event": "no_such_event"},
                {"type": "resolve", "round": 1, "digest": digest, "values": [], "quadrants": {}, "scores": {},
                 "summary": {}}):
        p = tmp_path / f"forged-{len(list(tmp_path.iterdir()))}.jsonl"
        p.write_bytes(log_bytes(header, events[:3] + [bad] + events[3:]))
        r = load(p)
        assert not r.intact
        assert r.read.damage == ""  # the chain is fine: it is the content that does not replay
        problems = " ".join(r.problems())
        assert "diverged" in problems


# --- (c) a crash loses nothing that was committed -------------------------------------

CHILD = r"""
import random, sys
from wargame.scenario.loader import load_scenario
from wargame.saves.session import Session
from wargame.engine.bots import legal_plays

path, seed = sys.argv[1], int(sys.argv[2])
loaded = load_scenario(sys.argv[3])
s = Session.new(loaded, seed, None, path)
print(s.writer.last_hash, flush=True)  # the header
append = s.writer.append
def reported(event):
    h = append(event)  # returns after write + fsync
    print(h, flush=True)
    return h
s.writer.append = reported
rng = random.Random(seed)
g, rules = s.game, s.rules
while not g.finished:
    for role in rules.roles:
        legal = legal_plays(rules, g.state, role)
        s.submit(role, rng.sample(legal, rng.randint(0, min(2, len(legal)))))
        s.note("thinking " * rng.randint(1, 200))
    s.resolve()
n = 0
while True:  # keep writing until killed
    n += 1
    s.note(f"note {n} " + "x" * rng.randint(0, 5000), bookmark=n % 3 == 0)
"""


@pytest.mark.parametrize("seed", range(8))
def test_sigkill_loses_nothing_committed(tmp_path, seed):
    path = tmp_path / "crash.jsonl"
    rng = random.Random(seed)
    k = rng.randint(1, 60)
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(seed), str(MINI)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    reported: list[str] = []
    try:
        assert proc.stdout is not None
        while len(reported) < k:
            line = proc.stdout.readline()
            if not line:
                break
            reported.append(line.decode().strip())
        time.sleep(rng.random() * 0.02)  # let it get somewhere mid-write, sometimes
        proc.send_signal(signal.SIGKILL)
        # Read through the same buffered reader: communicate() would skip what readline() buffered.
        tail = proc.stdout.read()
        err = proc.stderr.read() if proc.stderr is not None else b""
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert len(reported) == k, err.decode()[-2000:]
    reported += [h for h in tail.decode().split() if len(h) == 64]  # printed after fsync, so committed too
    read = read_log(path)
    assert read.header["hash"] == reported[0]
    hashes = [e["hash"] for e in read.events]
    assert set(reported[1:]) <= set(hashes)
    assert hashes[: len(reported) - 1] == reported[1:]  # in order, as a prefix
    if read.damage:  # only ever a final line cut short by the kill
        assert "cut short" in read.damage and read.lost_lines == 1
        assert not path.read_bytes().endswith(b"\n")
    assert rebuild(read).divergence is None


def test_a_failed_write_is_cut_back(tmp_path, mini, monkeypatch):
    """Disk full mid-event: the half-written line is removed, so later events still chain."""
    path = tmp_path / "full.jsonl"
    s = Session.new(mini, 7, None, path)
    s.note("first")
    import wargame.saves.log as logmod

    real = logmod.os.fsync
    calls = {"n": 0}

    def failing(fd):
        calls["n"] += 1
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(logmod.os, "fsync", failing)
    with pytest.raises(OSError):
        s.note("this one fails")
    monkeypatch.setattr(logmod.os, "fsync", real)
    assert [e.get("text") for e in s.events] == ["first"]  # nor in the session's record
    s.note("after the failure")
    s.close()
    read = read_log(path)
    assert read.damage == "" and [e["text"] for e in read.events] == ["first", "after the failure"]


# --- (d) the scenario travels inside the save -------------------------------------------

def test_save_replays_after_its_scenario_is_edited_and_deleted(tmp_path, capsys):
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(MINI, work / "mini.yaml")
    shutil.copytree(DATA / "seeds", work / "seeds")
    save = tmp_path / "game.jsonl"
    code, _, err = run_cli("simulate", str(work / "mini.yaml"), "--save", str(save), capsys=capsys)
    assert code == 0, err
    code, out, _ = run_cli("replay", str(save), "--verify", capsys=capsys)
    assert code == 0 and "intact" in out
    text = (work / "mini.yaml").read_text()
    edited = text.replace("change: -4", "change: -9").replace("budget: 4", "budget: 6")
    assert edited != text
    (work / "mini.yaml").write_text(edited)
    header = read_log(save).header
    assert load_scenario(work / "mini.yaml").sha256 != header["scenario_sha256"]
    code, out, err = run_cli("replay", str(save), "--verify", capsys=capsys)
    assert code == 0 and "intact" in out, err
    (work / "mini.yaml").unlink()
    shutil.rmtree(work / "seeds")
    code, out, err = run_cli("replay", str(save), "--verify", capsys=capsys)
    assert code == 0 and "intact" in out, err
    code, out, err = run_cli("report", str(save), capsys=capsys)
    assert code == 0 and "Round by round" in out


# --- (e) divergence: the chain is valid but history does not replay ----------------------

def _rewrite(path: Path, out: Path, edit) -> None:
    read = read_log(path)
    header = {k: v for k, v in read.header.items() if k not in ("type", "format", "prev", "hash")}
    events = [{k: v for k, v in e.items() if k not in ("prev", "hash")} for e in read.events]
    edit(header, events)
    out.write_bytes(log_bytes(header, events))  # a valid hash chain over the edited content


def test_tampered_resolve_values_are_named_by_round_and_indicator(mini_save, tmp_path, capsys):
    rules = load(mini_save).session.rules
    ind = "chips.china_innovation"
    i = rules.index[ind]

    def values_and_digest(header, events):
        ev = [e for e in events if e["type"] == "resolve" and e["round"] == 2][0]
        ev["values"][i] += 123_400
        ev["digest"] = "0" * 64  # what a different engine would have recorded

    def values_only(header, events):
        ev = [e for e in events if e["type"] == "resolve" and e["round"] == 2][0]
        ev["values"][i] += 123_400

    for name, edit, words in (("both", values_and_digest, "the rules now give a different result"),
                              ("values", values_only, "the values recorded for this round do not match")):
        p = tmp_path / f"{name}.jsonl"
        _rewrite(mini_save, p, edit)
        assert read_log(p).damage == ""
        code, out, err = run_cli("replay", str(p), "--verify", capsys=capsys)
        assert code == 1, out
        assert "round 2 diverged" in err and ind in err and words in err
        assert "recorded" in err and "now" in err


def test_a_changed_rule_in_the_stored_scenario_diverges(mini_save, tmp_path, capsys):
    """The realistic case: the rules that produced the log are not the rules replaying it."""
    def change_rule(header, events):
        sc = json.loads(header["scenario"])
        sc["dynamics"]["revert"]["delta"] = "0.3 * (start(chips.china_innovation) - chips.china_innovation)"
        header["scenario"] = json.dumps(sc, separators=(",", ":"), ensure_ascii=False)
        header["scenario_sha256"] = hashlib.sha256(header["scenario"].encode()).hexdigest()

    p = tmp_path / "rules.jsonl"
    _rewrite(mini_save, p, change_rule)
    code, _, err = run_cli("replay", str(p), "--verify", capsys=capsys)
    assert code == 1
    assert re.search(r"round \d+ diverged: the rules now give a different result: chips\.china_innovation recorded [\d.]+, now [\d.]+", err), err


def test_a_save_from_an_older_program_still_opens(mini_save, tmp_path, capsys):
    """A scenario stored before a field existed (its default applies) replays, intact: the
    stored scenario's hash is of the text as stored, not as this program would write it."""
    def older(header, events):
        sc = json.loads(header["scenario"])
        for sec in sc["sectors"].values():
            del sec["summary"]  # a field "added later", with a default
        header["scenario"] = json.dumps(sc, separators=(",", ":"), ensure_ascii=False)
        header["scenario_sha256"] = hashlib.sha256(header["scenario"].encode()).hexdigest()

    p = tmp_path / "older.jsonl"
    _rewrite(mini_save, p, older)
    code, out, err = run_cli("replay", str(p), "--verify", capsys=capsys)
    assert code == 0 and "intact" in out, err


def test_header_scenario_not_matching_its_hash(mini_save, tmp_path, capsys):
    def alter(header, events):
        sc = json.loads(header["scenario"])
        sc["title"] = "Something else"
        header["scenario"] = json.dumps(sc, separators=(",", ":"))

    p = tmp_path / "alt.jsonl"
    _rewrite(mini_save, p, alter)
    code, _, err = run_cli("replay", str(p), "--verify", capsys=capsys)
    assert code == 1 and "does not match its hash" in err


# --- (f) undo and fork write new logs ------------------------------------------------------

def test_undo_and_fork_write_new_files_naming_their_parent(mini_save, tmp_path):
    src = tmp_path / "game.jsonl"
    shutil.copy(mini_save, src)
    before = src.read_bytes()
    sha = hashlib.sha256(before).hexdigest()
    original = load(src)
    rounds = original.game.state.round

    u_round = undo(src)
    u_event = undo(src, "event")
    f2 = fork(src, 2)
    f0 = fork(src, 0, seats={r: "human" for r in original.session.rules.roles})
    assert src.read_bytes() == before  # never modified
    assert len({u_round, u_event, f2, f0, src}) == 5 and all(p.parent == src.parent for p in (u_round, u_event, f2, f0))

    for p, parent in ((u_round, {"undo": "round"}), (u_event, {"undo": "event"}), (f2, {"round": 2}), (f0, {"round": 0})):
        r = load(p)
        assert r.intact, r.problems()
        assert r.read.header["parent"] == {"file": src.name, "sha256": sha, **parent}
    assert load(u_round).game.state.round == rounds - 1
    assert len(load(u_event).read.events) == len(original.read.events) - 1
    r2 = load(f2)
    assert r2.game.state.round == 2
    assert [s.digest() for s in r2.game.states] == [s.digest() for s in original.game.states[:3]]
    # the overrides and notes made after round 2 was resolved stay with it
    assert [o.after_round for o in r2.game.overrides] == [o.after_round for o in original.game.overrides if o.after_round <= 2]
    assert load(f0).game.state.round == 0 and load(f0).session.seats == {r: "human" for r in original.session.rules.roles}
    # again: new names, never an overwrite
    assert fork(src, 2) != f2 and undo(src) != u_round
    with pytest.raises(SaveError, match="already exists"):
        fork(src, 1, out=f2)
    with pytest.raises(SaveError, match="cannot fork at round 99"):
        fork(src, 99)
    assert src.read_bytes() == before


def test_resume_continues_an_intact_save_and_refuses_a_damaged_one(mini, tmp_path):
    p = tmp_path / "g.jsonl"
    play_rich(mini, p, rounds=2).close()
    r = resume(p)
    s = r.session
    assert s.game.state.round == 2
    for role in s.rules.roles:
        s.submit(role, [])
    s.resolve()
    s.note("resumed")
    s.close()
    again = load(p)
    assert again.intact and again.game.state.round == 3
    raw = p.read_bytes()
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(raw[:-7])
    with pytest.raises(SaveError, match="damaged"):
        resume(bad)
    fixed = recover(bad)
    assert fixed != bad and bad.read_bytes() == raw[:-7]
    rec = load(fixed)
    assert rec.intact and len(rec.read.events) == len(again.read.events) - 1
    assert rec.read.header["parent"]["file"] == bad.name


def test_default_save_path_never_reuses_a_name(tmp_path):
    import datetime as dt

    now = dt.datetime(2024, 5, 21, 9, 30, 5)
    first = default_save_path("tech-contest", tmp_path, now)
    assert first == tmp_path / "tech-contest-20240521-093005.jsonl"
    first.write_text("x")
    second = default_save_path("tech-contest", tmp_path, now)
    assert second == tmp_path / "tech-contest-20240521-093005-2.jsonl"  # the time is kept
    second.write_text("x")
    assert default_save_path("tech-contest", tmp_path, now).name == "tech-contest-20240521-093005-3.jsonl"
    with pytest.raises(SaveError, match="already exists; saves are never overwritten"):
        SaveWriter.create(first, {"seed": 1})
    assert first.read_text() == "x"


def test_session_refuses_what_it_could_not_replay(mini, tmp_path):
    s = Session.new(mini, 7, None, tmp_path / "s.jsonl")
    with pytest.raises(ValueError):
        s.submit("martians", [])
    with pytest.raises(ValueError):
        s.submit("us", [Order("cn", "cn_fund")])
    with pytest.raises(ValueError):
        s.inject("no_such_event")
    with pytest.raises(ValueError):
        s.override("chips.china_innovation", 5, "   ")
    with pytest.raises(ValueError):
        s.override("chips.china_innovation", float("inf"), "why not")
    with pytest.raises(ValueError):
        s.override("nope.nothing", 5, "reason")
    with pytest.raises(ValueError, match="runs from 0 to 100: 150 is out of range"):
        s.override("chips.china_innovation", 150, "refused, not clamped")
    s.close()
    assert load(tmp_path / "s.jsonl").read.events == []


# --- (g) the command line -------------------------------------------------------------------

def test_verify_exit_codes_and_messages(mini_save, tmp_path, capsys):
    code, out, err = run_cli("replay", str(mini_save), "--verify", capsys=capsys)
    assert code == 0 and err == ""
    n = len(lines_of(mini_save))
    assert f"intact: {n} lines, 4 rounds replayed, every digest matches" in out
    assert hashlib.sha256(mini_save.read_bytes()).hexdigest() in out
    code, _, err = run_cli("replay", str(tmp_path / "missing.jsonl"), "--verify", capsys=capsys)
    assert code == 1 and "cannot read" in err


def test_report_markdown(mini_save, capsys):
    code, out, err = run_cli("report", str(mini_save), capsys=capsys)
    assert code == 0 and err == ""
    s = load(mini_save).session.rules.scenario
    assert out.startswith(f"# After-action report: {s.title}")
    for heading in ("## Key decisions and rulings", "## Each team against documented history", "## Where the facilitator departed",
                    "## Each sector on Kennedy's grid", "## Round by round", "### Round 1: 2016 H2",
                    "### Round 4: 2018 H1", "## Sectors over time", "## Team scores over time",
                    "## What drove the outcome", "## Sources", "## Appendix: the record"):
        assert heading in out
    # the quadrant map is a 2x2 table
    # Kennedy's Figure 1.1: innovation in China on the columns, the global effect on the rows.
    assert "|  | Innovation in China: success | Innovation in China: failure |" in out
    assert "| **Constructive for the global sector** | **A Win-Win**" in out
    assert "| **Destructive for the global sector** | **B Destructive Victory**" in out
    # move names, not ids; the override beside the model's value with its reason; notes and bookmarks
    assert "Export controls" in out and "The model's value" in out
    assert "The room judged the model too pessimistic; firms stockpiled." in out
    assert "★ bookmark:" in out and "After round 1: «notes» keep unicode" in out
    assert "test.start" in out  # unknown to the project's seeds: listed by id


def test_report_html_is_one_offline_file(mini_save, tmp_path, capsys):
    out_file = tmp_path / "r.html"
    code, _, err = run_cli("report", str(mini_save), "--format", "html", "-o", str(out_file), capsys=capsys)
    assert code == 0 and f"wrote {out_file}" in err
    text = out_file.read_text()
    assert text.startswith("<!DOCTYPE html>") and text.count("<svg") >= 3
    low = text.lower()
    for bad in ("<script", "<link", "@import", "url(http", "src=\"http", "<iframe", "<img"):
        assert bad not in low, bad
    assert "<?xml" not in text  # the SVG is inlined, not a separate document
    assert "The room judged the model too pessimistic; firms stockpiled." in text
    # deterministic: the same save gives the same bytes
    from wargame.report import render_report

    replay = load(mini_save)
    assert render_report(replay, "html", source=mini_save.name) == text


def test_report_escapes_what_people_typed(mini, tmp_path):
    from wargame.report import render_report

    p = tmp_path / "x.jsonl"
    s = Session.new(mini, 7, None, p)
    s.note("<script>alert('x')</script> | a *pipe* & `tick`")
    s.close()
    html_text = render_report(load(p), "html")
    assert "<script>" not in html_text and "&lt;script&gt;" in html_text
    md = render_report(load(p), "md")
    assert "\\<script\\>" in md and "\\|" in md


def test_report_on_a_damaged_save_renders_with_a_warning(mini_save, tmp_path, capsys):
    raw = mini_save.read_bytes()
    p = tmp_path / "damaged.jsonl"
    p.write_bytes(raw[: len(raw) * 3 // 4])
    for fmt in ("md", "html"):
        code, out, err = run_cli("report", str(p), "--format", fmt, capsys=capsys)
        assert code == 0
        assert err.startswith("warning: ") and "damaged at line" in err
        assert "this save is not intact" in out


def test_report_cites_facts_from_the_evidence_base(mini_save):
    from wargame.evidence import load_evidence
    from wargame.report import render_report

    ev = load_evidence((DATA / "seeds").resolve())
    md = render_report(load(mini_save), "md", evidence=ev)
    assert "A source made up for the test suite" in md and "test, section 3" in md
    assert "not found in the evidence base" not in md


HISTORY = ROOT / "saves" / "history-2016-2020.jsonl"


@pytest.mark.skipif(not HISTORY.is_file(), reason="the history save is not written yet")
def test_history_save_verifies_and_reports(capsys):
    code, out, err = run_cli("replay", str(HISTORY), "--verify", capsys=capsys)
    assert code == 0, err
    code, out, err = run_cli("report", str(HISTORY), capsys=capsys)
    assert code == 0 and err == ""
    assert "Where the sources place it" in out and "(agrees)" in out  # Kennedy's quadrants beside the game's
    assert "not found in the evidence base" not in out  # every citation resolves in seeds/
