"""Seats and their join codes.

A code is a long random token (``secrets``). Finding the seat for a code compares
it with every seat's code in constant time, so a wrong guess takes as long as a
right one and reveals nothing about which seat it was close to.

Codes are kept out of the save (a save is shared for debriefs and reports): they
live in a sidecar file beside it, ``<save>.codes.json``, readable by its owner only,
so that ``serve --resume`` gives every seat the same code again.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

FACILITATOR, OBSERVER = "facilitator", "observer"


@dataclass(frozen=True)
class Seat:
    id: str
    kind: str  # "team", "facilitator" or "observer"
    name: str

    @property
    def role(self) -> str | None:
        return self.id if self.kind == "team" else None


def new_code() -> str:
    return secrets.token_urlsafe(24)  # 192 bits


def codes_path(save: Path) -> Path:
    return save.with_name(save.name + ".codes.json")


class Codes:
    """The seats' codes, written through to the sidecar on every change."""

    def __init__(self, codes: dict[str, str], path: Path | None) -> None:
        self._codes, self.path = dict(codes), path

    @classmethod
    def issue(cls, seats: list[str], path: Path | None) -> "Codes":
        c = cls({s: new_code() for s in seats}, path)
        c._write(create=True)
        return c

    @classmethod
    def load(cls, path: Path, seats: list[str]) -> "Codes":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"{path}: the seats' codes cannot be read ({exc}); "
                             "they are needed to resume with the same codes") from None
        if not isinstance(data, dict) or not all(isinstance(data.get(s), str) and data[s] for s in seats):
            raise ValueError(f"{path}: does not hold a code for every seat ({', '.join(seats)})")
        return cls({s: data[s] for s in seats}, path)

    def code(self, seat: str) -> str:
        return self._codes[seat]

    def seat_for(self, code: str) -> str | None:
        """The seat whose code this is, comparing with every seat in constant time."""
        found = None
        given = code.encode("utf-8", "surrogatepass")
        for seat, real in self._codes.items():
            if hmac.compare_digest(given, real.encode()):
                found = seat
        return found

    def reissue(self, seat: str) -> str:
        self._codes[seat] = new_code()
        self._write(create=False)
        return self._codes[seat]

    def _write(self, create: bool) -> None:
        if self.path is None:
            return
        data = json.dumps(self._codes, indent=1).encode()
        # Written to a new file made 0600 from the start (never readable by others, not even
        # for a moment), then renamed over the old one: a crash leaves one whole file.
        tmp = self.path.with_name(self.path.name + f".{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        if create and self.path.exists():
            tmp.unlink()
            raise ValueError(f"{self.path}: already exists; not overwritten")
        os.replace(tmp, self.path)


@dataclass
class Throttle:
    """Slows down repeated wrong codes from one address: each failure past the first
    few doubles the wait before the refusal is sent (up to ``cap`` seconds)."""

    free: int = 3
    base: float = 0.25
    cap: float = 8.0
    forget_after: float = 600.0
    _fails: dict[str, tuple[int, float]] = field(default_factory=dict)

    def delay(self, addr: str, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        n, last = self._fails.get(addr, (0, now))
        if now - last > self.forget_after:
            n = 0
        if n < self.free:
            return 0.0
        return min(self.base * 2 ** (n - self.free), self.cap)

    def failed(self, addr: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        n, last = self._fails.get(addr, (0, now))
        if now - last > self.forget_after:
            n = 0
        self._fails[addr] = (n + 1, now)
        if len(self._fails) > 10000:  # an address flood must not grow memory without bound
            oldest = sorted(self._fails.items(), key=lambda kv: kv[1][1])[:5000]
            for k, _ in oldest:
                self._fails.pop(k, None)

    def succeeded(self, addr: str) -> None:
        self._fails.pop(addr, None)
