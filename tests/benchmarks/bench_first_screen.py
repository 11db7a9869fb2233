"""Time to the first useful screen in a real terminal: tmux, 120x40.

Not run by default (see README.md here). For each trial a tmux session is started with
the program, and its pane is read (``tmux capture-pane``) every few milliseconds until
the screen shows what the user waits for:

- an empty Textual app (one Label): until the label is on screen;
- ``wargame`` (the title screen): until every role of the default scenario is on screen,
  with the seats column ("● HUMAN"), i.e. the first screen a user can act on; not a
  "Loading…" frame.

Trials alternate between the two (interleaved medians; the machine may be shared). The
wargame runs with its title-card cache warm (one run before the trials writes it, as any
earlier start would) in a temporary cache folder (WARGAME_CACHE), and once cold (no card)
for reference (cold runs come last, so they do not warm anything for the trials). Wall
time is what the user waits; the programs' CPU time is shown beside it; nothing is
asserted about either.

Both start the same way, as a user starts them: the same interpreter runs a script file
(the wargame's is the ``wargame`` console script pip installed beside it, the command a
user types, so the entry point's own cost counts), in the same clean environment (only
HOME, PATH, the locale and the virtual environment are passed on). In particular
PYTHONDONTWRITEBYTECODE is not passed on: on a user's machine Python caches the compiled
modules (pip compiles an installed package; an editable one is compiled on its first
start), so the warm-up runs write the bytecode and the trials use it, for both programs.
Without that cache the wargame would compile its own ~30 modules on every start.

    python tests/benchmarks/bench_first_screen.py      # BENCH_RUNS=10 by default
    BENCH_BASE=/tmp/base python tests/benchmarks/bench_first_screen.py   # also another version
"""

from __future__ import annotations

import importlib.util
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
POLL = os.environ.get("BENCH_POLL", "output")  # or "capture" (see time_to)
# A folder holding another version's `wargame` package (e.g. `git archive main wargame | tar -x
# -C DIR`): run it too, in the same trials, through the same console script (PYTHONPATH=DIR).
BASE = os.environ.get("BENCH_BASE", "")

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


PASSED_ON = ("HOME", "PATH", "LANG", "LC_ALL", "LC_CTYPE", "VIRTUAL_ENV")


def clean_env(**extra: str) -> dict[str, str]:
    """The environment both programs run in: a user's, not this shell's (see the module docstring)."""
    kept = {k: os.environ[k] for k in PASSED_ON if k in os.environ}
    return {**kept, "TERM": "xterm-256color", "TEXTUAL_ANIMATIONS": "none", **extra}


