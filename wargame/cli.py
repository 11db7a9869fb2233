"""The command line (fixed: tests and users depend on it; the README lists it).

Exit codes: 0 success, 1 bad input (a file, a save, an orders file) or a failed
check, 2 usage error. Heavy modules are imported inside the command that needs
them, so ``wargame --help`` and the app start quickly.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from wargame.text import count

if TYPE_CHECKING:
    import argparse  # imported where a parser is built: plain `wargame` (the app) needs none

EXIT_OK, EXIT_BAD, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    pass


def _err(msg: str) -> None:
    print(msg, file=sys.stderr)


def _emit(text: str, output: str | None, force: bool = False) -> None:
    """Write a command's result to -o FILE, or to standard output.

    An existing file is replaced only with --force, and a symbolic link is never
    written through (see wargame.safeio.write_output); path problems exit 1.
    """
    if output is not None:
        from wargame.safeio import write_output

        write_output(output, text, force)
        _err(f"wrote {output}")
    else:
        sys.stdout.write(text)


def _roles_arg(text: str) -> list[str]:
    return [r.strip() for r in text.split(",") if r.strip()]


def build_parser() -> argparse.ArgumentParser:
    import argparse

    p = argparse.ArgumentParser(
        prog="wargame",
        description="A terminal wargame of the U.S.-China technology contest. With no command, opens the app.",
    )
    from wargame import __version__

    p.add_argument("--version", action="version", version=f"wargame {__version__}")
    p.add_argument("--saves", metavar="DIR", help="where the app saves games (default: the project's saves/ "
                                                  "folder, else the user data folder)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    play = sub.add_parser("play", help="start a new game in the app")
    play.add_argument("scenario", nargs="?", help="scenario id or path (default: tech-contest)")
    play.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    play.add_argument("--human", type=_roles_arg, metavar="ROLE,...", help="roles played by people")
    play.add_argument("--bots", type=_roles_arg, metavar="ROLE,...", help="roles played by bots")
    play.add_argument("--saves", metavar="DIR", default=argparse.SUPPRESS, help="where games are saved")

    rep = sub.add_parser("replay", help="open a saved game in the replay viewer")
    rep.add_argument("save", help="a save file (.jsonl)")
    rep.add_argument("--verify", action="store_true", help="re-run the log headless and check every hash; exit 0 intact, 1 damaged")
    rep.add_argument("--saves", metavar="DIR", default=argparse.SUPPRESS, help="where forks are saved")

    val = sub.add_parser("validate", help="check scenario files and run their expectations")
    val.add_argument("paths", nargs="+", metavar="PATH", help="scenario files (or ids)")
    val.add_argument("--report", action="store_true",
                     help="also print the calibration table: each documented magnitude and the model's value")

    sim = sub.add_parser("simulate", help="play games headless and report outcomes")
    sim.add_argument("scenario", help="scenario id or path")
    sim.add_argument("--seed", type=int, help="first seed (default: the scenario's)")
    sim.add_argument("--runs", type=int, default=1, help="number of games, seeds seed..seed+runs-1")
    sim.add_argument("--orders", metavar="FILE", help="scripted orders (YAML); roles it leaves out are bots")
    sim.add_argument("--save", metavar="FILE", help="write the game's log (one run only)")
    sim.add_argument("--json", action="store_true", help="print one JSON object")
    sim.add_argument("--workers", type=int, default=1, help="processes to use for --runs")
    sim.add_argument("--cluster", metavar="ADDRESS", help="run --runs on a Dask scheduler (tcp://host:port); same results")
    sim.add_argument("--results", metavar="FILE", help="stream each chunk's results to FILE; run again to resume")

    rpt = sub.add_parser("report", help="write the after-action report of a saved game")
    rpt.add_argument("save")
    rpt.add_argument("--format", choices=["md", "html"], default="md")
    rpt.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: standard output)")
    rpt.add_argument("--force", action="store_true", help="replace FILE if it exists")

    cmp_ = sub.add_parser("compare", help="fork a save at a round, play branches on many times, compare them")
    cmp_.add_argument("save", help="a save file (.jsonl)")
    cmp_.add_argument("--at", type=int, required=True, metavar="ROUND", help="branch from the start of this round")
    cmp_.add_argument("--branch", action="append", default=[], metavar="NAME=ORDERS_FILE",
                      help="a branch: an orders file for the roles it changes (repeatable)")
    cmp_.add_argument("--runs", type=int, default=100, help="games per branch (default 100)")
    cmp_.add_argument("--seed", type=int, help="first seed (default: the save's)")
    cmp_.add_argument("--workers", type=int, default=1, help="processes to use")
    cmp_.add_argument("--cluster", metavar="ADDRESS", help="a Dask scheduler to run on instead")
    cmp_.add_argument("--json", action="store_true", help="print one JSON object")
    cmp_.add_argument("-o", "--output", metavar="FILE", help="also write the comparison as a report (.html or .md)")
    cmp_.add_argument("--force", action="store_true", help="replace FILE if it exists")

    hnd = sub.add_parser("handout", help="write team briefing packs (print-ready) for a scenario")
    hnd.add_argument("scenario", help="scenario id or path")
    hnd.add_argument("--role", action="append", metavar="ROLE", help="the role's pack (repeatable; default: every role)")
    hnd.add_argument("--format", choices=["html", "md"], default="html")
    hnd.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: standard output)")
    hnd.add_argument("--force", action="store_true", help="replace FILE if it exists")

    new = sub.add_parser("new-scenario", help="write a commented scenario template that validates")
    new.add_argument("name", help="the new scenario's name")
    new.add_argument("-o", "--output", metavar="FILE", help="where to write it (default: scenarios/NAME.yaml)")
    new.add_argument("--force", action="store_true", help="replace FILE if it exists")

    srv = sub.add_parser("serve", help="run an exercise server: one seat per team, a facilitator and an observer seat")
    srv.add_argument("scenario", nargs="?", help="scenario id or path (default: tech-contest)")
    srv.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    srv.add_argument("--bots", type=_roles_arg, metavar="ROLE,...", help="roles played by bots")
    srv.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    srv.add_argument("--port", type=int, default=8765, help="port (0: any free port; default 8765)")
    srv.add_argument("--web", action="store_true", help="also serve browser seats (textual-serve)")
    srv.add_argument("--web-port", type=int, default=0, help="port for browser seats (default: a free one)")
    srv.add_argument("--resume", metavar="SAVE", help="restart the game of this save, with the same codes")
    srv.add_argument("--save", metavar="FILE", help="where to write the game's log (default: <scenario>-<time>.jsonl in the saves folder)")
    srv.add_argument("--saves", metavar="DIR", default=argparse.SUPPRESS, help="where the game is saved")
    srv.add_argument("--json", action="store_true", help="print one JSON object a line: the address, then each seat")

    jn = sub.add_parser("join", help="take a seat in a game served by 'wargame serve'")
    jn.add_argument("url", help="the server's address, ws://HOST:PORT/")
    jn.add_argument("--code", help="the seat's code (asked for if not given)")

    sch = sub.add_parser("schema", help="print the JSON Schema of the scenario format")
    sch.add_argument("-o", "--output", metavar="FILE")
    sch.add_argument("--force", action="store_true", help="replace FILE if it exists")
    return p


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    # Plain `wargame` opens the app: nothing to parse, and building every command's parser
    # (~7 ms) would only hold up the title screen. Any word at all goes through the parser.
    parser = build_parser() if words else None
    args: Any = parser.parse_args(words) if parser is not None else SimpleNamespace(command=None, saves=None)
    command = args.command or "app"
    try:
        for opt in ("output", "save", "orders"):
            if getattr(args, opt, None) == "":
                raise UsageError(f"--{opt} needs a file name, not an empty one")
        return int(_COMMANDS[command](args) or 0)
    except UsageError as exc:
        (parser or build_parser()).print_usage(sys.stderr)
        _err(f"wargame: error: {exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug, not bad input: say so briefly
        if os.environ.get("WARGAME_DEBUG"):
            raise
        _err(f"wargame: internal error: {type(exc).__name__}: {exc} (set WARGAME_DEBUG=1 for details)")
        return 3


def _load(ref: str | None):  # -> LoadedScenario
    from wargame.scenario.catalog import NotFound, find_scenario
    from wargame.scenario.loader import load_scenario

    _not_empty(ref)
    try:
        return load_scenario(find_scenario(ref))
    except NotFound as exc:
        raise _Bad([str(exc)]) from None


def _not_empty(ref: str | None) -> None:
    """An empty argument ('') is a mistake, not a request for the default scenario."""
    if ref is not None and not ref.strip():
        raise UsageError("an empty scenario name or path was given")


class _Bad(Exception):
    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def _guard(fn):  # type: ignore[no-untyped-def]
    """Turn bad-input exceptions into messages and exit 1."""

    def run(args: argparse.Namespace) -> int:
        from wargame.safeio import UnsafeOutput
        from wargame.saves.log import SaveError
        from wargame.scenario.yamlsafe import InputError

        try:
            return fn(args)
        except UnsafeOutput as exc:
            _err(f"wargame: {exc}")
            return EXIT_BAD
        except InputError as exc:
            for d in exc.diagnostics:
                _err(str(d))
            return EXIT_BAD
        except SaveError as exc:
            _err(str(exc))
            return EXIT_BAD
        except _Bad as exc:
            for line in exc.lines:
                _err(line)
            return EXIT_BAD

    return run


# --- commands ------------------------------------------------------------------

def cmd_app(args: argparse.Namespace) -> int:
    from wargame.tui.gcpause import end_start_up_pause, pause_for_start_up

    pause_for_start_up()  # before Textual is imported; the app resumes collections after its first frame
    try:
        from wargame.tui.app import run_app

        return run_app(saves_dir=getattr(args, "saves", None))
    finally:
        end_start_up_pause()  # if the app ended before its first frame


@_guard
def cmd_play(args: argparse.Namespace) -> int:
    loaded = _load(args.scenario)
    roles = list(loaded.scenario.roles)
    for group in (args.human or [], args.bots or []):
        for r in group:
            if r not in roles:
                raise UsageError(f"unknown role {r!r} (roles: {', '.join(roles)})")
    both = set(args.human or []) & set(args.bots or [])
    if both:
        raise UsageError(f"a role cannot be both human and bot: {', '.join(sorted(both))}")
    if args.human is not None:
        seats = {r: ("human" if r in args.human else "bot") for r in roles}
    elif args.bots is not None:
        seats = {r: ("bot" if r in args.bots else "human") for r in roles}
    else:
        seats = {r: "human" for r in roles}
    from wargame.tui.app import run_app

    return run_app(scenario=loaded, seed=args.seed, seats=seats, saves_dir=args.saves)


@_guard
def cmd_replay(args: argparse.Namespace) -> int:
    from wargame.saves.session import load

    replay = load(args.save, trace=not args.verify)  # verifying needs the states, not the traces
    if not args.verify:
        from wargame.tui.app import run_app

        return run_app(replay_path=Path(args.save), saves_dir=args.saves)
    problems = replay.problems()
    rounds = replay.game.state.round
    if problems:
        for line in problems:
            _err(line)
        return EXIT_BAD
    from wargame.saves.log import file_sha256

    ended = "; the game is finished" if replay.read.ended else ""
    print(f"{args.save}: intact: {replay.read.line_count} lines, {count(rounds, 'round')} replayed, "
          f"every digest matches{ended}; log_sha256 {file_sha256(args.save)}")
    return EXIT_OK


@_guard
def cmd_validate(args: argparse.Namespace) -> int:
    from wargame.engine.expectations import run_expectations
    from wargame.engine.rules import Rules
    from wargame.scenario.catalog import NotFound, find_scenario
    from wargame.scenario.loader import load_scenario
    from wargame.scenario.yamlsafe import InputError

    for ref in args.paths:
        _not_empty(ref)
    failed = 0
    for ref in args.paths:
        try:
            path = find_scenario(ref)
        except NotFound as exc:
            _err(f"{ref}:1:1: {exc}")
            failed += 1
            continue
        try:
            loaded = load_scenario(path)
        except InputError as exc:
            for d in exc.diagnostics:
                _err(str(d))
            _err(f"{path}: {count(len(exc.diagnostics), 'error')}")
            failed += 1
            continue
        from wargame.engine.baseline import history_problems

        for w in loaded.warnings:
            _err(str(w))
        rules = Rules(loaded)
        results = run_expectations(rules, base=loaded.base or path.parent)
        # An expectation marked `unmet` is a documented outcome the rules knowingly miss: reported, not failed.
        bad = [r for r in results if not r.ok and not (r.expectation.unmet and not r.error)]
        unmet = [r for r in results if not r.ok and r.expectation.unmet and not r.error]
        for r in bad:
            where = f"{path}:{r.line}:{r.col}: expectations[{r.index}]"
            if r.error:
                _err(f"{where}: {r.expectation.name!r}: could not run: {r.error}")
            for c in r.checks:
                if not c.ok:
                    _err(f"{where}: {r.expectation.name!r} failed: {c.detail}")
        for r in unmet:
            misses = "; ".join(c.detail for c in r.checks if not c.ok)
            _err(f"{path}:{r.line}:{r.col}: expectations[{r.index}]: knowingly unmet: {r.expectation.name!r}: "
                 f"{misses} ({r.expectation.unmet})")
        for r in results:
            if r.ok and r.expectation.unmet:
                _err(f"{path}:{r.line}:{r.col}: expectations[{r.index}]: {r.expectation.name!r} is marked unmet "
                     "but now passes: remove its 'unmet'")
        hist_bad = history_problems(loaded)
        for msg in hist_bad:
            _err(f"{path}: {msg}")
        s = loaded.scenario
        npass = sum(r.ok for r in results)
        summary = (f"{path}: {'ok' if not bad and not hist_bad else 'FAILED'}: {len(s.sectors)} sectors, "
                   f"{len(s.roles)} roles, {len(s.moves)} moves, {len(s.events)} events, {len(s.dynamics)} dynamics; "
                   f"expectations {npass}/{len(results)} pass" + (f", {len(unmet)} knowingly unmet" if unmet else "")
                   + (f"; {count(len(loaded.warnings), 'warning')}" if loaded.warnings else ""))
        print(summary)
        if getattr(args, "report", False):
            _print_calibration(rules, results)
            _print_grounds(s)
        failed += bool(bad) or bool(hist_bad)
    return EXIT_BAD if failed else EXIT_OK


def _print_calibration(rules: Any, results: list[Any]) -> None:
    """The calibration table after validate's summary: documented range vs model, one check a line."""
    from wargame.engine.expectations import calibration

    facts = rules.loaded.evidence.facts if rules.loaded.evidence is not None else {}
    print()
    print("| on history | expectation | check | documented range | model | status | cites (figures) |")
    print("|---|---|---|---|---|---|---|")
    for row in calibration(rules, results):
        rng = "" if row.low is None else f"[{row.low:g}, {row.high:g}]"
        model = f"{row.model:g}" if isinstance(row.model, float) else str(row.model)
        figs = []
        for fid in row.cites:
            f = facts.get(fid)
            vals = ", ".join(f"{fg.value:g} {fg.unit}" for fg in (f.figures if f is not None else []))
            figs.append(f"{fid}" + (f" ({vals})" if vals else ""))
        print(f"| {'yes' if row.on_history else ''} | {row.expectation} | {row.check} | {rng} | {model} | "
              f"{row.status} | {'; '.join(figs)} |")


