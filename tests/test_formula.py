"""The formula language: parsing, precedence, functions, and compiled evaluation."""

from __future__ import annotations

import math

import pytest

from wargame.scenario.formula import (
    FUNCTIONS,
    Binary,
    Call,
    Formula,
    FormulaError,
    Num,
    Ref,
    Str,
    Unary,
    tokenize,
)

INDEX = {"metal.price": 0, "metal.supply": 1, "us.lead": 2}


class Ctx:
    """A fake engine context: three indicators, their start and previous values, orders."""

    def __init__(self, values=(10.0, 4.0, 0.0), starts=(8.0, 5.0, 1.0), prevs=(9.0, 4.5, 0.5), rnd=3,
                 active=("us_controls",), played=("cn_fund",), tags=None) -> None:
        self.values = list(values)
        self.starts = list(starts)
        self.prevs = list(prevs)
        self.round = rnd
        self._active = set(active)
        self._played = set(played)
        self._tags = {"export_control": 2} if tags is None else tags

    def active(self, move_id: str) -> bool:
        return move_id in self._active

    def played(self, move_id: str) -> bool:
        return move_id in self._played

    def acting(self, tag: str) -> int:
        return self._tags.get(tag, 0)


def ev(text: str, ctx: Ctx | None = None) -> float:
    return Formula.parse(text).compile(INDEX)(ctx or Ctx())


def tree(text: str):
    return Formula.parse(text).tree


# --- tokens and trees -------------------------------------------------------------

def test_tokens_carry_offsets() -> None:
    toks = tokenize('1.5e3 + metal.price >= active("x")')
    assert [(t.kind, t.text, t.offset) for t in toks] == [
        ("num", "1.5e3", 0), ("op", "+", 6), ("name", "metal.price", 8), ("op", ">=", 20),
        ("name", "active", 23), ("op", "(", 29), ("str", '"x"', 30), ("op", ")", 33), ("end", "", 34),
    ]


@pytest.mark.parametrize("text", ["0.5", "1e3", "2.5E-2", ".5", "1.", "42"])
def test_numbers(text: str) -> None:
    assert tree(text) == Num(float(text))


def test_multiplication_binds_tighter_than_addition() -> None:
    assert tree("1 + 2 * 3") == Binary("+", Num(1.0), Binary("*", Num(2.0), Num(3.0)))
    assert ev("1 + 2 * 3") == 7.0
    assert ev("(1 + 2) * 3") == 9.0


def test_subtraction_and_division_are_left_associative() -> None:
    assert ev("10 - 4 - 3") == 3.0
    assert ev("24 / 4 / 2") == 3.0


def test_power_is_right_associative_and_binds_tightest() -> None:
    assert tree("2 ^ 3 ^ 2") == Binary("^", Num(2.0), Binary("^", Num(3.0), Num(2.0)))
    assert ev("2 ^ 3 ^ 2") == 512.0
    assert ev("(2 ^ 3) ^ 2") == 64.0
    assert ev("2 * 3 ^ 2") == 18.0


def test_unary_minus() -> None:
    assert ev("-3") == -3.0
    assert ev("--3") == 3.0
    assert ev("+3") == 3.0
    assert ev("2 - -3") == 5.0
    assert ev("-2 ^ 2") == -4.0  # minus applies to the power, as in mathematics
    assert ev("2 ^ -1") == 0.5
    assert ev("-metal.price * 2") == -20.0
    assert tree("-x") == Unary("-", Ref("x", 1))


def test_comparisons_give_one_or_zero() -> None:
    assert ev("1 < 2") == 1.0
    assert ev("2 < 1") == 0.0
    assert ev("2 <= 2") == 1.0
    assert ev("3 > 2") == 1.0
    assert ev("2 >= 3") == 0.0
    assert ev("2 == 2") == 1.0
    assert ev("2 != 2") == 0.0
    assert ev("1 + 1 == 2") == 1.0  # arithmetic binds tighter than comparison


def test_booleans_are_numbers() -> None:
    assert ev("0.3 + 0.7 * (metal.price > 5)") == pytest.approx(1.0)
    assert ev("(1 < 2) + (2 < 3)") == 2.0


