"""``stops recommend``'s progress in a log says how far it is (trader34's F5).

On a loaded machine the command ran 304 s and its log read ``estimating the market and
pricing stop levels: 1 done (304 s)``: one step of unknown total. It now counts its three
stages (the market, the back-test of moving stops out of the crowd, the stop levels).
"""

from __future__ import annotations

from typing import Any

import pytest

import liqcascade.market as market
from clihelpers import Clock, plain_lines_on_a_moved_clock, run_cli
from liqcascade._cli import stops


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return plain_lines_on_a_moved_clock(monkeypatch)


def test_a_slow_market_prints_the_share_of_stages_done(
    clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = market.estimated_market

    def slow(*a: Any, **k: Any) -> Any:
        out = real(*a, **k)
        clock.now += 30  # the market took 30 s
        return out

    monkeypatch.setattr(market, "estimated_market", slow)
    r = run_cli("stops", "recommend", "--side", "long", "--entry", "3700", "--size", "10",
                "--leverage", "10", "--liquidity", "static", "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    lines = [x for x in r.stderr.splitlines() if x.startswith(stops.RECOMMEND_STAGES)]
    assert lines[0] == f"{stops.RECOMMEND_STAGES}: 33 % (30 s)"
    assert lines[-1] == f"{stops.RECOMMEND_STAGES}: done (30 s)"
    assert not any("1 done" in x for x in lines)
