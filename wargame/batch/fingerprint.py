"""A game's log_sha256 without building the log's bytes.

``simulate`` reports the SHA-256 of the log a game would save. Building the log for
that (``saves.log.log_bytes``) JSON-encodes the scenario, 175 KiB of text, twice per
run (once for its line's hash, once for the line) before hashing it twice: about
3 ms, nearly half of a scripted run. Here every line is hashed as ``log_bytes``
writes it, but the scenario text is JSON-encoded once per scenario: the line holding
it is canonical JSON with a marker in the text's place, and the encoded text is fed to
the hash between the two halves. The bytes hashed are exactly those ``log_bytes``
writes (tests/test_batch.py checks it, and any line of another shape is encoded the
ordinary way).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from wargame.saves import log as savelog

_MARK = "\x00wargame-big-text\x00"
_MARK_JSON = json.dumps(_MARK, ensure_ascii=False)
_ENCODED: dict[int, tuple[str, bytes]] = {}  # id(text) -> (text, its JSON encoding as UTF-8)


def _encoded(text: str) -> bytes:
    hit = _ENCODED.get(id(text))
    if hit is None or hit[0] is not text:
        if len(_ENCODED) > 8:
            _ENCODED.clear()
        hit = _ENCODED[id(text)] = (text, json.dumps(text, ensure_ascii=False).encode())
    return hit[1]


class _Hasher:
    """Feeds log lines to a SHA-256, as saves.log.encode writes them."""

    def __init__(self) -> None:
        self.log = hashlib.sha256()

    def line(self, event: dict[str, Any], prev: str, big: str | None = None) -> str:
        """Hash one line (``big``: the key of a long string value to encode only once)."""
        text = event.get(big) if big else None
        if not isinstance(text, str):
            data, h = savelog.encode(event, prev)
            self.log.update(data)
            return h
        body = {k: v for k, v in event.items() if k not in ("prev", "hash")}
        body[big] = _MARK  # type: ignore[index]
        body["prev"] = prev
        enc = _encoded(text)
        parts = savelog.canonical(body).split(_MARK_JSON)
        if len(parts) != 2:  # the marker twice: cannot happen for our own lines; encode plainly
            data, h = savelog.encode(event, prev)
            self.log.update(data)
            return h
        lh = hashlib.sha256(parts[0].encode())
        lh.update(enc)
        lh.update(parts[1].encode())
        h = lh.hexdigest()
        body["hash"] = h
        before, after = savelog.canonical(body).split(_MARK_JSON)
        self.log.update(before.encode())
        self.log.update(enc)
        self.log.update((after + "\n").encode())
        return h


def log_sha256(header: dict[str, Any], events: list[dict[str, Any]]) -> str:
    """hashlib.sha256(log_bytes(header, events)).hexdigest(), computed without the copies."""
    if savelog.FORMAT != 2:  # a layout this hasher does not know: build the bytes
        return hashlib.sha256(savelog.log_bytes(header, events)).hexdigest()
    # What saves.log.header_lines writes: the header without the scenario, then the
    # scenario line chained from it; events chain from the header.
    h, text, rounds = savelog.header_fields(header)
    out = _Hasher()
    h1 = out.line({"type": "header", "format": savelog.FORMAT, **h}, "")
    out.line({"type": "scenario", "text": text}, h1, big="text")
    prev = h1
    for ev in events:
        eh = out.line(ev, prev)
        prev = eh
        if ev.get("type") == "resolve" and ev.get("round") == rounds:
            prev = out.line({"type": "end", "round": rounds}, eh)
    return out.log.hexdigest()
