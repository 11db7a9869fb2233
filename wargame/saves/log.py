"""The save file: an append-only, hash-chained JSON Lines log.

Line 1 is the header (format and engine versions, the scenario in canonical
form with its SHA-256, the seed, the seats, and the parent for a fork). Each
later line is one event. Every line carries ``prev`` (the hash of the line
before) and ``hash`` (SHA-256 of its own canonical JSON without ``hash``), so a
truncated, edited or partly deleted file is detected at the first bad line and
everything before it is kept.

There is no wall-clock time in a log: the same game is the same bytes.

Each append is written, flushed and fsynced before the call returns, so a
crash loses nothing that was committed.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = 1
EVENT_TYPES = ("orders", "inject", "resolve", "override", "note")


class SaveError(Exception):
    """A save that cannot be used at all (unreadable header, unknown format)."""


def canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def line_hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(body).encode()).hexdigest()


def encode(event: dict[str, Any], prev: str) -> tuple[bytes, str]:
    body = {k: v for k, v in event.items() if k not in ("prev", "hash")}
    body["prev"] = prev
    h = line_hash(body)
    body["hash"] = h
    return (canonical(body) + "\n").encode(), h


class SaveWriter:
    """Appends events to a log, durably. Never overwrites an existing file."""

    def __init__(self, path: Path, fh: Any, last_hash: str, count: int) -> None:
        self.path = path
        self._fh = fh
        self.last_hash = last_hash
        self.count = count

    @classmethod
    def create(cls, path: str | Path, header: dict[str, Any]) -> "SaveWriter":
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        fh = open(p, "xb")  # 'x': refuse to overwrite
        w = cls(p, fh, "", 0)
        w.append({"type": "header", "format": FORMAT, **header})
        _fsync_dir(p.parent)
        return w

    @classmethod
    def resume(cls, path: str | Path) -> "SaveWriter":
        """Continue an intact log. A damaged one must be recovered into a new file first."""
        p = Path(path)
        read = read_log(p)
        if read.damage:
            raise SaveError(f"{p}: {read.damage}; recover it first (wargame replay --verify says where)")
        fh = open(p, "ab")
        return cls(p, fh, read.last_hash, len(read.events) + 1)

    def append(self, event: dict[str, Any]) -> str:
        data, h = encode(event, self.last_hash)
        self._fh.write(data)
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self.last_hash = h
        self.count += 1
        return h

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()

    def __enter__(self) -> "SaveWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_log(path: str | Path, header: dict[str, Any], events: list[dict[str, Any]]) -> Path:
    """Write a whole log at once (fork, undo, recovery): a new file, never in place."""
    with SaveWriter.create(path, header) as w:
        for ev in events:
            w.append(ev)
    return Path(path)


@dataclass
class LogRead:
    """What could be read from a log: the header, the intact events, and any damage."""

    path: Path
    header: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)
    last_hash: str = ""
    damage: str = ""  # '' when intact
    damaged_line: int | None = None  # 1-based
    lost_lines: int = 0
    lost_bytes: int = 0
    intact_bytes: int = 0


def read_log(path: str | Path) -> LogRead:
    """Read a log, stopping at the first bad line. Raises :class:`SaveError` only if the header is unusable."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise SaveError(f"{p}: cannot read: {exc.strerror or exc}") from None
    return parse_log(raw, p)


def parse_log(raw: bytes, p: Path) -> LogRead:
    lines = raw.split(b"\n")
    if not raw.strip():
        raise SaveError(f"{p}: the file is empty: not a wargame save")
    header, problem = _check_line(lines[0], 1, "", complete=len(lines) > 1)
    if header is None or header.get("type") != "header":
        raise SaveError(f"{p}:1: the header cannot be read ({problem or 'first line is not a header'}): not a wargame save, or damaged beyond recovery")
    fmt = header.get("format")
    if not isinstance(fmt, int) or fmt > FORMAT:
        raise SaveError(f"{p}:1: save format {fmt!r} is newer than this program understands (format {FORMAT}); upgrade wargame")
    out = LogRead(p, header, last_hash=header["hash"])
    offset = len(lines[0]) + 1
    # A file ends with '\n', so the final split element is b'' when intact.
    body = lines[1:]
    for i, line in enumerate(body):
        lineno = i + 2
        is_last = i == len(body) - 1
        if is_last and line == b"":
            break
        event, problem = _check_line(line, lineno, out.last_hash, complete=not is_last)
        if event is None:
            rest = body[i:]
            out.damage = f"line {lineno}: {problem}"
            out.damaged_line = lineno
            out.lost_lines = sum(1 for x in rest if x)
            out.lost_bytes = len(raw) - offset
            break
        out.events.append(event)
        out.last_hash = event["hash"]
        offset += len(line) + 1
    out.intact_bytes = min(offset, len(raw))
    return out


def _check_line(line: bytes, lineno: int, prev: str, complete: bool) -> tuple[dict[str, Any] | None, str]:
    if not complete:
        return None, "the last line is cut short (the file was truncated)"
    try:
        obj = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None, "not valid JSON (the file was edited or damaged here)"
    if not isinstance(obj, dict) or not isinstance(obj.get("hash"), str):
        return None, "not a log entry"
    body = {k: v for k, v in obj.items() if k != "hash"}
    if body.get("prev") != prev:
        return None, "does not follow the line before it (a line was removed, reordered or edited)"
    if line_hash(body) != obj["hash"]:
        return None, "its contents do not match its hash (the line was edited)"
    if lineno > 1 and obj.get("type") not in EVENT_TYPES:
        return None, f"unknown event type {obj.get('type')!r}"
    return obj, ""


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def log_bytes(header: dict[str, Any], events: list[dict[str, Any]]) -> bytes:
    """The exact bytes a log with these events has on disk."""
    out, prev = [], ""
    for ev in [{"type": "header", "format": FORMAT, **header}, *events]:
        data, prev = encode(ev, prev)
        out.append(data)
    return b"".join(out)
