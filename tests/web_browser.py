"""Debian's chromium, headless, driven by Selenium; a local HTTP server for a built site.

No browser is downloaded: the system's /usr/bin/chromium and /usr/bin/chromedriver are
used (``make setup`` installs them), and Selenium Manager is never asked for one.

    with serve(site) as base, chrome() as driver:
        driver.get(base + "index.html")
        assert not console_errors(driver)
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / ".node" / "node_modules" / "axe-core" / "axe.min.js"


def require_browser() -> None:
    """Skip only when the machine lacks the browser (``make setup`` installs it)."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("chromium and chromium-driver are not installed (make setup)")
    pytest.importorskip("selenium")


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


@contextlib.contextmanager
def chrome(width: int = 1280, height: int = 900):
    """A headless chromium with the console and the network (performance) logs on."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--hide-scrollbars", "--force-device-scale-factor=1", f"--window-size={width},{height}",
                "--lang=zh-CN", "--font-render-hinting=none"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    try:
        set_viewport(driver, width, height)
        yield driver
    finally:
        driver.quit()


def set_viewport(driver, width: int, height: int = 900) -> None:
    """An exact CSS viewport (window size would include the scroll bar)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})


def console_errors(driver) -> list[str]:
    """SEVERE console entries since the last call (the log is drained)."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def network_failures(driver) -> list[str]:
    """Responses with status >= 400 and failed loads since the last call (log drained)."""
    bad = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        params = msg.get("params", {})
        if msg["method"] == "Network.responseReceived":
            response = params["response"]
            if response["status"] >= 400:
                bad.append(f"{response['status']} {response['url']}")
        elif msg["method"] == "Network.loadingFailed" and not params.get("canceled"):
            bad.append(f"failed {params.get('errorText')} ({params.get('type')})")
    return bad


def axe_violations(driver) -> list[dict]:
    """Run axe-core (npm, installed by ``make setup``) in the page; its violations."""
    if not AXE.exists():
        pytest.fail(f"{AXE} missing: run make setup (npm install axe-core)")
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    driver.set_script_timeout(60)
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations), e => done([{id: 'axe-error', help: String(e), nodes: []}]));"
    )
    return [{"id": v["id"], "help": v["help"], "nodes": [n.get("target") for n in v["nodes"]][:5]} for v in result]


def wait_loaded(driver, timeout: float = 30) -> None:
    """Until the document and its images are loaded."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(
        lambda d: d.execute_script(
            "return document.readyState === 'complete' && [...document.images].every(i => i.complete)"
        )
    )