def _print_grounds(s: Any) -> None:
    """After the calibration table: what the magnitudes stand on, and which each expectation pins."""
    from wargame.scenario.grounds import calibrated_to, ground_counts

    n = ground_counts(s)
    print()
    print(f"Magnitudes: {sum(n.values())} effects and rules; {n['figure']} derived from documented figures, "
          f"{n['outcome']} calibrated to documented outcomes, {n['assumption']} stated assumptions"
          + (f", {n['none']} with no basis" if n["none"] else ""))
    pinned = calibrated_to(s)
    if pinned:
        print()
        print("| expectation | magnitudes calibrated to it |")
        print("|---|---|")
        names = {ex.id: ex.name for ex in s.expectations if ex.id}
        for eid, paths in pinned.items():
            print(f"| {eid}: {names.get(eid, '')} | {'; '.join(paths)} |")


@_guard
def cmd_simulate(args: argparse.Namespace) -> int:
    if args.runs < 1:
        raise UsageError("--runs must be at least 1")
    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    if args.save and args.runs > 1:
        raise UsageError("--save writes one game: use it with --runs 1")
    loaded = _load(args.scenario)
    seed = loaded.scenario.seed if args.seed is None else args.seed
    script = None
    script_data = None
    if args.orders:
        from wargame.engine.orders import load_script

        script = load_script(loaded.scenario, args.orders)
        script_data = {r: {role: [o.to_json() for o in orders] for role, orders in by.items()}
                       for r, by in script.rounds.items()}
        # keep roles the script names but never orders in any round
        for role in script.roles:
            if not any(role in by for by in script_data.values()):
                script_data.setdefault(1, {})[role] = []
    from wargame import simulate

    if args.runs == 1:
        if args.save is not None:
            _check_save_path(args.save)
        result = simulate.run_one(loaded, seed, script, args.save)
        result.pop("_played", None)
        if args.json:
            import json

            print(json.dumps(result, indent=2))
        else:
            _print_one(loaded, result)
        return EXIT_OK
    progress = None
    bar = None
    if sys.stderr.isatty():
        from rich.progress import Progress

        bar = Progress(transient=True, console=_stderr_console())
        task = bar.add_task("simulating", total=args.runs)
        bar.start()

        def progress(n: int) -> None:
            bar.advance(task, n)

    if args.results is not None:
        _check_results_path(args.results)
    try:
        result = simulate.run_many(loaded, seed, args.runs, script_data, args.workers, progress,
                                   cluster=args.cluster, results_path=args.results)
    except (OSError, ValueError, RuntimeError) as exc:  # a results file of another batch; no scheduler there
        where = f"--cluster {args.cluster}: " if args.cluster and not isinstance(exc, ValueError) else ""
        raise _Bad([f"{where}{exc}"]) from None
    finally:
        if bar is not None:
            bar.stop()
    if args.json:
        import json

        print(json.dumps(result, indent=2))
    else:
        _print_many(loaded, result)
    return EXIT_OK


