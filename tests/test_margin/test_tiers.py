from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from liqcascade.errors import InputError
from liqcascade.margin import (
    FALLBACK_TIERS,
    TierTable,
    asset_tiers,
    binance_liq_price,
    contract_symbol,
    fetch_tiers_ccxt,
    load_tiers,
    packaged_symbols,
)
from reference.margin_binance import ETH_TIERS


def test_packaged_eth_table_is_design_md_table() -> None:
    t = load_tiers("ETHUSDT")
    assert len(t) == 12
    ref = np.array(ETH_TIERS, dtype=float)
    np.testing.assert_array_equal(t.notional_floor, ref[:, 0])
    np.testing.assert_array_equal(t.notional_cap, ref[:, 1])
    np.testing.assert_array_equal(t.max_leverage, ref[:, 2])
    np.testing.assert_array_equal(t.mmr, ref[:, 3])
    np.testing.assert_array_equal(t.cum, ref[:, 4])
    assert {"ETHUSDT", "BTCUSDT"} <= set(packaged_symbols())
    assert load_tiers("eth") is t and load_tiers("ETH/USDT:USDT") is t


def test_an_assets_contract_and_its_tier_table() -> None:
    # the one rule of an asset's contract: <ASSET>USDT, upper case
    assert contract_symbol("ETH") == "ETHUSDT" and contract_symbol("sol") == "SOLUSDT"
    # its own packaged table where one ships, else the fallback
    assert asset_tiers("btc") == "BTCUSDT" and asset_tiers("SOL") == FALLBACK_TIERS == "ETHUSDT"
    assert all(asset_tiers(s[: -len("USDT")]) == s for s in packaged_symbols())


@pytest.mark.parametrize("symbol", ["ETHUSDT", "BTCUSDT"])
def test_maintenance_margin_continuous_and_convex(symbol: str) -> None:
    t = load_tiers(symbol)
    for k in range(1, len(t)):
        b = t.notional_floor[k]
        below = b * t.mmr[k - 1] - t.cum[k - 1]
        assert t.maintenance_margin(b)[()] == pytest.approx(below, rel=1e-12)
    assert np.all(np.diff(t.mmr) > 0)
    assert np.all(t.mmr < 1 / t.max_leverage)  # maintenance below initial margin


def test_custom_csv_and_parquet(tmp_path: Path) -> None:
    src = load_tiers("BTCUSDT").to_frame().drop(columns="tier")
    p = tmp_path / "xyz.csv"
    src.to_csv(p, index=False)
    t = load_tiers(p)
    np.testing.assert_array_equal(t.cum, load_tiers("BTCUSDT").cum)
    q = tmp_path / "xyz.parquet"
    src.to_parquet(q)
    assert len(load_tiers(str(q))) == len(src)
    r = binance_liq_price(1, 1.0, 2000.0, 100.0, tiers=p)
    assert r.liq_price[0] == pytest.approx(1907.6305, abs=5e-5)


@pytest.mark.parametrize(
    ("edit", "msg"),
    [
        (lambda d: d.drop(columns="cum"), "missing column: cum"),
        (lambda d: d.assign(mmr=d["mmr"].astype(object).where(d.index != 2, "x")),
         "data row 3: column mmr: not a number ('x')"),
        (lambda d: d.assign(cum=d["cum"].where(d.index != 4, 1.0)),
         "data row 5: cum 1 breaks maintenance-margin continuity"),
        (lambda d: d.assign(notional_floor=d["notional_floor"].where(d.index != 1, 60_000.0)),
         "data row 2: notional_floor 60000 must equal the previous notional_cap 50000"),
        (lambda d: d.assign(max_leverage=d["max_leverage"].where(d.index != 0, 0.5)),
         "data row 1: max_leverage must be >= 1"),
    ],
    ids=["missing", "non-numeric", "cum", "gap", "leverage"],
)  # fmt: skip
def test_bad_tier_files(tmp_path: Path, edit, msg: str) -> None:
    d = edit(load_tiers("ETHUSDT").to_frame().drop(columns="tier"))
    p = tmp_path / "bad.csv"
    d.to_csv(p, index=False)
    with pytest.raises(InputError) as exc:
        load_tiers(p)
    assert str(exc.value) == f"{p}: {msg}" or str(exc.value).startswith(f"{p}: {msg}")


