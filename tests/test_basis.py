"""Every magnitude says what it stands on (issue 12, point 3).

An effect's or rule's ``basis`` is a documented figure (a fact with figures), a documented
outcome it was calibrated to (an expectation id), or a stated assumption. The loader checks
the ids; these tests check that the default scenario grounds every magnitude, that an outcome
basis is a real calibration (the named expectation fails when the magnitude is halved or
doubled), and that the basis reaches what players see (trace, why panel, handout, report).
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

import pytest

from wargame.scenario import grounds
from wargame.scenario.loader import LoadedScenario, load_scenario, load_scenario_text, scenario_from_canonical
from wargame.scenario.model import Basis, Effect, Rule
from wargame.scenario.yamlsafe import InputError

ROOT = Path(__file__).resolve().parents[1]
SCEN = ROOT / "scenarios" / "tech-contest.yaml"
MINI = ROOT / "tests" / "data" / "mini.yaml"


@pytest.fixture(scope="module")
def loaded() -> LoadedScenario:
    return load_scenario(SCEN)


def magnitudes(loaded: LoadedScenario) -> Iterator[tuple[tuple[Any, ...], Effect | Rule]]:
    """Every effect and rule with its path in the scenario."""
    return grounds.magnitudes(loaded.scenario)


def test_every_magnitude_in_the_default_scenario_names_its_ground(loaded: LoadedScenario) -> None:
    assert loaded.evidence is not None
    ids = {ex.id for ex in loaded.scenario.expectations if ex.id}
    kinds: Counter[str] = Counter()
    assumptions: Counter[str] = Counter()
    for path, m in magnitudes(loaded):
        b = m.basis
        assert b is not None, f"{path}: no basis"
        kinds[b.kind] += 1
        if b.kind == "figure":
            for fid in b.refs:
                assert loaded.evidence.facts[fid].figures, f"{path}: {fid} gives no figure"
        elif b.kind == "outcome":
            assert set(b.refs) <= ids, f"{path}: {b.refs}"
        else:
            assert b.assumption is not None
            assumptions[" ".join(b.assumption.split())] += 1
        # the old mechanical tail is gone: a basis says why, not "no documented figure"; and the
        # rationale says the mechanism, leaving "judgement" and sizes to the basis
        assert "no documented figure" not in m.rationale, path
        assert "judgement" not in m.rationale.lower(), path
    assert sum(kinds.values()) == len(list(magnitudes(loaded)))
    assert kinds["figure"] >= 10 and kinds["outcome"] >= 8, kinds
    # an assumption gives its own reason; one text pasted over many magnitudes would be boilerplate
    assert max(assumptions.values()) <= 2, assumptions.most_common(3)


def _scaled(loaded: LoadedScenario, path: tuple[Any, ...], factor: float) -> LoadedScenario:
    """The scenario with one magnitude's contribution multiplied by ``factor``."""
    data = copy.deepcopy(loaded.canonical)
    node: Any = data
    for p in path:
        node = node[p]
    if path[0] == "dynamics":
        if node.get("delta") is not None:
            node["delta"] = f"{factor} * ({node['delta']})"
        else:  # a set rule: scale the change it makes, not the level
            node["set"] = f"{factor} * ({node['set']}) + {1 - factor} * {node['indicator']}"
    else:
        node["change"] = node["change"] * factor
    return scenario_from_canonical(data)


def test_an_outcome_basis_is_a_real_calibration(loaded: LoadedScenario) -> None:
    """Naming an expectation is a claim that it pins the number: as it is, the expectation
    passes; halved or doubled, it fails. A magnitude the outcome does not constrain must be
    called an assumption instead."""
    from wargame.engine.expectations import run_expectation
    from wargame.engine.rules import Rules

    s = loaded.scenario
    index = {ex.id: i for i, ex in enumerate(s.expectations) if ex.id}
    base = ROOT / "scenarios"
    checked = 0
    for path, m in magnitudes(loaded):
        if m.basis is None or m.basis.kind != "outcome":
            continue
        for eid in m.basis.refs:
            i = index[eid]
            assert run_expectation(Rules(loaded), i, base).ok, (path, eid)
            fails = [f for f in (0.5, 2.0) if not run_expectation(Rules(_scaled(loaded, path, f)), i, base).ok]
            assert fails, f"{path}: expectation {eid!r} passes at half and at double this size, so it does not pin it"
            checked += 1
    assert checked >= 8


def _mini_with(old: str, new: str) -> str:
    text = MINI.read_text()
    assert old in text
    return text.replace(old, new, 1)


GROUNDED = ("rationale: Controls bite in proportion to how many allies apply them.",
            "rationale: Controls bite in proportion to how many allies apply them.\n"
            "          basis: {assumption: \"a quarter of the full effect alone, since allies supply the rest\"}")


def _errors(text: str) -> list[str]:
    with pytest.raises(InputError) as exc:
        load_scenario_text(text, "case.yaml", base=MINI.parent)
    return [str(d) for d in exc.value.diagnostics]


