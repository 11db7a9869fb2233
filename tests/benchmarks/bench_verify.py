"""Verifying a 200-round save: ``wargame replay --verify``'s work, in process.

Not run by default (see README.md here). The tech-contest scenario is stretched to 200
rounds (a copy in a temporary folder, beside a copy of its evidence), one all-bot game is
saved, and the save is then read, every line's hash checked, every event validated and
every round replayed and its digest compared, as ``replay --verify`` does (no round
traces: ``load(path, trace=False)``). Medians of several trials, CPU and wall time (the
machine may be shared). Nothing is asserted about time.

    python tests/benchmarks/bench_verify.py
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from wargame.play.headless import play_session
from wargame.saves.session import load
from wargame.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]
TRIALS = int(os.environ.get("BENCH_TRIALS", "7"))


def run() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(ROOT / "seeds", work / "seeds")
        text = (ROOT / "scenarios" / "tech-contest.yaml").read_text(encoding="utf-8")
        text, n = re.subn(r"(?m)^rounds: \d+$", "rounds: 200", text, count=1)
        assert n == 1
        (work / "long.yaml").write_text(text, encoding="utf-8")
        for name in ("orders", ):  # a history file the scenario may name, relative to it
            if (ROOT / "scenarios" / name).is_dir():
                shutil.copytree(ROOT / "scenarios" / name, work / name)
        save = work / "long.jsonl"
        play_session(load_scenario(work / "long.yaml"), 1, None, save)
        size = save.stat().st_size
        out = {}
        for label, trace in (("verify (no traces, as replay --verify)", False), ("load for the viewer (traces)", True)):
            load(save, trace=trace)
            walls, cpus = [], []
            for _ in range(TRIALS):
                t, c = time.perf_counter(), time.process_time()
                replay = load(save, trace=trace)
                walls.append(time.perf_counter() - t)
                cpus.append(time.process_time() - c)
                assert replay.intact and replay.game.state.round == 200
            out[label] = statistics.median(cpus)
            print(f"  {label:<42} wall {statistics.median(walls) * 1e3:7.1f} ms   cpu {statistics.median(cpus) * 1e3:7.1f} ms")
    load_avg = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"  (a 200-round tech-contest save, {size / 1024:.0f} KiB; {TRIALS} trials, medians; load average "
          f"{load_avg:.1f} on {os.cpu_count()} CPUs, shared machine)")
    return out


def test_benchmark_verify() -> None:
    assert run()


if __name__ == "__main__":
    run()
