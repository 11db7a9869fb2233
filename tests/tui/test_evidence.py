"""The citation index (domain) and the evidence browser (Pilot)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Input, Select, Static, TabbedContent

from wargame.engine.rules import Rules
from wargame.scenario.seeds import default_seeds_dir, load_evidence
from wargame.evidence.index import Citation, citations, filter_facts, iter_citations, prefixes
from wargame.scenario.loader import load_scenario_text
from wargame.tui.screens.evidence import EvidenceScreen

from .hosts import MINI, ScreenHost, mini

# --- domain ---------------------------------------------------------------------------------


def _all_cites(scenario) -> set[str]:
    """Every fact id cited anywhere in a scenario, found by walking its data."""
    out: set[str] = set()

    def walk(x, key=None):
        if isinstance(x, dict):
            for k, v in x.items():
                walk(v, k)
        elif isinstance(x, list):
            if key == "cites":
                out.update(x)
            else:
                for v in x:
                    walk(v)

    walk(scenario.model_dump(mode="json"))
    return out


def test_citations_cover_every_cite_in_the_scenario() -> None:
    s = mini().scenario
    idx = citations(s)
    assert set(idx) == _all_cites(s)
    assert all(isinstance(c, Citation) for cs in idx.values() for c in cs)
    # Objectives cite nothing and never appear.
    assert not any("objectives" in c.path for cs in idx.values() for c in cs)


def test_citations_name_kind_id_label_and_path() -> None:
    idx = citations(mini())  # a LoadedScenario works as well as a Scenario
    allies = {c.path: c for c in idx["test.allies"]}
    assert allies["moves.us_controls"].kind == "move"
    assert allies["moves.us_controls.effects[0]"] == Citation(
        "effect", "us_controls", "Export controls (US): us.lead +2", "moves.us_controls.effects[0]")
    ongoing = allies["moves.us_controls.policy.ongoing[0]"]
    assert ongoing.kind == "ongoing" and "chips.china_innovation -4" in ongoing.label
    assert allies["expectations[1]"].kind == "expectation"
    price = {c.path: c for c in idx["test.price_rise"]}
    assert price["moves.cn_mandate.effects[0]"].label.endswith("metal.demand +20%")
    assert price["events.spike.effects[0]"].kind == "event effect"
    assert price["dynamics.price"].kind == "rule"
    start = {c.path: c for c in idx["test.start"]}
    assert start["sectors.metal.indicators.price"].label == "Start of Price (metal.price) = 30000 USD/t"
    assert start["roles.us.indicators.lead"].kind == "start"
    assert start["moves.cn_deal.deal.renegotiated[0]"].kind == "renegotiated"
    assert start["moves.us_subsidy.effects[0]"].label == "Subsidy (US): us.lead +1 (after 1 round, for 2 rounds, ±0.5)"
    # In the scenario's order, each place once.
    paths = [c.path for _, c in iter_citations(mini())]
    assert paths.index("sectors.chips.indicators.china_innovation") < paths.index("moves.us_controls")


def test_documented_quadrant_cites() -> None:
    text = MINI.read_text().replace(
        "    name: Chips\n", "    name: Chips\n    documented: {quadrant: lose-lose, cites: [test.allies]}\n", 1)
    loaded = load_scenario_text(text, str(MINI), base=MINI.parent)
    sector = [c for c in citations(loaded)["test.allies"] if c.kind == "sector"]
    assert sector == [Citation("sector", "chips", "Chips documented as lose-lose", "sectors.chips.documented")]


def test_filter_facts() -> None:
    ev = mini().evidence
    assert [f.id for f in filter_facts(ev)] == list(ev.facts)
    assert [f.id for f in filter_facts(ev, "PRICE")] == ["test.price_rise"]
    assert [f.id for f in filter_facts(ev, "68 %")] == ["test.price_rise"]  # figures are searched
    assert [f.id for f in filter_facts(ev, "controls allies")] == ["test.allies"]
    assert filter_facts(ev, "source:nosuch") == []
    assert len(filter_facts(ev, "source:testsrc")) == 3
    assert len(filter_facts(ev, "test.")) == 3 and filter_facts(ev, "prefix:semi") == []
    assert prefixes(ev) == ["test"]


def test_filter_the_project_seeds_by_area() -> None:
    ev = load_evidence(default_seeds_dir())
    areas = prefixes(ev)
    assert len(areas) > 1
    some = filter_facts(ev, f"{areas[1]}.")
    assert some and all(f.id.startswith(areas[1] + ".") for f in some)
    src = next(iter(ev.sources))
    assert all(f.source == src for f in filter_facts(ev, "", source=src))


# --- the screen -----------------------------------------------------------------------------


def _host(focus: str | None = None, with_rules: bool = True) -> ScreenHost:
    loaded = mini()
    rules = Rules(loaded) if with_rules else None
    return ScreenHost(lambda: EvidenceScreen(loaded.evidence, rules, focus))


def _detail(app) -> str:
    return str(app.screen.query_one("#ev-fact-detail", Static).render())


async def test_focus_preselects_the_fact_and_lists_citing_rules() -> None:
    app = _host("test.allies")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, EvidenceScreen)
        table = screen.query_one("#ev-facts-table", DataTable)
        assert screen.fact_id == "test.allies"
        assert table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value == "test.allies"
        text = _detail(app)
        assert "Controls applied alone achieve little" in text
        assert "test, section 2" in text and "A source made up for the test suite" in text
        assert "Cited by 6 in Mini contest" in text
        assert "moves.us_controls.policy.ongoing[0]" in text and "expectations[1]" in text


async def test_filter_by_text_and_by_source() -> None:
    app = _host()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"price")
        await pilot.pause()
        assert [f.id for f in screen.shown] == ["test.price_rise"]
        assert "1 of 3 facts shown" in str(screen.query_one("#ev-count", Static).render())
        assert "68 %" in _detail(app) or "68" in _detail(app)
        await pilot.press("enter")  # back to the list
        assert isinstance(app.focused, DataTable)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert len(screen.shown) == 3
        screen.query_one("#ev-source", Select).value = "testsrc"
        await pilot.pause()
        assert len(screen.shown) == 3
        screen.query_one("#ev-filter", Input).value = "nothing-matches-this"
        await pilot.pause()
        assert screen.shown == [] and "No fact matches" in _detail(app)


async def test_moving_in_the_list_updates_the_detail() -> None:
    app = _host()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.screen.fact_id == "test.price_rise"
        await pilot.press("down")
        await pilot.pause()
        assert app.screen.fact_id == "test.allies"
        assert "Controls applied alone" in _detail(app)


async def test_focus_clears_a_filter_that_hides_it_and_unknown_facts_say_so() -> None:
    app = _host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        screen.query_one("#ev-filter", Input).value = "price"
        await pilot.pause()
        assert screen.select_fact("test.start")
        await pilot.pause()
        assert screen.filter_text == "" and screen.fact_id == "test.start"
        assert not screen.select_fact("no.such_fact")
        assert "not in the evidence base" in _detail(app)


async def test_sources_tab_and_enter_lists_a_sources_facts() -> None:
    app = _host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press("s")
        await pilot.pause()
        assert screen.query_one(TabbedContent).active == "ev-sources"
        src = str(screen.query_one("#ev-source-detail", Static).render())
        assert "A source made up for the test suite" in src and "3 facts" in src
        await pilot.press("enter")
        await pilot.pause()
        assert screen.query_one(TabbedContent).active == "ev-facts"
        assert screen.query_one("#ev-source", Select).value == "testsrc"


async def test_without_rules_and_escape_goes_back() -> None:
    app = _host("test.start", with_rules=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "citing rules are not shown" in _detail(app)
        await pilot.press("q")
        await pilot.pause()
        assert not isinstance(app.screen, EvidenceScreen)


async def test_typing_q_in_the_filter_does_not_leave() -> None:
    app = _host()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("slash", "q")
        await pilot.pause()
        assert isinstance(app.screen, EvidenceScreen)
        assert app.screen.filter_text == "q"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, EvidenceScreen)


def test_project_seeds_exist() -> None:
    assert (Path(default_seeds_dir()) / "facts.yaml").is_file()