def test_a_scenario_that_grounds_one_magnitude_must_ground_all() -> None:
    load_scenario(MINI)  # no basis anywhere: an older scenario still loads
    errs = _errors(_mini_with(*GROUNDED))
    assert errs and all("missing 'basis'" in e for e in errs)
    # FILE:LINE:COL at the effect that lacks one, with the path
    assert re.match(r"case\.yaml:\d+:\d+: moves\.us_controls\.effects\[0\]: missing 'basis'", errs[0]), errs[0]


def test_basis_ids_are_checked_with_positions() -> None:
    text = _mini_with(*GROUNDED)
    # give every other effect and rule a basis, then break three of them
    lines = []
    for line in text.split("\n"):
        lines.append(line)
        m = re.match(r"^(\s*)rationale: (?!Controls bite)", line)
        if m:
            lines.append(f"{m.group(1)}basis: {{assumption: a test size}}")
    text = "\n".join(lines)
    # flow-style effects carry the rationale inside braces: add the basis there
    text = re.sub(r"rationale: ([^{}]*?)\}", r"rationale: \1, basis: {assumption: a test size}}", text)
    load_scenario_text(text, "case.yaml", base=MINI.parent)  # all grounded: loads
    bad = text.replace('{assumption: "a quarter of the full effect alone, since allies supply the rest"}',
                       "{figure: test.nosuch, how: x}", 1)
    errs = _errors(bad)
    assert any("basis.figure: basis figure 'test.nosuch' is not a fact" in e for e in errs), errs
    assert all(re.match(r"case\.yaml:\d+:\d+: ", e) for e in errs)
    bad = text.replace('{assumption: "a quarter of the full effect alone, since allies supply the rest"}',
                       "{outcome: nosuch, how: x}", 1)
    assert any("basis outcome 'nosuch' is not the id of an expectation" in e for e in _errors(bad))
    bad = text.replace('{assumption: "a quarter of the full effect alone, since allies supply the rest"}',
                       "{assumption: a, how: b}", 1)
    errs = _errors(bad)
    assert any("an assumption's text is its own reason" in e for e in errs)
    # the bad basis is reported once, not again as a missing one
    assert not any("us_controls.policy.ongoing[0]: missing 'basis'" in e for e in errs), errs
    bad = text.replace('{assumption: "a quarter of the full effect alone, since allies supply the rest"}',
                       "{figure: test.start, how: x}", 1)
    facts = (MINI.parent / "seeds" / "facts.yaml").read_text()
    if "figures:" not in facts.split("id: test.start", 1)[1].split("- id:", 1)[0]:
        assert any("is a fact without figures" in e for e in _errors(bad))


def test_the_basis_travels_into_the_trace_the_why_panel_and_the_handout(loaded: LoadedScenario) -> None:
    from wargame.engine.explain import why_rows
    from wargame.engine.game import Game
    from wargame.engine.orders import script_from_data
    from wargame.engine.rules import Rules
    from wargame.report import render
    from wargame.report.handout import build_handout

    rules = Rules(loaded)
    game = Game.new(rules, None, {})
    script = script_from_data(loaded.scenario, {1: {"us": ["us_entity_list"]}})
    game.play([o for role in rules.roles for o in script.orders(1, role)])
    trace = game.traces[-1]
    rows = why_rows(rules, trace, "telecom.huawei_health")
    listing = [r for r in rows if r.kind in ("move", "policy") and r.amount < 0]
    assert listing and all(r.basis for r in listing)
    expected = loaded.scenario.moves["us_entity_list"].effects[0].basis
    assert isinstance(expected, Basis)
    assert any(r.basis == expected.text() for r in listing)
    # the saved/simulated trace carries it as data
    out = json.dumps(trace.to_json(rules))
    assert '"basis": {"assumption"' in out
    # rules show theirs too
    rule_rows = [r for r in why_rows(rules, trace, "ev.nev_sales") if r.kind == "rule"]
    assert rule_rows and rule_rows[0].basis.startswith("outcome history_chips_nev: ")
    # the briefing hand-out prints the size's ground beside each effect
    text = render(build_handout(rules, ["us"], loaded.evidence), "md")
    assert "Size: assumption:" in text and "Size: figure policy.tariffs" in text


def test_validate_report_counts_the_grounds_and_lists_what_each_expectation_pins(capsys) -> None:
    from test_saves import run_cli

    code, out, err = run_cli("validate", str(SCEN), "--report", capsys=capsys)
    assert code == 0, err
    n = grounds.ground_counts(load_scenario(SCEN).scenario)
    assert (f"Magnitudes: {sum(n.values())} effects and rules; {n['figure']} derived from documented figures, "
            f"{n['outcome']} calibrated to documented outcomes, {n['assumption']} stated assumptions\n") in out
    assert "| zte_denial: A denial order nearly kills" in out and "dynamics.telecom_zte" in out
