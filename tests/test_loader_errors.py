"""Malformed scenarios, one per row, with the exact diagnostics the loader prints.

Each case edits a copy of tests/data/mini.yaml (or is a small file of its own)
and states every diagnostic in full: ``FILE:LINE:COL: path: message``. The
messages are the ones an author sees from ``wargame validate``, so each must say
what is wrong and what to do about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from wargame.scenario.loader import load_scenario_bytes, load_scenario_text
from wargame.scenario.yamlsafe import Diagnostic, InputError

DATA = Path(__file__).parent / "data"
MINI = (DATA / "mini.yaml").read_text(encoding="utf-8")


def edit(*pairs: tuple[str, str]) -> str:
    """mini.yaml with each (old, new) replaced; each old text must occur exactly once."""
    text = MINI
    for old, new in pairs:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in mini.yaml"
        text = text.replace(old, new)
    return text


# Seven levels of nine: 9**7 (about 4.8 million) values once every alias is expanded.
BOMB = "\n".join(
    ["a: &a [x, x, x, x, x, x, x, x, x]"]
    + [f"{n}: &{n} [{', '.join('*' + p for _ in range(9))}]" for p, n in zip("abcdef", "bcdefg")]
) + "\n"


@dataclass(frozen=True)
class Case:
    name: str
    source: str | bytes
    expected: list[str]


CASES = [
    Case(
        "wrong_type_text_for_number",
        edit(("rounds: 4", "rounds: four")),
        [
            "case.yaml:8:9: rounds: expected a whole number, found the text 'four'",
        ],
    ),
    Case(
        "wrong_type_list_for_number",
        edit(("    short: US\n    budget: 4", "    short: US\n    budget: [4]")),
        [
            'case.yaml:30:13: roles.us.budget: expected a whole number, found the list [4]',
        ],
    ),
    Case(
        "wrong_type_text_for_list",
        edit(("    cites: [test.price_rise]\n  cn_deal:", "    cites: test.price_rise\n  cn_deal:")),
        [
            "case.yaml:92:12: moves.cn_mandate.cites: expected a list, found the text 'test.price_rise' (for a list of one, write [test.price_rise])",
        ],
    ),
    Case(
        "wrong_type_bool",
        edit(("once: true", "once: sometimes")),
        [
            "case.yaml:89:11: moves.cn_mandate.once: expected true or false, found the text 'sometimes'",
        ],
    ),
    Case(
        "wrong_type_whole_number",
        edit(("cost: 2\n    tags", "cost: 2.5\n    tags")),
        [
            'case.yaml:57:11: moves.us_controls.cost: expected a whole number, found the number 2.5',
        ],
    ),
    Case(
        "unknown_key_top_level",
        edit(("round_months: 6", "round_month: 6")),
        [
            "case.yaml:7:1: round_month: unknown field 'round_month' (did you mean 'round_months'?); allowed here: format, id, title, summary, start, round_months, rounds, seed, evidence, history, sectors, roles, moves, events, dynamics, expectations",
        ],
    ),
    Case(
        "unknown_key_in_flow_mapping",
        edit(("change: 1, spread", "chnage: 1, spread")),
        [
            "case.yaml:75:30: moves.us_subsidy.effects[0].chnage: unknown field 'chnage' (did you mean 'change'?); allowed here: indicator, change, relative, delay, duration, spread, when, scale, cites, rationale, basis",
        ],
    ),
    Case(
        "unknown_key_without_suggestion",
        edit(("    short: CN\n", "    short: CN\n    colour: red\n")),
        [
            "case.yaml:39:5: roles.cn.colour: unknown field 'colour'; allowed here: name, short, briefing, budget, indicators, objectives",
        ],
    ),
    Case(
        "misspelt_indicator",
        edit(("- {indicator: us.lead, weight: 2}", "- {indicator: us.leed, weight: 2}")),
        [
            "case.yaml:34:21: roles.us.objectives[0].indicator: unknown indicator 'us.leed' (did you mean 'us.lead'?)",
        ],
    ),
    Case(
        "misspelt_indicator_in_formula",
        edit(('delta: "metal.price * 0.5', 'delta: "metal.prize * 0.5')),
        [
            "case.yaml:136:13: dynamics.price.delta: unknown indicator 'metal.prize' in formula (did you mean 'metal.price'?)",
        ],
    ),
    Case(
        "misspelt_move_in_formula",
        edit(('requires: active("us_controls")', 'requires: active("us_control")')),
        [
            "case.yaml:111:23: moves.eu_join.requires: unknown move 'us_control' in formula (did you mean 'us_controls'?)",
        ],
    ),
    Case(
        "misspelt_move_in_quoted_formula",
        edit(('requires: active("us_controls")', 'requires: \'active("us_control")\'')),
        [
            "case.yaml:111:24: moves.eu_join.requires: unknown move 'us_control' in formula (did you mean 'us_controls'?)",
        ],
    ),
    Case(
        "misspelt_tag_in_formula",
        edit(('acting(\\"export_control\\")', 'acting(\\"export_contrl\\")')),
        [
            "case.yaml:64:43: moves.us_controls.policy.ongoing[0].scale: unknown tag 'export_contrl' in formula (did you mean 'export_control'?)",
        ],
    ),
    Case(
        "misspelt_role_in_move",
        edit(("    role: cn\n    name: Chip fund", "    role: ch\n    name: Chip fund")),
        [
            "case.yaml:78:11: moves.cn_fund.role: unknown role 'ch' (did you mean 'cn'?)",
        ],
    ),
    Case(
        "unknown_role_lists_the_roles",
        edit(("    role: cn\n    name: Chip fund", "    role: china\n    name: Chip fund")),
        [
            "case.yaml:78:11: moves.cn_fund.role: unknown role 'china' (roles: cn, eu, us)",
        ],
    ),
    Case(
        "dangling_citation",
        edit(("    cites: [test.allies]\n  us_subsidy:", "    cites: [test.allie]\n  us_subsidy:")),
        [
            "case.yaml:69:13: moves.us_controls.cites[0]: citation 'test.allie' is not a fact in seeds/facts.yaml (did you mean 'test.allies'?)",
        ],
    ),
    Case(
        "start_out_of_bounds",
        edit(("lead: {name: Technology lead, start: 60", "lead: {name: Technology lead, start: 160")),
        [
            'case.yaml:32:44: roles.us.indicators.lead.start: start value 160 is outside the bounds [0, 100] (set by min and max)',
        ],
    ),
    Case(
        "min_not_below_max",
        edit(("min: 1000, max: 200000", "min: 300000, max: 200000")),
        [
            'case.yaml:23:46: sectors.metal.indicators.price.min: min (300000) must be below max (200000)',
        ],
    ),
    Case(
        "formula_syntax_unmatched_bracket",
        edit(("(metal.demand - metal.supply) / metal.supply", "(metal.demand - metal.supply)) / metal.supply")),
        [
            "case.yaml:136:62: dynamics.price.delta: bad formula: unmatched ')': there is no '(' open here",
        ],
    ),
    Case(
        "formula_syntax_missing_operand",
        edit(('requires: active("us_controls")', 'requires: active("us_controls") and * 2')),
        [
            "case.yaml:111:41: moves.eu_join.requires: bad formula: unexpected '*': a value is missing before it",
        ],
    ),
    Case(
        "formula_syntax_in_block_scalar",
        edit(('requires: active("us_controls")', 'requires: |\n      active("us_controls")\n      and * 2')),
        [
            "case.yaml:113:11: moves.eu_join.requires: bad formula: unexpected '*': a value is missing before it",
        ],
    ),
    Case(
        "formula_single_equals",
        edit(("0.1 * (start(chips.china_innovation) - chips.china_innovation)", "0.1 * (start(chips.china_innovation) = chips.china_innovation)")),
        [
            "case.yaml:141:50: dynamics.revert.delta: bad formula: unexpected character '=': use '==' to compare",
        ],
    ),
    Case(
        "formula_unknown_function",
        edit(("0.1 * (start(chips.china_innovation)", "0.1 * (begin(chips.china_innovation)")),
        [
            "case.yaml:141:20: dynamics.revert.delta: bad formula: unknown function 'begin' (functions: abs, acting, active, clamp, exp, if, log, max, min, played, prev, sqrt, start)",
        ],
    ),
    Case(
        "target_without_targets",
        edit(("- {indicator: cn.debt, change: 3,", "- {indicator: $target.debt, change: 3,")),
        [
            "case.yaml:83:21: moves.cn_fund.effects[1].indicator: '$target.debt' needs a move with targets: '$target' is only allowed in a move that lists them (targets: [role or sector ids])",
        ],
    ),
    Case(
        "deal_with_itself",
        edit(("counterparty: eu", "counterparty: cn")),
        [
            "case.yaml:98:21: moves.cn_deal.deal.counterparty: a role cannot make a deal with itself: 'cn' proposes this move, so the counterparty must be another role (us, eu)",
        ],
    ),
    Case(
        "deal_with_unknown_role",
        edit(("counterparty: eu", "counterparty: ue")),
        [
            "case.yaml:98:21: moves.cn_deal.deal.counterparty: unknown role 'ue' (did you mean 'eu'?)",
        ],
    ),
    Case(
        "duplicate_key",
        edit(("    short: US\n", "    short: US\n    short: USA\n")),
        [
            "case.yaml:30:5: roles.us.short: duplicate key 'short' (first defined at line 29): remove one of them",
        ],
    ),
    Case(
        "tab_indentation",
        edit(("    short: US\n", "\tshort: US\n")),
        [
            'case.yaml:29:1: tab character in the indentation: YAML indentation must use spaces',
        ],
    ),
    Case(
        "alias_bomb",
        BOMB,
        [
            'case.yaml:6:1: f[1]: too many values after expanding aliases (over 200,000): aliases (*name) repeat data that repeats data; is this an alias bomb?',
        ],
    ),
    Case(
        "empty_file",
        "",
        [
            "case.yaml:1:1: file is empty: expected a YAML mapping of fields (like 'id: my-scenario')",
        ],
    ),
    Case(
        "comment_only_file",
        "# a scenario, one day\n\n   # still nothing\n",
        [
            "case.yaml:1:1: file is empty: expected a YAML mapping of fields (like 'id: my-scenario')",
        ],
    ),
    Case(
        "binary_file",
        b"format: 1\nid: mi\x00\x01ni\n",
        [
            'case.yaml:2:7: this is a binary file (it holds NUL bytes), not YAML text',
        ],
    ),
    Case(
        "not_utf8",
        MINI.encode().replace(b"Mini contest", b"Mini \xe9contest"),
        [
            'case.yaml:4:13: byte 0xe9 is not UTF-8: save the file as UTF-8 text',
        ],
    ),
    Case(
        "huge_file",
        b"# padding\n" * (2 * 1024 * 1024 // 10 + 1),
        [
            'case.yaml:1:1: file is too large (2,097,160 bytes; the limit is 2,097,152): a scenario is a few hundred kilobytes at most',
        ],
    ),
    Case(
        "python_tag",
        edit(("title: Mini contest", "title: !!python/object/apply:os.system [echo hi]")),
        [
            "case.yaml:4:8: title: tag '!!python/object/apply:os.system' is not allowed: a scenario holds only plain values (text, numbers, true/false, dates, lists and mappings)",
        ],
    ),
    Case(
        "top_level_list",
        "- id: mini\n- title: Mini contest\n",
        [
            "case.yaml:1:1: expected a mapping of scenario fields (like 'id: my-scenario'), found a list",
        ],
    ),
    Case(
        "top_level_text",
        "just some words\n",
        [
            "case.yaml:1:1: expected a mapping of scenario fields (like 'id: my-scenario'), found the text 'just some words'",
        ],
    ),
    Case(
        "missing_required_field",
        edit(("    short: CN\n", "")),
        [
            "case.yaml:36:3: roles.cn.short: missing required field 'short' (required here: name, short, budget, objectives)",
        ],
    ),
    Case(
        "missing_top_level_field",
        edit(("summary: A two-sector test scenario.\n", "")),
        [
            "case.yaml:2:1: summary: missing required field 'summary' (required at the top level: id, title, summary, start, rounds, sectors, roles)",
        ],
    ),
    Case(
        "event_after_last_round",
        edit(("at: [2]", "at: [2, 9]")),
        [
            'case.yaml:122:13: events.spike.at[1]: round 9 is after the last round (4)',
        ],
    ),
    Case(
        "check_without_range",
        edit(("- {indicator: metal.price, pct_change: [5, 15]}", "- {indicator: metal.price}")),
        [
            "case.yaml:150:9: expectations[0].check[0]: a check needs a range to test: give one of value, change, pct_change or diff, as [low, high] (like 'change: [-5, 5]')",
        ],
    ),
    Case(
        "check_with_two_ranges",
        edit(("- {indicator: metal.price, pct_change: [5, 15]}", "- {indicator: metal.price, pct_change: [5, 15], value: [0, 1]}")),
        [
            'case.yaml:150:46: expectations[0].check[0].pct_change: give only one range per check (this one has value and pct_change)',
        ],
    ),
    Case(
        "check_range_not_a_pair",
        edit(("pct_change: [5, 15]", "pct_change: [5]")),
        [
            'case.yaml:150:46: expectations[0].check[0].pct_change: expected a range [low, high] of two numbers, found the list [5]',
        ],
    ),
    Case(
        "check_range_empty",
        edit(("pct_change: [5, 15]", "pct_change: [15, 5]")),
        [
            'case.yaml:150:46: expectations[0].check[0].pct_change: range [15, 5] is empty: write the range as [low, high]',
        ],
    ),
    Case(
        "diff_without_versus",
        edit(("    versus: {1: {us: [us_controls]}}\n", "")),
        [
            "case.yaml:156:45: expectations[1].check[0].diff: a 'diff' check needs a 'versus' set of orders to compare with: add 'versus: {round: {role: [move, ...]}}' to this expectation",
        ],
    ),
    Case(
        "order_for_another_roles_move",
        edit(("orders: {1: {cn: [cn_mandate]}}", "orders: {1: {cn: [us_subsidy]}}")),
        [
            "case.yaml:148:23: expectations[0].orders[1].cn[0]: 'us_subsidy' is a move of 'us', not of 'cn'",
        ],
    ),
    Case(
        "order_of_the_wrong_shape",
        edit(("orders: {1: {cn: [cn_mandate]}}", "orders: {1: {cn: [5]}}")),
        [
            'case.yaml:148:23: expectations[0].orders[1].cn[0]: expected text or a mapping (a move id, or {move, target}, {respond, answer}, {revoke}), found the number 5',
        ],
    ),
    Case(
        "orders_for_an_unknown_role",
        edit(("orders: {1: {cn: [cn_mandate]}}", "orders: {1: {chn: [cn_mandate]}}")),
        [
            "case.yaml:148:18: expectations[0].orders[1].chn: unknown role 'chn' (did you mean 'cn'?)",
        ],
    ),
    Case(
        "invalid_id_points_at_the_key",
        edit(("  us_subsidy:", "  US-subsidy:")),
        [
            "case.yaml:70:3: moves.US-subsidy: 'US-subsidy' is not a valid id: use lowercase letters, digits and _, starting with a letter (try 'us_subsidy')",
        ],
    ),
    Case(
        "literal_with_suggestion",
        edit(("goal: min}\n  cn:", "goal: minimum}\n  cn:")),
        [
            "case.yaml:35:51: roles.us.objectives[1].goal: must be one of 'max', 'min', 'target', found 'minimum' (did you mean 'min'?)",
        ],
    ),
    Case(
        "value_out_of_range",
        edit(("chance: 0.5", "chance: 1.5")),
        [
            'case.yaml:129:13: events.shock.chance: must be at most 1, found 1.5',
        ],
    ),
    Case(
        "not_a_finite_number",
        edit(("change: -4\n", "change: .inf\n")),
        [
            "case.yaml:63:19: moves.us_controls.policy.ongoing[0].change: '.inf' is not a usable number: give a finite number",
        ],
    ),
    Case(
        "impossible_date",
        edit(("start: 2016-07-01", "start: 2016-13-01")),
        [
            "case.yaml:6:8: start: '2016-13-01' is not a valid date (month must be in 1..12): write it as YYYY-MM-DD",
        ],
    ),
    Case(
        "indicator_id_malformed",
        edit(("- {indicator: eu.revenue}", "- {indicator: EU.revenue}")),
        [
            "case.yaml:52:21: roles.eu.objectives[0].indicator: 'EU.revenue' is not an indicator id: write <sector-or-role>.<name>, like 'metal.price' (did you mean 'eu.revenue'?)",
        ],
    ),
    Case(
        "yaml_unclosed_list",
        edit(("title: Mini contest", "title: [Mini contest")),
        [
            "case.yaml:5:8: not valid YAML: a '[' list is not closed: expected ',' or ']' (the list starts at line 4, column 8)",
        ],
    ),
    Case(
        "yaml_undefined_alias",
        edit(("title: Mini contest", "title: *name")),
        [
            "case.yaml:4:8: not valid YAML: unknown alias '*name': define it first with '&name'",
        ],
    ),
    Case(
        "control_character",
        edit(("title: Mini contest", "title: Mini\x07contest")),
        [
            'case.yaml:4:12: character U+0007 is not allowed in YAML text: remove it (or write it as an escape inside double quotes)',
        ],
    ),
    Case(
        "yaml_colon_in_plain_text",
        edit(("title: Mini contest", "title: Mini: contest")),
        [
            "case.yaml:4:12: not valid YAML: a ': ' is not allowed here: put text that contains ': ' in quotes, or check this line's indentation",
        ],
    ),
    Case(
        "yaml_two_documents",
        MINI + "---\nid: another\n",
        [
            "case.yaml:158:1: not valid YAML: only one YAML document is allowed: remove the '---' line and what follows, or split the file",
        ],
    ),
    Case(
        "yaml_merge_key",
        edit(("    name: Subsidy\n", "    <<: {name: Subsidy}\n")),
        [
            'case.yaml:72:5: moves.us_subsidy: merge keys (<<) are not supported; write the fields out',
        ],
    ),
    Case(
        "several_missing_fields",
        edit(("    name: China\n    short: CN\n", "")),
        [
            "case.yaml:36:3: roles.cn: missing required fields 'name', 'short'",
        ],
    ),
    Case(
        "evidence_folder_missing",
        edit(("evidence: seeds", "evidence: sources")),
        [
            "case.yaml:10:11: evidence: cannot load evidence from 'sources': there is no sources.yaml there ('evidence' names the folder that holds sources.yaml and facts.yaml, relative to this file)",
        ],
    ),
    Case(
        "policy_and_deal_together",
        edit(("    deal:\n      counterparty: eu", "    policy: {upkeep: 1}\n    deal:\n      counterparty: eu")),
        [
            'case.yaml:98:5: moves.cn_deal.deal: a move is either a policy or a deal, not both',
        ],
    ),
    Case(
        "start_of_round_is_not_an_indicator",
        edit(('requires: active("us_controls")', "requires: start(round) > 1")),
        [
            'case.yaml:111:15: moves.eu_join.requires: bad formula: start() takes an indicator id, like start(cobalt.price)',
        ],
    ),
    Case(
        "delay_on_a_policys_ongoing_effect",
        edit(("          change: -4\n", "          change: -4\n          delay: 1\n")),
        [
            "case.yaml:64:11: moves.us_controls.policy.ongoing[0].delay: 'delay' does nothing in a policy's ongoing effect, which applies every round the policy is in force: remove it, or put this effect under the move's 'effects'",
        ],
    ),
    Case(
        "setup_value_out_of_bounds",
        edit(("    rounds: 1\n", "    rounds: 1\n    setup: {metal.price: 5}\n")),
        [
            "case.yaml:148:26: expectations[0].setup.metal.price: setup value 5 is outside the bounds of 'metal.price' [1000, 200000]",
        ],
    ),
    Case(
        "several_shape_errors_together",
        edit(("rounds: 4", "rounds: four"), ("    short: CN\n", "    colour: red\n"), ("    short: US\n", "    short: US\n    short: USA\n"), ("chance: 0.5", "chance: 2")),
        [
            "case.yaml:8:9: rounds: expected a whole number, found the text 'four'",
            "case.yaml:30:5: roles.us.short: duplicate key 'short' (first defined at line 29): remove one of them",
            "case.yaml:37:3: roles.cn.short: missing required field 'short' (required here: name, short, budget, objectives)",
            "case.yaml:39:5: roles.cn.colour: unknown field 'colour'; allowed here: name, short, briefing, budget, indicators, objectives",
            'case.yaml:130:13: events.shock.chance: must be at most 1, found 2',
        ],
    ),
    Case(
        "several_reference_errors_together",
        edit(("- {indicator: us.lead, weight: 2}", "- {indicator: us.leed, weight: 2}"), ("counterparty: eu", "counterparty: cn"), ("at: [2]", "at: [9]"), ("    cites: [test.allies]\n  us_subsidy:", "    cites: [test.allie]\n  us_subsidy:")),
        [
            "case.yaml:34:21: roles.us.objectives[0].indicator: unknown indicator 'us.leed' (did you mean 'us.lead'?)",
            "case.yaml:69:13: moves.us_controls.cites[0]: citation 'test.allie' is not a fact in seeds/facts.yaml (did you mean 'test.allies'?)",
            "case.yaml:98:21: moves.cn_deal.deal.counterparty: a role cannot make a deal with itself: 'cn' proposes this move, so the counterparty must be another role (us, eu)",
            'case.yaml:122:10: events.spike.at[0]: round 9 is after the last round (4)',
        ],
    ),
]


def diagnostics(source: str | bytes) -> list[Diagnostic]:
    try:
        if isinstance(source, bytes):
            load_scenario_bytes(source, "case.yaml", base=DATA)
        else:
            load_scenario_text(source, "case.yaml", base=DATA)
    except InputError as exc:
        return exc.diagnostics
    raise AssertionError("the scenario loaded without an error")


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 30
    assert len({c.name for c in CASES}) == len(CASES)


def test_mini_itself_loads() -> None:
    loaded = load_scenario_text(MINI, "case.yaml", base=DATA)
    assert loaded.scenario.id == "mini"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_malformed_scenario(case: Case) -> None:
    found = diagnostics(case.source)
    assert [str(d) for d in found] == case.expected
    # Reported in file order, each with a position inside the file.
    assert [(d.line, d.col) for d in found] == sorted((d.line, d.col) for d in found)
    assert all(d.file == "case.yaml" and d.line >= 1 and d.col >= 1 for d in found)


# For errors inside a formula the column points at the offending character itself,
# whether the formula is plain, quoted (with escapes) or a block scalar.
POINTS_AT = {
    "misspelt_indicator_in_formula": "metal.prize",
    "misspelt_move_in_formula": "us_control",
    "misspelt_move_in_quoted_formula": "us_control",
    "misspelt_tag_in_formula": "export_contrl",
    "formula_syntax_unmatched_bracket": ")",
    "formula_syntax_missing_operand": "*",
    "formula_syntax_in_block_scalar": "*",
    "formula_single_equals": "=",
    "formula_unknown_function": "begin",
}


@pytest.mark.parametrize("name", sorted(POINTS_AT))
def test_formula_errors_point_inside_the_formula(name: str) -> None:
    case = next(c for c in CASES if c.name == name)
    assert isinstance(case.source, str)
    (d,) = diagnostics(case.source)
    line = case.source.splitlines()[d.line - 1]
    assert line[d.col - 1 :].startswith(POINTS_AT[name]), (line, d.col)


@pytest.mark.parametrize(
    ("formula", "offending"),
    [
        ("'metal.price * * 2'", "* 2"),                     # single-quoted
        ('"metal.price * * 2"', "* 2"),                     # double-quoted
        ('"max(\\"x\\", 1) + 1"', '"x\\"'),                 # inside escapes: at the quote itself
        ('"played(\\"x\\") + * 1"', "* 1"),               # escapes before the error
        ("'played(''x'') + * 1'", "* 1"),                   # a doubled quote before the error
        ("metal.price >\n      * 2", "* 2"),               # a plain scalar over two lines
        (">-\n      metal.price\n      + * 2", "* 2"),     # folded block
        ("|\n      metal.price\n      + * 2", "* 2"),      # literal block
        ("'metal.price +'", "'"),                           # 'ends too soon': just past the end
    ],
)
def test_formula_columns_in_every_scalar_style(formula: str, offending: str) -> None:
    text = edit(('delta: "metal.price * 0.5 * (metal.demand - metal.supply) / metal.supply"', f"delta: {formula}"))
    (d,) = diagnostics(text)
    assert d.path == "dynamics.price.delta"
    assert d.message.startswith("bad formula:")
    line = text.splitlines()[d.line - 1]
    assert line[d.col - 1 :].startswith(offending), (line, d.col, d.message)


def test_crlf_line_endings_give_the_same_positions() -> None:
    text = edit(("rounds: 4", "rounds: four"), ('requires: active("us_controls")', 'requires: "active(\\"us_controls\\") and * 2"'))
    lf = [(d.line, d.col, d.message) for d in diagnostics(text)]
    crlf = [(d.line, d.col, d.message) for d in diagnostics(text.replace("\n", "\r\n"))]
    assert lf == crlf


def test_a_byte_order_mark_is_accepted() -> None:
    loaded = load_scenario_bytes(b"\xef\xbb\xbf" + MINI.encode(), "case.yaml", base=DATA)
    assert loaded.scenario.id == "mini"


@pytest.mark.parametrize("depth", [100, 3000])
def test_a_deeply_nested_file_is_refused_with_a_position(depth: int) -> None:
    text = MINI + "note: " + "[" * depth + "]" * depth + "\n"
    (d,) = diagnostics(text)
    assert d.message == "nested too deeply (more than 64 levels)"
    assert (d.line, d.col) == (MINI.count("\n") + 1, 7 + 64)


def test_diagnostic_format() -> None:
    d = Diagnostic("a.yaml", 3, 7, "moves.x.cost", "must be at least 0, found -1")
    assert str(d) == "a.yaml:3:7: moves.x.cost: must be at least 0, found -1"
    assert str(Diagnostic("a.yaml", 1, 1, "", "file is empty")) == "a.yaml:1:1: file is empty"