def _check_results_path(path: str) -> None:
    """--results is read (to resume) and appended to: an existing one must be a regular file
    (a FIFO would block, a device would be read without end); a new one needs its folder."""
    import stat

    from wargame.safeio import UnsafeOutput, check_output, file_kind

    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        st = None  # check_output names the missing folder, or the file in the way
    except OSError as exc:
        raise _Bad([f"wargame: {path}: cannot use as a results file: {exc.strerror or exc}"]) from None
    if st is None:
        try:
            check_output(path, force=False)
        except UnsafeOutput as exc:
            raise _Bad([f"wargame: {exc}"]) from None
    elif not stat.S_ISREG(st.st_mode):
        raise _Bad([f"wargame: {path}: is {file_kind(st.st_mode)}: a results file must be a regular file"])


def _check_save_path(path: str) -> None:
    """A save is never overwritten, so there is no --force: history is not replaced by accident."""
    from wargame.safeio import UnsafeOutput, check_output

    try:
        check_output(path, force=False)
    except UnsafeOutput as exc:
        msg = str(exc).replace("(use --force to replace it)", "(saves are never overwritten: choose another name)")
        if "symbolic link" in msg:
            msg = msg.split(";")[0] + "; a save is not written through a link (give the real path)"
        raise _Bad([f"wargame: {msg}"]) from None


