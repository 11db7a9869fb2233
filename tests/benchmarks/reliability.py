"""The reliability run of issue 15, as a script: fuzzing, truncation, byte edits, kills.

    python tests/benchmarks/reliability.py [--scenarios 2000] [--orders 200] [--edits 500]
                                           [--kills 50] [--app-kills 50] [--sweep FILE]

Each part prints its figures: inputs, clean results (a scenario or a clean error),
tracebacks (any other exception), hangs (over 20 s), lost events. Not part of the
test suite (minutes of CPU); the suite has smaller property tests of the same things
(test_loader_fuzz.py, test_save_forgery.py, test_saves.py, test_orphans.py).
"""

from __future__ import annotations

import argparse
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
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from wargame.engine.orders import load_script  # noqa: E402
from wargame.saves.catalog import save_info  # noqa: E402
from wargame.saves.log import SaveError, parse_log  # noqa: E402
from wargame.saves.session import rebuild  # noqa: E402
from wargame.scenario.loader import load_scenario, load_scenario_bytes  # noqa: E402
from wargame.scenario.yamlsafe import InputError  # noqa: E402

DATA = ROOT / "tests" / "data"
TECH = ROOT / "scenarios" / "tech-contest.yaml"
HISTORY_ORDERS = ROOT / "scenarios" / "orders" / "history-2016-2020.yaml"
HISTORY = ROOT / "saves" / "history-2016-2020.jsonl"


class Hang(Exception):
    pass


def _alarm(signum, frame):  # type: ignore[no-untyped-def]
    raise Hang()


signal.signal(signal.SIGALRM, _alarm)

NASTY = [b"1e999", b"-2e305", b"9" * 5000, b'"false"', b"!!python/object:os.system", b"*a", b"&a [x]", b"\t",
         b"\xff", b"\x00", b"\xef\xbb\xbf", b"{", b"]", b": ", b"- ", b"~", b"null", b"[]", b"{}", b"'", b'"',
         b"2016-13-45", b"0x1F", b".nan", b"-.inf", b"1_000", b"<<: *a", b"? ", b"|", b">-", b"#"]


def mutate(raw: bytes, rng: random.Random) -> bytes:
    lines = raw.split(b"\n")
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        op = rng.randrange(8)
        i = rng.randrange(len(lines))
        if op == 0:  # replace a number
            lines[i] = re.sub(rb"-?\d+(\.\d+)?", rng.choice(NASTY[:4] + [b"0", b"-1", b"1e12", b"1e13"]), lines[i], count=1)
        elif op == 1:
            lines.insert(i, lines[rng.randrange(len(lines))])  # duplicate a line
        elif op == 2:
            del lines[i]
        elif op == 3:  # insert a nasty token
            line = lines[i]
            k = rng.randint(0, len(line))
            lines[i] = line[:k] + rng.choice(NASTY) + line[k:]
        elif op == 4:  # flip a byte
            line = bytearray(lines[i])
            if line:
                line[rng.randrange(len(line))] = rng.randrange(256)
            lines[i] = bytes(line)
        elif op == 5:  # change indentation
            lines[i] = b" " * rng.choice([0, 1, 3, 5]) + lines[i].lstrip()
        elif op == 6:  # rename an id
            lines[i] = re.sub(rb"[a-z_]{3,}", rng.choice([b"x", b"Bad-Id", b"us", b"cn_fund"]), lines[i], count=1)
        else:  # swap two lines
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
    out = b"\n".join(lines)
    if rng.random() < 0.02:
        out = b"\xef\xbb\xbf" + out
    return out


def classify(fn) -> str:  # type: ignore[no-untyped-def]
    signal.alarm(20)
    try:
        fn()
        return "ok"
    except (InputError, SaveError):
        return "clean error"
    except Hang:
        return "hang"
    except Exception:  # noqa: BLE001 - what we count
        traceback.print_exc(limit=3)
        return "traceback"
    finally:
        signal.alarm(0)


def cli(*args: str) -> str:
    """Run a command in-process, as a user would; classify by its exit code."""
    import contextlib
    import io

    from wargame.cli import main as wargame

    signal.alarm(60)
    err = io.StringIO()
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            code = wargame(list(args))
    except Hang:
        return "hang"
    finally:
        signal.alarm(0)
    if code == 3 or "Traceback" in err.getvalue():
        print(err.getvalue()[-600:], file=sys.stderr)
        return "traceback"
    return {0: "ok", 1: "clean error"}.get(code, f"exit {code}")


