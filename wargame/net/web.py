"""Browser seats: textual-serve runs ``wargame join URL`` for each browser session.

Run by ``wargame serve --web`` as a child process (textual-serve owns its own event
loop): ``python -m wargame.net.web GAME_URL HOST PORT``. Each browser session is an
ordinary client of the game server and asks for its seat's code.
"""

from __future__ import annotations

import shlex
import sys


def main(argv: list[str]) -> None:
    game_url, host, port = argv[0], argv[1], int(argv[2])
    from textual_serve.server import Server

    command = f"{shlex.quote(sys.executable)} -m wargame join {shlex.quote(game_url)}"
    Server(command, host=host, port=port, title="wargame seat").serve()


if __name__ == "__main__":
    main(sys.argv[1:])
