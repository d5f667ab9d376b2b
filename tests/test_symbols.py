"""One rule each way between a market symbol and its base asset (``liqcascade._symbols``).

Three symbol -> asset readers (the stress portfolio's, Hyperliquid's coin, the data
layer's ``base_asset``) each had their own rule, the tier tables a fourth, and the data
layer built ``{asset}USDT`` by hand beside ``margin.contract_symbol``. Both directions
now live below every layer; ``data`` and ``margin`` re-export them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from liqcascade import _symbols, data, margin
from liqcascade._symbols import base_asset, contract_symbol, split_symbol
from liqcascade.data._readers import symbol_from_name
from liqcascade.errors import InputError
from liqcascade.margin import hyperliquid_asset, hyperliquid_max_leverage, load_tiers
from liqcascade.stress import read_portfolio
from liqcascade.stress._portfolio import _asset as portfolio_asset

#: The bundled assets and one the package does not bundle.
ASSETS = ("ETH", "BTC", "SOL")

#: Spellings of ETH's USDT perpetual the venues use.
ETH_SPELLINGS = ("ETHUSDT", "ethusdt", " ETHUSDT ", "ETH/USDT:USDT", "ETH/USDT", "ETH-USDT",
                 "ETH_USDT", "ETH:USDT", "ETH-USDT-SWAP", "ETH-PERP", "ETHPERP", "ETHUSDTPERP",
                 "ETH")  # fmt: skip


def test_one_function_each_way_wherever_it_is_imported() -> None:
    assert margin.contract_symbol is data.contract_symbol is _symbols.contract_symbol
    assert data.base_asset is _symbols.base_asset and data.split_symbol is split_symbol


@pytest.mark.parametrize("asset", ASSETS)
def test_asset_symbol_asset_round_trip(asset: str) -> None:
    symbol = contract_symbol(asset)
    assert symbol == f"{asset}USDT" == contract_symbol(asset.lower())
    assert split_symbol(symbol) == (asset, "USDT")
    # every reader gives the asset back
    assert base_asset(symbol) == hyperliquid_asset(symbol) == portfolio_asset(symbol) == asset


@pytest.mark.parametrize("spelling", ETH_SPELLINGS)
def test_symbol_asset_symbol_round_trip(spelling: str) -> None:
    assert base_asset(spelling) == hyperliquid_asset(spelling) == "ETH"
    # a portfolio file holds USDT perpetuals: ccxt's spot symbol is refused there (its
    # perpetual is ETH/USDT:USDT; a spot holding is a row marked venue=spot)
    assert portfolio_asset(spelling) == (None if spelling == "ETH/USDT" else "ETH")
    assert contract_symbol(base_asset(spelling)) == "ETHUSDT"


@pytest.mark.parametrize(
    ("symbol", "split"),
    [
        ("ETHUSD_PERP.A", ("ETH", "USD")),  # Binance COIN-M
        ("BTCUSDC", ("BTC", "USDC")),
        ("ETH/USDC:USDC", ("ETH", "USDC")),
        ("ETHFI/USDT", ("ETHFI", "USDT")),
        ("1000PEPEUSDT", ("1000PEPE", "USDT")),
        ("XBTUSD", ("XBT", "USD")),
        ("ETH/BTC", ("ETH", "BTC")),
        ("USDT", ("USDT", "")),  # nothing before the quote: the word is the asset
        ("PERP", ("PERP", "")),
    ],
)
def test_split_goldens(symbol: str, split: tuple[str, str]) -> None:
    assert split_symbol(symbol) == split


@pytest.mark.parametrize("symbol", ["???", "ETH/USDC:USDC", "ETHUSDC", "ETH/BTC", "E", ""])
def test_the_portfolio_reads_only_a_usdt_perpetual(symbol: str) -> None:
    assert portfolio_asset(symbol) is None


def test_the_refusals_keep_their_messages(tmp_path: Path) -> None:
    for bad in ("???", "ETH/USDC:USDC"):
        f = tmp_path / "bad.csv"
        f.write_text(f"symbol,side,size,entry_price,leverage\n{bad},long,1,1,2\n")
        with pytest.raises(InputError) as exc:
            read_portfolio(f)
        assert str(exc.value) == (
            f"{f}: data row 1: symbol {bad!r} is not a USDT perpetual's (ETH, ETHUSDT, "
            "SOL/USDT:USDT ...)"
        )
    with pytest.raises(InputError, match=r"^symbol 'DOGE': no Hyperliquid max leverage known"):
        hyperliquid_max_leverage("DOGE")
    for spelling in ("DOGEUSDT", "doge/usdt:usdt", "DOGE-PERP", "DOGE"):
        with pytest.raises(InputError, match=r"^symbol 'DOGEUSDT': no packaged tier table"):
            load_tiers(spelling)
    with pytest.raises(InputError, match=r"^symbol 'ETHUSD': no packaged tier table"):
        load_tiers("ETHUSD")  # a COIN-M contract is not the USDT one


def test_the_tier_tables_and_the_data_layer_read_the_same_rule() -> None:
    for spelling in ETH_SPELLINGS:
        assert load_tiers(spelling).symbol == "ETHUSDT"
    assert load_tiers("btc-perp").symbol == "BTCUSDT"
    # a file's name names its market through the same contract rule
    assert symbol_from_name("sol_1h.csv") == "SOLUSDT" == symbol_from_name("SOLUSDT-1h.csv")


def test_one_name_for_a_book_of_several_symbols() -> None:
    """The book of a file of several symbols and venues: one constant, read and refused.

    ``"mixed"`` was spelled in the positions reader (lower case) and in
    ``check_same_asset`` (upper case) apart; both now read ``MIXED_SYMBOL``.
    """
    from liqcascade.positions import read_positions

    book = read_positions(Path(__file__).parent / "data" / "positions" / "positions.csv")
    assert (book.venue, book.symbol) == (_symbols.MIXED_SYMBOL, _symbols.MIXED_SYMBOL)
    for asset in ("ETH", "BTC", "sol"):  # no asset's book: each refused (session 26)
        with pytest.raises(InputError, match=r"is not the positions' asset \(mixed: several"):
            _symbols.check_same_asset(asset, book.symbol, param="asset", what="asset")
    with pytest.raises(InputError, match=r"^asset \(SOL\) is not the positions' asset \(BTC"):
        _symbols.check_same_asset("SOL", "BTCUSDT", param="asset", what="asset")
