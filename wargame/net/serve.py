"""``wargame serve``: start (or resume) a game, print each seat's code, serve until stopped."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wargame.net.room import Room
from wargame.net.seats import FACILITATOR, OBSERVER, Codes, codes_path
from wargame.net.server import Server


@dataclass
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 0
    web: bool = False
    web_port: int = 0
    json: bool = False


def new_room(loaded: Any, seed: int | None, bots: list[str], save: Path) -> tuple[Room, Codes]:
    cp = codes_path(save)
    if cp.exists():
        raise ValueError(f"{cp}: already exists; not overwritten")
    room = Room.new(loaded, seed, bots, save)
    codes = Codes.issue([*room.humans, FACILITATOR, OBSERVER], cp)
    return room, codes


def resumed_room(save: Path) -> tuple[Room, Codes]:
    room = Room.resume(save)
    codes = Codes.load(codes_path(save), [*room.humans, FACILITATOR, OBSERVER])
    return room, codes


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def seat_lines(server: Server, web_url: str | None, as_json: bool) -> list[str]:
    room = server.room
    save = str(room.session.path) if room.session.path else None
    out = []
    if as_json:
        head: dict[str, Any] = {"serving": server.url, "save": save}
        if web_url:
            head["web"] = web_url
        out.append(json.dumps(head))
        for seat in server.seats:
            out.append(json.dumps({"seat": seat, "code": server.codes.code(seat), "url": server.url}))
        return out
    names = room.public_info()["roles"]
    out.append(f"serving {room.rules.scenario.title} at {server.url}" + (f"  browser seats: {web_url}" if web_url else ""))
    out.append(f"save: {save}")
    for seat in server.seats:
        label = names[seat]["name"] if seat in names else ("facilitator (console)" if seat == FACILITATOR
                                                             else "observer (projector; may be shared)")
        out.append(f"{seat:<12} {label:<40} code {server.codes.code(seat)}   wargame join {server.url} --code {server.codes.code(seat)}")
    return out


async def run(room: Room, codes: Codes, opts: ServeOptions, out: Callable[[str], None] = print) -> None:
    server = Server(room, codes, opts.host, opts.port)
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    web: subprocess.Popen[bytes] | None = None
    web_url = None
    try:
        if opts.web:
            port = opts.web_port or free_port(opts.host)
            web_url = f"http://{opts.host}:{port}/"
            # textual-serve runs its own aiohttp loop: a child process, stopped with us.
            web = subprocess.Popen([sys.executable, "-m", "wargame.net.web", server.url, opts.host, str(port)],
                                   stdin=subprocess.DEVNULL, stdout=sys.stderr)
        for line in seat_lines(server, web_url, opts.json):
            out(line)
        sys.stdout.flush()
        await stop.wait()
    finally:
        if web is not None:
            web.terminate()
            try:
                web.wait(5)
            except subprocess.TimeoutExpired:
                web.kill()
        await server.stop()
        room.close()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def serve_main(room: Room, codes: Codes, opts: ServeOptions) -> int:
    asyncio.run(run(room, codes, opts))
    print("stopped; the save is complete", file=sys.stderr)
    return 0

