"""A headless Chromium from the system's packages, driven over the Chrome DevTools
Protocol (a WebSocket), with no browser download and no network.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import websockets

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--remote-debugging-port=0", "--window-size=1280,900"]

# Keys as DevTools names them: (key, code, windowsVirtualKeyCode)
KEYS = {"Enter": ("Enter", "Enter", 13), "Tab": ("Tab", "Tab", 9), "Space": (" ", "Space", 32),
        "F5": ("F5", "F5", 116), "F6": ("F6", "F6", 117), "F7": ("F7", "F7", 118), "F8": ("F8", "F8", 119),
        "F9": ("F9", "F9", 120), "Down": ("ArrowDown", "ArrowDown", 40)}


class Browser:
    def __init__(self) -> None:
        self.profile = Path(tempfile.mkdtemp(prefix="wargame-chromium-"))
        self.proc: subprocess.Popen[bytes] | None = None
        self.ws: Any = None
        self._ids = itertools.count(1)

    async def start(self, url: str = "about:blank") -> None:
        self.proc = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={self.profile}", url],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("chromium did not start")
            await asyncio.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        for _ in range(100):
            targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=5).read())
            pages = [t for t in targets if t.get("type") == "page"]
            if pages:
                break
            await asyncio.sleep(0.1)
        self.ws = await websockets.connect(pages[0]["webSocketDebuggerUrl"], max_size=64 * 2**20)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        mid = next(self._ids)
        await self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        while True:
            msg = json.loads(await self.ws.recv())
            if msg.get("id") == mid:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    async def goto(self, url: str) -> None:
        await self.call("Page.navigate", url=url)

    async def text(self) -> str:
        """The terminal's text as the page shows it (xterm.js keeps rows in the DOM or a buffer)."""
        js = ("(() => { const t = window.terminal || (window.textual && window.textual.terminal); "
              "if (t && t.buffer) { const b = t.buffer.active; const out = []; "
              "for (let i = 0; i < b.length; i++) { const l = b.getLine(i); if (l) out.push(l.translateToString(true)); } "
              "return out.join('\\n'); } return document.body.innerText; })()")
        r = await self.call("Runtime.evaluate", expression=js, returnByValue=True)
        return str(r.get("result", {}).get("value", ""))

    async def focus_terminal(self) -> bool:
        """Give the keyboard to xterm.js (its hidden text area), as a click on the page would."""
        r = await self.call("Runtime.evaluate", returnByValue=True, expression=(
            "(() => { const t = document.querySelector('.xterm-helper-textarea'); if (!t) return false; "
            "t.focus(); return true; })()"))
        return bool(r.get("result", {}).get("value"))

    async def type(self, text: str) -> None:
        await self.call("Input.insertText", text=text)

    async def started(self) -> bool:
        """Has the app in the page drawn its first frame? (textual-serve marks the body.)"""
        r = await self.call("Runtime.evaluate", returnByValue=True,
                            expression="document.body && document.body.classList.contains('-first-byte')")
        return bool(r.get("result", {}).get("value"))

    async def key(self, name: str, ctrl: bool = False) -> None:
        key, code, vk = KEYS[name] if name in KEYS else (name, f"Key{name.upper()}", ord(name.upper()))
        for kind in ("keyDown", "keyUp"):
            params: dict[str, Any] = {"type": kind, "key": key, "code": code, "windowsVirtualKeyCode": vk,
                                      "modifiers": 2 if ctrl else 0}
            if kind == "keyDown" and len(key) == 1 and not ctrl:
                params["text"] = key
            elif kind == "keyDown" and key == "Enter":
                params["text"] = "\r"
            await self.call("Input.dispatchKeyEvent", **params)

    async def screenshot(self, path: Path) -> Path:
        r = await self.call("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(r["data"]))
        return path

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)
