"""A real browser for tests: Debian's headless Chromium driven by Selenium through chromedriver.

One module for every browser test (the EPUB's content documents, the web edition):
one way to start the browser, one skip rule, one axe-core runner.

No browser is downloaded: Selenium is pointed at ``/usr/bin/chromium`` and
``/usr/bin/chromedriver`` (Debian packages ``chromium`` and ``chromium-driver``; the
Makefile installs them) and Selenium Manager is never asked for one.  ``CHROMIUM`` and
``CHROMEDRIVER`` override the paths.  Ace by DAISY and axe-core come from ``.node``
(``make node``, which ``make test`` runs).

    def test_x(chromium):                         # the session fixture (tests/conftest.py)
        chromium.open(path, 390, 844)             # a file or URL at an exact CSS viewport, fonts loaded
        chromium.js("return document.title")      # run a script in the page
        chromium.cdp("CSS.getPlatformFontsForNode", {"nodeId": n})
        chromium.screenshot(Path("build/shots/x.png"))
        violations, rules = chromium.axe()        # axe-core in the page
        assert not chromium.console_errors()

    with serve(site) as base:                     # a built site on 127.0.0.1
        chromium.load(base + "index.html")        # and its images loaded

Skipped, saying why, only where the machine lacks selenium, chromium or chromedriver
(``missing``), or, for Ace and axe-core, npm (``node_tool``); anything else missing
is a failure that says which ``make`` target installs it.  The driver is shared by the
session (starting Chromium costs about a second); ``open`` sets the viewport each time.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import http.server
import json
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
NODE = ROOT / ".node" / "node_modules"
AXE = NODE / "axe-core" / "axe.min.js"
ACE = NODE / ".bin" / "ace-puppeteer"
#: Chromium's switches: headless, no sandbox (containers), no GPU, hidden scrollbars (the
#: viewport is the layout width), one device pixel per CSS pixel, text antialiased the
#: same on every run, Chinese as the browser's language.
SWITCHES = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--font-render-hinting=none",
    "--allow-file-access-from-files",
    "--disable-extensions",
    "--no-first-run",
    "--lang=zh-CN",
    "--window-size=1280,900",
)


def missing() -> str | None:
    """Why the browser cannot run here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    for exe in (CHROMIUM, CHROMEDRIVER):
        if not (exe.is_file() and os.access(exe, os.X_OK)) and shutil.which(str(exe)) is None:
            return f"{exe} not found: install the Debian packages chromium and chromium-driver (make setup)"
    return None


def node_tool(path: Path) -> Path:
    """A tool from .node (``make node``); skipped, saying why, only where npm is absent."""
    if path.exists():
        return path
    if shutil.which("npm") is None:
        pytest.skip("npm is absent: Ace by DAISY and axe-core cannot be installed (make node)")
    pytest.fail(f"{path.relative_to(ROOT)} missing: run `make node` (npm installs Ace and axe-core into .node)")


#: axe-core's run on the whole document; ``arguments[0]``: every rule (including those
#: axe turns off by default) or axe's default set.  Returns {rules, violations} or {error}.
AXE_RUN_JS = r"""
const done = arguments[arguments.length - 1];
const rules = arguments[0] ? axe.getRules().map(r => r.ruleId) : null;
const options = {resultTypes: ['violations']};
if (rules) options.runOnly = {type: 'rule', values: rules};
axe.run(document, options)
  .then(r => done({rules: rules ? rules.length : null, violations: r.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' + n.failureSummary)}))}))
  .catch(e => done({error: String(e)}));
"""


