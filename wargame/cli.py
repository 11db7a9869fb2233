"""The command line (fixed: tests and users depend on it; the README lists it).

Exit codes: 0 success, 1 bad input (a file, a save, an orders file) or a failed
check, 2 usage error. Heavy modules are imported inside the command that needs
them, so ``wargame --help`` and the app start quickly.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_BAD, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    pass


def _err(msg: str) -> None:
    print(msg, file=sys.stderr)


def _emit(text: str, output: str | None) -> None:
    """Write a command's result to -o FILE, or to standard output."""
    if output:
        Path(output).write_text(text, encoding="utf-8")
        _err(f"wrote {output}")
    else:
        sys.stdout.write(text)


def _roles_arg(text: str) -> list[str]:
    return [r.strip() for r in text.split(",") if r.strip()]


def build_parser() -> argparse.ArgumentParser:
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

    sim = sub.add_parser("simulate", help="play games headless and report outcomes")
    sim.add_argument("scenario", help="scenario id or path")
    sim.add_argument("--seed", type=int, help="first seed (default: the scenario's)")
    sim.add_argument("--runs", type=int, default=1, help="number of games, seeds seed..seed+runs-1")
    sim.add_argument("--orders", metavar="FILE", help="scripted orders (YAML); roles it leaves out are bots")
    sim.add_argument("--save", metavar="FILE", help="write the game's log (one run only)")
    sim.add_argument("--json", action="store_true", help="print one JSON object")
    sim.add_argument("--workers", type=int, default=1, help="processes to use for --runs")

    rpt = sub.add_parser("report", help="write the after-action report of a saved game")
    rpt.add_argument("save")
    rpt.add_argument("--format", choices=["md", "html"], default="md")
    rpt.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: standard output)")

    new = sub.add_parser("new-scenario", help="write a commented scenario template that validates")
    new.add_argument("name", help="the new scenario's name")
    new.add_argument("-o", "--output", metavar="FILE", help="where to write it (default: scenarios/NAME.yaml)")

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
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # exits 2 on usage errors
    command = args.command or "app"
    try:
        return int(_COMMANDS[command](args) or 0)
    except UsageError as exc:
        parser.print_usage(sys.stderr)
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

    try:
        return load_scenario(find_scenario(ref))
    except NotFound as exc:
        raise _Bad([str(exc)]) from None


class _Bad(Exception):
    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def _guard(fn):  # type: ignore[no-untyped-def]
    """Turn bad-input exceptions into messages and exit 1."""

    def run(args: argparse.Namespace) -> int:
        from wargame.saves.log import SaveError
        from wargame.scenario.yamlsafe import InputError

        try:
            return fn(args)
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
    from wargame.tui.app import run_app

    return run_app(saves_dir=getattr(args, "saves", None))


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

    replay = load(args.save)
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

    print(f"{args.save}: intact: {len(replay.read.events) + 1} lines, {rounds} round(s) replayed, "
          f"every digest matches; log_sha256 {file_sha256(args.save)}")
    return EXIT_OK


@_guard
def cmd_validate(args: argparse.Namespace) -> int:
    from wargame.engine.expectations import run_expectations
    from wargame.engine.rules import Rules
    from wargame.scenario.catalog import NotFound, find_scenario
    from wargame.scenario.loader import load_scenario
    from wargame.scenario.yamlsafe import InputError

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
            _err(f"{path}: {len(exc.diagnostics)} error(s)")
            failed += 1
            continue
        results = run_expectations(Rules(loaded), base=path.parent)
        bad = [r for r in results if not r.ok]
        for r in bad:
            where = f"{path}:{r.line}:{r.col}: expectations[{r.index}]"
            if r.error:
                _err(f"{where}: {r.expectation.name!r}: could not run: {r.error}")
            for c in r.checks:
                if not c.ok:
                    _err(f"{where}: {r.expectation.name!r} failed: {c.detail}")
        s = loaded.scenario
        summary = (f"{path}: {'ok' if not bad else 'FAILED'}: {len(s.sectors)} sectors, {len(s.roles)} roles, "
                   f"{len(s.moves)} moves, {len(s.events)} events, {len(s.dynamics)} dynamics; "
                   f"expectations {len(results) - len(bad)}/{len(results)} pass")
        print(summary)
        failed += bool(bad)
    return EXIT_BAD if failed else EXIT_OK


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
        if args.save and Path(args.save).exists():
            raise _Bad([f"{args.save}: already exists; choose another name (saves are never overwritten)"])
        result = simulate.run_one(loaded, seed, script, args.save)
        result.pop("_played", None)
        if args.json:
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

    try:
        result = simulate.run_many(loaded, seed, args.runs, script_data, args.workers, progress)
    finally:
        if bar is not None:
            bar.stop()
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print_many(loaded, result)
    return EXIT_OK


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
    for rid, role in s.roles.items():
        t.add_row(role.name, f"{result['roles'][rid]['score']:.1f}")
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
    from wargame.saves.report import render_report
    from wargame.saves.session import load

    replay = load(args.save)
    for line in replay.problems():
        _err(f"warning: {line}")
    _emit(render_report(replay, args.format, source=Path(args.save).name), args.output)
    return EXIT_OK


@_guard
def cmd_new_scenario(args: argparse.Namespace) -> int:
    from wargame.scenario.template import render_template, slug

    name = args.name.strip()
    if not slug(name):
        raise UsageError(f"{name!r} is not a usable name: use letters, digits and dashes")
    out = Path(args.output) if args.output else Path("scenarios") / f"{slug(name)}.yaml"
    if out.exists():
        raise _Bad([f"{out}: already exists; not overwritten (choose another name or -o FILE)"])
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "x", encoding="utf-8") as fh:
        fh.write(render_template(name))
    print(f"wrote {out}; check it with: wargame validate {out}")
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from wargame.scenario.model import Scenario

    schema = Scenario.model_json_schema()
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema,
              "title": "wargame scenario"}
    _emit(json.dumps(schema, indent=2) + "\n", args.output)
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
    "simulate": cmd_simulate, "report": cmd_report, "new-scenario": cmd_new_scenario, "schema": cmd_schema,
}
