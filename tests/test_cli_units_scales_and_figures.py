"""What a first-time user misread (session 26): the book's scale and what each figure is.

- ``liqmap`` says what its dollars are (the ``units:`` line and field, as ``cascade``),
  what its out-of-sample score tests (daily totals, not price levels) and which column
  holds the liquidations when the largest clusters are mostly modelled stops;
- ``solvency --insurance-fund`` is read on the book's scale unless ``--fund-scale
  market`` converts a venue's real dollars (both figures printed, the scale in the JSON);
- each command's "10 % fall" names what it is (static book, cascade, venue's book);
- ``watch`` gives its amounts a unit and a legend once.
"""

from __future__ import annotations

import math

import pytest

from clihelpers import run_cli
from liqcascade.market import BINANCE_BOOK_SHARE, book_units, calibration_feed


def test_liqmap_says_its_units_what_it_counts_and_what_its_score_tests() -> None:
    from liqcascade._cli.liqmap import MAP_FIGURES, SCORE_SCOPE

    j = run_cli("liqmap", "--asset", "ETH", "--json")
    assert j.exit_code == 0, j.stderr
    d = j.json()
    m, u = d["market"], d["units"]
    share = (m["long_notional_usd"] + m["short_notional_usd"]) / m["open_interest_usd"]
    assert u["book_share_of_oi"] == pytest.approx(share, rel=1e-12)
    assert 0 < u["book_share_of_oi"] < 0.02  # a fraction of a percent, not the 25 % share
    assert u["book_dollars"] == "Binance-feed"
    assert u["text"].startswith("units: the map's dollars (liquidations, stops, clusters")
    t = run_cli("liqmap", "--asset", "ETH")
    assert t.exit_code == 0, t.stderr
    lines = t.stdout.splitlines()
    assert lines[-1] == u["text"]
    assert MAP_FIGURES in lines and "no cascade" in MAP_FIGURES
    # the score line is followed by what it tests and what it does not
    score = next(i for i, x in enumerate(lines) if x.startswith("out of sample"))
    assert lines[score + 1] == SCORE_SCOPE
    assert "daily liquidation totals" in SCORE_SCOPE and "not where" in SCORE_SCOPE
    # ETH's ten largest clusters at the last bar are mostly modelled stops
    top = d["clusters"][:10]
    stops = sum(c["sell_stops_usd"] + c["buy_stops_usd"] for c in top)
    assert stops > 0.5 * sum(c["notional_usd"] for c in top)
    said = [x for x in lines if x.startswith("the largest clusters are mostly modelled stops")]
    assert len(said) == 1 and said[0].endswith("the positions' liquidations are the liq column")


def test_liqmap_on_a_positions_file_has_no_units() -> None:
    args = ("liqmap", "--positions", "tests/data/liqmap/positions.csv", "--price", "2000")
    j = run_cli(*args, "--json")
    assert j.exit_code == 0, j.stderr
    assert "units" not in j.json()  # a file's dollars are the user's
    t = run_cli(*args)
    assert not any(x.startswith("units:") for x in t.stdout.splitlines())
    assert not any(x.startswith("what the score tests") for x in t.stdout.splitlines())


def test_stops_clusters_line_only_when_stops_are_most_of_the_clusters() -> None:
    from liqcascade._cli.liqmap import _stops_clusters_line

    def cl(liq: float, stops: float) -> dict[str, float]:
        return {"notional_usd": liq + stops, "sell_stops_usd": stops, "buy_stops_usd": 0.0}

    assert _stops_clusters_line([cl(3.0, 1.0), cl(1.0, 1.0)], True) == ""  # 1/3 stops
    text = _stops_clusters_line([cl(1.0, 3.0)], False)
    assert text.startswith("the largest clusters are mostly stops (75 % of their notional)")
    assert _stops_clusters_line([], True) == ""


def _market(share: float = 0.2) -> dict[str, object]:
    return {"asset": "ETH", "long_notional_usd": 3.0e6, "short_notional_usd": 1.5e6,
            "open_interest_usd": 1.0e9, "share": share}  # fmt: skip


@pytest.mark.parametrize("share", [0.2, 0.25, 0.05])
def test_feed_per_market_dollar_does_not_depend_on_the_venue_share(share: float) -> None:
    u = book_units(_market(share))
    assert u is not None
    # the book is 0.45 % of open interest and stands for a venue of 25 %: 0.018 per dollar
    assert u.feed_per_market_usd == pytest.approx(0.0045 / BINANCE_BOOK_SHARE, rel=1e-12)
    assert u.run_book_share_of_oi / share == pytest.approx(u.feed_per_market_usd, rel=1e-12)


def test_fund_scale_converts_market_dollars_and_refuses_a_file() -> None:
    from liqcascade.errors import InputError
    from liqcascade.solvency._request import _fund_scale

    feed = _fund_scale("feed", _market(), 1e9, None)
    assert feed["scale"] == "feed" and feed["insurance_fund_usd"] == 1e9
    assert feed["feed_per_market_usd"] == pytest.approx(0.018, rel=1e-12)
    mk = _fund_scale("market", _market(), 1e9, 2e9)
    assert mk["insurance_fund_usd"] == pytest.approx(1.8e7, rel=1e-12)
    assert mk["liabilities_usd"] == pytest.approx(3.6e7, rel=1e-12)
    assert mk["insurance_fund_market_usd"] == 1e9 and mk["liabilities_market_usd"] == 2e9
    assert _fund_scale("feed", None, 5.0, None)["scale"] == "file"
    with pytest.raises(InputError) as exc:
        _fund_scale("market", None, 1e9, None)
    assert "a positions file's dollars are its own" in str(exc.value)
    no_oi = {**_market(), "open_interest_usd": 0.0}
    with pytest.raises(InputError, match="no open interest"):
        _fund_scale("market", no_oi, 1e9, None)


