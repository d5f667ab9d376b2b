"""One headless Chromium for the report's browser tests (``browser``), per worker.

Each browser test started a Chromium of its own and quit it (2 to 10 s each, more on a
loaded machine; eight of them in this folder). :func:`chromium` hands each test the
worker's one browser, set back first to what a fresh one is: 1440 × 900 at device scale
1, screen media, the network off, a blank page and an empty console log. A test still
loads its page itself, so it checks the page as before; a browser that died is started
again. :func:`drawn_report` hands a test that reads the report's page that page drawn at
a window, in a tab kept for the next test that reads it at the same window.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

#: The window of a fresh browser (``test_report._chrome_driver``): a test may change it.
WINDOW = {"width": 1440, "height": 900, "deviceScaleFactor": 1, "mobile": False}


def _dead_browser_errors() -> tuple[type[BaseException], ...]:
    """What selenium raises at a browser that died: its own error, or, when chromedriver
    itself is gone, the connection's (urllib3's, or the socket's OSError)."""
    try:
        from selenium.common.exceptions import WebDriverException
        from urllib3.exceptions import HTTPError
    except ImportError:  # no selenium: the fixture skips before it needs them
        return (OSError,)
    return (WebDriverException, HTTPError, OSError)


_DEAD = _dead_browser_errors()


class _Browser:
    """The worker's browser, started on first use and again if it died.

    Its first tab is the one :func:`chromium` hands out; each drawn page
    (:func:`drawn_report`) keeps a tab of its own, one per page and window.
    """

    def __init__(self, profiles: pytest.TempPathFactory) -> None:
        self.profiles = profiles
        self.driver: Any = None
        self.main = ""
        self.tabs: dict[str, str] = {}

    def fresh(self) -> Any:
        """The browser, as a newly started one is (its first tab)."""
        pytest.importorskip("selenium")
        if self.driver is not None:
            try:
                self.driver.switch_to.window(self.main)
                return _reset(self.driver)
            except _DEAD:  # it died (a test's timeout), or its chromedriver: start another
                self.close()
        from test_report.test_report import _chrome_driver

        self.driver = _chrome_driver(self.profiles.mktemp("chromium"))
        self.main, self.tabs = self.driver.current_window_handle, {}
        return _reset(self.driver)

    def drawn(self, uri: str, window: dict[str, Any]) -> Any:
        """The browser showing ``uri`` at ``window`` with its figures drawn, as loaded.

        The page's tab is kept for the next test that asks for the same page and window:
        it gets it as it is if nothing changed it (its document, focus, hash, scroll,
        window or media), else loaded again.
        """
        key = json.dumps([uri, window], sort_keys=True)
        if self.driver is not None and key in self.tabs:
            try:
                self.driver.switch_to.window(self.tabs[key])
                same = (key, window["width"], window["height"])
                if self.driver.execute_script(_UNTOUCHED, *same) is not True:
                    _load(self.driver, uri, window, key)
                return self.driver
            except _DEAD:
                self.close()
        driver = self.fresh()  # started if it was not
        driver.switch_to.new_window("tab")
        self.tabs[key] = driver.current_window_handle
        driver.execute_cdp_cmd("Network.enable", {})
        _load(driver, uri, window, key)
        return driver

    def close(self) -> None:
        """Quit the browser (one that died already is only forgotten)."""
        if self.driver is not None:
            try:
                self.driver.quit()
            except _DEAD:
                pass
            finally:
                self.driver = None


def _load(driver: Any, uri: str, window: dict[str, Any], key: str) -> None:
    """Load ``uri`` in the current tab, as in a fresh browser at ``window``, and wait for
    its figures."""
    _reset(driver)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", window)
    driver.get(uri)
    driver.set_script_timeout(120)
    driver.execute_async_script(_DRAWN, key)


_DRAWN = r"""
const key = arguments[0], done = arguments[arguments.length - 1], t0 = Date.now();
(function poll() {
  if (document.body.getAttribute('data-figures') !== 'ready' && Date.now() - t0 < 90000) {
    setTimeout(poll, 50); return;
  }
  window.__changes = 0;
  new MutationObserver(m => { window.__changes += m.length; }).observe(
    document, {subtree: true, childList: true, attributes: true, characterData: true});
  addEventListener('scroll', () => { window.__changes += 1; }, {passive: true});
  window.__drawn = key;
  done(true);
})();
"""
"""Waits for the figures (90 s at most), then counts every change of the document and
every scroll."""

_UNTOUCHED = r"""
return window.__drawn === arguments[0] && window.__changes === 0 && !location.hash &&
  window.innerWidth === arguments[1] && window.innerHeight === arguments[2] &&
  window.scrollX === 0 && window.scrollY === 0 && document.activeElement === document.body &&
  !matchMedia('print').matches;
"""
"""Whether the page is as :data:`_DRAWN` left it (its key, the window's width, height)."""


def _reset(driver: Any) -> Any:
    driver.get("about:blank")
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", WINDOW)
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
    )
    driver.get_log("browser")  # the console from here on is this test's alone
    return driver


@pytest.fixture(scope="session")
def _browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Browser]:
    b = _Browser(tmp_path_factory)
    yield b
    b.close()


@pytest.fixture
def chromium(_browser: _Browser) -> Any:
    """The worker's headless Chromium (``test_report._chrome_driver``), as if just started.

    Skips the test where Chromium, chromedriver or selenium is missing. The test must not
    quit it.
    """
    return _browser.fresh()


@pytest.fixture
def drawn_report(_browser: _Browser, report: dict[str, Path]) -> Callable[..., Any]:
    """``drawn_report(width, height, mobile=False)``: the worker's browser showing the
    report's page at that window, every figure drawn, as just loaded (and the network off).

    Each full load draws the report's 48 charts (5 to 10 s, more on a loaded machine): a
    page that the test before loaded here at the same window and left unchanged is shared
    (three tests read the page at 390 px), in a tab of its own. A change of the page's
    document, focus, hash, window or media, or a scroll, is seen, and the next test gets the
    page loaded again; a test that changes anything else of the browser, or starts a
    smooth scroll as it ends (seen only once it moved), uses :func:`chromium`.
    """

    def at(width: int, height: int, mobile: bool = False) -> Any:
        window = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}
        return _browser.drawn(report["html"].resolve().as_uri(), window)

    return at
