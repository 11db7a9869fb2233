"""A game's log_sha256 without building the log's bytes.

``simulate`` reports the SHA-256 of the log a game would save. Encoding the whole
log for that (``saves.log.log_bytes``) re-encodes the scenario, 175 KiB of JSON text,
into the header of every run and hashes it twice: about 3 ms, nearly half of a
scripted run. Here the header's canonical JSON is cut around the scenario string:
the scenario is JSON-encoded once per scenario, the hash of everything up to its end
is computed once and copied, and only the short rest of each line is encoded per run.
The bytes hashed are exactly those ``log_bytes`` writes (tests/test_batch.py checks it);
a header of another shape falls back to ``log_bytes``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from wargame.saves.log import FORMAT, canonical, encode, log_bytes

_MARK = "\x00wargame-scenario\x00"
_ENCODED: dict[int, tuple[str, str]] = {}  # id(scenario text) -> (text, its JSON encoding)
_PREFIX: dict[tuple[str, str], Any] = {}  # (line before the scenario, scenario sha) -> sha256 state after it


def _encoded(text: str) -> str:
    hit = _ENCODED.get(id(text))
    if hit is None or hit[0] is not text:
        if len(_ENCODED) > 8:
            _ENCODED.clear()
        hit = _ENCODED[id(text)] = (text, json.dumps(text, ensure_ascii=False))
    return hit[1]


def log_sha256(header: dict[str, Any], events: list[dict[str, Any]]) -> str:
    """hashlib.sha256(log_bytes(header, events)).hexdigest(), computed without the copy."""
    head = {"type": "header", "format": FORMAT, **header}
    scenario = head.get("scenario")
    if not isinstance(scenario, str) or "prev" in header or "hash" in header:
        return hashlib.sha256(log_bytes(header, events)).hexdigest()
    enc = _encoded(scenario)
    body = {**head, "scenario": _MARK, "prev": ""}
    text = canonical(body)
    mark = json.dumps(_MARK, ensure_ascii=False)
    if text.count(mark) != 1:
        return hashlib.sha256(log_bytes(header, events)).hexdigest()
    before, after = text.split(mark)
    # The line's own hash: sha256 of its canonical body (without "hash").
    key = (before, scenario)
    state = _PREFIX.get(key)
    if state is None:
        if len(_PREFIX) > 8:
            _PREFIX.clear()
        state = hashlib.sha256(before.encode())
        state.update(enc.encode())
        _PREFIX[key] = state
    line_hash = state.copy()
    line_hash.update(after.encode())
    h = line_hash.hexdigest()
    # The line as written: the same body with "hash" in its sorted place.
    written = canonical({**body, "hash": h})
    w_before, w_after = written.split(mark)
    log = hashlib.sha256(w_before.encode())
    log.update(enc.encode())
    log.update((w_after + "\n").encode())
    prev = h
    for ev in events:
        data, prev = encode(ev, prev)
        log.update(data)
    return log.hexdigest()
