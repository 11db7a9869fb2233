"""The exercise server under a room's load: 4 team clients, the facilitator and 20 observers,
10 rounds, on loopback against a real `wargame serve` process.

Measured per round: the time from the last team's submission (sent) to every one of the 25
seats having the reveal; also each seat's time to the resolution after the facilitator's
advance. And the server's memory (resident set at start, at the end, and its peak).

    pytest tests/benchmarks/bench_server.py -s -o addopts=""
    python tests/benchmarks/bench_server.py
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.net.helpers import seat, serve  # noqa: E402

TEAMS = ["us", "cn", "eu", "drc"]
OBSERVERS = int(os.environ.get("BENCH_OBSERVERS", "20"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "10"))


async def until(pred, timeout: float = 30.0, what: str = "") -> None:  # type: ignore[no-untyped-def]
    """Poll every millisecond (the helpers' 20 ms step would round the figures up)."""
    deadline = time.perf_counter() + timeout
    while not pred():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.001)


def _mem(pid: int) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(rest.split()[0])  # kB
    return out


def _has(c, rnd: int, phase: str) -> bool:  # type: ignore[no-untyped-def]
    return any(e["event"]["type"] == "phase" and e["event"]["round"] == rnd and e["event"]["phase"] == phase
               for e in reversed(c.events))


async def run() -> dict[str, object]:
    s = serve(Path(tempfile.mkdtemp(prefix="bench-server-")), "--port", "0", "--seed", "1")
    try:
        mem0 = _mem(s.proc.pid)
        fac = await seat(s.url, s.codes["facilitator"])
        teams = {t: await seat(s.url, s.codes[t]) for t in TEAMS}
        observers = [await seat(s.url, s.codes["observer"]) for _ in range(OBSERVERS)]
        everyone = [fac, *teams.values(), *observers]
        reveal_ms, resolve_ms = [], []
        for rnd in range(1, ROUNDS + 1):
            await fac.request("advance", expect="briefing")
            await fac.request("advance", expect="negotiation")
            for c in everyone:
                await until(lambda c=c, rnd=rnd: _has(c, rnd, "orders"), timeout=30, what="the orders phase")
            for t in TEAMS[:-1]:
                await teams[t].request("submit", round=rnd, orders=[])
            t0 = time.perf_counter()
            last = asyncio.create_task(teams[TEAMS[-1]].request("submit", round=rnd, orders=[]))
            await until(lambda rnd=rnd: all(_has(c, rnd, "reveal") for c in everyone), timeout=30, what="the reveal everywhere")
            reveal_ms.append((time.perf_counter() - t0) * 1000)
            await last
            t0 = time.perf_counter()
            await fac.request("advance", expect="reveal")
            await until(lambda rnd=rnd: all(_has(c, rnd, "resolution") for c in everyone), timeout=30, what="the resolution")
            resolve_ms.append((time.perf_counter() - t0) * 1000)
            await fac.request("advance", expect="resolution")
            if rnd < ROUNDS:
                await fac.request("advance", expect="debrief")
        mem1 = _mem(s.proc.pid)
        dup = sum(c.duplicates for c in everyone)
        for c in everyone:
            await c.close()
        return {"seats": len(everyone), "rounds": ROUNDS, "reveal_ms": reveal_ms, "resolve_ms": resolve_ms,
                "mem_start_kb": mem0["VmRSS"], "mem_end_kb": mem1["VmRSS"], "mem_peak_kb": mem1["VmHWM"],
                "duplicates": dup, "events": fac.last_seq}
    finally:
        s.stop()


def report(r: dict[str, object]) -> str:
    rev, res = r["reveal_ms"], r["resolve_ms"]
    assert isinstance(rev, list) and isinstance(res, list)
    load = os.getloadavg()[0]
    return "\n".join([
        f"server bench: {r['seats']} seats (4 teams, facilitator, {OBSERVERS} observers), {r['rounds']} rounds, "
        f"{r['events']} events; load average {load:.1f} on {os.cpu_count()} CPUs",
        f"last submission -> reveal at every seat: median {statistics.median(rev):.0f} ms, "
        f"max {max(rev):.0f} ms (per round: {', '.join(f'{x:.0f}' for x in rev)})",
        f"advance -> resolution at every seat:    median {statistics.median(res):.0f} ms, max {max(res):.0f} ms",
        f"server memory: {r['mem_start_kb'] / 1024:.0f} MB at start, {r['mem_end_kb'] / 1024:.0f} MB at the end, "
        f"peak {r['mem_peak_kb'] / 1024:.0f} MB; duplicate events received: {r['duplicates']}",
    ])


def test_bench_server() -> None:
    r = asyncio.run(run())
    print("\n" + report(r))
    assert r["duplicates"] == 0


if __name__ == "__main__":
    print(report(asyncio.run(run())))
