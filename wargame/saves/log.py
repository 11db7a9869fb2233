"""The save file: an append-only, hash-chained JSON Lines log.

Format 2 (written now):

- line 1, the header: format and engine versions, the scenario's id, content
  hash (``scenario_sha256``) and number of rounds, the seed, the seats, and the
  parent for a fork;
- line 2, the scenario in canonical form, once, as ``{"type": "scenario", "text": ...}``
  with its own line hash; its text must hash to the header's ``scenario_sha256``;
- then one event per line. Events chain from the header, not from the scenario
  line: one flipped byte in the (large) scenario text leaves every event readable
  and checked, and the scenario can be found again by its content hash;
- with the last round's resolution, in the same write, an ``end`` line: a
  finished game says so, so a file cut at the end of a line is not read as a
  shorter game that ended. Notes and overrides may follow it.

Format 1 (still read): the scenario text inside the header; no end line.

Every line carries ``prev`` (the hash of the line before it in the chain) and
``hash`` (SHA-256 of its own canonical JSON without ``hash``), so a truncated,
edited or partly deleted file is detected at the first bad line and everything
before it is kept. The chain is not a signature: anyone can recompute it, so
every field is also checked by type (``wargame.saves.schema``) before use.

There is no wall-clock time in a log: the same game is the same bytes.

A new save's first lines are written to a temporary file and linked into place,
so a kill never leaves an empty or half-headed save under its name. Each append
is written (unbuffered) and fsynced before the call returns, so a crash loses
nothing that was committed; a failed write is cut back so the file never holds
half an event followed by more events.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wargame.safeio import UnsafeInput, read_limited
from wargame.saves.schema import check_event, check_header, check_scenario_line

FORMAT = 2
READABLE_FORMATS = (1, 2)
# The engine's events, then the round flow's (wargame.play): phases, the negotiation
# table, messages between teams and the clock; then the exercise server's (wargame.net):
# a seat's code reissued (never the code). Replay needs only the first five.
EVENT_TYPES = ("orders", "inject", "resolve", "override", "note",
               "phase", "offer", "answer", "reply", "withdraw", "message", "clock", "seat")
MAX_SAVE_BYTES = 256 * 1024 * 1024  # far above any game; a device or a runaway file is refused


class SaveError(Exception):
    """A save that cannot be used at all (unreadable header, unknown format)."""


def canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def line_hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(body).encode()).hexdigest()


# A line is encoded once: with a marker in its hash's place. The text hashed is that line
# without the marker's member (keys are sorted, so dropping one member and a comma next to
# it gives exactly the canonical JSON of the rest), and the line is the same text with the
# hash in the marker's place. A marker that is not found exactly once (a line that holds it
# as a nested value: never one of ours) is encoded the plain way, twice.
_HASH_MARK = "\x00wargame-line-hash\x00"
_HASH_MEMBER = '"hash":' + json.dumps(_HASH_MARK, ensure_ascii=False)


def encode(event: dict[str, Any], prev: str) -> tuple[bytes, str]:
    body = {k: v for k, v in event.items() if k not in ("prev", "hash")}
    body["prev"] = prev
    body["hash"] = _HASH_MARK
    text = canonical(body)
    i = text.find(_HASH_MEMBER)
    if i < 0 or text.find(_HASH_MEMBER, i + 1) >= 0:
        del body["hash"]
        h = line_hash(body)
        body["hash"] = h
        return (canonical(body) + "\n").encode(), h
    j = i + len(_HASH_MEMBER)
    # "prev" is always there, so the hash member has a neighbour: the comma after it, or
    # (the last member) the one before it.
    without = text[:i] + text[j + 1:] if text[j] == "," else text[:i - 1] + text[j:]
    h = hashlib.sha256(without.encode()).hexdigest()
    return (text[:i] + '"hash":"' + h + '"' + text[j:] + "\n").encode(), h


def header_fields(header: dict[str, Any]) -> tuple[dict[str, Any], str, int]:
    """A logical header (which holds the scenario text under ``"scenario"``) as the log
    writes it: the header line's own fields (with the scenario's hash and the rounds),
    the scenario text, and the rounds."""
    text = header.get("scenario")
    if not isinstance(text, str):
        raise SaveError("a save needs the scenario text in its header")
    h = {k: v for k, v in header.items() if k not in ("scenario", "type", "format", "prev", "hash")}
    h.setdefault("scenario_sha256", hashlib.sha256(text.encode()).hexdigest())
    rounds = h.get("rounds")
    if isinstance(rounds, bool) or not isinstance(rounds, int):
        rounds = int(json.loads(text)["rounds"])
        h["rounds"] = rounds
    return h, text, rounds


def header_lines(header: dict[str, Any]) -> tuple[bytes, str, int]:
    """The first lines of a format-2 log for a logical header: the bytes, the hash events
    chain from, and the rounds."""
    h, text, rounds = header_fields(header)
    first, h1 = encode({"type": "header", "format": FORMAT, **h}, "")
    second, _ = encode({"type": "scenario", "text": text}, h1)
    return first + second, h1, rounds


def event_bytes(event: dict[str, Any], prev: str, rounds: int | None) -> tuple[bytes, str, str]:
    """One event's line, plus the end line when it resolves the last round.
    Returns (bytes, the event's hash, the hash the next line chains from)."""
    data, h = encode(event, prev)
    if rounds is not None and event.get("type") == "resolve" and event.get("round") == rounds:
        end, last = encode({"type": "end", "round": rounds}, h)
        return data + end, h, last
    return data, h, h


class SaveWriter:
    """Appends events to a log, durably. Never overwrites an existing file."""

    def __init__(self, path: Path, fh: Any, last_hash: str, count: int, rounds: int | None = None) -> None:
        self.path = path
        self._fh = fh
        self.last_hash = last_hash
        self.count = count
        self.rounds = rounds  # the end line is written with this round's resolution

    @classmethod
    def create(cls, path: str | Path, header: dict[str, Any]) -> "SaveWriter":
        """Write a new save's header and scenario, atomically, and open it for appending.

        The first lines go to a temporary file that is hard-linked into place: the
        link fails if the name is taken (so nothing is overwritten) and the save
        appears whole or not at all (a kill never leaves a 0-byte save).
        """
        p = Path(path)
        if os.path.lexists(p):
            raise SaveError(f"{p}: already exists; saves are never overwritten (choose another name)")
        data, h1, rounds = header_lines(header)
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise SaveError(f"{p}: cannot create the save: {p.parent} is a file, not a folder") from None
        except NotADirectoryError:
            raise SaveError(f"{p}: cannot create the save: a part of {p.parent} is a file, not a folder") from None
        except OSError as exc:
            raise SaveError(f"{p}: cannot create the save: {exc.strerror or exc}") from None
        _sweep_stale_temps(p.parent)
        tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
        try:
            with open(tmp, "xb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            try:
                os.link(tmp, p)
            except FileExistsError:
                raise SaveError(f"{p}: already exists; saves are never overwritten (choose another name)") from None
            except OSError:  # no hard links here (some network or FUSE file systems)
                with open(p, "xb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
            fh = open(p, "ab", buffering=0)  # unbuffered: one write per event
        except FileExistsError:
            raise SaveError(f"{p}: already exists; saves are never overwritten (choose another name)") from None
        except OSError as exc:
            raise SaveError(f"{p}: cannot create the save: {exc.strerror or exc}") from None
        finally:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        _fsync_dir(p.parent)
        return cls(p, fh, h1, 2, rounds)

    @classmethod
    def resume(cls, path: str | Path) -> "SaveWriter":
        """Continue an intact log. A damaged one must be recovered into a new file first."""
        p = Path(path)
        read = read_log(p)
        if read.damage or read.scenario_damage:
            raise SaveError(f"{p}: {read.damage or read.scenario_damage}; recover it first "
                            "(wargame replay --verify says where)")
        fh = open(p, "ab", buffering=0)
        # A format-1 save is continued in format 1: its events chain the same way, and it
        # has no end line (so none is written to it).
        return cls(p, fh, read.last_hash, read.line_count, read.rounds if read.format >= 2 else None)

    def append(self, event: dict[str, Any]) -> str:
        """Write one event and return its hash once it is on disk (written and fsynced).

        The last round's resolution is written together with the end line, in one write.
        """
        if self._fh.closed:
            raise SaveError(f"{self.path}: the save is closed")
        data, h, last = event_bytes(event, self.last_hash, self.rounds)
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
        self.last_hash = last
        self.count += 1 + (last != h)
        return h

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()

    def __enter__(self) -> "SaveWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _sweep_stale_temps(folder: Path) -> None:
    """Remove the temporary first lines a killed program left (``.NAME.PID.tmp`` of a dead PID):
    they never became a save. Another live program's are left alone."""
    try:
        temps = list(folder.glob(".*.jsonl.*.tmp"))
    except OSError:
        return
    for t in temps:
        try:
            pid = int(t.name.rsplit(".", 2)[-2])
        except ValueError:
            continue
        if pid == os.getpid() or _alive(pid):
            continue
        try:
            t.unlink()
        except OSError:
            pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process: assume alive
    return True


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
    """What could be read from a log: the header, the intact events, and any damage.

    ``header`` is the logical header: for format 2 it holds the scenario text from
    line 2 under ``"scenario"`` (absent if that line is damaged: see ``scenario_damage``).
    """

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
    lines: list[int] = field(default_factory=list)  # the line number of each event
    format: int = FORMAT
    rounds: int | None = None  # the scenario's rounds (format 2 headers say it)
    ended: bool = False  # the end line was read: the game was finished
    end_line: int | None = None
    scenario_damage: str = ""  # format 2: line 2 is unusable, though the events may be intact
    line_count: int = 0  # whole lines read, the end line included

    def line_of(self, i: int) -> int:
        """The line number of event ``i``."""
        return self.lines[i] if i < len(self.lines) else (self.lines[-1] + 1 if self.lines else 2)


def read_log(path: str | Path) -> LogRead:
    """Read a log, stopping at the first bad line. Raises :class:`SaveError` only if the header is unusable.

    Only a regular file is read, and never more than MAX_SAVE_BYTES.
    """
    p = Path(path)
    try:
        raw = read_limited(p, MAX_SAVE_BYTES, "the save")
    except UnsafeInput as exc:
        raise SaveError(f"{p}: cannot read: {exc}") from None
    except OSError as exc:
        raise SaveError(f"{p}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:  # a NUL byte in the path
        raise SaveError(f"{p}: cannot read: {exc}") from None
    return parse_log(raw, p)


def parse_log(raw: bytes, p: Path) -> LogRead:
    """Check a log's bytes line by line. Raises :class:`SaveError` only if the header is unusable."""
    if not raw:
        raise SaveError(f"{p}: the file is empty (0 bytes): a game whose first line was never written "
                        "(the program was stopped as it created the save); there is nothing to recover")
    if raw.isspace():
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
        if header is not None and header.get("type") == "header":
            problem = check_header(header)
            if problem:
                header = None
    if header is None or header.get("type") != "header":
        raise SaveError(f"{p}:1: the header cannot be read: {problem or 'the first line is not a save header'}; "
                        "not a wargame save, or damaged beyond recovery")
    if cached is None:
        _header_cache.clear()  # one entry: the save being read again and again (replay, verify, report)
        _header_cache[lines[0]] = copy.deepcopy(header)
    fmt = header["format"]
    out = LogRead(p, header, last_hash=header["hash"], format=fmt, line_count=1)
    if fmt == 1:
        out.rounds = _v1_rounds(header)
    else:
        out.rounds = header["rounds"]
    offset = len(lines[0]) + 1
    k = 1  # index in lines of the next line to read
    if fmt >= 2:
        k, offset = _scenario_line(out, lines, offset, raw)
        if out.damage:
            out.intact_bytes = min(offset, len(raw))
            return out
    resolved = 0
    # A file ends with '\n', so the final split element is b'' when intact.
    while k < len(lines):
        line = lines[k]
        lineno = k + 1
        is_last = k == len(lines) - 1
        if is_last and line == b"":
            break
        event, problem = _check_line(line, lineno, out.last_hash, complete=not is_last)
        if event is not None:
            problem = check_event(event) or _order_problem(out, event, resolved)
            if problem:
                event = None
        if event is None:
            rest = lines[k:]
            out.damage = f"line {lineno}: {problem}"
            out.damaged_line = lineno
            out.lost_lines = sum(1 for x in rest if x)
            out.lost_bytes = len(raw) - offset
            out.lost_summary = "one event cut short" if is_last else _describe_lost(rest)
            break
        out.last_hash = event["hash"]
        out.line_count += 1
        offset += len(line) + 1
        k += 1
        if event["type"] == "end":
            out.ended, out.end_line = True, lineno
            continue
        if event["type"] == "resolve":
            resolved = event["round"]
        out.events.append(event)
        out.lines.append(lineno)
    out.intact_bytes = min(offset, len(raw))
    if (not out.damage and fmt >= 2 and not out.ended and out.rounds is not None and resolved >= out.rounds):
        last = out.lines[-1] if out.lines else 2
        out.damage = (f"line {last + 1}: the last round ({out.rounds}) is recorded but the end line written with it "
                      "is missing: the file was cut short at the end of a line")
        out.damaged_line = last + 1
        out.lost_summary = "the end-of-game line"
    return out


_v1_rounds_cache: dict[str, int | None] = {}


def _v1_rounds(header: dict[str, Any]) -> int | None:
    """A format-1 header's number of rounds, from its scenario text (parsed once per header)."""
    key = header["hash"]
    if key not in _v1_rounds_cache:
        try:
            rounds = json.loads(header["scenario"]).get("rounds")
        except (ValueError, TypeError, AttributeError, RecursionError):
            rounds = None
        _v1_rounds_cache.clear()
        _v1_rounds_cache[key] = rounds if isinstance(rounds, int) and not isinstance(rounds, bool) else None
    return _v1_rounds_cache[key]


def _order_problem(out: LogRead, event: dict[str, Any], resolved: int) -> str:
    """Events in an order a game can produce: no second end line, no play after the end."""
    t = event["type"]
    if t == "end":
        if out.ended:
            return "a second end-of-game line"
        if out.rounds is None or event["round"] != out.rounds or resolved != out.rounds:
            return f"an end-of-game line after round {resolved}, but the game has {out.rounds} rounds"
    elif out.ended and t in ("orders", "inject", "resolve"):
        return f"a {t} event after the end of the game (line {out.end_line})"
    return ""


def _scenario_line(out: LogRead, lines: list[bytes], offset: int, raw: bytes) -> tuple[int, int]:
    """Read line 2 of a format-2 log (the scenario). Returns the index of the first event line
    and its byte offset. A damaged scenario line does not stop the events being read: they
    chain from the header, so the first line after it that follows the header is found."""
    header = out.header
    if len(lines) == 2 and lines[1] == b"":
        out.damage = "line 2: the file ends after the header (the scenario line is missing: the file was cut short)"
        out.damaged_line, out.lost_summary = 2, "the scenario and every event"
        return 1, offset
    line = lines[1]
    if len(lines) == 2:
        out.damage = "line 2: the line is cut short: the file ends in the middle of it (truncated)"
        out.damaged_line, out.lost_lines, out.lost_bytes = 2, 1, len(raw) - offset
        out.lost_summary = "the scenario, cut short"
        return 1, offset
    key = (header["hash"], line)
    found = _scenario_cache.get(key)
    if found is None:
        obj, problem = _check_line(line, 2, header["hash"], complete=True)
        if obj is not None:
            problem = check_scenario_line(obj)
            if not problem and hashlib.sha256(obj["text"].encode()).hexdigest() != header["scenario_sha256"]:
                problem = "the scenario text does not match its hash in the header (scenario_sha256): it was altered"
        found = (obj["text"] if obj is not None and not problem else None, problem)
        _scenario_cache.clear()
        _scenario_cache[key] = found
    text, problem = found
    offset += len(line) + 1
    if text is not None:
        header["scenario"] = text
        out.line_count += 1
        return 2, offset
    out.scenario_damage = f"line 2: {problem}"
    k = 2
    # A byte turned into a line break splits the scenario line: skip to the first event.
    while k < len(lines) - 1 and not _follows(lines[k], header["hash"]):
        offset += len(lines[k]) + 1
        k += 1
    return k, offset


def _follows(line: bytes, prev: str) -> bool:
    obj = _loads(line)
    return isinstance(obj, dict) and obj.get("prev") == prev


_BAD = object()  # a line that is not JSON
# The last good header line read, parsed: a header holds the whole scenario (often
# 100 KB or more), and the same save is read many times in a row.
_header_cache: dict[bytes, dict[str, Any]] = {}
# The same for a format-2 scenario line: (header hash, line) -> (text or None, problem).
_scenario_cache: dict[tuple[str, bytes], tuple[str | None, str]] = {}


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
        raise SaveError(f"{p}:1: save format {fmt} is newer than this program understands (it reads formats "
                        f"{READABLE_FORMATS[0]} to {FORMAT}); upgrade wargame to open it")
    if fmt not in READABLE_FORMATS:
        raise SaveError(f"{p}:1: save format {fmt} is not a format this program knows (it reads formats "
                        f"{READABLE_FORMATS[0]} to {FORMAT})")


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
        if t not in (*EVENT_TYPES, "end"):
            unreadable += 1
            continue
        counts[t] = counts.get(t, 0) + 1  # type: ignore[index]
        if t == "resolve" and isinstance(obj.get("round"), int):  # type: ignore[union-attr]
            rounds.append(obj["round"])  # type: ignore[index]
    names = {"orders": "order submission", "inject": "inject", "resolve": "round resolution",
             "override": "override", "note": "note", "end": "end-of-game line", "phase": "phase change",
             "offer": "deal offer", "answer": "answer to an offer", "reply": "reply to a counter-offer",
             "withdraw": "withdrawn offer", "message": "message", "clock": "clock change",
             "seat": "seat change"}
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
    return hashlib.sha256(read_limited(Path(path), MAX_SAVE_BYTES, "the save")).hexdigest()


def log_bytes(header: dict[str, Any], events: list[dict[str, Any]]) -> bytes:
    """The exact bytes a log with these events has on disk (in the current format)."""
    first, prev, rounds = header_lines(header)
    out = [first]
    for ev in events:
        data, _, prev = event_bytes(ev, prev, rounds)
        out.append(data)
    return b"".join(out)
