"""The save file: an append-only, hash-chained JSON Lines log.

Line 1 is the header (format and engine versions, the scenario in canonical
form with its SHA-256, the seed, the seats, and the parent for a fork). Each
later line is one event. Every line carries ``prev`` (the hash of the line
before) and ``hash`` (SHA-256 of its own canonical JSON without ``hash``), so a
truncated, edited or partly deleted file is detected at the first bad line and
everything before it is kept.

There is no wall-clock time in a log: the same game is the same bytes.

Each append is written (unbuffered) and fsynced before the call returns, so a
crash loses nothing that was committed; a failed write is cut back so the file
never holds half an event followed by more events.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = 1
# The engine's events, then the round flow's (wargame.play): phases, the negotiation
# table, messages between teams and the clock; then the exercise server's (wargame.net):
# a seat's code reissued (never the code). Replay needs only the first five.
EVENT_TYPES = ("orders", "inject", "resolve", "override", "note",
               "phase", "offer", "answer", "reply", "withdraw", "message", "clock", "seat")


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
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            fh = open(p, "xb", buffering=0)  # 'x': refuse to overwrite; unbuffered: one write per event
        except FileExistsError:
            raise SaveError(f"{p}: already exists; saves are never overwritten (choose another name)") from None
        except OSError as exc:
            raise SaveError(f"{p}: cannot create the save: {exc.strerror or exc}") from None
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
        fh = open(p, "ab", buffering=0)
        return cls(p, fh, read.last_hash, len(read.events) + 1)

    def append(self, event: dict[str, Any]) -> str:
        """Write one event and return its hash once it is on disk (written and fsynced)."""
        if self._fh.closed:
            raise SaveError(f"{self.path}: the save is closed")
        data, h = encode(event, self.last_hash)
        fd = self._fh.fileno()
        start = os.fstat(fd).st_size
        try:
            view = memoryview(data)
            while view:  # an unbuffered file: write() may take less than everything
                n = self._fh.write(view)
                view = view[n or 0:]
            os.fsync(fd)
        except BaseException:
            # A failed write (disk full, interrupted) must not leave half a line for the
            # next append to follow: cut the file back to the last whole event.
            try:
                os.ftruncate(fd, start)
                self._fh.seek(start)  # a file not opened for append would write past a hole
                os.fsync(fd)
            except OSError:
                pass
            raise
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
    lost_summary: str = ""  # best effort: what the lost lines seem to hold


def read_log(path: str | Path) -> LogRead:
    """Read a log, stopping at the first bad line. Raises :class:`SaveError` only if the header is unusable."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise SaveError(f"{p}: cannot read: {exc.strerror or exc}") from None
    return parse_log(raw, p)


def parse_log(raw: bytes, p: Path) -> LogRead:
    """Check a log's bytes line by line. Raises :class:`SaveError` only if the header is unusable."""
    if not raw or raw.isspace():
        raise SaveError(f"{p}: the file is empty: not a wargame save")
    lines = raw.split(b"\n")
    cached = _header_cache.get(lines[0]) if len(lines) > 1 else None
    if cached is not None:
        header, problem = copy.deepcopy(cached), ""
    else:
        parsed = None
        if len(lines) > 1:  # a header cut short is reported as such below
            parsed = _loads(lines[0])
            _check_format(parsed, p)
        header, problem = _check_line(lines[0], 1, "", complete=len(lines) > 1, parsed=parsed)
    if header is None or header.get("type") != "header":
        raise SaveError(f"{p}:1: the header cannot be read: {problem or 'the first line is not a save header'}; "
                        "not a wargame save, or damaged beyond recovery")
    if cached is None:
        _header_cache.clear()  # one entry: the save being read again and again (replay, verify, report)
        _header_cache[lines[0]] = copy.deepcopy(header)
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
            out.lost_summary = "one event cut short" if is_last else _describe_lost(rest)
            break
        out.events.append(event)
        out.last_hash = event["hash"]
        offset += len(line) + 1
    out.intact_bytes = min(offset, len(raw))
    return out


_BAD = object()  # a line that is not JSON
# The last good header line read, parsed: a header holds the whole scenario (often
# 100 KB or more), and the same save is read many times in a row.
_header_cache: dict[bytes, dict[str, Any]] = {}


def _loads(line: bytes) -> Any:
    try:
        return json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        # ValueError covers bad JSON and numbers too long to convert; RecursionError, absurd nesting.
        return _BAD