def test_and_or_not() -> None:
    assert ev("1 and 1") == 1.0
    assert ev("1 and 0") == 0.0
    assert ev("0 or 2") == 1.0
    assert ev("0 or 0") == 0.0
    assert ev("not 0") == 1.0
    assert ev("not 5") == 0.0
    assert ev("not not 5") == 1.0


def test_and_binds_tighter_than_or() -> None:
    assert tree("a or b and c") == Binary("or", Ref("a", 0), Binary("and", Ref("b", 5), Ref("c", 11)))
    assert ev("1 or 0 and 0") == 1.0
    assert ev("(1 or 0) and 0") == 0.0


def test_not_binds_looser_than_comparison_and_tighter_than_and() -> None:
    assert tree("not a < b") == Unary("not", Binary("<", Ref("a", 4), Ref("b", 8)))
    assert tree("not a and b") == Binary("and", Unary("not", Ref("a", 4)), Ref("b", 10))
    assert ev("not 1 < 2") == 0.0
    assert ev("not 0 and 1") == 1.0


def test_division_by_zero_gives_zero() -> None:
    assert ev("1 / 0") == 0.0
    assert ev("metal.price / us.lead") == 0.0
    assert ev("5 + 1 / (metal.supply - 4)") == 5.0


def test_math_that_would_fail_gives_zero() -> None:
    assert ev("sqrt(-1)") == 0.0
    assert ev("log(0)") == 0.0
    assert ev("log(-5)") == 0.0
    assert ev("exp(100000)") == 0.0
    assert ev("0 ^ -1") == 0.0
    assert ev("(-8) ^ 0.5") == 0.0  # no complex numbers
    assert ev("10 ^ 1000") == 0.0  # overflow


# --- functions ---------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("min(3, 1, 2)", 1.0),
        ("max(3, 1, 2)", 3.0),
        ("abs(-2.5)", 2.5),
        ("clamp(15, 0, 10)", 10.0),
        ("clamp(-5, 0, 10)", 0.0),
        ("clamp(5, 0, 10)", 5.0),
        ("if(1 < 2, 10, 20)", 10.0),
        ("if(0, 10, 20)", 20.0),
        ("sqrt(16)", 4.0),
        ("log(1)", 0.0),
        ("exp(0)", 1.0),
        ("max(metal.price, metal.supply) - min(metal.price, metal.supply)", 6.0),
    ],
)
def test_functions(text: str, value: float) -> None:
    assert ev(text) == pytest.approx(value)


def test_every_function_is_covered() -> None:
    assert set(FUNCTIONS) == {"min", "max", "abs", "clamp", "if", "sqrt", "log", "exp", "start", "prev",
                              "active", "played", "acting"}


def test_active_played_acting_read_the_orders() -> None:
    ctx = Ctx()
    assert ev('active("us_controls")', ctx) == 1.0
    assert ev('active("eu_join")', ctx) == 0.0
    assert ev("played('cn_fund')", ctx) == 1.0
    assert ev('played("us_controls")', ctx) == 0.0
    assert ev('acting("export_control")', ctx) == 2.0
    assert ev('acting("nothing")', ctx) == 0.0
    assert ev('0.25 + 0.75 * (acting("export_control") - 1)', ctx) == 1.0


def test_start_and_prev_read_other_snapshots() -> None:
    ctx = Ctx()
    assert ev("start(metal.price)", ctx) == 8.0
    assert ev("prev(metal.supply)", ctx) == 4.5
    assert ev("metal.price - start(metal.price)", ctx) == 2.0
    assert ev("0.1 * (start(us.lead) - us.lead)", ctx) == pytest.approx(0.1)


def test_round_is_the_round_being_resolved() -> None:
    assert ev("round", Ctx(rnd=3)) == 3.0
    assert ev("if(round >= 4, 1, 0)", Ctx(rnd=4)) == 1.0


def test_values_are_read_at_call_time() -> None:
    fn = Formula.parse("metal.price * 2").compile(INDEX)
    ctx = Ctx()
    assert fn(ctx) == 20.0
    ctx.values[0] = 1.5
    assert fn(ctx) == 3.0


