"""Worker processes that exit when their parent is gone.

A pool's workers wait for work on a pipe. If the parent is killed (SIGKILL, an
OOM kill), nobody closes that pipe for them (each worker holds its other end),
so they wait forever. Each worker therefore runs a small watcher: on Linux the
kernel sends it SIGKILL the moment its parent dies (``PR_SET_PDEATHSIG``); on
any system a daemon thread also checks, twice a second, that the parent is
still the one that started it, and exits the process if not.

Call :func:`exit_with_parent` in a worker (a pool's ``initializer``).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1
_started = False


def exit_with_parent(parent_pid: int | None = None, interval: float = 0.5) -> None:
    """Make this process exit when ``parent_pid`` (by default, its parent now) is gone."""
    global _started
    if _started:
        return
    _started = True
    parent = parent_pid if parent_pid is not None else os.getppid()
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the thread below still works
    if os.getppid() != parent:  # the parent died before the watch was set
        os._exit(1)
    threading.Thread(target=_watch, args=(parent, interval), name="exit-with-parent", daemon=True).start()


def _watch(parent: int, interval: float) -> None:
    while True:
        time.sleep(interval)
        if os.getppid() != parent:
            # The parent is gone and nobody will collect our results: exit now, without
            # running cleanup that could block on the pool's pipes.
            os._exit(1)
