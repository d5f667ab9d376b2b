"""The text says which instant a market's time is: the bar's open or its close.

``liqmap`` printed "as of 2025-07-31T20:00" (the 4-hour bar's open, its JSON ``as_of``)
while ``cascade --liquidity static`` printed "as_of 2025-08-01 00:00" (the bar's close,
its JSON ``as_of``: docs/design.md, "The date rule"); the JSON values are unchanged.
"""

from __future__ import annotations

import io

import pytest

from clihelpers import run_cli
from liqcascade._cli import _common, _market_line
from liqcascade._cli.cascade import _render_cascade

MARKET = {
    "asset": "ETH",
    "as_of": "2025-07-31T20:00:00+00:00",
    "close_time": "2025-08-01T00:00:00+00:00",
    "mid": 3698.39,
}


def test_the_bar_is_named_by_both_ends() -> None:
    assert _market_line.bar_words(MARKET) == "2025-07-31 20:00 UTC (bar closed 2025-08-01 00:00)"
    assert _market_line.market_line(MARKET) == (
        "market ETH at 2025-07-31 20:00 UTC (bar closed 2025-08-01 00:00), mid 3,698.39"
    )
    assert _market_line.bar_words({"as_of": MARKET["as_of"]}) == "2025-07-31 20:00 UTC"


def test_the_static_cascade_says_its_as_of_is_the_close(monkeypatch: pytest.MonkeyPatch) -> None:
    buf = io.StringIO()
    monkeypatch.setattr(_common.stdout, "_file", buf)
    monkeypatch.setattr(_common.stdout, "_width", 120)
    _render_cascade(
        {
            "final_price": 3401.04,
            "as_of": "2025-08-01 00:00:00+00:00",
            "bar_open": "2025-07-31 20:00:00+00:00",
        }
    )
    rows = {" ".join(line.split()[:-2]): line.split()[-2] for line in buf.getvalue().splitlines()}
    assert rows["as_of (the bar's close)"] == "2025-08-01" and rows["bar_open"] == "2025-07-31"


@pytest.mark.slow
def test_liqmap_heads_its_map_with_the_bar_by_both_ends() -> None:
    r = run_cli("liqmap", "--asset", "ETH", "--as-of", "2025-07-31")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith(
        "liquidation map at 2025-07-31 20:00 UTC (bar closed 2025-08-01 00:00)  price 3,698.39"
    )
    j = run_cli("liqmap", "--asset", "ETH", "--as-of", "2025-07-31", "--json").json()
    # the JSON's as_of is the instant the market is known (the bar's close), as cascade's
    assert j["as_of"] == "2025-08-01T00:00:00+00:00"
    assert j["bar_open"] == "2025-07-31T20:00:00+00:00"
