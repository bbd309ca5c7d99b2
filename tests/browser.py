"""A real browser for tests: Debian's headless Chromium driven by Selenium through chromedriver.

No browser is downloaded: Selenium is pointed at ``/usr/bin/chromium`` and
``/usr/bin/chromedriver`` (Debian packages ``chromium`` and ``chromium-driver``; the
Makefile installs them).  ``CHROMIUM`` and ``CHROMEDRIVER`` override the paths.

    from browser import chromium  # a pytest fixture: import it into a test module

    def test_x(chromium):
        chromium.open(path, 390, 844)             # exact CSS viewport, fonts loaded
        chromium.js("return document.title")      # run a script in the page
        chromium.cdp("CSS.getPlatformFontsForNode", {"nodeId": n})
        chromium.screenshot(Path("build/shots/x.png"))

The driver is shared by the session (starting Chromium costs about a second); each
``open`` resets the viewport.
"""

from __future__ import annotations

import base64
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
#: Chromium's switches: headless, no sandbox (containers), no GPU, hidden scrollbars (the
#: viewport is the layout width), one device pixel per CSS pixel, text antialiased the
#: same on every run.
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
)


class Chromium:
    """One headless Chromium: open pages at a viewport size, run scripts and CDP commands."""

    def __init__(self) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service

        options = Options()
        options.binary_location = str(CHROMIUM)
        for switch in SWITCHES:
            options.add_argument(switch)
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

    def viewport(self, width: int, height: int) -> None:
        """Exactly ``width`` x ``height`` CSS pixels of layout viewport, scale 1."""
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    def open(self, target: Path | str, width: int, height: int) -> None:
        """Load a file (or URL) at a viewport size and wait until its web fonts are loaded."""
        self.viewport(width, height)
        url = target.resolve().as_uri() if isinstance(target, Path) else target
        self.driver.get(url)
        self.js_async("const done = arguments[0]; document.fonts.ready.then(() => done(true));")

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


def missing() -> str | None:
    """Why the browser cannot run here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    for exe in (CHROMIUM, CHROMEDRIVER):
        if not (exe.is_file() and os.access(exe, os.X_OK)) and shutil.which(str(exe)) is None:
            return f"{exe} not found: install the Debian packages chromium and chromium-driver"
    return None


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