def fuzz_scenarios(n: int, rng: random.Random) -> Counter:
    """Fuzzed scenarios through `wargame validate` (load, compile, expectations), and each one
    that validates through `wargame simulate` (a whole game against bots)."""
    sources = [(DATA / "mini.yaml").read_bytes(), TECH.read_bytes()]
    c: Counter = Counter()
    played: Counter = Counter()
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        # each scenario next to its own evidence (and tech-contest's orders files), as in the project
        shutil.copytree(DATA / "seeds", Path(tmp) / "mini" / "seeds")
        shutil.copytree(ROOT / "seeds", Path(tmp) / "tech" / "seeds")
        shutil.copytree(TECH.parent / "orders", Path(tmp) / "tech" / "scenarios" / "orders")
        where = [Path(tmp) / "mini" / "fuzz.yaml", Path(tmp) / "tech" / "scenarios" / "fuzz.yaml"]
        for k in range(n):
            raw = mutate(sources[k % 2], rng)
            p = where[k % 2]
            p.write_bytes(raw)
            got = cli("validate", str(p))
            c[got] += 1
            if got == "ok" or (got == "clean error" and _loads(p)):
                played[cli("simulate", str(p), "--json")] += 1
    print(f"scenarios: {n} fuzzed (half mini, half tech-contest) through validate: {dict(c)}; "
          f"those that load, through simulate: {dict(played)}; {time.monotonic() - t0:.0f} s")
    return c


def _loads(p: Path) -> bool:
    try:
        load_scenario(p)
        return True
    except InputError:
        return False


def fuzz_orders(n: int, rng: random.Random) -> Counter:
    loaded = load_scenario(TECH)
    raw0 = HISTORY_ORDERS.read_bytes()
    c: Counter = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(n):
            p = Path(tmp) / f"o{k}.yaml"
            p.write_bytes(mutate(raw0, rng))
            c[classify(lambda: load_script(loaded.scenario, p))] += 1
    print(f"orders files: {n} fuzzed: {dict(c)}")
    return c


def _events_in(raw: bytes) -> list[str]:
    out = []
    for line in raw.split(b"\n")[1:]:
        if line:
            o = json.loads(line)
            if o["type"] not in ("scenario", "end"):
                out.append(o["hash"])
    return out


def sweep(path: Path, step: int = 1) -> None:
    """Truncate at every offset: the events recovered must be exactly the whole event lines before the cut."""
    raw = path.read_bytes()
    hashes = _events_in(raw)
    c: Counter = Counter()
    lost = 0
    t0 = time.monotonic()
    for off in range(0, len(raw) + 1, step):
        cut = raw[:off]
        try:
            read = parse_log(cut, path)
        except SaveError:
            c["clean error (header incomplete)"] += 1
            continue
        except Exception:  # noqa: BLE001
            traceback.print_exc(limit=3)
            c["traceback"] += 1
            continue
        expect = [h for h in _events_in(cut[: cut.rfind(b"\n") + 1]) if h in hashes]
        got = [e["hash"] for e in read.events]
        if got != expect:
            lost += len(expect) - len(got)
            c["wrong recovery"] += 1
        else:
            c["exact recovery"] += 1
    print(f"truncation: {path.name}, {len(range(0, len(raw) + 1, step))} offsets: {dict(c)}, events lost {lost}, "
          f"{time.monotonic() - t0:.0f} s")


def byte_edits(path: Path, n: int, rng: random.Random) -> None:
    raw = path.read_bytes()
    hashes = _events_in(raw)
    starts = [0] + [i + 1 for i, b in enumerate(raw) if b == 10]
    c: Counter = Counter()
    lost = 0
    for _ in range(n):
        off = rng.randrange(len(raw))
        new = rng.choice([b for b in range(256) if b != raw[off]])
        bad = raw[:off] + bytes([new]) + raw[off + 1:]
        line = raw[:off].count(b"\n") + 1
        try:
            read = parse_log(bad, path)
            try:
                replay = rebuild(read)
                replay.problems()
                c["clean (rebuilt)"] += 1
            except SaveError:
                c["clean error on rebuild"] += 1
            # every event on a line before the edited one must be recovered
            before = [h for i, h in enumerate(hashes) if _line_of_event(raw, starts, i) < line]
            got = [e["hash"] for e in read.events]
            if got[: len(before)] != before:
                lost += len(before) - len([h for h in got if h in before])
        except SaveError:
            c["clean error (header)"] += 1
        except Exception:  # noqa: BLE001
            traceback.print_exc(limit=3)
            c["traceback"] += 1
    print(f"byte edits: {path.name}, {n} single-byte edits: {dict(c)}, events before the edit lost {lost}")


