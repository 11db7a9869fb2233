"""The phase clock: a countdown per phase, and where time comes from.

Time comes from an injectable source, so tests and snapshots freeze it
(``FrozenTime``). This countdown only counts; the round's flow
(:class:`wargame.play.flow.Flow`) decides what happens when it runs out (warnings,
then a lock), and logs every setting so that it survives resume and replay.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Protocol


class TimeSource(Protocol):
    def monotonic(self) -> float: ...

    def now(self) -> dt.datetime: ...


class SystemTime:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> dt.datetime:
        return dt.datetime.now()


class FrozenTime:
    """A clock that moves only when told to (tests, snapshots)."""

    def __init__(self, start: float = 1000.0, wall: dt.datetime | None = None) -> None:
        self.t = start
        self.wall = wall or dt.datetime(2025, 1, 6, 9, 0, 0)

    def monotonic(self) -> float:
        return self.t

    def now(self) -> dt.datetime:
        return self.wall + dt.timedelta(seconds=self.t)

    def advance(self, seconds: float) -> None:
        self.t += seconds


def mmss(seconds: float) -> str:
    s = int(abs(seconds) + (0.999 if seconds > 0 else 0))  # count down in whole seconds, rounding up
    return f"{s // 60:02d}:{s % 60:02d}"


class PhaseClock:
    """A countdown for one phase: set, pause, resume, extend."""

    def __init__(self, source: TimeSource | None = None) -> None:
        self.source: TimeSource = source or SystemTime()
        self.limit: float | None = None  # seconds; None when no clock is set
        self._elapsed = 0.0
        self._since: float | None = None  # monotonic time when (re)started; None when paused

    @property
    def active(self) -> bool:
        return self.limit is not None

    @property
    def running(self) -> bool:
        return self.active and self._since is not None

    def elapsed(self) -> float:
        extra = self.source.monotonic() - self._since if self._since is not None else 0.0
        return self._elapsed + extra

    def remaining(self) -> float | None:
        return None if self.limit is None else self.limit - self.elapsed()

    @property
    def expired(self) -> bool:
        r = self.remaining()
        return r is not None and r <= 0

    def set(self, minutes: float, start: bool = True) -> None:
        self.limit = max(0.0, minutes * 60.0)
        self._elapsed = 0.0
        self._since = self.source.monotonic() if start else None

    def restore(self, limit: float, elapsed: float) -> None:
        """Set the clock paused, ``elapsed`` seconds into ``limit`` (after a resume)."""
        self.limit, self._elapsed, self._since = limit, elapsed, None

    def clear(self) -> None:
        self.limit, self._elapsed, self._since = None, 0.0, None

    def pause(self) -> None:
        if self._since is not None:
            self._elapsed = self.elapsed()
            self._since = None

    def resume(self) -> None:
        if self.active and self._since is None:
            self._since = self.source.monotonic()

    def toggle(self) -> None:
        if self.running:
            self.pause()
        else:
            self.resume()

    def extend(self, minutes: float) -> None:
        if self.limit is None:
            self.set(minutes)
        else:
            self.limit += minutes * 60.0

    def text(self) -> str:
        """What the header shows: '' with no clock, 'CLOCK 04:32', 'PAUSED 04:32', 'TIME! +00:12'."""
        r = self.remaining()
        if r is None:
            return ""
        if r <= 0:
            return f"TIME! +{mmss(-r)}"
        return f"CLOCK {mmss(r)}" if self.running else f"PAUSED {mmss(r)}"