def _check_format(obj: Any, p: Path) -> None:
    """A clear error for a save written by a newer program (checked before its hash, which may work differently)."""
    if not isinstance(obj, dict) or obj.get("type") != "header":
        return
    fmt = obj.get("format")
    if isinstance(fmt, bool) or not isinstance(fmt, int):
        raise SaveError(f"{p}:1: the header has no usable format version ({fmt!r}): not a wargame save, or damaged")
    if fmt > FORMAT:
        raise SaveError(f"{p}:1: save format {fmt} is newer than this program understands (it reads format {FORMAT}); "
                        "upgrade wargame to open it")
    if fmt < 1:
        raise SaveError(f"{p}:1: save format {fmt} is not a format this program knows (it reads format {FORMAT})")


def _describe_lost(rest: list[bytes]) -> str:
    """Best effort: what the lines after the damage seem to hold (they may be garbage)."""
    counts: dict[str, int] = {}
    rounds: list[int] = []
    unreadable = 0
    for line in rest:
        if not line:
            continue
        try:
            obj = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            obj = None
        t = obj.get("type") if isinstance(obj, dict) else None
        if t not in EVENT_TYPES:
            unreadable += 1
            continue
        counts[t] = counts.get(t, 0) + 1  # type: ignore[index]
        if t == "resolve" and isinstance(obj.get("round"), int):  # type: ignore[union-attr]
            rounds.append(obj["round"])  # type: ignore[index]
    names = {"orders": "order submission", "inject": "inject", "resolve": "round resolution",
             "override": "override", "note": "note", "phase": "phase change", "offer": "deal offer",
             "answer": "answer to an offer", "reply": "reply to a counter-offer", "withdraw": "withdrawn offer",
             "message": "message", "clock": "clock change", "seat": "seat change"}
    parts = [f"{n} {names[t]}{'s' if n > 1 else ''}" for t, n in counts.items()]
    if rounds:
        parts.append("the result of round" + ("s " if len(rounds) > 1 else " ") + ", ".join(map(str, rounds)))
    if unreadable:
        parts.append(f"{unreadable} unreadable line{'s' if unreadable > 1 else ''}")
    return "; ".join(parts)


def _check_line(line: bytes, lineno: int, prev: str, complete: bool,
                parsed: Any = None) -> tuple[dict[str, Any] | None, str]:
    if not complete:
        return None, "the line is cut short: the file ends in the middle of it (truncated)"
    obj = parsed if parsed is not None else _loads(line)
    if obj is _BAD:
        return None, "not valid JSON (the file was edited or damaged here)"
    if not isinstance(obj, dict) or not isinstance(obj.get("hash"), str):
        return None, "not a log entry"
    if obj.get("prev") != prev:
        return None, "does not follow the line before it (a line was removed, reordered or edited)"
    if not _hash_matches(line, obj):
        return None, "its contents do not match its hash (the line was edited)"
    if lineno > 1 and obj.get("type") not in EVENT_TYPES:
        return None, f"unknown event type {obj.get('type')!r}"
    return obj, ""


def _hash_matches(line: bytes, obj: dict[str, Any]) -> bool:
    """Does the line's content hash to its ``hash``?

    Fast path: a line as written is the canonical JSON of its body with the ``hash``
    member added in key order, so the line's bytes without that member are exactly
    what was hashed. (Inside a JSON string a quote is always escaped, so the member's
    bytes cannot occur there.) A line that is not byte-canonical (valid JSON re-spaced
    or re-ordered by some tool) takes the slow path: re-encode the parsed body.
    """
    h = obj["hash"]
    member = b'"hash":"' + h.encode("utf-8", "replace") + b'"'
    i = line.find(member)
    if i > 0:
        j = i + len(member)
        if line[j:j + 1] == b",":
            stripped = line[:i] + line[j + 1:]
        elif line[i - 1:i] == b",":
            stripped = line[:i - 1] + line[j:]
        else:
            stripped = line[:i] + line[j:]
        if hashlib.sha256(stripped).hexdigest() == h:
            return True
    try:
        return line_hash({k: v for k, v in obj.items() if k != "hash"}) == h
    except (ValueError, TypeError, RecursionError):
        return False


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def log_bytes(header: dict[str, Any], events: list[dict[str, Any]]) -> bytes:
    """The exact bytes a log with these events has on disk."""
    out, prev = [], ""
    for ev in [{"type": "header", "format": FORMAT, **header}, *events]:
        data, prev = encode(ev, prev)
        out.append(data)
    return b"".join(out)