def cpu_seconds(pid: int) -> float:
    """CPU time used so far by every thread of process ``pid`` (Linux schedstat, in ns)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, IndexError, ValueError):  # the thread ended meanwhile
            pass
    return total / 1e9


def time_to(command: list[str], markers: list[str], env: dict[str, str], timeout: float = 30.0) -> tuple[float, float]:
    """Seconds from starting ``command`` in a fresh 120x40 tmux session until every marker is on
    screen, and the CPU seconds the program had used by then (nan where /proc cannot tell).

    The CPU figure is read just before the pane is read (when its output has grown), so it is
    the program's CPU time when the complete screen had been written, give or take the
    polling (1 ms when the output is watched, 4 ms otherwise). It is less disturbed by other
    processes than wall time."""
    name = f"bench-{os.getpid()}-{time.monotonic_ns()}"
    shell_cmd = " ".join(f"'{c}'" for c in command)
    envs = [f"{k}={v}" for k, v in env.items()]
    for attempt in range(5):  # the tmux server may be exiting after the last session closed
        t0 = time.perf_counter()
        # env -i: nothing from the tmux server's environment (which is this shell's) leaks in
        started = subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "120", "-y", "40",
                                  "env", "-i", *envs, "sh", "-c", f"cd '{ROOT}' && exec {shell_cmd}"])
        if started.returncode == 0:
            break
        time.sleep(0.2)
    else:
        raise RuntimeError("tmux would not start a session")
    # Reading the pane forks a tmux client (a few ms of CPU): every 4 ms, that is half a core
    # taken from the program measured on a 2-CPU machine. So, by default, the pane's output is
    # also copied to a file (pipe-pane), and the pane is read when that file has grown (or
    # every 50 ms). BENCH_POLL=capture reads it every 4 ms regardless, as before.
    copy = Path(tempfile.gettempdir()) / f"{name}.out"
    if POLL != "capture":
        tmux("pipe-pane", "-o", "-t", name, f"cat > '{copy}'")
    size, read_at = -1, 0.0
    try:
        pid = int(tmux("display-message", "-p", "-t", name, "#{pane_pid}").strip())
    except ValueError:
        pid = -1
    try:
        while time.perf_counter() - t0 < timeout:
            if POLL != "capture":
                try:
                    now_size = copy.stat().st_size
                except OSError:
                    now_size = 0
                if now_size == size and time.perf_counter() - read_at < 0.05:
                    time.sleep(0.001)
                    continue
                size, read_at = now_size, time.perf_counter()
            try:  # the pane's process is the program (sh exec'd it)
                cpu = cpu_seconds(pid)
            except OSError:
                cpu = float("nan")
            screen = tmux("capture-pane", "-p", "-t", name)
            if all(m in screen for m in markers):
                return time.perf_counter() - t0, cpu
            if POLL == "capture":
                time.sleep(0.004)
        raise TimeoutError(f"{command}: {markers} never appeared; screen:\n{screen}")
    finally:
        tmux("kill-session", "-t", name)
        copy.unlink(missing_ok=True)


def run() -> dict[str, float]:
    if shutil.which("tmux") is None:
        print("tmux is not installed: skipped")
        return {}
    import wargame.cli
    from wargame.scenario.catalog import find_scenario
    from wargame.scenario.loader import load_scenario

    roles = [r.name for r in load_scenario(find_scenario(None)).scenario.roles.values()]
    markers = [n[:30] for n in roles] + ["● HUMAN"]  # every role, and the seats column
    script = Path(sys.executable).parent / "wargame"
    with tempfile.TemporaryDirectory() as tmp:
        base = clean_env(WARGAME_SAVES=f"{tmp}/saves")
        warm = {**base, "WARGAME_CACHE": f"{tmp}/cache"}
        empty_file = Path(tmp) / "empty_app.py"
        empty_file.write_text(EMPTY_APP, encoding="utf-8")
        empty_cmd = [sys.executable, str(empty_file)]
        # the console script, run by the same interpreter (its first line names it anyway)
        app_cmd = [sys.executable, str(script)] if script.is_file() else [sys.executable, "-m", "wargame"]
        time_to(empty_cmd, ["empty app ready"], base)  # warm the disk cache and bytecode
        time_to(app_cmd, markers, warm)  # writes the title card and the bytecode, as any earlier start would
        cached = Path(importlib.util.cache_from_source(wargame.cli.__file__)).is_file()
        empty: list[tuple[float, float]] = []
        ours: list[tuple[float, float]] = []
        older: list[tuple[float, float]] = []
        trial = [(empty, empty_cmd, ["empty app ready"], base), (ours, app_cmd, markers, warm)]
        if BASE:  # another tree's wargame (e.g. main, from git archive) in the same trials
            other_env = {**base, "WARGAME_CACHE": f"{tmp}/cache-base", "PYTHONPATH": BASE}
            time_to(app_cmd, markers, other_env)
            trial.append((older, app_cmd, markers, other_env))
        for i in range(RUNS):
            order = trial[i % len(trial):] + trial[:i % len(trial)]
            for bucket, cmd, marks, env in (order if i % 2 == 0 else order[::-1]):
                bucket.append(time_to(cmd, marks, env))
        cold = [time_to(app_cmd, markers, {**base, "WARGAME_CACHE": f"{tmp}/cold-{i}"}) for i in range(3)]
    e, w, c = (statistics.median(x[0] for x in runs) for runs in (empty, ours, cold))
    ec, wc = (statistics.median(x[1] for x in runs) for runs in (empty, ours))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nfirst useful screen in tmux 120x40 ({RUNS} interleaved runs each, medians; "
          f"load average {load:.1f} on {os.cpu_count()} CPUs, shared machine)")
    print(f"  started as: {' '.join(Path(x).name for x in empty_cmd)}  |  {' '.join(Path(x).name for x in app_cmd)}"
          f"   (wargame bytecode cached: {'yes' if cached else 'NO'}; pane read: {POLL})")
    print("                                                   wall           CPU of the program then")
    print(f"  empty Textual app, label on screen            {e * 1000:7.0f} ms         {ec * 1000:7.0f} ms")
    print(f"  wargame title, every role and seat on screen  {w * 1000:7.0f} ms {w / e:5.2f}x  {wc * 1000:7.0f} ms {wc / ec:5.2f}x")
    pairs = statistics.median(w_[0] / e_[0] for e_, w_ in zip(empty, ours))
    print(f"  median of the {RUNS} ratios of neighbouring runs (wargame / empty)        {pairs:5.2f}x")
    print(f"  (wall, each run, ms: empty {', '.join(f'{x[0] * 1000:.0f}' for x in empty)}; "
          f"wargame {', '.join(f'{x[0] * 1000:.0f}' for x in ours)})")
    print(f"  (no title card cached yet, 3 runs)             {c * 1000:7.0f} ms {c / e:5.2f}x")
    if older:
        o, oc = statistics.median(x[0] for x in older), statistics.median(x[1] for x in older)
        print(f"  wargame from {BASE}  {o * 1000:7.0f} ms {o / e:5.2f}x  {oc * 1000:7.0f} ms {oc / ec:5.2f}x")
    return {"empty": e, "warm": w, "cold": c, "empty_cpu": ec, "warm_cpu": wc, "pair_ratio": pairs}


def test_benchmark_first_screen() -> None:
    run()


if __name__ == "__main__":
    run()
