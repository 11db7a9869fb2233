"""`wargame simulate` through the command line: the JSON contract of the README,
distributions over many runs, workers, scripted orders, usage errors and saves."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from wargame.cli import main
from wargame.scenario.model import QUADRANTS

ROOT = Path(__file__).resolve().parents[1]
MINI = str(ROOT / "tests" / "data" / "mini.yaml")


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def simulate_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    code, out, err = run_cli(capsys, "simulate", MINI, "--json", *args)
    assert code == 0, err
    return json.loads(out)


def test_one_run_has_exactly_the_design_keys(capsys: pytest.CaptureFixture[str]) -> None:
    res = simulate_json(capsys)
    # Other keys (e.g. vs_history) may join these; these must be there.
    assert {"scenario", "seed", "rounds", "log_sha256", "sectors", "roles", "overrides"} <= set(res)
    assert res["overrides"] == []
    assert res["scenario"] == "mini" and res["seed"] == 7 and res["rounds"] == 4
    assert len(res["log_sha256"]) == 64 and int(res["log_sha256"], 16) >= 0
    assert set(res["sectors"]) == {"chips", "metal"}
    for sec in res["sectors"].values():
        assert set(sec) == {"quadrant", "indicators"}
        assert sec["quadrant"] in QUADRANTS
        assert all(isinstance(v, (int, float)) for v in sec["indicators"].values())
    assert set(res["sectors"]["metal"]["indicators"]) == {"china_innovation", "global_effect", "price", "demand", "supply"}
    assert set(res["roles"]) == {"us", "cn", "eu"}
    for role in res["roles"].values():
        assert {"score", "indicators", "spent"} <= set(role)
        assert 0 <= role["score"] <= 100
        assert isinstance(role["spent"], int) and role["spent"] >= 0
    assert res["roles"]["us"]["indicators"].keys() == {"lead"}


def test_seed_option_and_reproducibility(capsys: pytest.CaptureFixture[str]) -> None:
    a = simulate_json(capsys, "--seed", "5")
    b = simulate_json(capsys, "--seed", "5")
    assert a == b and a["seed"] == 5


def test_many_runs_give_distributions(capsys: pytest.CaptureFixture[str]) -> None:
    res = simulate_json(capsys, "--runs", "20")
    assert res["runs"] == 20 and res["scenario"] == "mini"
    for rid in ("us", "cn", "eu"):
        sc = res["roles"][rid]["score"]
        assert {"mean", "p5", "p50", "p95"} <= set(sc)
        assert sc["p5"] <= sc["p50"] <= sc["p95"]
        assert min(sc.get("min", sc["p5"]), sc["p5"]) <= sc["mean"] <= max(sc.get("max", sc["p95"]), sc["p95"])
    for sid in ("chips", "metal"):
        q = res["sectors"][sid]["quadrants"]
        assert set(q) == set(QUADRANTS)
        assert all(0 <= v <= 1 for v in q.values())
        assert sum(q.values()) == pytest.approx(1.0, abs=1e-9)


def test_workers_do_not_change_the_result(capsys: pytest.CaptureFixture[str]) -> None:
    one = simulate_json(capsys, "--runs", "20", "--workers", "1")
    two = simulate_json(capsys, "--runs", "20", "--workers", "2")
    assert one == two


def test_runs_one_equals_single_game_of_many(capsys: pytest.CaptureFixture[str]) -> None:
    """Run k of --runs N is the game with seed (seed + k): the same as asking for that seed alone."""
    many = simulate_json(capsys, "--runs", "3", "--seed", "10")
    singles = [simulate_json(capsys, "--seed", str(s)) for s in (10, 11, 12)]
    digest = hashlib.sha256("".join(s["log_sha256"] for s in singles).encode()).hexdigest()
    assert many.get("runs_sha256", digest) == digest


GOOD_ORDERS = """\
scenario: mini
rounds:
  1:
    us: [us_controls]
    cn: [cn_mandate]
  2:
    eu: [eu_join]
"""

BAD_ORDERS = """\
rounds:
  1:
    us: [us_control]
    xx: [us_subsidy]
  9:
    us: [us_subsidy]
  2:
    cn: [us_subsidy]
