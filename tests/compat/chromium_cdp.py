"""Headless Chromium (Debian's `chromium`) driven over the Chrome DevTools Protocol, for the console's
browser tests: navigate, type, click, evaluate, wait, upload, download, screenshot, and record every
JavaScript dialog (alert, confirm) the page opens, dismissing it."""
import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import websocket

# --no-sandbox: the tests run as root. --renderer-process-limit: without it Chromium aborts on a
# 2-vCPU machine (see ../shared/reference/platform-notes.md).
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--renderer-process-limit=4", "--no-first-run",
         "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
         "--disable-dev-shm-usage", "--mute-audio", "--window-size=1280,900"]


def chromium_binary():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class BrowserError(AssertionError):
    pass


class Browser:
    def __init__(self, binary=None):
        self.binary = binary or chromium_binary()
        if not self.binary:
            raise BrowserError("chromium is not installed: scripts/setup installs Debian's chromium")
        self.profile = Path(tempfile.mkdtemp(prefix="anneal-chromium-"))
        self.downloads = self.profile / "downloads"
        self.downloads.mkdir()
        self.log = open(self.profile / "chromium.log", "wb")
        self.proc = subprocess.Popen([self.binary, *FLAGS, "--remote-debugging-port=0", f"--user-data-dir={self.profile}",
                                      "about:blank"], stdout=self.log, stderr=self.log)
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.time() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if self.proc.poll() is not None or time.time() > deadline:
                raise BrowserError(f"chromium did not start:\n{(self.profile / 'chromium.log').read_text(errors='replace')[-3000:]}")
            time.sleep(0.05)
        self.port = int(port_file.read_text().split()[0])
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json/list", timeout=10))
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        version = json.load(urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json/version", timeout=10))
        self.browser_ws = websocket.create_connection(version["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events = []
        self.dialogs = []
        self.exceptions = []
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send("Network.enable")
        self.send("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(self.downloads)}, browser=True)

    # -- protocol ----------------------------------------------------------------------------
    def send(self, method, params=None, browser=False, timeout=30):
        socket = self.browser_ws if browser else self.ws
        self.next_id += 1
        mine = self.next_id
        socket.send(json.dumps({"id": mine, "method": method, "params": params or {}}))
        deadline = time.time() + timeout
        while time.time() < deadline:
            message = json.loads(socket.recv())
            if message.get("id") == mine:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error']}")
                return message.get("result", {})
            self._event(message)
        raise BrowserError(f"{method}: no reply in {timeout}s")

    def _event(self, message):
        method = message.get("method")
        if not method:
            return
        self.events.append(message)
        if method == "Page.javascriptDialogOpening":
            self.dialogs.append(message["params"])
            # Answer it, or the page would hang; the test asserts on self.dialogs.
            self.ws.send(json.dumps({"id": 10**9 + len(self.dialogs), "method": "Page.handleJavaScriptDialog",
                                     "params": {"accept": False}}))
        elif method == "Runtime.exceptionThrown":
            self.exceptions.append(message["params"]["exceptionDetails"])

    def pump(self, seconds=0.0):
        """Reads pending events (dialogs among them) for up to `seconds`."""
        self.ws.settimeout(max(0.01, seconds))
        try:
            while True:
                self._event(json.loads(self.ws.recv()))
        except websocket.WebSocketTimeoutException:
            pass
        finally:
            self.ws.settimeout(30)

    # -- page --------------------------------------------------------------------------------
    def navigate(self, url, timeout=30):
        self.events.clear()
        self.send("Page.navigate", {"url": url})
        deadline = time.time() + timeout
        while time.time() < deadline:
            if any(e["method"] == "Page.loadEventFired" for e in self.events):
                return
            self.pump(0.1)
        raise BrowserError(f"{url} did not load in {timeout}s")

    def reload(self, timeout=30):
        self.events.clear()
        self.send("Page.reload", {"ignoreCache": True})
        deadline = time.time() + timeout
        while time.time() < deadline:
            if any(e["method"] == "Page.loadEventFired" for e in self.events):
                return
            self.pump(0.1)
        raise BrowserError(f"the page did not reload in {timeout}s")

    def evaluate(self, expression, await_promise=True):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": await_promise})
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression, timeout=30, message=None):
        deadline = time.time() + timeout
        value = None
        while time.time() < deadline:
            value = self.evaluate(expression)
            if value or isinstance(value, dict):  # a DOM node comes back as {}: found
                return value if value else True
            self.pump(0.2)
        raise BrowserError(message or f"timed out after {timeout}s waiting for: {expression} (last value {value!r})")

    def text(self, selector):
        return self.evaluate(f"(document.querySelector({json.dumps(selector)}) || {{}}).textContent || ''")

    def click(self, selector):
        found = self.evaluate(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); if (!e) return false; e.click(); return true; }})()")
        if not found:
            raise BrowserError(f"nothing to click at {selector}")

    def type(self, selector, text, clear=True):
        """Focuses a field and types into it as a keyboard would (Input.insertText)."""
        reset = "e.value = '';" if clear else ""
        found = self.evaluate(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); if (!e) return false; e.focus(); "
                              f"{reset} return true; }})()")
        if not found:
            raise BrowserError(f"no field at {selector}")
        if text:
            self.send("Input.insertText", {"text": text})
        else:  # emptied: tell the page, as deleting the text by keyboard would
            self.evaluate(f"document.querySelector({json.dumps(selector)}).dispatchEvent(new Event('input', {{bubbles: true}}))")

    def press_enter(self):
        for kind in ("keyDown", "keyUp"):
            self.send("Input.dispatchKeyEvent", {"type": kind, "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13,
                                                 **({"text": "\r"} if kind == "keyDown" else {})})

    def press_tab(self, shift=False):
        modifiers = 8 if shift else 0
        for kind in ("keyDown", "keyUp"):
            self.send("Input.dispatchKeyEvent", {"type": kind, "key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9,
                                                 "modifiers": modifiers})

    def set_files(self, selector, paths):
        result = self.send("Runtime.evaluate", {"expression": f"document.querySelector({json.dumps(selector)})"})
        object_id = result["result"].get("objectId")
        if not object_id:
            raise BrowserError(f"no file input at {selector}")
        self.send("DOM.setFileInputFiles", {"files": [str(p) for p in paths], "objectId": object_id})

    def cookies(self):
        return self.send("Network.getAllCookies")["cookies"]

    def set_viewport(self, width, height, mobile=False):
        self.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})

    def screenshot(self, path):
        data = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})["data"]
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def downloaded(self, timeout=30):
        """The bytes of the one file downloaded so far (Chromium picks its name: it drops `<`, `/` and the like)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            names = os.listdir(self.downloads)
            files = [n for n in names if not n.endswith(".crdownload")]
            if files and len(files) == len(names):
                return (self.downloads / files[0]).read_bytes()
            self.pump(0.2)
        raise BrowserError(f"nothing was downloaded in {timeout}s (have {os.listdir(self.downloads)})")

    def close(self):
        for socket in (getattr(self, "ws", None), getattr(self, "browser_ws", None)):
            try:
                if socket:
                    socket.close()
            except Exception:
                pass
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)