def _stderr_console():  # -> rich Console
    from rich.console import Console

    return Console(stderr=True)


def _print_one(loaded: Any, result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    s = loaded.scenario
    c = Console()
    c.print(f"[b]{s.title}[/b]  seed {result['seed']}, {result['rounds']} rounds, log {result['log_sha256'][:12]}")
    t = Table(title="Sectors")
    t.add_column("sector")
    t.add_column("quadrant")
    t.add_column("China's innovation", justify="right")
    t.add_column("global effect", justify="right")
    for sid, sec in s.sectors.items():
        ind = result["sectors"][sid]["indicators"]
        t.add_row(sec.name, result["sectors"][sid]["quadrant"], f"{ind[sec.axes.innovation.indicator]:.1f}",
                  f"{ind[sec.axes.global_effect.indicator]:.1f}")
    c.print(t)
    t = Table(title="Roles")
    t.add_column("role")
    t.add_column("score", justify="right")
    has_vs = all("vs_history" in r for r in result["roles"].values())
    if has_vs:  # the score minus documented history's, same seed: the one number comparable across roles
        t.add_column("vs history", justify="right")
    for rid, role in s.roles.items():
        t.add_row(role.name, f"{result['roles'][rid]['score']:.1f}",
                  *([f"{result['roles'][rid]['vs_history']:+.1f}"] if has_vs else []))
    c.print(t)


def _print_many(loaded: Any, result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    s = loaded.scenario
    c = Console()
    c.print(f"[b]{s.title}[/b]  {result['runs']} runs from seed {result['seed']}")
    t = Table(title="Role scores")
    for col in ("role", "mean", "p5", "p50", "p95"):
        t.add_column(col, justify="right" if col != "role" else "left")
    for rid, role in s.roles.items():
        sc = result["roles"][rid]["score"]
        t.add_row(role.name, *(f"{sc[k]:.1f}" for k in ("mean", "p5", "p50", "p95")))
    c.print(t)
    t = Table(title="Quadrant frequencies")
    t.add_column("sector")
    for q in ("win-win", "destructive-victory", "harmless-failure", "lose-lose"):
        t.add_column(q, justify="right")
    for sid, sec in s.sectors.items():
        qs = result["sectors"][sid]["quadrants"]
        t.add_row(sec.name, *(f"{100 * v:.0f}%" for v in qs.values()))
    c.print(t)


@_guard
def cmd_report(args: argparse.Namespace) -> int:
    from wargame.report import render_report
    from wargame.saves.session import load

    replay = load(args.save)
    for line in replay.problems():
        _err(f"warning: {line}")
    if args.output is not None:
        from wargame.safeio import check_output

        check_output(args.output, args.force)  # before the work, so a bad path is said at once
    _emit(render_report(replay, args.format, source=Path(args.save).name), args.output, args.force)
    return EXIT_OK


@_guard
def cmd_compare(args: argparse.Namespace) -> int:
    from wargame.batch.compare import Branch, CompareError, compare
    from wargame.engine.orders import load_script
    from wargame.saves.session import load

    if args.runs < 1:
        raise UsageError("--runs must be at least 1")
    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    if args.output is not None:
        from wargame.safeio import check_output

        check_output(args.output, args.force)  # before the runs, so a bad path is said at once
    replay = load(args.save)
    for line in replay.problems():
        _err(f"warning: {line}")
    s = replay.game.rules.scenario
    branches = []
    for spec in args.branch:
        name, sep, path = spec.partition("=")
        if not sep or not name.strip() or not path.strip():
            raise UsageError(f"--branch {spec!r}: write NAME=ORDERS_FILE")
        branches.append(Branch(name.strip(), load_script(s, path.strip())))
    progress, bar = None, None
    if sys.stderr.isatty() and not args.cluster:
        from rich.progress import Progress

        bar = Progress(transient=True, console=_stderr_console())
        task = bar.add_task("comparing", total=args.runs)
        bar.start()

        def progress(n: int) -> None:
            bar.advance(task, n)

    try:
        result = compare(replay.session, Path(args.save).name, args.at, branches, args.runs, args.seed, args.workers,
                         args.cluster, progress)
    except CompareError as exc:
        raise _Bad([f"{args.save}: {exc}"]) from None
    finally:
        if bar is not None:
            bar.stop()
    if args.output:
        from wargame.report import render
        from wargame.report.comparison import build_comparison

        fmt = "md" if args.output.endswith(".md") else "html"
        _emit(render(build_comparison(replay.game.rules, result), fmt), args.output, args.force)
    if args.json:
        import json

        print(json.dumps(result, indent=2))
    else:
        _print_compare(replay.game.rules, result)
    return EXIT_OK


def _print_compare(rules: Any, result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    from wargame.report.comparison import indicator_label, percent_row, source_label

    s = rules.scenario
    c = Console()
    c.print(f"[b]{s.title}[/b]  {result['save']}: from round {result['at']} ({s.round_label(result['at'])}), "
            f"{result['runs']} runs per branch")
    t = Table(title="Team scores (difference from as played, 95% interval)")
    for col in ("team", "branch", "mean", "p5", "p50", "p95", "vs history", "difference"):
        t.add_column(col, justify="left" if col in ("team", "branch") else "right")
    for rid, role in s.roles.items():
        for k, br in enumerate(result["branches"]):
            e = br["roles"][rid]
            sc, d = e["score"], e["delta"]
            vs = f"{e['vs_history']['mean']:+.1f}" if "vs_history" in e else "-"
            t.add_row(role.name if k == 0 else "", br["name"], *(f"{sc[q]:.1f}" for q in ("mean", "p5", "p50", "p95")),
                      vs, f"{d['mean']:+.2f} [{d['lo']:+.2f}, {d['hi']:+.2f}]")
    c.print(t)
    t = Table(title="Where the sectors end (share of runs)")
    t.add_column("sector")
    for br in result["branches"]:
        t.add_column(br["name"])
    for sid, sec in s.sectors.items():
        t.add_row(sec.name, *(percent_row(br["sectors"][sid]["quadrants"]) for br in result["branches"]))
    c.print(t)
    for br in result["branches"][1:]:
        c.print(f"[b]Why {br['name']} differs from as played[/b]")
        if not br["attribution"]:
            c.print("  no indicator differs")
        for ind, items in br["attribution"].items():
            d = br["indicators"][ind]["delta"]
            c.print(f"  {indicator_label(rules, ind)}: {d['mean']:+.3g} [{d['lo']:+.3g}, {d['hi']:+.3g}]")
            for it in items:
                c.print(f"    {it['mean']:+10.4f}  {source_label(rules, it['kind'], it['source'])}")


@_guard
def cmd_handout(args: argparse.Namespace) -> int:
    from wargame.engine.rules import Rules
    from wargame.report import default_evidence, render
    from wargame.report.handout import build_handout

    loaded = _load(args.scenario)
    roles = list(loaded.scenario.roles)
    for r in args.role or []:
        if r not in roles:
            raise UsageError(f"unknown role {r!r} (roles: {', '.join(roles)})")
    doc = build_handout(Rules(loaded), args.role, default_evidence(loaded))
    _emit(render(doc, args.format), args.output, args.force)
    return EXIT_OK


@_guard
def cmd_new_scenario(args: argparse.Namespace) -> int:
    from wargame.scenario.template import render_template, slug

    name = args.name.strip()
    if not slug(name):
        raise UsageError(f"{name!r} is not a usable name: use letters, digits and dashes")
    from wargame.safeio import UnsafeOutput, write_output

    if args.output is not None:
        out = args.output
    else:
        out = str(Path("scenarios") / f"{slug(name)}.yaml")
        if not Path("scenarios").exists():
            Path("scenarios").mkdir()  # the default folder only; a -o folder must exist
    try:
        write_output(out, render_template(name, out), args.force)
    except UnsafeOutput as exc:
        msg = str(exc)
        if args.output is None and "already exists" in msg:
            msg = msg.replace("(use --force to replace it)", "(choose another name, -o FILE, or --force)")
        raise _Bad([f"wargame: {msg}"]) from None
    import shlex

    print(f"wrote {out}; check it with: wargame validate {shlex.quote(out)}")
    return EXIT_OK


@_guard
def cmd_schema(args: argparse.Namespace) -> int:
    from wargame.scenario.model import Scenario

    schema = Scenario.model_json_schema()
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema,
              "title": "wargame scenario"}
    import json

    _emit(json.dumps(schema, indent=2) + "\n", args.output, args.force)
    return EXIT_OK


@_guard
def cmd_serve(args: argparse.Namespace) -> int:
    from wargame.net.serve import ServeOptions, new_room, resumed_room, serve_main

    if not 0 <= args.port <= 65535 or not 0 <= args.web_port <= 65535:
        raise UsageError("a port is a number from 0 to 65535")
    if args.resume:
        if args.scenario or args.seed is not None or args.bots or args.save:
            raise UsageError("--resume continues a saved game: give no scenario, --seed, --bots or --save with it")
        try:
            room, codes = resumed_room(Path(args.resume))
        except ValueError as exc:
            raise _Bad([str(exc)]) from None
    else:
        loaded = _load(args.scenario)
        roles = list(loaded.scenario.roles)
        for r in args.bots or []:
            if r not in roles:
                raise UsageError(f"unknown role {r!r} (roles: {', '.join(roles)})")
        from wargame.saves.location import saves_dir
        from wargame.saves.session import default_save_path

        save = Path(args.save) if args.save else default_save_path(loaded.scenario.id, saves_dir(getattr(args, "saves", None)))
        if save.exists():
            raise _Bad([f"{save}: already exists; choose another name (saves are never overwritten)"])
        try:
            room, codes = new_room(loaded, args.seed, args.bots or [], save)
        except ValueError as exc:
            raise _Bad([str(exc)]) from None
    opts = ServeOptions(host=args.host, port=args.port, web=args.web, web_port=args.web_port, json=args.json)
    return serve_main(room, codes, opts)


def cmd_join(args: argparse.Namespace) -> int:
    if not args.url.startswith(("ws://", "wss://")):
        raise UsageError(f"the address is ws://HOST:PORT/ as 'wargame serve' prints it, not {args.url!r}")
    from wargame.tui.seat import run_seat

    return run_seat(args.url, args.code)


_COMMANDS = {
    "serve": cmd_serve, "join": cmd_join,
    "app": cmd_app, "play": cmd_play, "replay": cmd_replay, "validate": cmd_validate,
    "simulate": cmd_simulate, "report": cmd_report, "handout": cmd_handout, "compare": cmd_compare, "new-scenario": cmd_new_scenario, "schema": cmd_schema,
}
