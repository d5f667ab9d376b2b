"""Unit changes inside one file (``MAX_BAR_JUMP``): prices, highs, lows and open interest.

A switch to cents (×100) was caught only when that bar rose (the ratio 99.8 of a falling
bar is not "> 100"), open interest was never compared. A high or low far from its own
bar's open and close is a wick (a flash crash), kept with a warning. Every bundled price
and open-interest series must still pass: the bound is checked against them.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clihelpers import run_cli
from liqcascade.data import read_file
from liqcascade.data._frame import SeriesFrame
from liqcascade.data._time import infer_interval
from liqcascade.data._validate import MAX_BAR_JUMP, validate
from liqcascade.data.bundled import DATASETS, load
from liqcascade.errors import InputError
from test_reliability._helpers import assert_refused

INGEST = Path(__file__).resolve().parents[1] / "data" / "ingest"
SPOT_1H = INGEST / "ETHUSDT_1h_binance_spot.csv.gz"
OI_4H = INGEST / "coinglass_ETH_4h_open_interest_all_venues_usd.csv.gz"
_OHLC = ["open", "high", "low", "close"]


def _scaled(src: Path, out: Path, start: int, factor: float) -> Path:
    """``src`` with its OHLC multiplied by ``factor`` from data row ``start + 1`` on."""
    df = pd.read_csv(src)
    for c in _OHLC:
        df[c] = df[c].astype(float)
        df.loc[start:, c] *= factor
    df.to_csv(out, index=False)
    return out


def test_a_switch_to_cents_at_a_falling_bar_is_refused(tmp_path: Path) -> None:
    # data row 21 (file line 22) closes at 2,295.51 after 2,299.69: in cents, a ratio of 99.8
    f = _scaled(SPOT_1H, tmp_path / "cents_half.csv", 20, 100.0)
    store = tmp_path / "s.duckdb"
    line = assert_refused(
        run_cli("data", "ingest", str(f), "--store", str(store)),
        f"{f}: data row 21 (file line 22): close 229551 is 99.8× the close of the bar before it "
        f"(2299.69 at "
        "data row 20); a step of 5× or more between bars is a unit change",
    )
    assert "never a market move" in line and not store.exists()


@pytest.mark.parametrize(
    ("factor", "shown"), [(0.01, "1/99.9 of"), (10.0, "10×"), (1000.0, "1e+03×")]
)
def test_a_switch_either_way_is_refused(tmp_path: Path, factor: float, shown: str) -> None:
    f = _scaled(SPOT_1H, tmp_path / "u.csv", 10, factor)
    with pytest.raises(
        InputError, match=rf"data row 11: close \S+ is {re.escape(shown)} the close of"
    ):
        read_file(f, symbol="ETHUSDT")


def test_open_interest_changing_unit_is_refused(tmp_path: Path) -> None:
    f = _scaled(OI_4H, tmp_path / "oi_unit.csv", 30, 1e-3)
    with pytest.raises(InputError) as e:
        read_file(f)
    assert str(e.value).startswith(f"{f}: data row 31: oi_usd 2.40795e+07 is 1/978 of the oi_usd")


def test_open_interest_coins_changing_unit_is_refused(tmp_path: Path) -> None:
    t = pd.date_range("2025-01-01", periods=8, freq="4h", tz="UTC")
    coins = np.array([1e6, 1.01e6, 1.02e6, 1.0e3, 1.01e3, 1.0e3, 1.02e3, 1.01e3])
    f = tmp_path / "oi.csv"
    pd.DataFrame({"ts": t.strftime("%Y-%m-%d %H:%M"), "oi_base": coins}).to_csv(f, index=False)
    with pytest.raises(
        InputError, match=r"data row 4: oi_base 1000 is 1/1\.02e\+03 of the oi_base"
    ):
        read_file(f)


def test_a_wick_far_from_its_bar_is_kept_with_a_warning(tmp_path: Path) -> None:
    # a flash-crash print (ETH at $0.10 on GDAX, June 2017) leaves open and close alone:
    # a unit switch would move them too (and they are compared with the bar before)
    df = pd.read_csv(SPOT_1H)
    df.loc[6, "low"] = 0.10
    df.loc[9, "low"] = df.loc[9, "low"] / 100
    df.loc[4, "high"] = 2.28e8  # 98,790× max(open, close): inside the 100,000× bound, kept
    df.to_csv(tmp_path / "wick.csv", index=False)
    (s,) = read_file(tmp_path / "wick.csv", symbol="ETHUSDT")
    assert s.rows == len(df)
    assert s.frame["low"].min() == pytest.approx(0.10, rel=1e-12)
    (w,) = [w for w in s.warnings if "wick" in w]
    assert w == (
        f"{tmp_path / 'wick.csv'}: kept 3 bars whose high or low is 5× or more away from the "
        "bar's own open and close (data rows 5, 7, 10; first, data row 5: high 2.28e+08 "
        "is 9.88e+04× max(open, close) = 2307.93): a flash-crash wick is kept as printed; if "
        "it is a unit error in that cell, correct the file"
    )


_BEYOND = (
    "not a price of this bar (100,000× or more from its open and close, either way, is "
    "beyond any recorded wick; the largest, ETH at $0.10 on GDAX in 2017, was 1/3,200 of "
    "its price); correct the cell"
)


@pytest.mark.parametrize(
    ("row", "col", "value", "said"),
    [
        (4, "high", 1e300, "data row 5: high 1e+300 is 4.33e+296× max(open, close) = 2307.93"),
        (6, "low", 0.01, "data row 7: low 0.01 is 1/2.3e+05 of min(open, close) = 2295.68"),
    ],
)
def test_a_value_beyond_any_wick_is_refused(
    tmp_path: Path, row: int, col: str, value: float, said: str
) -> None:
    df = pd.read_csv(SPOT_1H)
    df.loc[row, col] = value
    df.loc[2, "low"] = 0.10  # a real-sized wick before it is still kept (not the error)
    f = tmp_path / "beyond.csv"
    df.to_csv(f, index=False)
    with pytest.raises(InputError) as got:
        read_file(f, symbol="ETHUSDT")
    assert str(got.value) == f"{f}: {said}: {_BEYOND}"


def test_an_open_interest_level_beyond_any_wick_is_refused(tmp_path: Path) -> None:
    t = pd.date_range("2025-01-01", periods=3, freq="4h", tz="UTC").strftime("%Y-%m-%d %H:%M")
    usd = np.array([3.3e9, 3.31e9, 3.32e9])
    f = tmp_path / "oi.csv"
    pd.DataFrame(
        {"ts": t, "oi_open_usd": usd, "oi_high_usd": usd * [1, 1e6, 1], "oi_low_usd": usd,
         "oi_usd": usd}
    ).to_csv(f, index=False)  # fmt: skip
    with pytest.raises(InputError) as got:
        read_file(f)
    assert str(got.value) == (
        f"{f}: data row 2: oi_high_usd 3.31e+15 is 1e+06× max(oi_open_usd, oi_usd) = 3.31e+09: "
        "not a level of this bar (100,000× or more from its open and close, either way, is "
        "beyond any recorded wick; the largest, ETH at $0.10 on GDAX in 2017, was 1/3,200 of "
        "its price); correct the cell"
    )


def test_a_wick_is_a_warning_on_the_command_line(tmp_path: Path) -> None:
    df = pd.read_csv(SPOT_1H)
    df.loc[6, "low"] = 0.10
    f = tmp_path / "wick.csv"
    df.to_csv(f, index=False)
    r = run_cli("data", "ingest", str(f), "--symbol", "ETHUSDT", "--store", str(tmp_path / "s"))
    assert r.exit_code == 0, r.stderr
    assert (
        f"warning: {f}: kept 1 bar whose high or low is 5× or more away from the bar's own "
        "open and close (data row 7: low 0.1 is 1/2.3e+04 of min(open, close) = 2295.68)"
    ) in r.stderr


def test_an_open_interest_wick_is_kept_with_a_warning(tmp_path: Path) -> None:
    t = pd.date_range("2025-01-01", periods=4, freq="4h", tz="UTC").strftime("%Y-%m-%d %H:%M")
    usd = np.array([3.3e9, 3.31e9, 3.32e9, 3.3e9])
    f = tmp_path / "oi.csv"
    pd.DataFrame(
        {"ts": t, "oi_open_usd": usd, "oi_high_usd": usd * [1, 1, 10, 1], "oi_low_usd": usd,
         "oi_usd": usd}
    ).to_csv(f, index=False)  # fmt: skip
    (s,) = read_file(f)
    assert s.rows == 4
    assert any(
        "kept 1 bar whose oi_high_usd or oi_low_usd is 5× or more away from the bar's own "
        "oi_open_usd and oi_usd (data row 3: oi_high_usd 3.32e+10 is 10× max(oi_open_usd, "
        "oi_usd) = 3.32e+09)" in w
        for w in s.warnings
    )


@pytest.mark.parametrize(
    ("col", "value", "message"),
    [
        ("high", "low/100", r"data row 5: high \S+ is below max\(open, close\)"),
        ("low", "high*100", r"data row 5: low \S+ is above min\(open, close\)"),
        ("high", "inf", r"data row 5: high is missing, NaN or infinite"),
        ("low", "0", r"data row 5: low must be > 0 \(got 0\)"),
        ("low", "-1", r"data row 5: low must be > 0 \(got -1\)"),
    ],
)
def test_a_wick_beyond_the_other_side_or_not_positive_is_refused(
    tmp_path: Path, col: str, value: str, message: str
) -> None:
    df = pd.read_csv(SPOT_1H)
    df[col] = df[col].astype(float)
    row = df.loc[4]
    v = {"low/100": row["low"] / 100, "high*100": row["high"] * 100}.get(value)
    df.loc[4, col] = float(value) if v is None else v
    df.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(InputError, match=message):
        read_file(tmp_path / "bad.csv")


def test_one_row_wholly_in_other_units_is_refused(tmp_path: Path) -> None:
    # open, high, low and close of one bar ×100: within the bar they agree, but its open
    # is 100× the close before it
    df = pd.read_csv(SPOT_1H)
    df.loc[8, _OHLC] = df.loc[8, _OHLC] * 100
    df.to_csv(tmp_path / "row.csv", index=False)
    with pytest.raises(InputError, match=r"data row 9: close \S+ is \S+× the close of the bar"):
        read_file(tmp_path / "row.csv")


#: Daily closes (each bar opens, peaks and bottoms at its close) and whether they pass.
BOUND_CASES = [
    ([10.0, 49.9, 49.9, 10.0], True),  # ×4.99, then 1/4.99
    ([10.0, 50.0, 50.0, 50.0], False),  # ×5
    ([10.0, 2.0, 2.0, 2.0], False),  # 1/5
    ([10.0, 2.01, 2.01, 2.01], True),
]


@pytest.mark.parametrize(("closes", "ok"), BOUND_CASES)
def test_the_bound_is_five_either_way(tmp_path: Path, closes: list[float], ok: bool) -> None:
    t = pd.date_range("2024-01-01", periods=4, freq="1D", tz="UTC").strftime("%Y-%m-%d")
    c = np.array(closes)
    pd.DataFrame({"ts": t, "open": c, "high": c, "low": c, "close": c, "volume": 1.0}).to_csv(
        tmp_path / "b.csv", index=False
    )
    if ok:
        assert read_file(tmp_path / "b.csv")[0].rows == 4
    else:
        with pytest.raises(InputError, match="data row 2: close "):
            read_file(tmp_path / "b.csv")
    assert MAX_BAR_JUMP == 5.0


def _bundled_series() -> list[tuple[str, str, pd.DataFrame]]:
    out = []
    for name, d in DATASETS.items():
        if d.kind not in ("ohlcv", "open_interest"):
            continue
        df = load(name).reset_index()
        keys = [k for k in ("venue", "asset", "symbol") if k in df.columns]
        groups = [("", df)] if not keys else list(df.groupby(keys))
        out += [(f"{name} {k}", d.kind, g.drop(columns=keys)) for k, g in groups]
    return out


def test_every_bundled_price_and_open_interest_series_passes() -> None:
    series = _bundled_series()
    assert len(series) >= 30  # 11 price datasets (14 venue/asset series in one), 7 OI
    for label, kind, g in series:
        f = g.reset_index(drop=True)
        f["ts"] = pd.to_datetime(f["ts"], utc=True).astype("datetime64[us, UTC]")
        f["_row"] = np.arange(1, len(f) + 1)
        interval = infer_interval(f["ts"])  # its own: a 30m series is not 1h bars overlapping
        s = validate(SeriesFrame(kind, "v", "S", interval, f, file=label))
        assert s.rows == len(f), label


def test_an_empty_cell_between_does_not_hide_the_step(tmp_path: Path) -> None:
    t = pd.date_range("2025-01-01", periods=5, freq="4h", tz="UTC").strftime("%Y-%m-%d %H:%M")
    f = tmp_path / "oi.csv"
    usd = [3.3e9, 3.31e9, 3.32e9, 3.3e9, 3.31e9]
    coins = [1e6, 1.01e6, None, 1.0e3, 1.01e3]  # row 3 gives only oi_usd
    pd.DataFrame({"ts": t, "oi_usd": usd, "oi_base": coins}).to_csv(f, index=False)
    want = r"data row 4: oi_base 1000 is 1/1\.01e\+03 of the oi_base of the bar before it "
    with pytest.raises(InputError, match=want + r"\(1\.01e\+06 at data row 2\)"):
        read_file(f)
