"""The report built once for the report tests that read a whole page."""

from __future__ import annotations

from pathlib import Path

import pytest

from liqcascade.report import build_report


@pytest.fixture(scope="session")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The default report (ETH and BTC, every section; ``quick``), built once per run.

    Read by test_report.py (the page end to end, in Chromium) and test_accessibility.py
    (the page as a screen reader and a keyboard meet it); a test that changes the files
    copies them first.
    """
    out = tmp_path_factory.mktemp("report")
    return build_report(out, quick=True)
