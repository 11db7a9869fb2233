"""Issue 15, through the command line: hostile files, huge numbers, output paths, forged saves.

One table per finding (A-H). Every row runs the real command and states its exit
code and the message a user reads. Cases that could hang if they regressed (FIFOs,
devices) run in a subprocess with a timeout, so a regression fails instead of blocking.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from wargame.cli import main
from wargame.saves.catalog import save_info, scan_saves
from wargame.saves.log import SaveWriter, encode, parse_log, read_log
from wargame.saves.session import Session
from wargame.scenario.loader import load_scenario
from savegen import bot_game

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
MINI_TEXT = (DATA / "mini.yaml").read_text(encoding="utf-8")


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def run_sub(*args: str, cwd: Path, timeout: float = 60) -> tuple[int, str, str]:
    """The command in a fresh process, killed (and failed) if it blocks."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        done = subprocess.run([sys.executable, "-m", "wargame", *args], cwd=cwd, capture_output=True, text=True,
                              timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        pytest.fail(f"wargame {' '.join(args)} blocked for {timeout} s")
    return done.returncode, done.stdout, done.stderr


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A folder with mini.yaml and its evidence, as an author would have it."""
    shutil.copytree(DATA / "seeds", tmp_path / "seeds")
    (tmp_path / "mini.yaml").write_text(MINI_TEXT, encoding="utf-8")
    return tmp_path


def edit(*pairs: tuple[str, str]) -> str:
    text = MINI_TEXT
    for old, new in pairs:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


@dataclass(frozen=True)
class Row:
    name: str
    args: tuple[str, ...]
    code: int
    message: str


# --- A. huge finite numbers: a validation rule with a position, never an OverflowError ----------

PRICE = "price: {name: Price, unit: USD/t, min: 1000, max: 200000, start: 30000"
HUGE = [
    ("min", edit((PRICE, PRICE.replace("min: 1000", "min: -2e305"))), "23:46", "min -2e+305 is out of range"),
    ("max", edit((PRICE, PRICE.replace("max: 200000", "max: 1.9e304"))), "23:57", "max 1.9e+304 is out of range"),
    ("start", edit((PRICE, PRICE.replace("start: 30000", "start: 5e307"))), "23:72", "start 5e+307 is out of range"),
    ("max_just_over", edit((PRICE, PRICE.replace("max: 200000", "max: 1000000000001"))), "23:57",
     "max 1,000,000,000,001 is out of range"),
]


@pytest.mark.parametrize("field, text, at, message", HUGE, ids=[h[0] for h in HUGE])
@pytest.mark.parametrize("command", ["validate", "simulate", "play"])
def test_a_huge_bounds_are_a_positioned_error(work, capsys, command, field, text, at, message) -> None:
    (work / "big.yaml").write_text(text)
    code, _, err = run(capsys, command, str(work / "big.yaml"))
    assert code == 1, err
    assert f"big.yaml:{at}: sectors.metal.indicators.price.{field.split('_')[0]}: {message}" in err
    assert "within ±1,000,000,000,000" in err and "internal error" not in err


def test_a_huge_axis_threshold(work, capsys) -> None:
    text = edit(("  chips:\n    name: Chips\n", "  chips:\n    name: Chips\n"
                 "    axes: {innovation: {indicator: china_innovation, threshold: 1e306}}\n"))
    (work / "t.yaml").write_text(text)
    code, _, err = run(capsys, "validate", str(work / "t.yaml"))
    assert code == 1
    assert "sectors.chips.axes.innovation.threshold: threshold 1e+306 is out of range" in err
    assert "internal error" not in err


# --- B. only regular files are read, never past the limit ---------------------------------------

@pytest.fixture
def hostile(work: Path) -> Path:
    os.mkfifo(work / "fifo.yaml")
    os.mkfifo(work / "fifo.jsonl")
    (work / "zero.yaml").symlink_to("/dev/zero")
    (work / "zero.jsonl").symlink_to("/dev/zero")
    (work / "folder.jsonl").mkdir()
    return work


NOT_REGULAR = [
    Row("validate_fifo", ("validate", "fifo.yaml"), 1, "fifo.yaml:1:1: is a named pipe (FIFO), not a regular file"),
    Row("validate_dev_zero", ("validate", "zero.yaml"), 1, "zero.yaml:1:1: is a character device, not a regular file"),
    Row("verify_fifo", ("replay", "fifo.jsonl", "--verify"), 1, "fifo.jsonl: cannot read: is a named pipe (FIFO)"),
    Row("verify_dev_zero", ("replay", "zero.jsonl", "--verify"), 1, "zero.jsonl: cannot read: is a character device"),
    Row("verify_folder", ("replay", "folder.jsonl", "--verify"), 1, "folder.jsonl: cannot read: is a folder"),
    Row("report_fifo", ("report", "fifo.jsonl"), 1, "fifo.jsonl: cannot read: is a named pipe (FIFO)"),
    Row("report_dev_zero", ("report", "zero.jsonl"), 1, "zero.jsonl: cannot read: is a character device"),
    Row("orders_fifo", ("simulate", "mini.yaml", "--orders", "fifo.yaml"), 1, "fifo.yaml:1:1: is a named pipe"),
    Row("orders_dev_zero", ("simulate", "mini.yaml", "--orders", "zero.yaml"), 1, "zero.yaml:1:1: is a character device"),
]


@pytest.mark.parametrize("row", NOT_REGULAR, ids=[r.name for r in NOT_REGULAR])
def test_b_fifos_and_devices_are_refused(hostile, row) -> None:
    code, _, err = run_sub(*row.args, cwd=hostile, timeout=30)
    assert code == row.code and row.message in err, err
    assert "Traceback" not in err


def test_b_an_expectation_orders_file_on_a_device(hostile) -> None:
    text = edit(("    orders: {1: {cn: [cn_mandate]}}\n", "    orders_file: zero.yaml\n"))
    (hostile / "exp.yaml").write_text(text)
    code, out, err = run_sub("validate", "exp.yaml", cwd=hostile, timeout=30)
    assert code == 1 and "could not run" in err and "is a character device, not a regular file" in err, err


def test_b_a_file_that_grows_past_the_limit_is_not_read_whole(tmp_path) -> None:
    from wargame.safeio import UnsafeInput, read_limited

    p = tmp_path / "big.yaml"
    p.write_bytes(b"x" * 1001)
    with pytest.raises(UnsafeInput, match="too large"):
        read_limited(p, 1000)
    assert read_limited(p, 1001) == b"x" * 1001


# --- C. saves edited with a recomputed hash chain -----------------------------------------------

def rechain(src: Path, dst: Path, change) -> None:
    """Apply ``change(objs)`` to a save's parsed lines and write them with a valid hash chain,
    as anyone can (the chain is not a signature)."""
    lines = src.read_bytes().split(b"\n")[:-1]
    objs = [json.loads(x) for x in lines]
    change(objs)
    out, prev = [], ""
    head, _ = encode(objs[0], "")
    h1 = json.loads(head)["hash"]
    out.append(head)
    for i, o in enumerate(objs[1:], 1):
        data, prev = encode(o, h1 if i <= 2 else prev)  # line 2 and the first event follow the header
        out.append(data)
    dst.write_bytes(b"".join(out))


@pytest.fixture(scope="module")
def game(tmp_path_factory) -> Path:
    loaded = load_scenario(DATA / "mini.yaml")
    path = tmp_path_factory.mktemp("game") / "game.jsonl"
    bot_game(loaded, 5, path)
    return path


def _first(objs, t):
    return next(o for o in objs if o["type"] == t)


def _last(objs, t):
    return [o for o in objs if o["type"] == t][-1]


FORGED = [
    ("round_list_in_orders", lambda o: _first(o, "orders").__setitem__("round", [1]), "field 'round'"),
    ("round_text_in_last_resolve", lambda o: _last(o, "resolve").__setitem__("round", "4"), "field 'round'"),
    ("values_text", lambda o: _first(o, "resolve").__setitem__("values", "1,2"), "field 'values'"),
    ("orders_number", lambda o: _first(o, "orders").__setitem__("orders", 5), "field 'orders'"),
    ("scores_nan", lambda o: _first(o, "resolve")["scores"].__setitem__("us", "NaN"), "field 'scores.us'"),
    ("summary_list", lambda o: _first(o, "resolve").__setitem__("summary", []), "field 'summary'"),
    ("unknown_type", lambda o: _first(o, "orders").__setitem__("type", "teleport"), "unknown event type 'teleport'"),
    ("seed_text", lambda o: o[0].__setitem__("seed", "5"), "field 'seed'"),
    ("seats_list", lambda o: o[0].__setitem__("seats", ["us"]), "field 'seats'"),
]


@pytest.mark.parametrize("name, change, message", FORGED, ids=[f[0] for f in FORGED])
def test_c_forged_fields_are_clean_errors_everywhere(game, tmp_path, capsys, name, change, message) -> None:
    p = tmp_path / f"{name}.jsonl"
    rechain(game, p, change)
    code, _, err = run(capsys, "replay", str(p), "--verify")
    assert code == 1 and message in err, err
    code, out, err = run(capsys, "report", str(p))
    assert code in (0, 1) and message in err and "internal error" not in err, err
    info = save_info(p)
    assert not info.intact and message in info.problem


# --- D. error positions in a file with a byte order mark ----------------------------------------

BOM = b"\xef\xbb\xbf"
BOM_ROWS = [
    ("line_3", BOM + b"id: x\ntitle: y\nabc: v\xff\n", "3:7: byte 0xff"),
    ("line_1_start", BOM + b"\xffid: x\n", "1:1: byte 0xff"),
    ("line_1_col_3", BOM + b"id\xfe: x\n", "1:3: byte 0xfe"),
    ("line_2_start", BOM + b"id: x\n\xc3(: y\n", "2:1: byte 0xc3"),
    ("no_bom", b"id: x\ntitle: y\nabc: v\xff\n", "3:7: byte 0xff"),
    ("nul_after_bom", BOM + b"id: x\nab\x00\n", "2:3: this is a binary file"),
]


@pytest.mark.parametrize("name, raw, message", BOM_ROWS, ids=[r[0] for r in BOM_ROWS])
def test_d_positions_with_a_bom(tmp_path, capsys, name, raw, message) -> None:
    (tmp_path / "b.yaml").write_bytes(raw)
    code, _, err = run(capsys, "validate", str(tmp_path / "b.yaml"))
    assert code == 1 and f"b.yaml:{message}" in err, err


def test_d_yaml_positions_after_a_bom(tmp_path, capsys) -> None:
    (tmp_path / "b.yaml").write_bytes(BOM + MINI_TEXT.replace("rounds: 4", "rounds: four").encode())
    shutil.copytree(DATA / "seeds", tmp_path / "seeds")
    code, _, err = run(capsys, "validate", str(tmp_path / "b.yaml"))
    assert code == 1 and "b.yaml:8:9: rounds: expected a whole number" in err, err


# --- F. output paths ------------------------------------------------------------------------------

@pytest.fixture
def outdir(work: Path, game: Path) -> Path:
    shutil.copy(game, work / "game.jsonl")
    (work / "old.txt").write_text("keep me")
    (work / "link.txt").symlink_to("old.txt")
    (work / "dangling.txt").symlink_to("nowhere/at/all.txt")
    (work / "afile").write_text("a file")
    (work / "adir").mkdir()
    return work


WRITERS = {
    "report": ("report", "game.jsonl", "-o"),
    "schema": ("schema", "-o"),
    "new-scenario": ("new-scenario", "Rare earths", "-o"),
    "handout": ("handout", "mini.yaml", "--format", "md", "-o"),
    "compare": ("compare", "game.jsonl", "--at", "2", "--runs", "2", "--json", "-o"),
}
PATH_ROWS = [
    ("existing", "old.txt", 1, "old.txt: already exists; not overwritten (use --force to replace it)"),
    ("symlink", "link.txt", 1, "link.txt: is a symbolic link to old.txt; not written through it"),
    ("dangling_symlink", "dangling.txt", 1, "dangling.txt: is a symbolic link to nowhere/at/all.txt, which does not exist"),
    ("missing_folder", "no/such/dir/out.txt", 1, "no/such/dir/out.txt: the folder no/such/dir does not exist"),
    ("under_a_file", "afile/out.txt", 1, "afile/out.txt: afile is a file, not a folder"),
    ("a_folder", "adir", 1, "adir: is a folder"),
    ("empty", "", 2, "--output needs a file name"),
]


@pytest.mark.parametrize("writer", list(WRITERS))
@pytest.mark.parametrize("name, target, code, message", PATH_ROWS, ids=[r[0] for r in PATH_ROWS])
def test_f_output_paths(outdir, monkeypatch, capsys, writer, name, target, code, message) -> None:
    monkeypatch.chdir(outdir)
    got, _, err = run(capsys, *WRITERS[writer], target)
    assert got == code and message in err, err
    assert "internal error" not in err
    assert (outdir / "old.txt").read_text() == "keep me"  # never written through a link
    assert os.readlink(outdir / "dangling.txt") == "nowhere/at/all.txt"


@pytest.mark.parametrize("writer", list(WRITERS))
def test_f_force_replaces_the_file_or_the_link_itself(outdir, monkeypatch, capsys, writer) -> None:
    monkeypatch.chdir(outdir)
    code, _, err = run(capsys, *WRITERS[writer], "old.txt", "--force")
    assert code == 0, err
    assert (outdir / "old.txt").read_text() != "keep me"
    (outdir / "old.txt").write_text("keep me")
    code, _, err = run(capsys, *WRITERS[writer], "link.txt", "--force")
    assert code == 0 and not (outdir / "link.txt").is_symlink()  # the link is replaced...
    assert (outdir / "old.txt").read_text() == "keep me"  # ...and its target untouched
    assert not [p for p in outdir.iterdir() if p.name.endswith(".tmp")]  # no temporary file left


SAVE_ROWS = [
    ("existing", "old.txt", "old.txt: already exists; not overwritten (saves are never overwritten"),
    ("under_a_file", "afile/x.jsonl", "afile/x.jsonl: afile is a file, not a folder"),
    ("missing_folder", "nope/x.jsonl", "nope/x.jsonl: the folder nope does not exist"),
    ("dangling_symlink", "dangling.txt", "dangling.txt: is a symbolic link to nowhere/at/all.txt"),
]


RESULTS_ROWS = [
    ("under_a_file", "afile/r.jsonl", "afile/r.jsonl: afile is a file, not a folder"),
    ("missing_folder", "nope/r.jsonl", "nope/r.jsonl: the folder nope does not exist"),
    ("a_folder", "adir", "adir: is a folder: a results file must be a regular file"),
    ("dev_zero", "/dev/zero", "/dev/zero: is a character device: a results file must be a regular file"),
]


@pytest.mark.parametrize("name, target, message", RESULTS_ROWS, ids=[r[0] for r in RESULTS_ROWS])
def test_f_simulate_results_paths(outdir, monkeypatch, capsys, name, target, message) -> None:
    monkeypatch.chdir(outdir)
    code, _, err = run(capsys, "simulate", "mini.yaml", "--runs", "3", "--results", target)
    assert code == 1 and message in err, err


def test_f_simulate_results_on_a_fifo_does_not_block(hostile) -> None:
    code, _, err = run_sub("simulate", "mini.yaml", "--runs", "3", "--results", "fifo.jsonl", cwd=hostile, timeout=30)
    assert code == 1 and "is a named pipe (FIFO): a results file must be a regular file" in err, err


@pytest.mark.parametrize("name, target, message", SAVE_ROWS, ids=[r[0] for r in SAVE_ROWS])
def test_f_simulate_save_paths(outdir, monkeypatch, capsys, name, target, message) -> None:
    monkeypatch.chdir(outdir)
    code, _, err = run(capsys, "simulate", "mini.yaml", "--save", target)
    assert code == 1 and message in err, err
    assert (outdir / "old.txt").read_text() == "keep me"


# --- G. silent misreadings ------------------------------------------------------------------------

def test_g_quoted_false_walk_away_in_an_orders_file(work, capsys) -> None:
    (work / "o.yaml").write_text('rounds:\n  1:\n    cn: [{move: cn_deal, walk_away: "false"}]\n')
    code, _, err = run(capsys, "simulate", str(work / "mini.yaml"), "--orders", str(work / "o.yaml"))
    assert code == 1 and "o.yaml:3:10: rounds[1].cn[0]: walk_away must be true or false (unquoted), not the text 'false'" in err, err


def test_g_quoted_false_in_a_scenario_bool(work, capsys) -> None:
    text = edit(("{indicator: metal.demand, change: 0.2, relative: true,", '{indicator: metal.demand, change: 0.2, relative: "false",'))
    (work / "q.yaml").write_text(text)
    code, _, err = run(capsys, "validate", str(work / "q.yaml"))
    assert code == 1 and "relative: expected true or false, found the text 'false' (a quoted value is text" in err, err


@pytest.mark.parametrize("args", [("validate", ""), ("validate", "mini", " "), ("simulate", ""), ("play", "")])
def test_g_an_empty_scenario_argument_is_a_usage_error(capsys, args) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2 and "an empty scenario name or path was given" in err and out == ""


def test_g_a_symlinked_scenario_reads_its_orders_file_next_to_the_real_file(work, tmp_path_factory, capsys) -> None:
    (work / "orders").mkdir()
    (work / "orders" / "o.yaml").write_text("rounds: {1: {cn: [cn_mandate]}}\n")
    (work / "real.yaml").write_text(edit(("    orders: {1: {cn: [cn_mandate]}}\n", "    orders_file: orders/o.yaml\n")))
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "link.yaml").symlink_to(work / "real.yaml")
    code, out, err = run(capsys, "validate", str(elsewhere / "link.yaml"))
    assert code == 0 and "expectations 2/2 pass" in out, err


def test_g_a_long_number_is_not_repeated_whole(work, capsys) -> None:
    (work / "n.yaml").write_text(edit(("rounds: 4", "rounds: " + "9" * 5000)))
    code, _, err = run(capsys, "validate", str(work / "n.yaml"))
    assert code == 1 and "n.yaml:8:9: rounds:" in err and "(5,000 characters) is not a usable number" in err
    assert len(err) < 400, err


def test_g_a_finished_game_cut_at_a_line_end_is_not_a_shorter_game(game, tmp_path, capsys) -> None:
    raw = game.read_bytes()
    lines = raw.split(b"\n")[:-1]
    # The end line follows the last resolution (the round flow's last phase changes may follow it).
    end = next(i for i, ln in enumerate(lines) if json.loads(ln)["type"] == "end")
    assert json.loads(lines[end - 1])["type"] == "resolve"
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(b"\n".join(lines[:end]) + b"\n")  # exactly at the end of the last resolution's line
    code, _, err = run(capsys, "replay", str(cut), "--verify")
    assert code == 1 and "the last round (4) is recorded but the end line written with it is missing" in err, err
    code, out, _ = run(capsys, "replay", str(game), "--verify")
    assert code == 0 and "the game is finished" in out
    # cut earlier, at any line end, the game no longer says it is finished
    for k in range(3, end):
        p = tmp_path / f"cut{k}.jsonl"
        p.write_bytes(b"\n".join(lines[:k]) + b"\n")
        info = save_info(p)
        assert not info.ended and (not info.finished or not info.intact), k


def test_g_one_flipped_byte_in_the_scenario_leaves_the_events_readable(game, tmp_path, monkeypatch, capsys) -> None:
    raw = game.read_bytes()
    second = raw.index(b"\n") + 1
    i = raw.index(b"Mini contest", second)
    bad = raw[:i] + b"X" + raw[i + 1:]
    p = tmp_path / "flip.jsonl"
    p.write_bytes(bad)
    read = parse_log(bad, p)
    assert read.scenario_damage and not read.damage
    assert read.events == read_log(game).events  # every event, every hash checked
    # Without the scenario file: a clear error naming what is intact.
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "replay", str(p), "--verify")
    assert code == 1 and "no scenario file with its content hash" in err and "events after it are intact" in err
    # With it in ./scenarios: found by its content hash, the events replay; still reported as damage.
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "mini.yaml").write_text(MINI_TEXT)
    shutil.copytree(DATA / "seeds", tmp_path / "scenarios" / "seeds")
    code, _, err = run(capsys, "replay", str(p), "--verify")
    assert code == 1 and "replayed with scenarios/mini.yaml, which has the same content hash" in err, err
    assert "diverged" not in err
    code, out, err = run(capsys, "report", str(p))
    assert code == 0 and "Mini contest" in out


def test_g_a_zero_byte_save_is_listed_and_explained(tmp_path, capsys) -> None:
    (tmp_path / "killed.jsonl").write_bytes(b"")
    [info] = scan_saves(tmp_path)
    assert not info.intact and info.title == "(empty: never started)"
    code, _, err = run(capsys, "replay", str(tmp_path / "killed.jsonl"), "--verify")
    assert code == 1 and "the file is empty (0 bytes)" in err


def test_g_a_new_save_appears_whole_or_not_at_all(tmp_path, monkeypatch) -> None:
    """The header and scenario are linked into place complete: a failure before that leaves no file."""
    loaded = load_scenario(DATA / "mini.yaml")

    def fail(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "link", fail)
    monkeypatch.setattr("builtins.open", _failing_open_for(tmp_path / "s.jsonl"))
    with pytest.raises(Exception):
        Session.new(loaded, 1, None, tmp_path / "s.jsonl")
    assert not (tmp_path / "s.jsonl").exists()
    assert not list(tmp_path.iterdir())  # no temporary file either


def _failing_open_for(target: Path):
    real = open

    def fake(file, mode="r", *a, **k):
        if Path(file) == target:
            raise OSError(28, "No space left on device")
        return real(file, mode, *a, **k)

    return fake


def test_g_format_1_saves_still_open(capsys) -> None:
    old = DATA / "mini-format1.jsonl"
    assert json.loads(old.read_bytes().split(b"\n")[0])["format"] == 1
    code, out, err = run(capsys, "replay", str(old), "--verify")
    assert code == 0 and "intact" in out, err
    code, out, err = run(capsys, "report", str(old))
    assert code == 0 and "Mini contest" in out
    [info] = [s for s in scan_saves(DATA) if s.path.name == old.name]
    assert info.intact and info.finished


# --- H. authoring -----------------------------------------------------------------------------------

def test_h_shape_and_reference_errors_in_one_run(work, capsys) -> None:
    text = edit(("    short: US\n    budget: 4", "    short: US\n    budget: four"),
                ("{indicator: us.lead, weight: 2}", "{indicator: us.leed, weight: 2}"),
                ("round_months: 6", "round_months: 6\ncolour: red"))
    (work / "three.yaml").write_text(text)
    code, _, err = run(capsys, "validate", str(work / "three.yaml"))
    assert code == 1
    assert "colour: unknown field 'colour'" in err
    assert "roles.us.budget: expected a whole number, found the text 'four'" in err
    assert "roles.us.objectives[0].indicator: unknown indicator 'us.leed' (did you mean 'us.lead'?)" in err
    assert "3 errors" in err


def test_h_no_message_about_an_entry_set_aside(work, capsys) -> None:
    """A move with a type error is set aside; a formula naming it is not 'unknown move'."""
    text = edit(("  eu_join:\n    role: eu\n    name: Join export controls\n    cost: 1",
                 "  eu_join:\n    role: eu\n    name: Join export controls\n    cost: [1]"))
    (work / "m.yaml").write_text(text)
    code, _, err = run(capsys, "validate", str(work / "m.yaml"))
    assert code == 1 and "moves.eu_join.cost" in err and "unknown move 'eu_join'" not in err, err


def test_h_template_placeholder_is_a_warning_and_comments_name_the_path(tmp_path, monkeypatch, capsys) -> None:
    work = tmp_path
    shutil.copytree(ROOT / "seeds", work / "seeds")  # the template cites the project's evidence
    monkeypatch.chdir(work)
    (work / "my scenarios").mkdir()
    code, _, err = run(capsys, "new-scenario", "Rare earths", "-o", "my scenarios/re.yaml")
    assert code == 0, err
    text = (work / "my scenarios" / "re.yaml").read_text()
    assert "wargame validate 'my scenarios/re.yaml'" in text and "scenarios/rare-earths.yaml" not in text
    code, out, err = run(capsys, "validate", "my scenarios/re.yaml")
    assert code == 0 and "1 warning" in out
    assert "re.yaml:8:10: warning: summary: still the template's placeholder text" in err, err


# --- A, as a property: any finite bounds either load and play, or are a clean error --------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

NUMBERS = st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(10**20), 10**20)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lo=NUMBERS, hi=NUMBERS, start=NUMBERS, threshold=NUMBERS)
def test_a_any_finite_bounds_load_and_play_or_fail_cleanly(lo, hi, start, threshold) -> None:
    from wargame.engine.game import Game
    from wargame.engine.rules import Rules
    from wargame.scenario.loader import load_scenario_text
    from wargame.scenario.yamlsafe import InputError

    def num(x: float | int) -> str:  # YAML 1.1 (PyYAML) reads a float only with a dot in it
        return str(x) if isinstance(x, int) else f"{x:.17e}"

    text = edit((PRICE, PRICE.replace("min: 1000", f"min: {num(lo)}").replace("max: 200000", f"max: {num(hi)}")
                 .replace("start: 30000", f"start: {num(start)}")),
                ("  chips:\n    name: Chips\n", "  chips:\n    name: Chips\n"
                 f"    axes: {{innovation: {{indicator: china_innovation, threshold: {num(threshold)}}}}}\n"))
    try:
        loaded = load_scenario_text(text, "p.yaml", base=DATA)
    except InputError:
        return
    game = Game.new(Rules(loaded), 1)
    game.play([], [])


def test_g_a_temporary_header_left_by_a_killed_program_is_removed(tmp_path) -> None:
    loaded = load_scenario(DATA / "mini.yaml")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".old.jsonl.{dead.stdout.strip()}.tmp"  # that process has exited
    stale.write_bytes(b'{"type":"header"')
    live = tmp_path / f".other.jsonl.{os.getppid()}.tmp"  # a live process's: left alone
    live.write_bytes(b"")
    Session.new(loaded, 1, None, tmp_path / "new.jsonl").close()
    assert not stale.exists() and live.exists()