def test_solvency_fund_in_market_dollars_prints_both_figures() -> None:
    args = ("solvency", "--insurance-fund", "1e9", "--fund-scale", "market", "--scenario",
            "-0.1", "--engine", "path")  # fmt: skip
    j = run_cli(*args, "--json")
    assert j.exit_code == 0, j.stderr
    d = j.json()
    fs, u = d["fund_scale"], d["units"]
    k = u["run_book_share_of_oi"] / d["market"]["share"]
    assert fs["scale"] == "market" and fs["feed_per_market_usd"] == pytest.approx(k, rel=1e-12)
    assert 0.001 < k < 0.1  # a fraction: a $1 B fund is tens of millions on the book's scale
    assert d["insurance_fund_usd"] == pytest.approx(1e9 * k, rel=1e-12)
    assert fs["insurance_fund_market_usd"] == 1e9
    assert "were given in market dollars (--fund-scale market)" in u["text"]
    t = run_cli(*args)
    assert t.exit_code == 0, t.stderr
    out = " ".join(t.stdout.split())
    assert (
        f"insurance fund at the start {1e9 * k:,.0f} USD on the book's scale = "
        "1,000,000,000 USD in market dollars" in out
    )
    assert "liquidated: this venue's book (0.8× the estimated book, no stops) closed by the " \
           "shock's price path (no cascade)" in out  # fmt: skip


def test_solvency_fund_in_feed_dollars_says_what_market_dollars_would_be() -> None:
    r = run_cli("solvency", "--insurance-fund", "1e9", "--scenario", "-0.1", "--engine", "path")
    assert r.exit_code == 0, r.stderr
    out = " ".join(r.stdout.split())
    assert "insurance fund at the start 1,000,000,000 USD on the book's scale" in out
    assert "read as Binance-feed dollars; a fund of 1,000,000,000 USD in market dollars" in out
    assert "--fund-scale market" in out


def test_solvency_fund_scale_bad_input_is_one_line() -> None:
    r = run_cli("solvency", "--fund-scale", "usd")
    assert r.exit_code == 2 and r.stderr.strip() == (
        "error: --fund-scale must be feed or market (got 'usd')"
    )
    r = run_cli("solvency", "--positions", "tests/data/liqmap/positions.csv",
                "--fund-scale", "market", "--insurance-fund", "1e6")  # fmt: skip
    assert r.exit_code == 2 and len(r.stderr.strip().splitlines()) == 1
    assert r.stderr.startswith("error: --fund-scale") and "--positions" in r.stderr


def test_solvency_help_says_the_fund_s_scale() -> None:
    r = run_cli("solvency", "--help")
    text = " ".join(x.strip("│ ") for x in r.stdout.splitlines())
    assert "in the book's dollars" in text and "--fund-scale" in text


def test_stress_says_what_its_market_liquidations_are() -> None:
    from liqcascade._cli.stress import _liquidations_what

    carried = _liquidations_what([{"carry_price_after": 104_188.0}])
    assert "by the shock and its cascade, on these paths (`cascade`'s liquidated;" in carried
    assert carried.endswith("liqmap's is the static book within the move)")
    assert "no cascade" in _liquidations_what([{"carry_price_after": math.nan}])


def test_watch_amounts_carry_the_feed_and_a_legend() -> None:
    from liqcascade._cli.watch import _line, legend

    ln = {
        "time": "2025-07-30T23:00:00", "asset": "ETH", "price": 3764.02,
        "cluster_below_pct": 2.30, "cluster_above_pct": 4.0, "notional_2pct_usd": 0.8e6,
        "notional_5pct_usd": 19.9e6, "book_dollars": "Binance-feed", "liquidity": "static",
        "static_critical_shock": -0.0367, "static_critical_shock_p05": -0.0545,
        "static_critical_shock_p95": -0.026, "market_as_of": "2025-07-30T16:00:00",
        "n_draws": 10, "n_draws_current": 10,
    }  # fmt: skip
    assert "within 2 % 0.8M 5 % 19.9M Binance-feed USD  critical shock" in _line(ln)
    text = legend(ln)
    assert text.startswith("legend: clusters -a % / +b %: the nearest large liquidation")
    assert "in Binance-feed dollars" in text and "not market dollars" in text


def test_feed_dollars_of_a_calibration() -> None:
    from liqcascade.market import feed_dollars

    assert feed_dollars(calibration_feed(None)) == "Binance-feed"
    assert feed_dollars(calibration_feed({"feed": "okx"})) == "okx-feed"
    assert feed_dollars("") == "feed"


def test_solvency_section_names_the_feed_of_the_venue_book() -> None:
    from liqcascade.report._solvency_section import venue_scale_words

    assert "the book identified from Binance's recorded liquidation feed" in venue_scale_words()
    okx = venue_scale_words("okx's recorded liquidation feed")
    assert "identified from okx's recorded liquidation feed" in okx and "Binance" not in okx
