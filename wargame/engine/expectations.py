"""Run a scenario's expectations: its own test suite, pinned to the documents.

Each expectation plays a short game from the start (or a ``setup`` state) with
the given orders; roles without orders pass (no bots, so the case is exact).
Checks compare the final values with ranges. ``diff`` checks compare with a
second game played with the ``versus`` orders under the same seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from wargame.engine.game import Game
from wargame.engine.orders import Script, load_script, script_from_data
from wargame.engine.rules import Rules
from wargame.scenario.model import Check, Expectation
from wargame.scenario.yamlsafe import InputError


@dataclass
class CheckResult:
    check: Check
    ok: bool
    actual: float | str
    detail: str


@dataclass
class ExpectationResult:
    index: int
    expectation: Expectation
    line: int
    col: int
    checks: list[CheckResult] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and all(c.ok for c in self.checks)


def _play(rules: Rules, ex: Expectation, script: Script) -> Game:
    game = Game.new(rules, ex.seed, ex.setup)
    for rnd in range(1, ex.rounds + 1):
        if game.finished:
            break
        orders = [o for role in rules.roles for o in script.orders(rnd, role)]
        game.play(orders)
    return game


def _describe(chk: Check) -> str:
    for key in ("value", "change", "pct_change", "diff"):
        rng = getattr(chk, key)
        if rng is not None:
            label = {"value": "value", "change": "change", "pct_change": "% change", "diff": "difference vs versus"}[key]
            return f"{chk.indicator} {label} in [{rng[0]:g}, {rng[1]:g}]"
    return f"{chk.sector} quadrant is {chk.quadrant}"


def run_expectation(rules: Rules, index: int, base: Path | None = None) -> ExpectationResult:
    s = rules.scenario
    ex = s.expectations[index]
    doc = rules.loaded.document
    line, col = doc.mark(("expectations", index)) if doc else (0, 0)
    result = ExpectationResult(index, ex, line, col)
    try:
        if ex.orders_file:
            script = load_script(s, (base or Path.cwd()) / ex.orders_file)
        else:
            script = script_from_data(s, ex.orders)
        game = _play(rules, ex, script)
        versus = _play(rules, ex, script_from_data(s, ex.versus)) if ex.versus is not None else None
    except InputError as exc:
        result.error = "; ".join(str(d) for d in exc.diagnostics)
        return result
    except ValueError as exc:
        result.error = str(exc)
        return result
    for chk in ex.check:
        if chk.quadrant is not None and chk.sector is not None:
            got = game.quadrants()[chk.sector]
            result.checks.append(CheckResult(chk, got == chk.quadrant, got, f"{_describe(chk)}: got {got}"))
            continue
        assert chk.indicator is not None
        end = game.value(chk.indicator)
        start = game.value(chk.indicator, 0)
        if chk.value is not None:
            actual, rng = end, chk.value
        elif chk.change is not None:
            actual, rng = end - start, chk.change
        elif chk.pct_change is not None:
            actual, rng = (100.0 * (end - start) / start if start else 0.0), chk.pct_change
        else:
            assert versus is not None and chk.diff is not None
            actual, rng = end - versus.value(chk.indicator), chk.diff
        ok = rng[0] <= actual <= rng[1]
        detail = f"{_describe(chk)}: got {actual:.4g} (from {start:.4g} to {end:.4g})"
        result.checks.append(CheckResult(chk, ok, actual, detail))
    return result


def run_expectations(rules: Rules, base: Path | None = None) -> list[ExpectationResult]:
    return [run_expectation(rules, i, base) for i in range(len(rules.scenario.expectations))]


@dataclass(frozen=True)
class CalibrationRow:
    """One check of one expectation: what the documents say (range, facts) and what the model gives."""

    expectation: str
    check: str
    low: float | None
    high: float | None
    model: float | str
    status: str  # "in range", "OUT of range", "knowingly unmet", "could not run"
    on_history: bool
    cites: tuple[str, ...]


def calibration(rules: Rules, results: list[ExpectationResult]) -> list[CalibrationRow]:
    """The calibration table: every check of every expectation, history's first."""
    hist = rules.scenario.history
    rows: list[CalibrationRow] = []
    for r in results:
        ex = r.expectation
        on_history = bool(ex.orders_file and hist and Path(ex.orders_file) == Path(hist))
        if r.error:
            rows.append(CalibrationRow(ex.name, "(the case)", None, None, r.error, "could not run", on_history,
                                       tuple(ex.cites)))
            continue
        for c in r.checks:
            chk = c.check
            rng = next((getattr(chk, k) for k in ("value", "change", "pct_change", "diff")
                        if getattr(chk, k) is not None), None)
            status = "in range" if c.ok else ("knowingly unmet" if ex.unmet else "OUT of range")
            rows.append(CalibrationRow(ex.name, _describe(chk).rsplit(" in [", 1)[0],
                                       rng[0] if rng else None, rng[1] if rng else None,
                                       round(c.actual, 4) if isinstance(c.actual, float) else c.actual,
                                       status, on_history, tuple(ex.cites)))
    rows.sort(key=lambda row: not row.on_history)
    return rows