"""


def test_scripted_orders(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    f = tmp_path / "orders.yaml"
    f.write_text(GOOD_ORDERS, encoding="utf-8")
    scripted = simulate_json(capsys, "--orders", str(f))
    again = simulate_json(capsys, "--orders", str(f))
    bots = simulate_json(capsys)
    assert scripted == again
    assert scripted["log_sha256"] != bots["log_sha256"]


def test_bad_orders_file_exits_1_with_locations(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(BAD_ORDERS, encoding="utf-8")
    code, out, err = run_cli(capsys, "simulate", MINI, "--orders", str(f), "--json")
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert all(line.startswith(f"{f}:") for line in lines), lines
    assert "Traceback" not in err
    want = [
        (3, "unknown move 'us_control' (did you mean 'us_controls'?)"),
        (4, "unknown role 'xx'"),
        (5, "round 9 is after the last round (4)"),
        (8, "'us_subsidy' is a move of 'us', not of 'cn'"),
    ]
    for line_no, message in want:
        hits = [ln for ln in lines if ln.startswith(f"{f}:{line_no}:") and message in ln]
        assert hits, (line_no, message, lines)
        col = hits[0][len(str(f)) + 1:].split(":")[1]
        assert col.isdigit() and int(col) >= 1


@pytest.mark.parametrize("text, message", [
    ("rounds: {0: {us: [us_subsidy]}}\n", "round must be a whole number from 1"),
    ("scenario: other\nrounds: {1: {us: [us_subsidy]}}\n", "these orders are for scenario 'other'"),
    ("orders: {1: {us: [us_subsidy]}}\n", "rounds"),
    ("rounds: {1: {eu: [{respond: cn_deal, answer: maybe}]}}\n", "answer must be accept, reject or renegotiate"),
])
def test_more_bad_orders(capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, message: str) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(text, encoding="utf-8")
    code, _, err = run_cli(capsys, "simulate", MINI, "--orders", str(f))
    assert code == 1
    assert err.startswith(f"{f}:") and message in err


def test_missing_orders_file_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run_cli(capsys, "simulate", MINI, "--orders", str(tmp_path / "nope.yaml"))
    assert code == 1 and "Traceback" not in err and "nope.yaml" in err


@pytest.mark.parametrize("args", [
    ["--runs", "0"],
    ["--runs", "-3"],
    ["--workers", "0"],
    ["--runs", "5", "--save", "SAVE"],
    ["--runs", "many"],
    ["--bogus"],
])
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str]) -> None:
    args = [str(tmp_path / "g.jsonl") if a == "SAVE" else a for a in args]
    code, out, err = run_cli(capsys, "simulate", MINI, *args)
    assert code == 2 and out == "" and "usage:" in err
    assert not (tmp_path / "g.jsonl").exists()


def test_save_writes_the_log_and_refuses_to_overwrite(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "game.jsonl"
    res = simulate_json(capsys, "--save", str(path))
    raw = path.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == res["log_sha256"]
    first = json.loads(raw.splitlines()[0])
    assert first["type"] == "header" and first["seed"] == 7
    assert sum(1 for line in raw.splitlines() if json.loads(line)["type"] == "resolve") == 4
    # the same game without --save has the same hash
    assert simulate_json(capsys)["log_sha256"] == res["log_sha256"]
    code, out, err = run_cli(capsys, "simulate", MINI, "--save", str(path), "--json")
    assert code == 1 and "already exists" in err and out == ""
    assert path.read_bytes() == raw
    # the saved log replays intact
    code, out, err = run_cli(capsys, "replay", str(path), "--verify")
    assert code == 0, err
    assert res["log_sha256"] in out


def test_table_output_without_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "simulate", MINI)
    assert code == 0 and "Mini contest" in out and "seed 7" in out
    code, out, _ = run_cli(capsys, "simulate", MINI, "--runs", "3")
    assert code == 0 and "3 runs" in out


def test_unknown_scenario_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run_cli(capsys, "simulate", str(tmp_path / "missing.yaml"), "--json")
    assert code == 1 and "Traceback" not in err


def test_subprocess_entry_point() -> None:
    """The real command, in a fresh interpreter: one JSON object on stdout, exit 0."""
    proc = subprocess.run([sys.executable, "-m", "wargame", "simulate", MINI, "--json", "--seed", "3"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    res = json.loads(proc.stdout)
    assert res["seed"] == 3 and {"scenario", "seed", "rounds", "log_sha256", "sectors", "roles", "overrides"} <= set(res)
    proc = subprocess.run([sys.executable, "-m", "wargame", "simulate", MINI, "--runs", "0"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_two_overrides_on_one_indicator_report_the_rules_value(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    """The issue's case: Huawei's health overridden to 100, then to 75, in one round: both
    rulings name the value the rules produced, not the first ruling's."""
    from wargame.scenario.catalog import DEFAULT_ID

    ind = "telecom.huawei_health"
    plain = json.loads(_simulate_default(capsys, tmp_path, None))
    orders = tmp_path / "orders.yaml"
    orders.write_text(
        "rounds:\n"
        "  1:\n"
        "    facilitator:\n"
        f"      - {{override: {ind}, value: 100, reason: \"the room judged it stronger\"}}\n"
        f"      - {{override: {ind}, value: 75, reason: \"on reflection, less\"}}\n"
        "      - {note: two rulings}\n", encoding="utf-8")
    res = json.loads(_simulate_default(capsys, tmp_path, orders))
    assert [(o["round"], o["indicator"], o["value"], o["reason"]) for o in res["overrides"]] == [
        (1, ind, 100, "the room judged it stronger"), (1, ind, 75, "on reflection, less")]
    first, second = res["overrides"]
    assert first["model"] == second["model"]
    # the rules' value: what a game without the rulings has after round 1
    save = tmp_path / "plain.jsonl"
    code, _, err = run_cli(capsys, "simulate", DEFAULT_ID, "--seed", "7", "--save", str(save))
    assert code == 0, err
    from wargame.saves.session import load

    assert first["model"] == round(load(save).game.states[1].value(load(save).session.rules, ind), 4)
    assert plain["overrides"] == []
    assert all(r["spent"] > 0 for r in res["roles"].values())
    # out of range is refused with its bounds, at load time, with the file's line
    orders.write_text(f"rounds:\n  1:\n    facilitator:\n      - {{override: {ind}, value: 150, reason: x}}\n")
    code, _, err = run_cli(capsys, "simulate", DEFAULT_ID, "--orders", str(orders), "--json")
    assert code == 1 and "runs from 0 to 100: 150 is out of range" in err and "orders.yaml:4" in err


def _simulate_default(capsys: pytest.CaptureFixture[str], tmp_path, orders) -> str:
    from wargame.scenario.catalog import DEFAULT_ID

    args = ["simulate", DEFAULT_ID, "--seed", "7", "--json"] + (["--orders", str(orders)] if orders else [])
    code, out, err = run_cli(capsys, *args)
    assert code == 0, err
    return out
