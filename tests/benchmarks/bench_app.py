"""Benchmarks of the app (not run by default; run: python tests/benchmarks/bench_app.py).

1. Start-up to the first screen, beside an empty Textual app, in one run: each is started
   in a fresh interpreter (python -c ...), run headless, and exits as soon as its first
   screen has been composed and painted. Ten runs each; medians and the ratio are printed.
2. Keypress to updated screen for the common actions of a round (Pilot: press, then wait
   until the app is idle again), on the default scenario with every seat human.

Figures are printed; nothing is asserted about time.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNS = int(os.environ.get("BENCH_RUNS", "10"))

# Both snippets time, from the first line of the program, the first frame the app writes
# (App._display with a screen to show) and the moment the app is ready and idle (for the
# wargame: the default scenario loaded in its worker and the seats shown).
PROBE = """
import time; t0 = time.perf_counter()
import sys
from pathlib import Path
{make}
first = []
original = App._display
def display(self, screen, renderable):
    if renderable is not None and not first:
        first.append(time.perf_counter() - t0)
    return original(self, screen, renderable)
App._display = display
async def ready(pilot):
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    print(first[0] if first else -1, time.perf_counter() - t0)
    pilot.app.exit()
app.run(headless=True, size=(120, 40), auto_pilot=ready)
"""
EMPTY = PROBE.format(make="from textual.app import App\napp = App()")
# As `wargame` starts it: garbage collection paused before Textual is imported (wargame.cli).
WARGAME = PROBE.format(make="from wargame.tui.gcpause import pause_for_start_up\npause_for_start_up()\n"
                            "from wargame.tui.app import WargameApp as App\napp = App(saves_dir=Path(sys.argv[1]))")

INSIDE: dict[str, list[tuple[float, float]]] = {}
# Python caches compiled modules on a user's machine; this shell may say not to (the
# wargame would then compile its own modules on every start, the empty app would not).
ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, "TEXTUAL_ANIMATIONS": "none"}


def time_start(code: str, *args: str) -> float:
    """Wall time of the whole process; records (first frame, ready) measured inside it."""
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, cwd=ROOT, capture_output=True, text=True,
                         env=ENV).stdout.split()
    wall = time.perf_counter() - t
    INSIDE.setdefault(code, []).append((float(out[-2]), float(out[-1])))
    return wall


def bench_startup() -> None:
    with tempfile.TemporaryDirectory() as saves:
        time_start(EMPTY)  # warm the disk cache and the bytecode
        time_start(WARGAME, saves)
        empty, ours = [], []
        for _ in range(RUNS):  # interleaved, so background load hits both alike
            empty.append(time_start(EMPTY))
            ours.append(time_start(WARGAME, saves))
    e, w = statistics.median(empty), statistics.median(ours)

    def med(code: str, k: int) -> float:
        return statistics.median(x[k] for x in INSIDE[code][1:])  # the warm-up run is left out

    print(f"start-up ({RUNS} runs each, medians; times from the program's first line):")
    print("                     first frame    ready (idle)   whole process")
    print(f"  empty Textual app  {med(EMPTY, 0) * 1000:8.0f} ms   {med(EMPTY, 1) * 1000:8.0f} ms   {e * 1000:8.0f} ms")
    print(f"  wargame title      {med(WARGAME, 0) * 1000:8.0f} ms   {med(WARGAME, 1) * 1000:8.0f} ms   {w * 1000:8.0f} ms")
    print(f"  ratio              {med(WARGAME, 0) / med(EMPTY, 0):8.2f}x    {med(WARGAME, 1) / med(EMPTY, 1):8.2f}x    "
          f"{w / e:8.2f}x")
    print("  (the wargame is ready when the default scenario has loaded in its worker and the seats show)")
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", "import wargame.tui.app"], cwd=ROOT,
                         capture_output=True, text=True).stderr.splitlines()
    total = [line for line in out if line.rstrip().endswith("wargame.tui.app")]
    if total:
        print(f"  import wargame.tui.app: {int(total[-1].split('|')[1]) / 1000:.0f} ms cumulative (-X importtime)")


async def bench_keys() -> None:
    from wargame.scenario.catalog import find_scenario
    from wargame.scenario.loader import load_scenario
    from wargame.tui.app import WargameApp
    from wargame.tui.clock import FrozenTime

    from textual.app import App

    loaded = load_scenario(find_scenario(None))
    timings: dict[str, list[float]] = {}
    frame_timings: dict[str, list[float]] = {}
    last_timings: dict[str, list[float]] = {}
    # Every frame the app draws, by time: "keypress to updated screen" is the first frame
    # after the key. "Until idle" adds Pilot's own waiting (about 100 ms even for an
    # empty app, measured below as the baseline).
    frames: list[float] = []
    original = App._display

    def display(self, screen, renderable):  # type: ignore[no-untyped-def]
        if renderable is not None:
            frames.append(time.perf_counter())
        return original(self, screen, renderable)

    App._display = display  # type: ignore[method-assign]

    async def measure(app, pilot, label: str, *keys: str) -> None:  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        for k in keys:
            await pilot.press(k)
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        timings.setdefault(label, []).append(time.perf_counter() - t)
        after = [f for f in frames if f > t]
        if after:
            frame_timings.setdefault(label, []).append(after[0] - t)
            last_timings.setdefault(label, []).append(after[-1] - t)

    from textual.binding import Binding
    from textual.widgets import Footer, Static

    class Empty(App):
        BINDINGS = [Binding("down", "bump", "bump")]

        def compose(self):  # type: ignore[no-untyped-def]
            yield Static("0", id="n")
            yield Footer()

        def action_bump(self) -> None:
            s = self.query_one("#n", Static)
            s.update(str(int(str(s.render())) + 1))

    empty = Empty()
    async with empty.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for _ in range(10):
            await measure(empty, pilot, "empty Textual app: a key that updates a label", "down")

    with tempfile.TemporaryDirectory() as saves:
        app = WargameApp(scenario=loaded, seed=1, saves_dir=Path(saves), time=FrozenTime())
        app.animation_level = "none"
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()

            async def timed(label: str, *keys: str) -> None:
                await measure(app, pilot, label, *keys)

            for _ in range(3):
                await timed("briefing -> hand-over (Enter)", "enter")
                for _role in loaded.scenario.roles:
                    if type(app.screen).__name__ == "HandoverScreen":
                        await timed("hand-over -> orders (Enter)", "enter")
                    await timed("orders: move the highlight (Down)", "down")
                    await timed("orders: choose a move (Space)", "space")
                    if type(app.screen).__name__ != "OrdersScreen":  # a target picker
                        await timed("orders: pick a target (Enter)", "enter")
                    await timed("orders: submit (S, confirm dialog)", "s")
                    await timed("confirm -> next screen (Enter)", "enter")
                    if type(app.screen).__name__ == "OrdersScreen":  # over budget: drop it
                        await pilot.press("space", "s", "enter")
                        await pilot.pause()
                await timed("reveal -> resolution (Enter, resolves)", "enter")
                await timed("resolution: next change + why (Down)", "down")
                await timed("resolution -> debrief (Enter)", "enter")
                await timed("debrief -> briefing (Enter)", "enter")
            await timed("open console (F2)", "f2")
            await timed("close console (Esc)", "escape")
            await timed("open help (F1)", "f1")
            await timed("close help (Esc)", "escape")
    App._display = original  # type: ignore[method-assign]
    print("keypress to updated screen (medians, ms): first frame after the key | last frame before idle | until idle (Pilot)")
    for label, ts in timings.items():
        fr, la = frame_timings.get(label, []), last_timings.get(label, [])
        first = f"{statistics.median(fr) * 1000:7.0f}" if fr else "      -"
        last = f"{statistics.median(la) * 1000:7.0f}" if la else "      -"
        print(f"  {label:48s} {first}   | {last}   | {statistics.median(ts) * 1000:5.0f}   (n={len(ts)}, max idle {max(ts) * 1000:.0f})")


def test_bench_app() -> None:  # pytest tests/benchmarks/bench_app.py -s
    main()


def main() -> None:
    bench_startup()
    asyncio.run(bench_keys())


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
