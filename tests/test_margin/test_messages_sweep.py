"""``margin liq-price`` messages name the cause and state the rule each venue applies."""

from __future__ import annotations

import pytest

from clihelpers import run_cli
from liqcascade.errors import InputError
from liqcascade.margin import leverage_refusal, liq_price

LIQ = ("margin", "liq-price", "--side", "long", "--entry", "2000")


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("--size", "1e9", "--leverage", "2"),
         "error: --size 1e+09: the notional of 2,000,000,000,000 USD exceeds the last "
         "bracket of the Binance tier table (ETHUSDT: up to 1,200,000,000 USD); no such "
         "position can be opened"),
        # past 1e15 USD no tier table is read (1e300 was written out in 301 digits)
        (("--size", "1e12", "--leverage", "2"),
         "error: --size x --entry must be at most 1e+15 USD (got 2e+15)"),
        (("--size", "1", "--margin", "1e300"),
         "error: --margin must be at most 1e+15 USD (got 1e+300)"),
        (("--size", "1", "--leverage", "2", "--mmr", "0"),
         "error: --mmr must be a fraction in (0, 1) for binance (got 0)"),
        (("--size", "1", "--leverage", "2", "--mmr", "1"),
         "error: --mmr must be a fraction in (0, 1) for binance (got 1)"),
        (("--size", "1", "--leverage", "2", "--venue", "bybit", "--mmr", "1"),
         "error: --mmr must be a fraction in [0, 1) for bybit (got 1)"),
        (("--size", "1", "--leverage", "2", "--venue", "hyperliquid", "--mmr", "1"),
         "error: --mmr must be a fraction in (0, 0.5) for hyperliquid (got 1)"),
        (("--size", "1", "--leverage", "nan"),
         "error: --leverage must be a finite number > 0 (got nan)"),
        (("--size", "1", "--leverage", "inf"),
         "error: --leverage must be a finite number > 0 (got inf)"),
        (("--size", "1", "--margin", "inf"),
         "error: --margin must be a finite number >= 0 (got inf)"),
        (("--size", "inf", "--leverage", "2"),
         "error: --size must be a finite number > 0 (got inf)"),
        (("--size", "-1", "--leverage", "2"), "error: --size must be > 0 (got -1)"),
    ],
    ids=["size-past-table", "size-past-any-market", "margin-past-any-market", "mmr-0", "mmr-1",
         "bybit-mmr-1", "hl-mmr-1", "lev-nan", "lev-inf",
         "margin-inf", "size-inf", "size-neg"],
)  # fmt: skip
def test_liq_price_lines(args: tuple[str, ...], line: str) -> None:
    r = run_cli(*LIQ, *args)
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.strip() == line


def test_bybit_accepts_a_zero_rate() -> None:
    r = run_cli(*LIQ, "--size", "1", "--leverage", "2", "--venue", "bybit", "--mmr", "0", "--json")
    assert r.exit_code == 0, r.stderr
    out = r.json()
    # by hand: IM = 2,000 x 1 / 2 = 1,000 USD, MM = 0, so LP = EP - (IM - MM)/size = 1,000:
    # with no maintenance margin the liquidation price is the bankruptcy price
    assert out["mmr"] == 0.0
    assert out["liq_price"] == pytest.approx(1000.0, rel=1e-12)
    assert out["bankruptcy_price"] == pytest.approx(1000.0, rel=1e-12)


def test_library_names_size_and_files_keep_the_leverage_rule() -> None:
    with pytest.raises(InputError) as e:
        liq_price("binance", "long", 1e6, 2000.0, leverage=1.0)
    assert e.value.param == "size" and str(e.value).startswith("size 1e+06: the notional of")
    with pytest.raises(InputError) as e:
        liq_price("binance", "long", [1.0, 1e6], 2000.0, 1e10, check_margin=True)
    assert e.value.param == "size" and str(e.value).startswith("size[1] 1e+06: ")
    # positions files still refuse such a row through the one leverage rule
    refused = leverage_refusal("binance", "ETHUSDT", 1.0, 2e9)
    assert refused is not None and "exceeds the last bracket" in refused[1]


def test_stops_recommend_names_size() -> None:
    r = run_cli(
        "stops",
        "recommend",
        "--side",
        "long",
        "--entry",
        "3700",
        "--size",
        "1e9",
        "--leverage",
        "10",
    )
    assert r.exit_code == 2
    assert r.stderr.startswith("error: --size 1e+09: the notional of 3,700,000,000,000 USD")
