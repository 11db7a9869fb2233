"""The phase clock, as the round's flow uses it (the code lives in :mod:`wargame.clock`, a
module with no dependencies, so that the app can import it at start-up cheaply)."""

from wargame.clock import FrozenTime, PhaseClock, SystemTime, TimeSource, mmss

__all__ = ["FrozenTime", "PhaseClock", "SystemTime", "TimeSource", "mmss"]
