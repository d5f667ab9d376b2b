"""``liqcascade.market.book_units``: the estimated book's scale and the feed that sets it.

The identified book is fitted to recorded liquidations, so its dollars are on that
record's scale: a small share of the aggregated open interest (ETH about 0.45 %, BTC
about 0.11 % at 2025-07-31, README "Binance-feed dollars"). The library says it
(:class:`~liqcascade.market.BookUnits`); the command line's ``units`` line and the
report's units sentences print what it says. A store whose liquidations are another
venue's names that venue, not Binance.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from clihelpers import run_cli
from liqcascade.market import (
    BookUnits,
    MarketSpec,
    book_units,
    calibration_feed,
    estimated_market,
)
from newasset import copy_calibrations, relabelled_store

AS_OF = "2025-07-31"
SOL_AS_OF = "2025-03-20"


@pytest.fixture(scope="module")
def bundled_markets() -> dict[str, Any]:
    return {a: estimated_market(asset=a, as_of=AS_OF, store=False) for a in ("ETH", "BTC")}


# the README's figures (0.45 %, 0.11 %), to the digits a re-fit of the book could move
@pytest.mark.parametrize(("asset", "share"), [("ETH", 0.00448), ("BTC", 0.00114)], ids=str)
def test_the_bundled_books_share_of_open_interest(
    bundled_markets: dict[str, Any], asset: str, share: float
) -> None:
    m = bundled_markets[asset]
    u = book_units(m)
    assert isinstance(u, BookUnits)
    assert u.book_share_of_oi == pytest.approx(share, rel=0.01)
    f = m.fingerprint()
    whole = (f["long_notional_usd"] + f["short_notional_usd"]) / f["open_interest_usd"]
    assert u.book_share_of_oi == pytest.approx(whole, rel=1e-12)
    assert u.run_book_share_of_oi == pytest.approx(u.book_share_of_oi, rel=1e-12)
    assert (u.feed, u.book_dollars, f["liquidation_feed"]) == ("binance", "Binance-feed", "binance")
    # the same units from the state and from its fingerprint as the commands' JSON
    # carries it (book_units(state) reads state.fingerprint(): compare after a round trip)
    back = book_units(json.loads(json.dumps(f, default=str)))
    assert back is not None
    assert (back.asset, back.feed, back.text()) == (u.asset, u.feed, u.text())
    for name in ("book_share_of_oi", "run_book_share_of_oi", "share"):
        assert getattr(back, name) == pytest.approx(getattr(u, name), rel=1e-12), name
    pct = "0.45 %" if asset == "ETH" else "0.11 %"
    assert u.text() == (
        "units: the estimated book's dollars (positions, liquidations, stops, margin, bad "
        "debt) are Binance-feed dollars, on the scale of Binance's recorded liquidation "
        f"feed: the book is {pct} of {asset}'s aggregated open interest at the bar; prices, "
        "order-book depth and open interest are market dollars"
    )


def test_a_venue_of_another_share_holds_that_share_of_the_book() -> None:
    m = estimated_market(MarketSpec(asset="ETH", as_of=AS_OF, share=0.2, store=False))
    u = book_units(m)
    assert u is not None
    # the fingerprint's book is the identified one, whatever the share: the same 0.45 %
    assert u.book_share_of_oi == pytest.approx(0.00448, rel=0.01)
    assert u.run_book_share_of_oi == pytest.approx(0.8 * u.book_share_of_oi, rel=1e-12)
    assert "(this run's, for a venue of 20 % of open interest: 0.36 %)" in u.text()
    d = u.to_dict()
    assert d["run_book_share_of_oi"] == pytest.approx(0.8 * d["book_share_of_oi"], rel=1e-12)


def test_no_book_or_no_open_interest() -> None:
    assert book_units(None) is None and book_units({}) is None
    u = book_units({"asset": "X", "long_notional_usd": 1.0, "short_notional_usd": 1.0,
                    "open_interest_usd": float("nan")})  # fmt: skip
    assert u is not None and math.isnan(u.book_share_of_oi)
    assert u.to_dict()["book_share_of_oi"] is None and "of X's" not in u.text()


@pytest.mark.parametrize(
    ("meta", "feed"),
    [
        ({"sources": {"liquidations": "bundled:eth_liquidations_4h"}}, "binance"),
        ({"feed": "okx", "sources": {"liquidations": "store:/s/x.duckdb"}}, "okx"),
        # a store's record that does not say its feed's venue: none is named
        ({"sources": {"liquidations": "store:/s/x.duckdb + bundled:eth_liquidations_4h"}}, ""),
        ({}, "binance"),
    ],
    ids=["bundled", "store-with-feed", "store-without", "none"],
)
def test_calibration_feed(meta: dict[str, Any], feed: str) -> None:
    assert calibration_feed(meta) == feed


def test_an_unknown_feed_is_not_called_binance() -> None:
    u = BookUnits("SOL", 0.002, 0.002, feed="")
    assert u.book_dollars == "feed" and "Binance" not in u.text()
    assert "are feed dollars, on the scale of the recorded liquidation feed the book was " in (
        u.text()
    )


@pytest.fixture(scope="module")
def okx_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """BTC's bundled series as SOL's, the liquidations stored as okx's, and a book
    calibration on the store's record (BTC's fits, the meta ``liqmap calibrate`` writes)."""
    store = relabelled_store(
        tmp_path_factory.mktemp("okx") / "sol.duckdb", liquidations_venue="okx"
    )
    copy_calibrations(store)
    cal = store.with_name("sol.calibrations") / "book" / "SOL.json"
    doc = json.loads(cal.read_text())
    doc["meta"]["sources"] = {**doc["meta"]["sources"], "liquidations": f"store:{store}"}
    doc["meta"]["feed"] = "okx"
    cal.write_text(json.dumps(doc))
    return store


def test_a_stores_record_of_another_venue_is_named(okx_store: Path) -> None:
    from liqcascade.market import load_market_frames

    # what liqmap calibrate writes as the calibration's feed
    frames = load_market_frames("SOL", store=okx_store)
    assert frames.liquidations is not None
    assert frames.liquidations.attrs["venue"] == "okx"
    m = estimated_market(MarketSpec(asset="SOL", as_of=SOL_AS_OF, store=okx_store))
    assert m.liquidation_feed == "okx"
    u = book_units(m)
    assert u is not None and u.book_dollars == "okx-feed"
    assert "are okx-feed dollars, on the scale of okx's recorded liquidation feed" in u.text()
    assert "Binance" not in u.text()
    # BTC's book on BTC's open interest: BTC's share of it
    assert u.book_share_of_oi == pytest.approx(0.00114, rel=0.5)


def test_the_commands_say_the_stores_feed(okx_store: Path) -> None:
    env = {"LIQCASCADE_STORE": str(okx_store)}
    args = ("--asset", "SOL", "--as-of", SOL_AS_OF, "--liquidity", "static")
    r = run_cli("cascade", *args, "--shock", "-0.05", "--json", env=env)
    assert r.exit_code == 0, r.stderr
    units = r.json()["units"]
    assert units["book_dollars"] == "okx-feed"
    assert units["text"] == book_units(r.json()["market"]).text()  # type: ignore[union-attr]
    s = run_cli("solvency", *args, "--scenario", "-0.1", env=env)
    assert s.exit_code == 0, s.stderr
    line = s.stdout.splitlines()[-1]
    assert line.startswith("units: the estimated book's dollars")
    assert "--insurance-fund and --liabilities are read as okx-feed dollars too" in line
    assert "Binance" not in line


# -- the scale of given parameters: MarketSpec.liquidation_feed ------------------------------
@pytest.fixture(scope="module")
def eth_inputs() -> Any:
    from liqcascade.market import load_market_inputs

    return load_market_inputs("ETH", store=False)


def test_given_book_params_carry_the_feed_said(
    bundled_markets: dict[str, Any], eth_inputs: Any
) -> None:
    from liqcascade.market import market_from_inputs

    shipped = bundled_markets["ETH"]
    spec = MarketSpec("ETH", AS_OF, params=shipped.params, store=False)
    plain = market_from_inputs(spec, eth_inputs)
    assert plain.liquidation_feed == "binance"  # given parameters: the shipped scale
    okx = market_from_inputs(replace(spec, liquidation_feed=" okx "), eth_inputs)
    assert okx.liquidation_feed == "okx" and okx.fingerprint()["liquidation_feed"] == "okx"
    u = book_units(okx)
    assert u is not None and u.book_dollars == "okx-feed"
    assert "are okx-feed dollars, on the scale of okx's recorded liquidation feed" in u.text()
    assert "Binance" not in u.text()
    # the scale is a label: the same book, the same share of open interest
    assert u.book_share_of_oi == pytest.approx(book_units(plain).book_share_of_oi, rel=1e-12)


def test_a_feed_that_is_not_the_calibrations_is_refused(eth_inputs: Any) -> None:
    from liqcascade.errors import InputError
    from liqcascade.market import market_from_inputs

    with pytest.raises(InputError) as e:
        market_from_inputs(MarketSpec("ETH", AS_OF, liquidation_feed="okx", store=False),
                           eth_inputs)  # fmt: skip
    assert e.value.param == "liquidation_feed"
    assert "fitted on the 'binance' liquidation feed" in str(e.value) and "--" not in str(e.value)
    with pytest.raises(InputError) as e:  # the shipped legacy parameters are Binance's too
        market_from_inputs(MarketSpec("ETH", AS_OF, book_model="legacy", liquidation_feed="okx",
                                      store=False), eth_inputs)  # fmt: skip
    assert e.value.param == "liquidation_feed"
    same = market_from_inputs(
        MarketSpec("ETH", AS_OF, liquidation_feed="Binance", store=False), eth_inputs
    )
    assert same.liquidation_feed == "binance"  # the calibration's label, any case


@pytest.mark.parametrize("bad", ["", "  ", 3], ids=["empty", "blank", "number"])
def test_a_feed_that_is_no_label_is_refused(bad: Any) -> None:
    from liqcascade.errors import InputError

    with pytest.raises(InputError) as e:
        MarketSpec("ETH", liquidation_feed=bad)
    assert e.value.param == "liquidation_feed"
