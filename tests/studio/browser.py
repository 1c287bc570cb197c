"""A real headless Chromium driven over the DevTools protocol (a pipe, no network, no extra
package): open a page, press real keys, evaluate script, take a screenshot.

`--dump-dom` with virtual time suits pages that only load; present mode plays video, whose clock
is real time, so these tests talk to the browser while it runs instead.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
TIMEOUT = 180  # seconds without a word from the browser

# key -> (code, windowsVirtualKeyCode, text): what a keyboard, or a presenter's clicker, sends.
KEYS: dict[str, tuple[str, int, str]] = {
    "ArrowRight": ("ArrowRight", 39, ""), "ArrowLeft": ("ArrowLeft", 37, ""),
    "ArrowUp": ("ArrowUp", 38, ""), "ArrowDown": ("ArrowDown", 40, ""),
    "PageUp": ("PageUp", 33, ""), "PageDown": ("PageDown", 34, ""),
    "Home": ("Home", 36, ""), "End": ("End", 35, ""), " ": ("Space", 32, " "),
    "f": ("KeyF", 70, "f"),
}


class BrowserError(RuntimeError):
    pass


class Browser:
    """One headless Chromium with one page; use as a context manager."""

    def __init__(self, width: int = 1280, height: int = 800) -> None:
        self.profile = tempfile.mkdtemp(prefix="torchreel-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def wire() -> None:  # the browser reads commands on fd 3 and answers on fd 4
            # Moved out of the way first: either pipe end may itself be fd 3 or 4.
            reads, writes = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
                             for fd in (to_browser_r, from_browser_w))
            os.dup2(reads, 3)
            os.dup2(writes, 4)

        self.process = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--mute-audio", "--remote-debugging-pipe",
             f"--user-data-dir={self.profile}", "--autoplay-policy=no-user-gesture-required",
             f"--window-size={width},{height}", "about:blank"],
            pass_fds=(3, 4), preexec_fn=wire,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        target = next(t for t in self.call("Target.getTargets")["targetInfos"]
                      if t["type"] == "page")
        self.session = self.call("Target.attachToTarget", targetId=target["targetId"],
                                 flatten=True)["sessionId"]
        self.call("Page.enable", session=True)
        self.call("Runtime.enable", session=True)
        self.call("Emulation.setFocusEmulationEnabled", session=True, enabled=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            os.close(self._to_browser)
            os.close(self._from_browser)
        except OSError:
            pass
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)

    def _read_message(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            # A page that never answers fails its test instead of hanging the suite.
            if not select.select([self._from_browser], [], [], TIMEOUT)[0]:
                raise BrowserError(f"Chromium sent nothing for {TIMEOUT} s")
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise BrowserError("Chromium closed its DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def call(self, method: str, session: bool = False, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read_message()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply["result"]
                return result
            self.events.append(reply)

    def open(self, url: str) -> None:
        """Navigate and wait for the page's load event (so not to a new #fragment only)."""
        self.events.clear()
        self.call("Page.navigate", session=True, url=url)
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            self.events.append(self._read_message())

    def evaluate(self, expression: str, timeout_ms: int = 120_000) -> Any:
        """The JSON value of ``expression`` (a promise is awaited), or BrowserError."""
        result = self.call("Runtime.evaluate", session=True, expression=expression,
                           awaitPromise=True, returnByValue=True, timeout=timeout_ms)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError(f"script failed: {text}")
        return result["result"].get("value")

    def press(self, key: str) -> None:
        """A real key press (down and up), as a keyboard or a clicker sends it."""
        code, vk, text = KEYS[key]
        common = {"key": key, "code": code, "windowsVirtualKeyCode": vk,
                  "nativeVirtualKeyCode": vk}
        self.call("Input.dispatchKeyEvent", session=True, type="keyDown", text=text, **common)
        self.call("Input.dispatchKeyEvent", session=True, type="keyUp", **common)

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", session=True, format="png")["data"]
        path.write_bytes(base64.b64decode(data))

    def console_errors(self) -> list[str]:
        return [json.dumps(e["params"]) for e in self.events
                if e.get("method") == "Runtime.exceptionThrown"]
