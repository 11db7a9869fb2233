"""The default scenario as a model (issue 12): honest history, a lever per sector, vs_history, Kennedy's grid.

These pin what the scenario promises its players: history plays only documented moves and cites
them; every sector can be moved across a quadrant line by some shipped strategy; a role's result
can be compared with documented history; the grid is drawn the way Kennedy draws it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from wargame.cli import main
from wargame.engine.baseline import history_problems, history_scores, vs_history
from wargame.play.headless import play_game
from wargame.engine.grid import BY_QUADRANT, COLUMNS, ROWS, layout
from wargame.engine.orders import load_script
from wargame.engine.rules import Rules
from wargame.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
TECH = ROOT / "scenarios" / "tech-contest.yaml"
ORDERS = ROOT / "scenarios" / "orders"
HISTORY = ORDERS / "history-2016-2020.yaml"


@pytest.fixture(scope="module")
def loaded():
    return load_scenario(TECH)


@pytest.fixture(scope="module")
def rules(loaded):
    return Rules(loaded)


def test_the_scenario_names_its_history_and_every_history_order_cites_facts(loaded):
    assert loaded.scenario.history == "orders/history-2016-2020.yaml"
    assert history_problems(loaded) == []
    script = load_script(loaded.scenario, HISTORY)
    n = sum(len(o) for by in script.rounds.values() for o in by.values())
    assert n > 0 and len(script.cites) == n  # one cites list per order


def test_history_problems_catch_an_order_without_cites(tmp_path, loaded):
    folder = tmp_path / "scenarios"
    shutil.copytree(ROOT / "scenarios", folder)
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    hist = folder / "orders" / "history-2016-2020.yaml"
    text = hist.read_text()
    hist.write_text(text.replace("{move: us_denial_order, cites: [semi.zte_denial_2018]}", "us_denial_order")
                        .replace("cites: [policy.phase_one]}", "cites: [policy.no_such_fact]}", 1))
    problems = history_problems(load_scenario(folder / "tech-contest.yaml"))
    assert any("us_denial_order: no cites" in p for p in problems)
    assert any("policy.no_such_fact" in p for p in problems)


def test_history_orders_are_all_accepted_and_leave_out_the_undocumented_rule(loaded, rules):
    script = load_script(loaded.scenario, HISTORY)
    game = play_game(rules, 1, script)
    rejected = [r for tr in game.traces for r in tr.orders if not r.accepted]
    assert rejected == []  # a rejected history order would be history that did not happen
    played = {o.move for by in script.rounds.values() for orders in by.values() for o in orders}
    assert "us_fdpr" not in played  # a draft on hold in the documents (g5.threshold_25_to_10)


def test_dated_events_fire_in_their_documented_rounds(loaded, rules):
    game = play_game(rules, 1, load_script(loaded.scenario, HISTORY))
    fired = {e.event: tr.round for tr in game.traces for e in tr.events}
    assert fired["gem_glencore"] == 4  # March 2018 (cobalt.gem_glencore_2018)
    assert fired["lme_scandal"] in (2, 3)  # 2017 (drc.child_labour)
    assert fired["uk_5g_decision"] == 8  # January 2020
    assert fired["china_5g_launch"] == 7  # October 2019
    assert "city_lockdown" not in fired  # dated after the window: an inject only


def test_history_lands_kennedys_four_sectors_in_his_quadrants(loaded, rules):
    game = play_game(rules, 1, load_script(loaded.scenario, HISTORY))
    q = game.quadrants()
    for sid, sec in loaded.scenario.sectors.items():
        if sec.documented:
            assert q[sid] == sec.documented.quadrant, sid


def test_strategies_and_history_put_every_sector_in_two_quadrants(loaded, rules):
    seen: dict[str, set[str]] = {sid: set() for sid in loaded.scenario.sectors}
    files = sorted(ORDERS.glob("*.yaml"))
    assert len(files) >= 9
    for f in files:
        game = play_game(rules, 1, load_script(loaded.scenario, f))
        for sid, q in game.quadrants().items():
            seen[sid].add(q)
    single = {sid: qs for sid, qs in seen.items() if len(qs) < 2}
    assert not single, f"sectors no shipped strategy moves across a quadrant line: {single}"


def test_vs_history_is_zero_for_history_and_not_for_another_strategy(capsys):
    code = main(["simulate", str(TECH), "--orders", str(HISTORY), "--json"])
    hist = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {r: v["vs_history"] for r, v in hist["roles"].items()} == {r: 0.0 for r in hist["roles"]}
    code = main(["simulate", str(TECH), "--orders", str(ORDERS / "strategy-cn-buy-comac.yaml"), "--json"])
    other = json.loads(capsys.readouterr().out)
    assert code == 0
    assert any(v["vs_history"] != 0 for v in other["roles"].values())
    for r, v in other["roles"].items():  # the definition: score minus history's score, same seed
        assert v["vs_history"] == pytest.approx(v["score"] - hist["roles"][r]["score"], abs=1e-3)


def test_vs_history_is_none_without_a_history_file(rules):
    from wargame.scenario.loader import load_scenario as load

    mini = Rules(load(ROOT / "tests" / "data" / "mini.yaml"))
    assert history_scores(mini, 1) is None and vs_history(mini, 1, {"x": 1.0}) is None
    assert set(history_scores(rules, 1) or {}) == set(rules.roles)


def test_the_grid_is_drawn_as_kennedy_draws_it():
    # Figure 1.1: innovation outcome in China on the columns, effect on the global sector on the rows.
    assert COLUMNS == ("Success", "Failure") and ROWS == ("Constructive", "Destructive")
    assert [[c.letter for c in row] for row in layout()] == [["A", "C"], ["B", "D"]]
    assert [[c.quadrant for c in row] for row in layout()] == [["win-win", "harmless-failure"],
                                                                ["destructive-victory", "lose-lose"]]
    assert "not harmed" in BY_QUADRANT["harmless-failure"].gloss


def test_validate_report_prints_the_calibration_table(capsys):
    code = main(["validate", str(TECH), "--report"])
    out = capsys.readouterr().out
    assert code == 0
    assert "| on history | expectation | check | documented range | model | status |" in out
    assert "| yes | History: Circular 958 lifts the cobalt price" in out
    assert "cobalt.price_q1_2017 (68 %)" in out


def test_a_knowingly_unmet_expectation_is_reported_not_failed(tmp_path, capsys):
    src = (ROOT / "tests" / "data" / "mini.yaml").read_text()
    shutil.copytree(ROOT / "tests" / "data" / "seeds", tmp_path / "seeds")
    bad = src.replace("      - {indicator: metal.price, pct_change: [5, 15]}",
                      "      - {indicator: metal.price, pct_change: [50, 60]}\n"
                      "    unmet: The test says the rules cannot reach this yet.", 1)
    assert bad != src
    (tmp_path / "mini.yaml").write_text(bad)
    code = main(["validate", str(tmp_path / "mini.yaml")])
    captured = capsys.readouterr()
    assert code == 0
    assert "knowingly unmet" in captured.err and "1 knowingly unmet" in captured.out


@pytest.mark.skipif(not __import__("os").environ.get("WARGAME_SLOW"),
                    reason="300 bot games take minutes; run with WARGAME_SLOW=1")
def test_bots_in_every_seat_do_not_all_converge(loaded):
    """Issue 12: with bots in every seat, no quadrant takes more than 95% of 300 runs in at least 6 of 8
    sectors (the issue asks for 5; the model gives 6 since member-state uptake and bans opened telecom)."""
    from wargame.simulate import run_many

    out = run_many(loaded, 1, 300, None, workers=2)
    open_sectors = [sid for sid, v in out["sectors"].items() if max(v["quadrants"].values()) <= 0.95]
    assert len(open_sectors) >= 6, {sid: v["quadrants"] for sid, v in out["sectors"].items()}


def test_the_new_levers_show_in_their_strategies(loaded, rules):
    """Member-state bans split the 5G market (telecom leaves Win-Win); tool controls on China's own fabs
    spare the foreign fabs, so chips end in Harmless Failure rather than Lose-Lose (seed 1)."""
    bans = play_game(rules, 1, load_script(loaded.scenario, ORDERS / "strategy-eu-member-state-bans.yaml"))
    assert bans.quadrants()["telecom"] == "destructive-victory"
    assert bans.value("eu.core_exposure") < 10  # secure cores: what Europe bought with the bans
    targeted = play_game(rules, 1, load_script(loaded.scenario, ORDERS / "strategy-us-targeted-tool-controls.yaml"))
    assert targeted.quadrants()["semis"] == "harmless-failure"


def test_the_eu_toolkit_works_only_as_far_as_member_states_apply_it(loaded, rules):
    """Brussels cannot ban a vendor (eu.national_security_competence): with no uptake the toolkit leaves
    cores as they are; history ends with only part of Europe applying it (the UK's core ban)."""
    from wargame.engine.game import Game
    from wargame.engine.orders import Order

    game = Game.new(rules, 1, setup={"us.alliance_cohesion": 30, "eu.china_trade": 90})
    for i in range(4):
        game.advance([Order("eu", "eu_5g_toolkit", "play")] if i == 0 else [])
    assert game.value("eu.rip_cost") > 0  # the toolkit was enacted (its one-off core re-tender cost)
    assert game.value("eu.toolkit_uptake") == 0
    assert game.value("eu.core_exposure") >= 29  # nobody applies it, so nothing is cleaned out
    hist = play_game(rules, 1, load_script(loaded.scenario, HISTORY))
    assert 10 <= hist.value("eu.toolkit_uptake") <= 50