class Chromium:
    """One headless Chromium: open pages at a viewport size, run scripts and CDP commands,
    read its console and network logs."""

    def __init__(self) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service

        options = Options()
        options.binary_location = str(CHROMIUM)
        for switch in SWITCHES:
            options.add_argument(switch)
        # the console (browser) and the network (performance) logs, read by console_errors
        # and network_failures
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        self.driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
        self.driver.set_script_timeout(60)

    def close(self) -> None:
        self.driver.quit()

    def cdp(self, cmd: str, params: dict[str, Any] | None = None) -> Any:
        """A Chrome DevTools Protocol command on the current page."""
        return self.driver.execute_cdp_cmd(cmd, params or {})

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def js_async(self, script: str, *args: Any) -> Any:
        """A script that ends by calling ``arguments[arguments.length - 1](result)``."""
        return self.driver.execute_async_script(script, *args)

    def viewport(self, width: int, height: int = 900, *, mobile: bool = False) -> None:
        """Exactly ``width`` x ``height`` CSS pixels of layout viewport, scale 1; ``mobile``
        emulates a phone (the page's ``<meta name=viewport>`` is obeyed)."""
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
        )

    def open(self, target: Path | str, width: int, height: int) -> None:
        """Load a file (or URL) at a viewport size and wait until its web fonts are loaded."""
        self.viewport(width, height)
        url = target.resolve().as_uri() if isinstance(target, Path) else target
        self.driver.get(url)
        self.js_async("const done = arguments[0]; document.fonts.ready.then(() => done(true));")

    def load(self, url: str, timeout: float = 30) -> None:
        """Load ``url`` at the current viewport and wait until it and its images are loaded."""
        self.driver.get(url)
        self.wait_loaded(timeout)

    def wait_loaded(self, timeout: float = 30) -> None:
        """Until the document and its images are loaded."""
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(self.driver, timeout).until(
            lambda d: d.execute_script(
                "return document.readyState === 'complete' && [...document.images].every(i => i.complete)"
            )
        )

    def console_errors(self) -> list[str]:
        """SEVERE console entries since the last call (the log is drained)."""
        return [e["message"] for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]

    def network_failures(self) -> list[str]:
        """Responses with status >= 400 and failed loads since the last call (log drained)."""
        bad = []
        for entry in self.driver.get_log("performance"):
            msg = json.loads(entry["message"])["message"]
            params = msg.get("params", {})
            if msg["method"] == "Network.responseReceived":
                response = params["response"]
                if response["status"] >= 400:
                    bad.append(f"{response['status']} {response['url']}")
            elif msg["method"] == "Network.loadingFailed" and not params.get("canceled"):
                bad.append(f"failed {params.get('errorText')} ({params.get('type')})")
        return bad

    def drain_logs(self) -> None:
        """Forget the console and network entries so far."""
        self.driver.get_log("browser")
        self.driver.get_log("performance")

    def axe(self, *, every_rule: bool = False) -> tuple[list[dict[str, Any]], int | None]:
        """axe-core (``.node``) on the current page: its violations (id, impact, help, the
        first three nodes) and, with ``every_rule``, how many rules ran."""
        self.js(node_tool(AXE).read_text(encoding="utf-8"))
        result = self.js_async(AXE_RUN_JS, every_rule)
        assert "error" not in result, result
        return result["violations"], result["rules"]

    def lines(self, selector: str) -> list[list[dict[str, Any]]]:
        """The rendered lines of every element ``selector`` matches (see ``LINES_JS``)."""
        return self.js(LINES_JS, selector)

    def platform_fonts(self, selector: str = "body *") -> list[tuple[str, list[dict[str, Any]]]]:
        """(tag#id.class, the fonts Chromium drew the element's own text with) per element:
        DevTools' ``CSS.getPlatformFontsForNode`` (familyName, postScriptName,
        isCustomFont: a web font of the page, glyphCount)."""
        self.cdp("DOM.enable")
        self.cdp("CSS.enable")
        root = self.cdp("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
        ids = self.cdp("DOM.querySelectorAll", {"nodeId": root, "selector": selector})["nodeIds"]
        out = []
        for node in ids:
            fonts = self.cdp("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
            if fonts:
                desc = self.cdp("DOM.describeNode", {"nodeId": node})["node"]
                attrs = dict(zip(desc.get("attributes", [])[::2], desc.get("attributes", [])[1::2], strict=True))
                name = desc["localName"] + (f"#{attrs['id']}" if "id" in attrs else "")
                name += "".join(f".{c}" for c in attrs.get("class", "").split())
                out.append((name, fonts))
        return out

    def screenshot(self, path: Path, *, full_page: bool = True, max_height: int = 6000) -> Path:
        """A PNG of the viewport, or of the page up to ``max_height`` pixels."""
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            w, h = self.js(
                "return [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
            )
            params.update(captureBeyondViewport=True, clip={"x": 0, "y": 0, "width": w, "height": min(h, max_height), "scale": 1})
        data = self.cdp("Page.captureScreenshot", params)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path


#: The lines of each element matched by ``arguments[0]``, from the rendered text: one
#: Range per character, its first client rect; a character whose box starts below the
#: current line's middle opens a new line.  Collapsed spaces (no rect) are skipped.
#: Returns [[{text, top, left, right, bottom}, ...] per element].
LINES_JS = r"""
const els = Array.from(document.querySelectorAll(arguments[0]));
const range = document.createRange();
function linesOf(el) {
  const lines = [];
  let cur = null;
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const data = node.data;
    for (let i = 0; i < data.length; ) {
      const len = data.codePointAt(i) > 0xffff ? 2 : 1;
      range.setStart(node, i);
      range.setEnd(node, i + len);
      const ch = data.substr(i, len);
      i += len;
      const rects = range.getClientRects();
      if (!rects.length) continue;
      const r = rects[0];
      if (r.width === 0 && r.height === 0) continue;
      if (!cur || r.top >= (cur.top + cur.bottom) / 2) {
        cur = {text: "", top: r.top, bottom: r.bottom, left: r.left, right: r.right};
        lines.push(cur);
      }
      cur.text += ch;
      cur.bottom = Math.max(cur.bottom, r.bottom);
      cur.left = Math.min(cur.left, r.left);
      cur.right = Math.max(cur.right, r.right);
    }
  }
  return lines;
}
return els.map(linesOf);
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Chromium]:
    """The session's headless Chromium; the test is skipped, saying why, where there is none."""
    reason = missing()
    if reason:
        pytest.skip(reason)
    browser = Chromium()
    try:
        yield browser
    finally:
        browser.close()
