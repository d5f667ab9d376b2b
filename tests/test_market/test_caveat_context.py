"""A caveat line names what its market was built for (the report's replay, review-fresh7)."""

from __future__ import annotations

import logging

import pytest

from liqcascade.cascade import market_state
from liqcascade.market._state import caveat_context


def test_a_caveat_built_inside_a_context_names_it(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="liqcascade.market"):
        with caveat_context("report, cascade section: replay of 2024-12-09"):
            market_state("ETH", "2024-12-08")
    lines = [r.getMessage() for r in caplog.records if "IN SAMPLE" in r.getMessage()]
    assert lines and all(
        ln.startswith("warning: report, cascade section: replay of 2024-12-09: ETH market")
        for ln in lines
    )
    with caplog.at_level(logging.WARNING, logger="liqcascade.market"):
        caplog.clear()
        market_state("ETH", "2024-12-07")  # outside: no label
    plain = [r.getMessage() for r in caplog.records if "IN SAMPLE" in r.getMessage()]
    assert plain and all(ln.startswith("warning: ETH market") for ln in plain)
