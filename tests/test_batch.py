"""wargame.batch: chunks on one process, on local loky workers and on a Dask cluster give
the same output byte for byte; an interrupted batch resumes from its results file; local
workers exit when the batch's process is killed; log_sha256 without building the log."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from wargame.batch import BatchSpec, run_batch
from wargame.batch.fingerprint import log_sha256
from wargame.engine.orders import load_script
from wargame.saves.log import log_bytes
from wargame.play.headless import play_session
from wargame.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "data" / "mini.yaml"
TECH = ROOT / "scenarios" / "tech-contest.yaml"
HISTORY = ROOT / "scenarios" / "orders" / "history-2016-2020.yaml"
RUNS = "20"  # `--runs 200` gives the same identity; 20 keeps the suite quick


def simulate(*args: str, cwd: Path = ROOT) -> str:
    proc = subprocess.run([sys.executable, "-m", "wargame", "simulate", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


# --- log_sha256 ---------------------------------------------------------------------------

@pytest.mark.parametrize("scripted", [False, True])
def test_log_sha256_is_the_hash_of_the_log_bytes(scripted: bool) -> None:
    loaded = load_scenario(TECH)
    script = load_script(loaded.scenario, HISTORY) if scripted else None
    for seed in (1, 2):
        session = play_session(loaded, seed, script)
        want = hashlib.sha256(log_bytes(session.header, session.events)).hexdigest()
        assert log_sha256(session.header, session.events) == want


def test_log_sha256_of_a_header_without_scenario_text_is_log_bytes_behaviour() -> None:
    from wargame.saves.log import SaveError

    header = {"engine": "x", "scenario": {"not": "text"}, "seed": 1}
    with pytest.raises(SaveError):
        log_bytes(header, [])
    with pytest.raises(SaveError):
        log_sha256(header, [])


def test_log_sha256_of_a_fork_header_and_notes() -> None:
    loaded = load_scenario(MINI)
    session = play_session(loaded, 4, None)
    header = {**session.header, "parent": {"file": "x.jsonl", "sha256": "0" * 64, "round": 1}}
    events = [*session.events, {"type": "note", "round": 4, "text": "after the end \u0000 \"quoted\"", "bookmark": True}]
    assert log_sha256(header, events) == hashlib.sha256(log_bytes(header, events)).hexdigest()


# --- the same results every way -------------------------------------------------------------

@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Dask scheduler and one worker on 127.0.0.1, started for these tests."""
    pytest.importorskip("distributed")
    tmp = tmp_path_factory.mktemp("dask")
    sched_file = tmp / "scheduler.json"
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                               "--port", "0", "--dashboard-address", ":0", "--scheduler-file", str(sched_file)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp)]
    try:
        deadline = time.monotonic() + 60
        while not sched_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(sched_file.read_text())["address"]
        procs.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nworkers", "1",
                                       "--nthreads", "1", "--no-dashboard", "--local-directory", str(tmp)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp))
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(1, timeout=60)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()


def test_one_process_local_workers_and_a_dask_cluster_agree(cluster: str) -> None:
    one = simulate("tech-contest", "--runs", RUNS, "--json", "--workers", "1")
    two = simulate("tech-contest", "--runs", RUNS, "--json", "--workers", "2")
    dask = simulate("tech-contest", "--runs", RUNS, "--json", "--cluster", cluster)
    assert one == two == dask
    res = json.loads(one)
    assert res["runs"] == int(RUNS) and len(res["runs_sha256"]) == 64


def test_run_seeds_depend_on_the_master_seed_and_index_only() -> None:
    spec = BatchSpec("{}", 40, 25, chunk=7)
    assert [spec.run_seed(i) for i in range(3)] == [40, 41, 42]
    assert spec.chunks() == [(0, 7), (7, 14), (14, 21), (21, 25)]


def test_an_interrupted_batch_resumes_from_its_results_file(tmp_path: Path) -> None:
    loaded = load_scenario(MINI)
    spec = BatchSpec(loaded.canonical_text, 3, 25, chunk=4)
    path = tmp_path / "results.jsonl"
    whole = run_batch(spec, results_path=path)
    lines = path.read_bytes().split(b"\n")
    assert len(lines) == 1 + 7 + 1  # header, 7 chunks, the final newline
    # Keep the header, two chunks, and half of the third (a crash mid-write).
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(b"\n".join(lines[:3]) + b"\n" + lines[3][: len(lines[3]) // 2])
    ran: list[int] = []
    resumed = run_batch(spec, results_path=cut, progress=ran.append)
    assert resumed == whole
    assert ran[0] == 8  # two chunks of 4 read back, not run again
    assert cut.read_bytes() .count(b"\n") == 1 + 7


def test_a_results_file_of_another_batch_is_refused(tmp_path: Path) -> None:
    loaded = load_scenario(MINI)
    path = tmp_path / "results.jsonl"
    run_batch(BatchSpec(loaded.canonical_text, 3, 4), results_path=path)
    with pytest.raises(ValueError, match="another batch"):
        run_batch(BatchSpec(loaded.canonical_text, 4, 4), results_path=path)


def test_cli_resume_gives_the_same_output(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    first = simulate(str(MINI), "--runs", "30", "--json", "--results", str(path))
    lines = path.read_bytes().split(b"\n")
    path.write_bytes(b"\n".join(lines[:2]) + b"\n")  # as if stopped after one chunk
    assert simulate(str(MINI), "--runs", "30", "--json", "--results", str(path)) == first


# --- workers do not outlive the batch ----------------------------------------------------------

def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ")[-1].startswith("Z"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc and ps --ppid")
def test_local_workers_exit_when_the_batch_process_is_killed() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "wargame", "simulate", "tech-contest", "--runs", "400",
                             "--workers", "2", "--json"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        kids: list[int] = []
        while time.monotonic() < deadline:
            kids = _children(proc.pid)
            if len(kids) >= 2:
                break
            time.sleep(0.2)
        assert len(kids) >= 2, "the batch never started its workers"
        time.sleep(2)  # let the workers take their first chunks
        kids = _children(proc.pid)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(k) for k in kids):
        time.sleep(0.25)
    left = [k for k in kids if _alive(k)]
    for k in left:
        os.kill(k, signal.SIGKILL)
    assert not left, f"workers {left} outlived their parent"
