"""Killing `wargame simulate` with SIGKILL leaves no worker behind.

The test is about behaviour, not the implementation: it runs the real command
(process pool, joblib/loky or Dask, whatever simulate uses), records every
process descended from it once the workers are busy, kills the parent with
SIGKILL, and requires every one of those processes to be gone within seconds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, or None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    fields = raw[raw.rindex(")") + 2:].split()
    return fields[0], int(fields[1])


def descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            st = _stat(int(d))
            if st is not None:
                children.setdefault(st[1], []).append(int(d))
    out: set[int] = set()
    todo = [root]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


def alive(pid: int) -> bool:
    st = _stat(pid)
    return st is not None and st[0] not in ("Z", "X")  # a zombie has exited; its reaper is not us


def kill_parent_and_wait(args: list[str], workers: int, grace: float = 5.0) -> tuple[set[int], set[int]]:
    """Start the command, wait until ``workers`` descendants exist, SIGKILL it.
    Returns (the descendants seen, those still alive after ``grace`` seconds)."""
    proc = subprocess.Popen([sys.executable, "-m", "wargame", *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    kids: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            kids = descendants(proc.pid)
            if len(kids) >= workers:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "simulate finished before it could be killed"
        assert len(kids) >= workers, f"only {len(kids)} worker process(es) appeared"
        time.sleep(0.5)  # let the workers take work
        kids |= descendants(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + grace
        left = {k for k in kids if alive(k)}
        while left and time.monotonic() < deadline:
            time.sleep(0.1)
            left = {k for k in left if alive(k)}
        return kids, left
    finally:
        for k in kids:  # never leave a stray process behind, whatever happened
            try:
                os.kill(k, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_workers_exit_when_simulate_is_killed() -> None:
    kids, left = kill_parent_and_wait(["simulate", "tech-contest", "--runs", "2000", "--workers", "2", "--json"], 2)
    assert not left, f"{len(left)} of {len(kids)} worker process(es) still running 5 s after the parent was killed"
