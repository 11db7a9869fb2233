"""The report package: the after-action hand-out puts the summary first and keeps
internals (hashes, engine version, quadrant codes) out of its body."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from test_saves import MINI, play_rich
from wargame.report import render_report
from wargame.saves.log import file_sha256
from wargame.saves.session import load
from wargame.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
HISTORY = ROOT / "saves" / "history-2016-2020.jsonl"


@pytest.fixture(scope="module")
def rich_save(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("saves") / "mini.jsonl"
    play_rich(load_scenario(MINI), path).close()
    return path


def _body_and_appendix(html_text: str) -> tuple[str, str, str]:
    summary = html_text.index('<section class="part-summary">')
    details = html_text.index('<section class="part-details">')
    appendix = html_text.index('<section class="part-appendix">')
    assert summary < details < appendix  # summary first, then details, then the appendix
    return html_text[summary:details], html_text[details:appendix], html_text[appendix:]


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_summary_comes_first_and_the_body_has_no_internals(rich_save: Path, fmt: str) -> None:
    replay = load(rich_save)
    text = render_report(replay, fmt, source=rich_save.name)
    hdr = replay.session.header
    secrets = [hdr["scenario_sha256"], file_sha256(rich_save)]
    from wargame.saves.log import log_bytes

    secrets.append(hashlib.sha256(log_bytes(hdr, replay.session.events)).hexdigest())
    if fmt == "html":
        summary, details, appendix = _body_and_appendix(text)
        body = summary + details
    else:
        cut = text.index("## Appendix")
        body, appendix = text[:cut], text[cut:]
        summary = body[: body.index("## Round by round")]
    # the summary: what officials read, in this order
    order = ["Exercise", "Seats", "Key decisions and rulings", "Each team", "departed from the model",
             "Each sector on Kennedy"]
    at = [summary.index(word) for word in order]
    assert at == sorted(at), at
    # the override is in the summary with the model's own value beside it
    assert "The room judged the model too pessimistic" in summary
    assert "The model&#x27;s value" in summary or "The model's value" in summary
    for h in secrets:
        assert h[:12] not in body, "a hash in the body"
    assert hdr["scenario_sha256"] in appendix
    assert not re.search(r"\bengine\b[^.<]{0,20}\d+\.\d+\.\d+", body), "an engine version in the body"
    # quadrant codes (ids and letter paths) stay in the appendix; the body says quadrants in words
    for code in ("destructive-victory", "harmless-failure"):
        assert code not in body, code
    assert not re.search(r"`[ABCD]{3,}`|<code>[ABCD]{3,}</code>", body)
    assert re.search(r"`[ABCD]{3,}`|<code>[ABCD]{3,}</code>", appendix)


def test_html_is_print_ready(rich_save: Path) -> None:
    text = render_report(load(rich_save), "html")
    assert "@media print" in text and "@page" in text
    assert "section.part-details" in text and "break-before: page" in text


@pytest.mark.skipif(not HISTORY.is_file(), reason="the history save is not written yet")
def test_history_report_renders_with_its_charts() -> None:
    # How fast is measured in tests/benchmarks/bench_report.py, not asserted here (a busy machine is not a bug).
    text = render_report(load(HISTORY), "html", source=HISTORY.name)
    assert text.count("<svg") >= 10


def test_handout_for_drc_lists_every_drc_move_with_its_sources(capsys) -> None:
    from test_saves import run_cli

    from wargame.evidence import default_seeds_dir, load_evidence
    from wargame.scenario.catalog import find_scenario

    s = load_scenario(find_scenario("tech-contest")).scenario
    ev = load_evidence(default_seeds_dir())
    for fmt in ("md", "html"):
        code, out, err = run_cli("handout", "tech-contest", "--role", "drc", "--format", fmt, capsys=capsys)
        assert code == 0, err
        assert "Briefing pack: Democratic Republic of the Congo" in out
        assert "Briefing pack: United States" not in out  # one role only
        drc = [m for m in s.moves.values() if m.role == "drc"]
        assert drc
        for m in drc:
            name = m.name if fmt == "md" else m.name.replace("'", "&#x27;")
            assert name in out, m.name
            for fid in m.cites:  # each source behind the move, as a fact with its locator
                assert ev.facts[fid].locator.replace("'", "&#x27;" if fmt == "html" else "'") in out, fid
        assert "4 points a round" in out
        assert "not found in the evidence base" not in out
    code, out, err = run_cli("handout", "tech-contest", "--format", "md", capsys=capsys)
    assert code == 0 and all(f"Briefing pack: {r.name}" in out for r in s.roles.values())
    code, _, err = run_cli("handout", "tech-contest", "--role", "nobody", capsys=capsys)
    assert code == 2 and "unknown role" in err


# --- wargame compare ------------------------------------------------------------------

NODENIAL = ROOT / "scenarios" / "orders" / "compare-no-entity-list.yaml"


def _compare(capsys, *extra: str, runs: int = 24) -> dict:
    import json

    from test_saves import run_cli

    code, out, err = run_cli("compare", str(HISTORY), "--at", "5", "--branch", f"nodenial={NODENIAL}",
                             "--runs", str(runs), "--json", *extra, capsys=capsys)
    assert code == 0, err
    return json.loads(out)


@pytest.mark.skipif(not HISTORY.is_file(), reason="the history save is not written yet")
def test_compare_json_shape_self_comparison_and_attribution(capsys) -> None:
    from wargame.scenario.model import QUADRANTS

    result = _compare(capsys)
    assert set(result) == {"save", "at", "runs", "branches"}
    assert result["save"] == HISTORY.name and result["at"] == 5 and result["runs"] == 24
    assert [b["name"] for b in result["branches"]] == ["as played", "nodenial"]
    s = load(HISTORY).game.rules.scenario
    for br in result["branches"]:
        assert {"name", "roles", "sectors", "attribution"} <= set(br)
        assert set(br["roles"]) == set(s.roles)
        for entry in br["roles"].values():
            for key in ("score", "vs_history"):
                d = entry[key]
                assert set(d) == {"mean", "p5", "p50", "p95"} and d["p5"] <= d["p50"] <= d["p95"]
            assert set(entry["delta"]) == {"mean", "lo", "hi"}
        assert set(br["sectors"]) == set(s.sectors)
        for sec in br["sectors"].values():
            assert list(sec["quadrants"]) == list(QUADRANTS)
            assert abs(sum(sec["quadrants"].values()) - 1) < 1e-3
        for ind, items in br["attribution"].items():
            assert all(set(it) == {"source", "kind", "mean"} for it in items)
            total = sum(it["mean"] for it in items)
            # the causes add up to the mean difference (each is rounded to 4 places)
            assert abs(total - br["indicators"][ind]["delta"]["mean"]) <= 5e-5 * (len(items) + 1), ind
    played, nodenial = result["branches"]
    # "as played" against itself: every interval contains 0 (and nothing is attributed)
    for entry in played["roles"].values():
        assert entry["delta"]["lo"] <= 0 <= entry["delta"]["hi"]
    assert played["attribution"] == {}
    # dropping the Entity List changes things, and the Entity List is among the reasons
    assert nodenial["attribution"]
    assert any(it["source"] == "us_entity_list" for items in nodenial["attribution"].values() for it in items)
    assert nodenial["roles"]["us"]["delta"]["mean"] != 0


@pytest.mark.skipif(not HISTORY.is_file(), reason="the history save is not written yet")
def test_compare_is_the_same_with_one_or_two_workers(capsys) -> None:
    one = _compare(capsys, "--workers", "1", runs=30)
    two = _compare(capsys, "--workers", "2", runs=30)
    assert one == two


@pytest.mark.skipif(not HISTORY.is_file(), reason="the history save is not written yet")
def test_a_compare_run_does_not_depend_on_the_workers_folder_or_caches(tmp_path, monkeypatch) -> None:
    """A pool worker keeps the folder it was started in (a test's temporary folder, since
    deleted) and its caches across batches: the history baseline travels with the plan."""
    from wargame.batch import compare as cmp
    from wargame.batch import run_chunk
    from wargame.batch.compare import Branch, plan_from_session
    from wargame.engine import baseline
    from wargame.engine.orders import load_script

    session = load(HISTORY).session
    plan = plan_from_session(session, 5, [Branch("nodenial", load_script(session.rules.scenario, NODENIAL))])
    assert plan.options()["history"] is not None
    payload = {"scenario": plan.canonical_text, "seed": 3, "runs": 2, "script": None,
               "runner": "wargame.batch.compare:run_seed", "options": plan.options(), "chunk": 2}
    here = run_chunk(payload, 0, 2)
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()  # Path.cwd() now fails, as in a worker whose folder was removed
    monkeypatch.setattr(baseline, "_SCRIPTS", {})
    monkeypatch.setattr(baseline, "_CACHE", {})
    monkeypatch.setattr(cmp, "_HISTORY", {})
    there = run_chunk(payload, 0, 2)
    assert there == here and all(b["vs_history"] is not None for r in there for b in r["branches"].values())


@pytest.mark.skipif(not HISTORY.is_file(), reason="the history save is not written yet")
def test_compare_refuses_a_round_outside_the_save_and_a_bad_branch(capsys, tmp_path) -> None:
    from test_saves import run_cli

    code, _, err = run_cli("compare", str(HISTORY), "--at", "11", "--json", capsys=capsys)
    assert code == 1 and "--at 11" in err
    early = tmp_path / "early.yaml"
    early.write_text("rounds:\n  2:\n    us: [us_cfius]\n")
    code, _, err = run_cli("compare", str(HISTORY), "--at", "5", "--branch", f"x={early}", capsys=capsys)
    assert code == 1 and "before --at 5" in err
    code, _, err = run_cli("compare", str(HISTORY), "--at", "5", "--branch", "nofile", capsys=capsys)
    assert code == 2 and "NAME=ORDERS_FILE" in err


CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if Path(p).exists()), None)


@pytest.mark.skipif(CHROMIUM is None or not HISTORY.is_file(), reason="needs headless Chromium and the history save")
def test_printed_summary_of_a_ten_round_game_fits_two_pages(tmp_path: Path) -> None:
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("needs pdftotext (poppler-utils)")
    html_file, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    html_file.write_text(render_report(load(HISTORY), "html", source=HISTORY.name), encoding="utf-8")
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-pdf-header-footer", f"--print-to-pdf={pdf}", html_file.as_uri()],
                   capture_output=True, timeout=180, check=False)
    assert pdf.is_file() and pdf.stat().st_size > 10_000

    def page(n: int) -> str:
        return subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"], capture_output=True,
                              text=True, timeout=60).stdout

    first, second, third = page(1), page(2), page(3)
    assert "After-action report" in first and "Key decisions and rulings" in first
    assert "Each sector on Kennedy's grid" in first + second
    assert "Round by round" not in first + second  # the details start on page 3
    assert "Round by round" in third


@pytest.mark.skipif(not HISTORY.is_file(), reason="the history save is not written yet")
def test_a_branch_that_repeats_history_differs_by_nothing(capsys, tmp_path: Path) -> None:
    """The history's own U.S. orders from round 5 as a branch: the same game as "as played", run by run."""
    import json

    import yaml
    from test_saves import run_cli

    data = yaml.safe_load((ROOT / "scenarios" / "orders" / "history-2016-2020.yaml").read_text())
    rounds = {r: {"us": by.get("us") or []} for r, by in data["rounds"].items() if r >= 5}
    same = tmp_path / "same.yaml"
    same.write_text(yaml.safe_dump({"scenario": "tech-contest", "rounds": rounds}))
    code, out, err = run_cli("compare", str(HISTORY), "--at", "5", "--branch", f"same={same}", "--runs", "12",
                             "--json", capsys=capsys)
    assert code == 0, err
    branch = json.loads(out)["branches"][1]
    assert branch["name"] == "same"
    for entry in branch["roles"].values():
        assert entry["delta"] == {"mean": 0.0, "lo": 0.0, "hi": 0.0}
    assert branch["attribution"] == {}
