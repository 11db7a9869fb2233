"""The phase clock (wargame.clock); the app imports it from here for brevity."""

from wargame.clock import FrozenTime, PhaseClock, SystemTime, TimeSource, mmss

__all__ = ["FrozenTime", "PhaseClock", "SystemTime", "TimeSource", "mmss"]
