"""A small driver for headless Chromium over the DevTools protocol (CDP), for testing the pages the library writes.

    with start_browser(profile_dir) as browser:
        page = browser.open(path, width=1400, height=900)
        page.press("ArrowRight")
        page.evaluate("document.title")
        page.screenshot("shot.png")
        assert page.errors == []

The browser is started with --remote-debugging-port=0, so it picks a free port and prints its WebSocket address
("DevTools listening on ws://...") on stderr. Each call sends one JSON message {id, method, params, sessionId} and
waits for the answer with that id; events that arrive meanwhile (script exceptions, console errors) are collected.
"""
import base64
import contextlib
import json
import re
import shutil
import subprocess

try:
    from websockets.sync.client import connect
except ImportError:  # the tests that need a browser skip, naming what is missing
    connect = None

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
START_TIMEOUT = 30  # seconds for the browser to print its address
CALL_TIMEOUT = 30   # seconds for one answer


def missing():
    """Why browser tests cannot run here, or None when they can."""
    if CHROMIUM is None:
        return "Chromium is not installed (apt install chromium)"
    if connect is None:
        return "the websockets package is not installed (pip install websockets, or the test extra)"
    return None


@contextlib.contextmanager
def start_browser(profile_dir):
    """A Browser for the `with` block; the Chromium process ends with it."""
    process = subprocess.Popen([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                "--hide-scrollbars", "--remote-debugging-port=0", f"--user-data-dir={profile_dir}",
                                "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        with connect(_read_address(process), max_size=None, open_timeout=START_TIMEOUT) as socket:
            yield Browser(socket)
    finally:
        process.terminate()
        process.wait(timeout=START_TIMEOUT)


class Browser:
    """A DevTools connection to one Chromium process: commands out, answers and events in."""

    def __init__(self, socket):
        self.socket = socket
        self.next_id, self.events = 0, []

    def call(self, method, session=None, **params):
        """Send one command and return its result; a CDP error becomes a RuntimeError naming the method."""
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self.socket.send(json.dumps(message))
        while True:
            answer = json.loads(self.socket.recv(timeout=CALL_TIMEOUT))
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def open(self, path, width, height):
        """A new tab of width × height CSS px showing the file at path, loaded."""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        page = Page(self, session)
        for domain in ("Page.enable", "Runtime.enable", "Log.enable"):
            self.call(domain, session)
        self.call("Emulation.setDeviceMetricsOverride", session, width=width, height=height, deviceScaleFactor=1,
                  mobile=False)
        page.load(path)
        return page


def _read_address(process):
    """The ws:// address Chromium prints on stderr once it listens."""
    lines = []
    for line in process.stderr:
        lines.append(line)
        found = re.search(r"DevTools listening on (ws://\S+)", line)
        if found:
            return found.group(1)
    process.wait(timeout=START_TIMEOUT)
    raise RuntimeError("Chromium stopped before it listened for DevTools:\n" + "".join(lines[-20:]))


class Page:
    """One tab: load, evaluate JavaScript, press keys, take screenshots, and read the errors it reported."""

    def __init__(self, browser, session):
        self.browser, self.session = browser, session

    def call(self, method, **params):
        return self.browser.call(method, self.session, **params)

    def load(self, path):
        self.call("Page.navigate", url=path.resolve().as_uri())
        self.wait_for("Page.loadEventFired")

    def wait_for(self, event):
        events = self.browser.events
        while not any(e.get("method") == event and e.get("sessionId") == self.session for e in events):
            events.append(json.loads(self.browser.socket.recv(timeout=CALL_TIMEOUT)))
        events[:] = [e for e in events if not (e.get("method") == event and e.get("sessionId") == self.session)]

    def evaluate(self, expression):
        """The value of a JavaScript expression (returned by value, so JSON-like)."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def press(self, key, code=None, key_code=0, shift=False):
        """A key down and up as a keyboard makes them (key as in KeyboardEvent.key, e.g. "ArrowRight", "+")."""
        common = {"key": key, "code": code or key, "windowsVirtualKeyCode": key_code, "modifiers": 8 if shift else 0}
        self.call("Input.dispatchKeyEvent", type="keyDown", **common)
        self.call("Input.dispatchKeyEvent", type="keyUp", **common)

    def drag(self, start, end):
        """Press the left mouse button at start, move to end, release (pointer events reach the page)."""
        self.call("Input.dispatchMouseEvent", type="mousePressed", x=start[0], y=start[1], button="left", buttons=1,
                  clickCount=1)
        self.call("Input.dispatchMouseEvent", type="mouseMoved", x=end[0], y=end[1], button="left", buttons=1)
        self.call("Input.dispatchMouseEvent", type="mouseReleased", x=end[0], y=end[1], button="left", buttons=0,
                  clickCount=1)

    def wheel(self, at, delta_y):
        self.call("Input.dispatchMouseEvent", type="mouseWheel", x=at[0], y=at[1], deltaX=0, deltaY=delta_y)

    def screenshot(self, path):
        path.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"]))
        return path

    @property
    def errors(self):
        """Uncaught exceptions and console/log errors of this tab so far."""
        found = []
        for event in self.browser.events:
            if event.get("sessionId") != self.session:
                continue
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(params["exceptionDetails"].get("exception", {}).get("description", str(params)))
            elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
                found.append(" ".join(str(arg.get("value", arg.get("description"))) for arg in params["args"]))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                found.append(params["entry"].get("text", ""))
        return found
