"""Property tests: whatever is done to a valid scenario, the loader answers with a
scenario or an InputError, never another exception; and the formula language
parses, compiles and evaluates any well-formed expression without raising.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wargame.scenario.formula import FUNCTIONS, Formula, FormulaError
from wargame.scenario.loader import load_scenario_bytes, load_scenario_text
from wargame.scenario.yamlsafe import InputError

DATA = Path(__file__).parent / "data"
MINI = (DATA / "mini.yaml").read_text(encoding="utf-8")
MINI_DATA = yaml.safe_load(MINI)
LINES = MINI.splitlines(keepends=True)
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

STABLE = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def outcome(source: str | bytes) -> str:
    """Load; return 'ok' or 'error', and fail the test on any other exception."""
    try:
        if isinstance(source, bytes):
            load_scenario_bytes(source, "fuzz.yaml", base=DATA)
        else:
            load_scenario_text(source, "fuzz.yaml", base=DATA)
    except InputError as exc:
        assert exc.diagnostics, "an InputError must carry at least one diagnostic"
        for d in exc.diagnostics:
            assert d.file == "fuzz.yaml"
            assert d.line >= 1 and d.col >= 1, d
            assert d.message.strip(), d
            assert str(d).startswith(f"fuzz.yaml:{d.line}:{d.col}: ")
            assert "Traceback" not in d.message and "pydantic" not in d.message, d
        return "error"
    return "ok"


# --- mutating the data ---------------------------------------------------------------

def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, prefix + (i,))
    return out


PATHS = _paths(MINI_DATA)[1:]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["us", "cn", "eu", "chips", "metal.price", "us.lead", "test.start", "us_controls",
                     "active(\"us_controls\")", "1 +", "$target.lead", "win-win", "max", "-1", ""]),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 1, 1)),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=8,
)
keys = st.one_of(st.text(max_size=15), st.integers(-5, 5), st.sampled_from(["name", "cites", "start", "Effects", "us", "1"]))


def _get(data: Any, path: tuple) -> Any:
    for p in path:
        data = data[p]
    return data


@st.composite
def mutated_data(draw: st.DrawFn) -> Any:
    data = copy.deepcopy(MINI_DATA)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        try:
            parent = _get(data, path[:-1])
            parent[path[-1]]
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced it
        op = draw(st.sampled_from(["delete", "replace", "rename", "wrap", "duplicate"]))
        if op == "delete":
            del parent[path[-1]]
        elif op == "replace":
            parent[path[-1]] = draw(values)
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(keys)] = parent.pop(path[-1])
        elif op == "wrap":
            parent[path[-1]] = [parent[path[-1]]]
        elif op == "duplicate" and isinstance(parent, list):
            parent.append(parent[path[-1]])
    return data


@STABLE
@given(mutated_data())
def test_mutated_data_gives_a_scenario_or_an_input_error(data: Any) -> None:
    text = yaml.dump(data, Dumper=DUMPER, allow_unicode=True, sort_keys=False)
    outcome(text)


# --- mutating the text and the bytes -----------------------------------------------

@st.composite
def mutated_text(draw: st.DrawFn) -> str:
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "replace", "indent", "dedent"]))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "insert":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(st.text(max_size=8)) + lines[i][at:]
        elif op == "replace":
            at = draw(st.integers(0, max(0, len(lines[i]) - 1)))
            ch = draw(st.sampled_from(list(":-[]{}'\"#&*!|>%@`,?\t \\") + ["x", "0", "\n"]))
            lines[i] = lines[i][:at] + ch + lines[i][at + 1 :]
        elif op == "indent":
            lines[i] = "  " + lines[i]
        elif op == "dedent":
            lines[i] = lines[i][2:] if lines[i].startswith("  ") else lines[i]
    text = "".join(lines)
    if draw(st.booleans()):
        text = text[: draw(st.integers(0, len(text)))]
    return text


@STABLE
@given(mutated_text())
def test_mutated_text_gives_a_scenario_or_an_input_error(text: str) -> None:
    outcome(text)


@STABLE
@given(st.lists(st.tuples(st.integers(0, len(MINI.encode())), st.binary(min_size=1, max_size=6)), min_size=1, max_size=3),
       st.one_of(st.none(), st.integers(0, len(MINI.encode()))))
def test_random_bytes_give_a_scenario_or_an_input_error(inserts: list[tuple[int, bytes]], cut: int | None) -> None:
    raw = MINI.encode()
    for at, junk in inserts:
        raw = raw[:at] + junk + raw[at:]
    if cut is not None:
        raw = raw[:cut]
    outcome(raw)


@STABLE
@given(st.text(max_size=200))
def test_arbitrary_text_gives_a_scenario_or_an_input_error(text: str) -> None:
    assert outcome(text) == "error"


def test_the_unmutated_scenario_loads() -> None:
    assert outcome(MINI) == "ok"
    assert outcome(yaml.safe_dump(MINI_DATA, sort_keys=False)) == "ok"


# --- the formula language -------------------------------------------------------------

INDICATORS = ["metal.price", "metal.supply", "chips.china_innovation", "us.lead"]
INDEX = {name: i for i, name in enumerate(INDICATORS)}


class FakeContext:
    def __init__(self, values: list[float], rnd: int, active: set[str], tags: dict[str, int]) -> None:
        self.values = values
        self.starts = [v / 2 for v in values]
        self.prevs = [v - 1 for v in values]
        self.round = rnd
        self._active, self._tags = active, tags

    def active(self, move_id: str) -> bool:
        return move_id in self._active

    def played(self, move_id: str) -> bool:
        return move_id.startswith("p")

    def acting(self, tag: str) -> int:
        return self._tags.get(tag, 0)


numbers = st.one_of(
    st.integers(0, 10**6).map(str),
    st.floats(0, 1e6, allow_nan=False, allow_infinity=False).map(lambda x: repr(x)),
    st.sampled_from(["0", "0.0", "1e3", "2.5E-2", ".5", "1."]),
)
leaves = st.one_of(
    numbers,
    st.sampled_from(INDICATORS + ["round"]),
    st.sampled_from(["active(\"m1\")", "played(\"p1\")", "played('q')", "acting(\"export_control\")", "acting('none')"]),
    st.sampled_from(INDICATORS).map(lambda x: f"start({x})"),
    st.sampled_from(INDICATORS).map(lambda x: f"prev({x})"),
)
BINARY = ["+", "-", "*", "/", "^", "<", "<=", ">", ">=", "==", "!=", "and", "or"]


def _expr(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(inner, st.sampled_from(BINARY), inner, st.booleans()).map(
        lambda t: f"({t[0]} {t[1]} {t[2]})" if t[3] else f"{t[0]} {t[1]} {t[2]}"
    )
    unary = st.tuples(st.sampled_from(["-", "+", "not "]), inner).map(lambda t: f"{t[0]}({t[1]})")
    one = st.tuples(st.sampled_from(["abs", "sqrt", "log", "exp"]), inner).map(lambda t: f"{t[0]}({t[1]})")
    three = st.tuples(st.sampled_from(["clamp", "if"]), inner, inner, inner).map(lambda t: f"{t[0]}({t[1]}, {t[2]}, {t[3]})")
    many = st.tuples(st.sampled_from(["min", "max"]), st.lists(inner, min_size=2, max_size=4)).map(
        lambda t: f"{t[0]}({', '.join(t[1])})"
    )
    return st.one_of(binary, unary, one, three, many, inner.map(lambda x: f"({x})"))


expressions = st.recursive(leaves, _expr, max_leaves=25)
contexts = st.builds(
    FakeContext,
    st.lists(st.one_of(st.floats(-1e9, 1e9, allow_nan=False), st.just(0.0)), min_size=len(INDICATORS), max_size=len(INDICATORS)),
    st.integers(1, 40),
    st.sets(st.sampled_from(["m1", "m2"])),
    st.dictionaries(st.sampled_from(["export_control", "subsidy"]), st.integers(0, 4)),
)


@STABLE
@given(expressions, contexts)
def test_well_formed_formulas_parse_and_evaluate_without_raising(text: str, ctx: FakeContext) -> None:
    formula = Formula.parse(text)
    assert not formula.unknown_refs(set(INDICATORS))
    value = formula.compile(INDEX)(ctx)
    assert isinstance(value, float)


@STABLE
@given(expressions, contexts)
def test_division_by_zero_gives_zero(text: str, ctx: FakeContext) -> None:
    assert Formula.parse(f"({text}) / 0").compile(INDEX)(ctx) == 0.0
    assert Formula.parse(f"({text}) / (metal.price - metal.price)").compile(INDEX)(ctx) == 0.0


FORMULA_CHARS = st.sampled_from(list("0123456789.eE+-*/^()<>=!,\"' _abcdilmnoprstuvx$&|%\n\t") + sorted(FUNCTIONS)
                                + ["and", "or", "not", "metal.price", "round", "active", "(", ")"])


@STABLE
@given(st.lists(FORMULA_CHARS, max_size=40).map("".join))
def test_parse_errors_are_formula_errors_within_the_text(text: str) -> None:
    try:
        formula = Formula.parse(text)
    except FormulaError as exc:
        assert 0 <= exc.offset <= len(text), (text, exc.offset)
        assert exc.message
        return
    # It parsed: then it compiles and runs once its names are known.
    index = {r.name: i for i, r in enumerate(formula.refs) if r.name != "round"}
    ctx = FakeContext([1.0] * max(1, len(index) + len(formula.refs)), 1, set(), {})
    assert isinstance(formula.compile(index)(ctx), float)


@STABLE
@given(st.text(max_size=60))
def test_any_text_parses_or_fails_cleanly(text: str) -> None:
    try:
        Formula.parse(text)
    except FormulaError as exc:
        assert 0 <= exc.offset <= len(text)


def test_very_long_formulas_fail_cleanly() -> None:
    for text in ["1+" * 999 + "1", "2^" * 999 + "2", "(" * 999 + "1" + ")" * 999, "-" * 1999 + "1", "not " * 499 + "1"]:
        try:
            Formula.parse(text)
        except FormulaError as exc:
            assert 0 <= exc.offset <= len(text)
            assert "nested too deeply" in exc.message
        else:  # pragma: no cover
            raise AssertionError(f"{text[:20]}... parsed")


def test_results_are_finite_for_ordinary_inputs() -> None:
    f = Formula.parse("metal.price * 0.5 * (metal.supply - us.lead) / metal.supply")
    assert math.isfinite(f.compile(INDEX)(FakeContext([3.0, 0.0, 1.0, 2.0], 1, set(), {})))
