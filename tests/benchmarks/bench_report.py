"""The after-action report of the documented-history save: what ``wargame report --format html`` costs.

Not run by default (see README.md here). In process (load the save with its traces, build
the document, write HTML) and as a whole command in a fresh interpreter (what a user waits
for, imports included). Medians of several trials, CPU and wall (the machine may be shared).
Nothing is asserted about time.

    python tests/benchmarks/bench_report.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from wargame.report import render_report
from wargame.saves.session import load

ROOT = Path(__file__).resolve().parents[2]
HISTORY = ROOT / "saves" / "history-2016-2020.jsonl"
TRIALS = int(os.environ.get("BENCH_TRIALS", "7"))


def run() -> dict[str, float]:
    render_report(load(HISTORY), "html", source=HISTORY.name)  # warm
    walls, cpus = [], []
    for _ in range(TRIALS):
        t, c = time.perf_counter(), time.process_time()
        render_report(load(HISTORY), "html", source=HISTORY.name)
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    cmd_walls = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(TRIALS):
            out = Path(tmp) / f"r{i}.html"
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "wargame", "report", str(HISTORY), "--format", "html", "-o", str(out)],
                           check=True, capture_output=True)
            cmd_walls.append(time.perf_counter() - t)
    load_avg = os.getloadavg()[0]
    print(f"\n  report, in process (load + build + HTML)   wall {statistics.median(walls) * 1e3:7.0f} ms   "
          f"cpu {statistics.median(cpus) * 1e3:7.0f} ms")
    print(f"  wargame report --format html (command)     wall {statistics.median(cmd_walls) * 1e3:7.0f} ms")
    print(f"  ({TRIALS} trials, medians; load average {load_avg:.1f} on {os.cpu_count()} CPUs)")
    return {"in_process": statistics.median(walls), "command": statistics.median(cmd_walls)}


def test_benchmark_report() -> None:
    assert run()


if __name__ == "__main__":
    run()
