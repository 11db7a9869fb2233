"""Many games: a batch of headless runs cut into chunks, on local workers or a Dask cluster.

A batch is a :class:`BatchSpec` (the scenario as canonical text, the master seed, the
number of runs, optional scripted orders). Run ``i`` plays seed ``spec.seed + i``: a
function of the master seed and the run index only, never of which worker or chunk ran
it, so one process, a pool of local workers (joblib's loky backend) and a Dask cluster
give the same results, byte for byte.

Chunks are the unit of work and of resumption. Each chunk's results can be streamed to a
results file (JSON Lines) as they come in; a batch started again with the same file and
the same spec reads the chunks already done and runs only the rest, so an interrupted
batch resumes. A file written for a different spec is refused, never mixed in.

The API (also for ``compare``; see docs in /work/coord/batch-api.md when in doubt):

- :func:`run_batch` runs a spec and returns every run's result in run order;
- :func:`run_chunk` is the pure function a worker runs: (payload, first, stop) -> results;
- the result of a run is whatever the spec's ``runner`` returns for (loaded, rules, seed,
  script): by default :func:`wargame.simulate.run_one` (its outcome dict).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHUNK = 10  # runs per chunk: small enough to spread over workers and to lose little on an interrupt

Result = dict[str, Any]
Progress = Callable[[int], None]


@dataclass(frozen=True)
class BatchSpec:
    """What a batch computes. Everything here goes to the workers; nothing else does."""

    scenario: str  # the scenario's canonical JSON text (LoadedScenario.canonical_text): encoded once
    seed: int  # the master seed: run i plays seed + i
    runs: int
    script: dict[int, dict[str, list[Any]]] | None = None  # orders by round and role, as JSON
    runner: str = "wargame.simulate:run_one"  # module:function run for each seed
    options: dict[str, Any] = field(default_factory=dict)  # passed to the runner as keywords
    chunk: int = CHUNK

    def run_seed(self, index: int) -> int:
        """The seed of run ``index``: the master seed and the index only."""
        return self.seed + index

    def chunks(self) -> list[tuple[int, int]]:
        return [(i, min(i + self.chunk, self.runs)) for i in range(0, self.runs, self.chunk)]

    def payload(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "seed": self.seed, "runs": self.runs, "script": self.script,
                "runner": self.runner, "options": self.options, "chunk": self.chunk}

    def digest(self) -> str:
        """Names the batch in a results file: a file is only resumed by the same batch."""
        blob = json.dumps({k: v for k, v in self.payload().items() if k != "scenario"}, sort_keys=True)
        return hashlib.sha256((hashlib.sha256(self.scenario.encode()).hexdigest() + blob).encode()).hexdigest()


# --- what a worker runs -----------------------------------------------------------------

_PREPARED: dict[str, tuple[Any, Any, Any, Callable[..., Result]]] = {}


def _prepare(payload: dict[str, Any]) -> tuple[Any, Any, Any, Callable[..., Result]]:
    """The scenario loaded, its rules compiled and the script parsed: once per worker
    process and batch, not per chunk (validating a 175 KiB scenario takes ~0.1 s)."""
    key = hashlib.sha256(json.dumps([payload["scenario"], payload["script"], payload["runner"]],
                                    sort_keys=True).encode()).hexdigest()
    hit = _PREPARED.get(key)
    if hit is None:
        import importlib

        from wargame.engine.orders import script_from_data
        from wargame.engine.rules import Rules
        from wargame.scenario.loader import scenario_from_canonical

        loaded = scenario_from_canonical(json.loads(payload["scenario"]))
        script = script_from_data(loaded.scenario, payload["script"]) if payload["script"] is not None else None
        module, _, name = payload["runner"].partition(":")
        if not module.startswith("wargame."):
            raise ValueError(f"runner {payload['runner']!r} is not a wargame function")
        runner = getattr(importlib.import_module(module), name)
        _PREPARED.clear()  # one batch at a time per worker
        hit = _PREPARED[key] = (loaded, Rules(loaded), script, runner)
    return hit


def run_chunk(payload: dict[str, Any], first: int, stop: int) -> list[Result]:
    """Runs ``first`` .. ``stop - 1`` of a batch: a pure function of its arguments."""
    loaded, rules, script, runner = _prepare(payload)
    return [runner(loaded, payload["seed"] + i, script, rules=rules, **payload["options"]) for i in range(first, stop)]


# --- the results file -------------------------------------------------------------------

class ResultsFile:
    """Chunk results as JSON Lines: a header naming the batch, then one line per chunk.

    Each line is written whole and flushed to disk as its chunk completes; a line cut
    short by a crash is ignored on reading (that chunk runs again)."""

    def __init__(self, path: Path, spec: BatchSpec) -> None:
        self.path, self.spec = path, spec
        self.done: dict[tuple[int, int], list[Result]] = {}
        self._fh: Any = None

    def open(self) -> None:
        digest = self.spec.digest()
        if self.path.exists() and self.path.stat().st_size:
            lines = self.path.read_bytes().split(b"\n")
            try:
                head = json.loads(lines[0])
            except ValueError:
                head = None
            if not isinstance(head, dict) or head.get("batch") != digest:
                raise ValueError(f"{self.path}: holds the results of another batch (other scenario, seed, runs "
                                 "or orders); choose another file or delete it")
            good = len(lines[0]) + 1
            for line in lines[1:]:
                try:
                    rec = json.loads(line)
                    first, stop = rec["chunk"]
                    self.done[(first, stop)] = rec["results"]
                except (ValueError, KeyError, TypeError):
                    break  # a line cut short: everything from here runs again
                good += len(line) + 1
            self._fh = open(self.path, "r+b")
            self._fh.truncate(min(good, self.path.stat().st_size))
            self._fh.seek(0, os.SEEK_END)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.path, "wb")
            self._write({"batch": digest, "runs": self.spec.runs, "seed": self.spec.seed, "chunk": self.spec.chunk})

    def _write(self, obj: Any) -> None:
        self._fh.write((json.dumps(obj, separators=(",", ":")) + "\n").encode())
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def add(self, first: int, stop: int, results: list[Result]) -> None:
        self._write({"chunk": [first, stop], "results": results})

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()


# --- running a batch --------------------------------------------------------------------

def _local(payload: dict[str, Any], todo: list[tuple[int, int]], workers: int) -> Iterator[tuple[int, int, list[Result]]]:
    if workers <= 1 or len(todo) <= 1:
        for first, stop in todo:
            yield first, stop, run_chunk(payload, first, stop)
        return
    from concurrent.futures import as_completed

    from joblib.externals.loky import get_reusable_executor

    from wargame.orphans import exit_with_parent

    # loky (joblib's process pool): workers reused between chunks and batches. Each
    # worker watches its parent from the moment it starts (wargame.orphans; the parent's
    # pid is passed in, as a worker still starting when its parent died is already
    # reparented), so none is left behind if this process is killed (tests/test_batch.py).
    executor = get_reusable_executor(max_workers=workers, initializer=exit_with_parent, initargs=(os.getpid(),),
                                      reuse="auto")
    futures = [executor.submit(_tagged_chunk, payload, first, stop) for first, stop in todo]
    try:
        for fut in as_completed(futures):
            yield fut.result()
    finally:
        for fut in futures:
            fut.cancel()


def _tagged_chunk(payload: dict[str, Any], first: int, stop: int) -> tuple[int, int, list[Result]]:
    return first, stop, run_chunk(payload, first, stop)


def _cluster(payload: dict[str, Any], todo: list[tuple[int, int]], address: str) -> Iterator[tuple[int, int, list[Result]]]:
    try:
        from distributed import Client, as_completed
    except ImportError:  # pragma: no cover - the optional extra is not installed
        raise RuntimeError("--cluster needs Dask: pip install 'wargame[cluster]'") from None
    with Client(address, timeout="10s") as client:
        # The scenario goes to the workers once, not once per chunk.
        shared = client.scatter(payload, broadcast=True)
        futures = [client.submit(_tagged_chunk, shared, first, stop, pure=False) for first, stop in todo]
        for fut in as_completed(futures):
            yield fut.result()


def run_batch(spec: BatchSpec, workers: int = 1, cluster: str | None = None, progress: Progress | None = None,
              results_path: str | Path | None = None) -> list[Result]:
    """Every run's result, in run order. Chunks already in ``results_path`` are not run again."""
    payload = spec.payload()
    store = ResultsFile(Path(results_path), spec) if results_path is not None else None
    done: dict[tuple[int, int], list[Result]] = {}
    try:
        if store is not None:
            store.open()
            done.update(store.done)
            if progress and done:
                progress(sum(len(v) for v in done.values()))
        todo = [c for c in spec.chunks() if c not in done]
        source = _cluster(payload, todo, cluster) if cluster else _local(payload, todo, workers)
        for first, stop, results in source:
            done[(first, stop)] = results
            if store is not None:
                store.add(first, stop, results)
            if progress:
                progress(len(results))
    finally:
        if store is not None:
            store.close()
    return [r for c in spec.chunks() for r in done[c]]
