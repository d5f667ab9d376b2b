"""One headless Chromium for the report's browser tests (``browser``), per worker.

Each browser test started a Chromium of its own and quit it (2 to 10 s each, more on a
loaded machine; eight of them in this folder). :func:`chromium` hands each test the
worker's one browser, set back first to what a fresh one is: 1440 × 900 at device scale
1, screen media, the network off, a blank page and an empty console log. A test still
loads its page itself, so it checks the page as before; a browser that died is started
again.
"""

from __future__ import annotations

from collections.abc import Iterator
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
    """The worker's browser, started on first use and again if it died."""

    def __init__(self, profiles: pytest.TempPathFactory) -> None:
        self.profiles = profiles
        self.driver: Any = None

    def fresh(self) -> Any:
        """The browser, as a newly started one is."""
        pytest.importorskip("selenium")
        if self.driver is not None:
            try:
                return _reset(self.driver)
            except _DEAD:  # it died (a test's timeout), or its chromedriver: start another
                self.close()
        from test_report.test_report import _chrome_driver

        self.driver = _chrome_driver(self.profiles.mktemp("chromium"))
        return _reset(self.driver)

    def close(self) -> None:
        """Quit the browser (one that died already is only forgotten)."""
        if self.driver is not None:
            try:
                self.driver.quit()
            except _DEAD:
                pass
            finally:
                self.driver = None


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
