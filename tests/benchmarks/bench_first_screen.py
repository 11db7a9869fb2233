"""Time to the first useful screen in a real terminal: tmux, 120x40.

Not run by default (see README.md here). For each trial a tmux session is started with
the program, and its pane is read (``tmux capture-pane``) every few milliseconds until
the screen shows what the user waits for:

- an empty Textual app (one Label): until the label is on screen;
- ``python -m wargame`` (the title screen): until every role of the default scenario is
  on screen, each with its seat, i.e. the first screen a user can act on.

Trials alternate between the two (interleaved medians; the machine may be shared). The
wargame runs with its title-card cache warm (one run before the trials writes it, as any
earlier start would) in a temporary cache folder (WARGAME_CACHE), and once cold (no card)
for reference. Wall time: what the user waits; nothing is asserted about it.

    python tests/benchmarks/bench_first_screen.py      # BENCH_RUNS=10 by default
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNS = int(os.environ.get("BENCH_RUNS", "10"))

EMPTY_APP = """
from textual.app import App
from textual.widgets import Label
class Empty(App):
    def compose(self):
        yield Label("empty app ready")
Empty().run()
"""


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True).stdout


def time_to(command: list[str], markers: list[str], env: dict[str, str], timeout: float = 30.0) -> float:
    """Seconds from starting ``command`` in a fresh 120x40 tmux session until every marker is on screen."""
    name = f"bench-{os.getpid()}-{time.monotonic_ns()}"
    shell_cmd = " ".join(f"'{c}'" for c in command)
    envs = [f"{k}={v}" for k, v in env.items()]
    t0 = time.perf_counter()
    subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "120", "-y", "40",
                    "env", *envs, "sh", "-c", f"cd '{ROOT}' && exec {shell_cmd}"], check=True)
    try:
        while time.perf_counter() - t0 < timeout:
            screen = tmux("capture-pane", "-p", "-t", name)
            if all(m in screen for m in markers):
                return time.perf_counter() - t0
            time.sleep(0.004)
        raise TimeoutError(f"{command}: {markers} never appeared; screen:\n{screen}")
    finally:
        tmux("kill-session", "-t", name)


def run() -> dict[str, float]:
    if shutil.which("tmux") is None:
        print("tmux is not installed: skipped")
        return {}
    from wargame.scenario.catalog import find_scenario
    from wargame.scenario.loader import load_scenario

    roles = [r.name for r in load_scenario(find_scenario(None)).scenario.roles.values()]
    markers = [n[:30] for n in roles]
    with tempfile.TemporaryDirectory() as tmp:
        base = {"TERM": "xterm-256color", "TEXTUAL_ANIMATIONS": "none", "WARGAME_SAVES": f"{tmp}/saves",
                "PATH": os.environ.get("PATH", "")}
        if "VIRTUAL_ENV" in os.environ:
            base["VIRTUAL_ENV"] = os.environ["VIRTUAL_ENV"]
        warm = {**base, "WARGAME_CACHE": f"{tmp}/cache"}
        empty_cmd = [sys.executable, "-c", EMPTY_APP]
        app_cmd = [sys.executable, "-m", "wargame"]
        cold = [time_to(app_cmd, markers, {**base, "WARGAME_CACHE": f"{tmp}/cold-{i}"}) for i in range(3)]
        time_to(empty_cmd, ["empty app ready"], base)  # warm the disk cache and bytecode
        time_to(app_cmd, markers, warm)  # writes the title card, as any earlier start would
        empty, ours = [], []
        for i in range(RUNS):
            pair = ((empty, empty_cmd, ["empty app ready"], base), (ours, app_cmd, markers, warm))
            for bucket, cmd, marks, env in (pair if i % 2 == 0 else pair[::-1]):
                bucket.append(time_to(cmd, marks, env))
    e, w, c = statistics.median(empty), statistics.median(ours), statistics.median(cold)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nfirst useful screen in tmux 120x40 ({RUNS} interleaved runs each, medians of wall time; "
          f"load average {load:.1f} on {os.cpu_count()} CPUs, shared machine)")
    print(f"  empty Textual app, label on screen            {e * 1000:7.0f} ms")
    print(f"  wargame title, every role and seat on screen  {w * 1000:7.0f} ms   {w / e:.2f}x the empty app")
    print(f"  (no title card cached yet, 3 runs)             {c * 1000:7.0f} ms   {c / e:.2f}x")
    return {"empty": e, "warm": w, "cold": c}


def test_benchmark_first_screen() -> None:
    run()


if __name__ == "__main__":
    run()
