"""The phase clock lives in the round's flow; the app imports it from here for brevity."""

from wargame.play.clock import FrozenTime, PhaseClock, SystemTime, TimeSource, mmss

__all__ = ["FrozenTime", "PhaseClock", "SystemTime", "TimeSource", "mmss"]