def test_unknown_symbol_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="symbol 'DOGEUSDT': no packaged tier table"):
        load_tiers("DOGEUSDT")
    with pytest.raises(InputError, match="no such tier file"):
        load_tiers(tmp_path / "nope.csv")


class FakeExchange:
    id = "fakeusdm"

    def __init__(self, with_cum: bool) -> None:
        self.with_cum = with_cum
        self.calls: list[list[str]] = []

    def fetch_leverage_tiers(self, symbols: list[str]) -> dict:
        self.calls.append(symbols)
        t = load_tiers("ETHUSDT")
        rows = []
        for k in reversed(range(len(t))):  # unsorted on purpose
            info = {"bracket": str(k + 1)}
            if self.with_cum:
                info["cum"] = f"{t.cum[k]:.1f}"
            rows.append({
                "tier": k + 1, "currency": "USDT", "minNotional": t.notional_floor[k],
                "maxNotional": t.notional_cap[k], "maintenanceMarginRate": t.mmr[k],
                "maxLeverage": t.max_leverage[k], "info": info,
            })  # fmt: skip
        return {symbols[0]: rows}


@pytest.mark.parametrize("with_cum", [True, False])
def test_fetch_tiers_ccxt_offline(with_cum: bool) -> None:
    ex = FakeExchange(with_cum)
    t = fetch_tiers_ccxt(ex, "ETHUSDT")
    assert ex.calls == [["ETH/USDT:USDT"]]
    assert isinstance(t, TierTable) and t.symbol == "ETHUSDT" and t.source == "ccxt:fakeusdm"
    ref = load_tiers("ETHUSDT")
    np.testing.assert_allclose(t.cum, ref.cum, rtol=1e-12)
    np.testing.assert_array_equal(t.mmr, ref.mmr)


def test_fetch_tiers_ccxt_errors() -> None:
    ccxt = pytest.importorskip("ccxt")

    class Broken:
        id = "broken"

        def __init__(self, exc: Exception) -> None:
            self.exc = exc

        def fetch_leverage_tiers(self, symbols: list[str]) -> dict:
            raise self.exc

    for down in (ccxt.NetworkError("network down"), ConnectionResetError("network down")):
        with pytest.raises(InputError, match=r"ccxt broken: fetch_leverage_tiers.*network down"):
            fetch_tiers_ccxt(Broken(down), "ETH/USDT:USDT")
    # a bug in the call is not the venue failing: it raises as it is
    with pytest.raises(TypeError, match="unhashable"):
        fetch_tiers_ccxt(Broken(TypeError("unhashable type: 'list'")), "ETH/USDT:USDT")
    with pytest.raises(InputError, match="unknown ccxt exchange 'nosuchexchange'"):
        fetch_tiers_ccxt("nosuchexchange", "ETHUSDT")


def test_tier_table_object() -> None:
    t = load_tiers("ETHUSDT")
    assert t.summary()["max_leverage"] == 125
    assert "TierTable" in t._repr_html_()
    np.testing.assert_array_equal(t.tier_index([-1, 0, 49_999.99, 50_000, 2e9]), [0, 0, 0, 1, 11])
    for bad in (1.5, 0.0):  # a tier's rate is > 0: liquidation before bankruptcy
        with pytest.raises(
            InputError, match=rf"mmr must be a fraction in \(0, 1\) .*got {bad:g}"
        ) as e:
            t.with_mmr(bad)
        assert e.value.param == "mmr"