_EVENT_LINES: dict[int, list[int]] = {}


def _line_of_event(raw: bytes, starts: list[int], i: int) -> int:
    key = id(raw)
    if key not in _EVENT_LINES:
        lines = []
        for n, line in enumerate(raw.split(b"\n"), 1):
            if n > 1 and line and json.loads(line)["type"] not in ("scenario", "end"):
                lines.append(n)
        _EVENT_LINES[key] = lines
    return _EVENT_LINES[key][i]


def simulate_kills(n: int) -> None:
    from test_orphans import kill_parent_and_wait

    left_total, seen_total, fails = 0, 0, 0
    for _ in range(n):
        kids, left = kill_parent_and_wait(["simulate", "tech-contest", "--runs", "2000", "--workers", "2", "--json"], 2)
        seen_total += len(kids)
        left_total += len(left)
        fails += bool(left)
    print(f"simulate kills: {n} SIGKILLs of simulate --runs 2000 --workers 2: {seen_total} worker processes seen, "
          f"{left_total} still alive 5 s later ({fails} runs with survivors)")


def app_kills(n: int, rng: random.Random) -> None:
    """Kill the app (in tmux) at random moments while bots play a game that is being saved."""
    if shutil.which("tmux") is None:
        print("app kills: tmux not installed; skipped")
        return
    saves = Path(tempfile.mkdtemp(prefix="wargame-kill-"))
    c: Counter = Counter()
    env = f"WARGAME_SAVES={saves} PYTHONPATH={ROOT}"
    for k in range(n):
        name = f"wgkill{os.getpid()}-{k}"
        cmd = f"{env} {sys.executable} -m wargame play {DATA / 'mini.yaml'} --bots us,cn,eu"
        subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "120", "-y", "40", cmd], check=True)
        try:
            t_end = time.monotonic() + rng.uniform(1.5, 6)
            while time.monotonic() < t_end:
                subprocess.run(["tmux", "send-keys", "-t", name, "Enter"], capture_output=True)
                time.sleep(rng.uniform(0.05, 0.3))
            pane = subprocess.run(["tmux", "list-panes", "-t", name, "-F", "#{pane_pid}"], capture_output=True, text=True)
            pid = int(pane.stdout.split()[0]) if pane.stdout.strip() else None
            if pid:
                os.kill(pid, signal.SIGKILL)
        finally:
            subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
    for p in sorted(saves.iterdir()):
        if p.suffix != ".jsonl":
            c["other file (temporary)"] += 1
            continue
        info = save_info(p)
        if info.intact:
            c["intact"] += 1
        elif "cut short" in info.problem:
            c["last line cut short (recoverable)"] += 1
        else:
            c[f"damaged: {info.problem[:80]}"] += 1
    print(f"app kills: {n} SIGKILLs of the app in tmux during bot play: saves left {dict(c)}")
    shutil.rmtree(saves, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenarios", type=int, default=2000)
    ap.add_argument("--orders", type=int, default=200)
    ap.add_argument("--edits", type=int, default=500)
    ap.add_argument("--kills", type=int, default=50)
    ap.add_argument("--app-kills", type=int, default=50)
    ap.add_argument("--sweep", type=Path, default=HISTORY)
    ap.add_argument("--sweep-step", type=int, default=1)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--only", choices=["scenarios", "orders", "sweep", "edits", "kills", "app"], action="append")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    only = set(a.only or ["scenarios", "orders", "sweep", "edits", "kills", "app"])
    if "scenarios" in only:
        fuzz_scenarios(a.scenarios, rng)
    if "orders" in only:
        fuzz_orders(a.orders, rng)
    if "sweep" in only:
        sweep(a.sweep, a.sweep_step)
    if "edits" in only:
        byte_edits(a.sweep, a.edits, rng)
    if "kills" in only:
        simulate_kills(a.kills)
    if "app" in only:
        app_kills(a.app_kills, rng)


if __name__ == "__main__":
    main()