def test_results_are_floats() -> None:
    for text in ["1", "round", 'acting("export_control")', "1 < 2", "not 0", "abs(-1)", "min(1, 2)"]:
        assert isinstance(ev(text), float), text


def test_what_a_formula_reads() -> None:
    f = Formula.parse('metal.price + start(us.lead) * active("m") + acting("t") + round + nothing.here')
    assert [r.name for r in f.refs] == ["metal.price", "us.lead", "round", "nothing.here"]
    assert [s.value for s in f.ids] == ["m", "t"]
    assert [r.name for r in f.unknown_refs(set(INDEX))] == ["nothing.here"]
    assert f.unknown_refs(set(INDEX))[0].offset == f.text.index("nothing.here")


def test_calls_keep_their_offsets() -> None:
    assert tree('1 + active("x")') == Binary("+", Num(1.0), Call("active", (Str("x", 11),), 4))


# --- errors --------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "offset", "message"),
    [
        ("", 0, "the formula ends too soon: a value is missing at the end"),
        ("1 +", 3, "the formula ends too soon: a value is missing at the end"),
        ("1 * * 2", 4, "unexpected '*': a value is missing before it"),
        ("(1 + 2", 6, "expected ')' to close the '(' at character 1, found the end of the formula"),
        ("1 + 2)", 5, "unmatched ')': there is no '(' open here"),
        ("1 2", 2, "unexpected '2': an operator (+ - * / ^ < > == and or) is missing before it"),
        ("a = b", 2, "unexpected character '=': use '==' to compare"),
        ("a && b", 2, "unexpected character '&': use 'and'"),
        ("a # b", 2, "unexpected character '#'"),
        ('active("x)', 7, 'this quote " is never closed'),
        ("foo(1)", 0, "unknown function 'foo' (functions: abs, acting, active, clamp, exp, if, log, max, min, "
                      "played, prev, sqrt, start)"),
        ("sqr(4)", 0, "unknown function 'sqr' (did you mean 'sqrt'?)"),
        ("clamp(1, 2)", 0, "clamp() takes 3 arguments, got 2"),
        ("abs()", 0, "abs() takes 1 argument, got 0"),
        ("min(1)", 0, "min() takes 2 to 16 arguments, got 1"),
        ("active(x)", 0, 'active() takes a quoted id, like active("some_id")'),
        ("1 + acting(1)", 4, 'acting() takes a quoted id, like acting("some_id")'),
        ('start("x")', 0, "start() takes an indicator id, like start(cobalt.price)"),
        ("prev(round)", 0, "prev() takes an indicator id, like prev(cobalt.price)"),
        ('"x" + 1', 0, "a quoted id is only allowed inside active(), played() or acting()"),
        ('max("x", 1)', 4, "a quoted id is only allowed inside active(), played() or acting()"),
        ("and 1", 0, "unexpected 'and': a value is missing before it"),
    ],
)
def test_errors_say_what_and_where(text: str, offset: int, message: str) -> None:
    with pytest.raises(FormulaError) as info:
        Formula.parse(text)
    assert (info.value.offset, info.value.message) == (offset, message)
    assert 0 <= info.value.offset <= len(text)


def test_nesting_is_limited() -> None:
    with pytest.raises(FormulaError, match="nested too deeply"):
        Formula.parse("(" * 100 + "1" + ")" * 100)
    with pytest.raises(FormulaError, match="nested too deeply"):
        Formula.parse(" + ".join(["1"] * 200))
    # Ordinary depth is fine.
    assert ev("(" * 20 + "1" + ")" * 20) == 1.0
    assert ev(" + ".join(["1"] * 50)) == 50.0


def test_compiled_formulas_never_raise_on_odd_values() -> None:
    fn = Formula.parse("metal.price / metal.supply + log(us.lead) + sqrt(metal.supply) ^ us.lead").compile(INDEX)
    for values in [(0.0, 0.0, 0.0), (-1.0, -1.0, -1.0), (1e308, 1e-308, 1e308), (math.inf, 0.0, -math.inf)]:
        fn(Ctx(values=values))
