"""A seat's connection to the exercise server, reconnecting on its own.

It remembers the last sequence number it received and says so on every ``hello``,
so after a drop (or a server restart) it is sent exactly what it missed. Requests
carry an id and are sent again after a reconnect until answered; the server answers
a resend without doing it twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from wargame.net.protocol import PROTOCOL, TRANSPORT_MAX

log = logging.getLogger("wargame.net.client")

# Refusals after which trying again cannot help.
FINAL = frozenset({"bad_code", "replaced", "revoked", "protocol"})


class ClientError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


class SeatClient:
    def __init__(self, url: str, code: str, on_event: Callable[[dict[str, Any]], None] | None = None,
                 on_status: Callable[[str, str], None] | None = None, backoff: tuple[float, float] = (0.1, 2.0)) -> None:
        self.url, self.code = url, code
        self.on_event, self.on_status = on_event, on_status
        self.backoff = backoff
        self.last_seq = 0
        self.events: list[dict[str, Any]] = []  # envelopes, in order, each seq once
        self.frames: list[str] = []  # every text frame received, for tests of what reached this seat
        self.duplicates = 0
        self.welcome: dict[str, Any] | None = None
        self.presence: dict[str, int] = {}  # the facilitator's seat is told who is connected
        self.refused: ClientError | None = None
        self.connected = asyncio.Event()
        self.connects = 0
        self._ws: ClientConnection | None = None
        self._pending: dict[str, tuple[str, asyncio.Future[dict[str, Any]]]] = {}
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    # --- life ---------------------------------------------------------------------

    def start(self) -> asyncio.Task[None]:
        self._task = asyncio.create_task(self._run())
        return self._task

    async def wait_ready(self, timeout: float = 10.0) -> dict[str, Any]:
        waiter = asyncio.create_task(self.connected.wait())
        done, _ = await asyncio.wait({waiter, self._task} if self._task else {waiter}, timeout=timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        if waiter not in done:
            waiter.cancel()
            if self.refused:
                raise self.refused
            raise TimeoutError(f"no answer from {self.url}")
        assert self.welcome is not None
        return self.welcome

    async def close(self) -> None:
        self._closed = True
        if self._ws is not None:
            await self._ws.close()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
        for _, fut in self._pending.values():
            if not fut.done():
                fut.set_exception(ClientError("closed", "the client was closed"))

    async def drop(self) -> None:
        """Close the socket as a network failure would; the client reconnects on its own."""
        if self._ws is not None:
            self._ws.transport.abort()

    def _status(self, state: str, detail: str = "") -> None:
        if self.on_status:
            try:
                self.on_status(state, detail)
            except Exception:  # noqa: BLE001 - a screen's failure must not drop the seat's connection
                log.exception("the seat's status callback failed")

    async def _run(self) -> None:
        delay = self.backoff[0]
        while not self._closed:
            try:
                async with connect(self.url, max_size=TRANSPORT_MAX, open_timeout=5, ping_interval=20) as ws:
                    self._ws = ws
                    await ws.send(json.dumps({"type": "hello", "code": self.code, "last_seq": self.last_seq,
                                              "protocol": PROTOCOL}))
                    first = json.loads(await ws.recv())
                    if first.get("type") == "error":
                        self.refused = ClientError(first.get("code", "error"), first.get("message", ""))
                        self._status("refused", self.refused.message)
                        return
                    self.welcome = first
                    self.connects += 1
                    delay = self.backoff[0]
                    self.connected.set()
                    self._status("connected", self.url)
                    for frame, _ in list(self._pending.values()):
                        await ws.send(frame)
                    async for text in ws:
                        self._on_frame(text)
                        if self.refused:
                            return
            except (OSError, ConnectionClosed, InvalidHandshake, TimeoutError, asyncio.TimeoutError) as exc:
                if isinstance(exc, InvalidURI):
                    self.refused = ClientError("bad_url", str(exc))
                    return
            finally:
                self._ws = None
                self.connected.clear()
            if self._closed:
                return
            self._status("reconnecting", f"lost the connection; trying again in {delay:.1f}s")
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.backoff[1])

    def _on_frame(self, text: str | bytes) -> None:
        if isinstance(text, bytes):
            return
        self.frames.append(text)
        msg = json.loads(text)
        t = msg.get("type")
        if t == "event":
            if msg["seq"] <= self.last_seq:
                self.duplicates += 1
                return
            self.last_seq = msg["seq"]
            self.events.append(msg)
            if self.on_event:
                try:
                    self.on_event(msg)
                except Exception:  # noqa: BLE001 - as for _status: the event is kept, the connection too
                    log.exception("the seat's event callback failed")
        elif t == "presence":
            self.presence = dict(msg.get("seats", {}))
            self._status("presence", "")
        elif t == "notice":
            self._status("notice", msg.get("text", ""))
        elif t in ("ack", "error", "pong"):
            req = msg.get("req")
            if t == "error" and msg.get("code") in FINAL and req is None:
                self.refused = ClientError(msg["code"], msg.get("message", ""))
                self._status("refused", self.refused.message)
                return
            pending = self._pending.pop(req, None) if req else None
            if pending is not None and not pending[1].done():
                if t == "error":
                    pending[1].set_exception(ClientError(msg.get("code", "error"), msg.get("message", "")))
                else:
                    pending[1].set_result(msg)
            elif t == "error" and self.on_status:
                self._status("error", msg.get("message", ""))

    # --- requests -----------------------------------------------------------------

    async def request(self, type: str, timeout: float = 30.0, req: str | None = None, **fields: Any) -> dict[str, Any]:
        """Send a request and wait for its ack (raises ClientError on a refusal)."""
        req = req or secrets.token_hex(8)
        frame = json.dumps({"type": type, "req": req, **fields})
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[req] = (frame, fut)
        if self._ws is not None and self.connected.is_set():
            try:
                await self._ws.send(frame)
            except ConnectionClosed:
                pass  # sent again on reconnect
        try:
            return await asyncio.wait_for(asyncio.shield(fut), timeout)
        finally:
            if fut.done():
                self._pending.pop(req, None)

    async def send_raw(self, text: str | bytes) -> None:
        """For tests of the server's validation: a frame as is."""
        assert self._ws is not None
        await self._ws.send(text)
