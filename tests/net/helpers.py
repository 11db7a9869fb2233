"""Real server processes and real clients on loopback, for the network tests."""

from __future__ import annotations

import asyncio
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wargame.net.client import SeatClient

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Served:
    proc: subprocess.Popen[str]
    url: str
    save: Path
    codes: dict[str, str]
    head: dict[str, Any] = field(default_factory=dict)

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1].strip("/"))

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode


def serve(cwd: Path, *args: str, timeout: float = 30.0) -> Served:
    """Start ``wargame serve --json`` in a subprocess and read its seat lines."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "WARGAME_SAVES": str(cwd / "saves")}
    proc = subprocess.Popen([sys.executable, "-m", "wargame", "serve", "--json", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    codes: dict[str, str] = {}
    try:
        head = json.loads(_readline(proc, timeout))
        while True:
            line = json.loads(_readline(proc, timeout))
            codes[line["seat"]] = line["code"]
            assert line["url"] == head["serving"]
            if line["seat"] == "observer":  # the last seat printed
                break
    except BaseException:
        proc.kill()  # never leave a server behind a failed start
        proc.wait()
        raise
    save = Path(head["save"])
    return Served(proc, head["serving"], save if save.is_absolute() else cwd / save, codes, head)


def _readline(proc: subprocess.Popen[str], timeout: float) -> str:
    """One line of the server's output (a thread reads them: a pipe has no timeout)."""
    q = _LINES.get(proc.pid)
    if q is None:
        q = _LINES[proc.pid] = queue.Queue()

        def pump() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                q.put(line)
            q.put("")

        threading.Thread(target=pump, daemon=True).start()
    try:
        line = q.get(timeout=timeout)
    except queue.Empty:
        raise TimeoutError("the server printed nothing") from None
    if not line:
        err = proc.stderr.read() if proc.stderr else ""
        raise RuntimeError(f"server exited {proc.wait()}: {err}")
    return line


_LINES: dict[int, queue.Queue[str]] = {}


async def seat(url: str, code: str) -> SeatClient:
    c = SeatClient(url, code, backoff=(0.05, 0.5))
    c.start()
    await c.wait_ready()
    return c


async def until(pred: Any, timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def phase_of(c: SeatClient) -> tuple[int, str] | None:
    for env in reversed(c.events):
        ev = env["event"]
        if ev["type"] == "phase":
            return ev["round"], ev["phase"]
    return None


def types(c: SeatClient) -> list[str]:
    return [e["event"]["type"] for e in c.events]


def save_events(save: Path) -> list[dict[str, Any]]:
    """The save's events in order (event n is the one numbered n on the wire)."""
    lines = [json.loads(line) for line in save.read_text().splitlines()]
    return [e for e in lines if e["type"] not in ("header", "scenario", "end")]
