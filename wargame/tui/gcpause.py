"""Full garbage collections when the room is not waiting for the screen.

A full (generation 2) collection walks every tracked object. Once a game is under way
that is 150-250 thousand objects (Textual keeps rendered strips and their caches), and
a collection took 50-135 ms. Python starts one whenever enough objects have survived,
which is usually in the middle of drawing a new screen, so a keypress now and then
stalled for a tenth of a second.

So the app takes the timing into its own hands:
- while it starts (``wargame`` with no command), no collection runs at all until the
  first frame is drawn (:func:`pause_for_start_up`, lifted by :meth:`IdleCollector.install`):
  importing Textual and the app makes ~200 thousand objects, none of them garbage, and
  the collections they set off (a full one among them) were 40-70 ms of the first
  frame's wait;
- at start-up, once imports are done, ``gc.freeze()`` moves what exists (modules,
  classes, and the scenario if one was given on the command line) out of the collector's
  sight: it is never garbage anyway;
- automatic full collections are made rare (a large third threshold); the young
  generations are still collected as usual, which is cheap (under 3 ms);
- :meth:`IdleCollector.tick`, called by the app's clock, runs a full collection once the
  user has been idle for a moment after some input, or if none has run for a long time.

Settings are process-wide, so :meth:`uninstall` puts them back when the app closes.
"""

from __future__ import annotations

import gc
import time

# Full collections then happen only after this many generation-1 collections (Python's
# default is 10): about 7 million surviving allocations at the default first threshold.
RARE = 1000

_paused_at_start_up = False


def pause_for_start_up() -> None:
    """No garbage collection until the app's collector is installed (after its first frame)."""
    global _paused_at_start_up
    if gc.isenabled():
        gc.disable()
        _paused_at_start_up = True


def end_start_up_pause() -> None:
    """Collect again, if pause_for_start_up paused it (the collector's install does this; the
    CLI too when the app ends, in case it ended before its first frame)."""
    global _paused_at_start_up
    if _paused_at_start_up:
        _paused_at_start_up = False
        gc.enable()


class IdleCollector:
    def __init__(self, idle_after: float = 0.8, at_least_every: float = 30.0) -> None:
        self.idle_after = idle_after
        self.at_least_every = at_least_every
        self._saved: tuple[int, int, int] | None = None
        self._last_input = time.monotonic()
        self._last_full = time.monotonic()
        self._due = False
        self.collections = 0

    def install(self) -> None:
        if self._saved is not None:
            return
        self._saved = gc.get_threshold()
        gc.freeze()
        g0, g1, _ = self._saved
        gc.set_threshold(g0, g1, RARE)
        end_start_up_pause()  # what start-up made is frozen now: collect again

    def uninstall(self) -> None:
        if self._saved is None:
            return
        gc.set_threshold(*self._saved)
        gc.unfreeze()
        self._saved = None

    def input_seen(self) -> None:
        """A key or a click: the screen is about to change; collect later, not now."""
        self._last_input = time.monotonic()
        self._due = True

    def tick(self) -> bool:
        """Collect if the user has been idle long enough since the last input. True if it ran."""
        if self._saved is None:
            return False
        now = time.monotonic()
        idle = now - self._last_input >= self.idle_after
        if (self._due and idle) or now - self._last_full >= self.at_least_every:
            gc.collect()
            self._due = False
            self._last_full = time.monotonic()
            self.collections += 1
            return True
        return False
