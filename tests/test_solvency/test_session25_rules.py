"""Session 25: solvency's scenario row per ADL policy; a book of several symbols.

- The scenario row's ``adl_notional_usd`` was the first evaluated policy's notional
  (another policy order, another figure, under a name that did not say so): it is
  ``{policy: USD}`` now, as the fund after ADL is per policy (``fund_after_adl``).
- ``run_solvency`` on a book of several assets (``symbol="mixed"``) without ``asset``
  ran as the asset ``MIXED`` (a scenario "no hourly prices of MIXED"): refused now,
  naming ``asset``. A file of one asset's several contracts is that asset's book.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from liqcascade.errors import InputError
from liqcascade.positions import read_positions
from liqcascade.solvency import Exchange, SolvencyResult, StressScenario, run_solvency
from liqcascade.solvency._adl import AdlPolicy
from liqcascade.solvency._exchange import _run_asset
from test_solvency.test_exchange import _book

TOL = 1e-9


def _outcome(policies: tuple[AdlPolicy, ...]) -> SolvencyResult:
    ex = Exchange(_book(), insurance_fund=50.0, mid=2000.0)
    return run_solvency(ex, [StressScenario("s", -0.08)], engine="path", whole_positions=True,
                        policies=policies)  # fmt: skip


def test_adl_notional_is_per_policy_whatever_the_order() -> None:
    a = _outcome(("binance", "socialized"))
    b = _outcome(("socialized", "binance"))
    ra, rb = a.to_dict()["scenarios"][0], b.to_dict()["scenarios"][0]
    assert set(ra["adl_notional_usd"]) == {"binance", "socialized"}
    for p in ("binance", "socialized"):
        want = a.outcomes[0].adl[p].notional_usd
        assert ra["adl_notional_usd"][p] == pytest.approx(want, abs=TOL)
        assert rb["adl_notional_usd"][p] == pytest.approx(want, abs=TOL)
        assert a.outcomes[0].adl_notional(p) == pytest.approx(want, abs=TOL)
    # the whole-position queue closes more than the pro-rata one: the figures differ, so
    # one number for both depended on which policy came first
    assert ra["adl_notional_usd"]["binance"] > ra["adl_notional_usd"]["socialized"] + 1.0
    assert a.outcomes[0].adl_notional(None) == 0.0
    assert a.outcomes[0].adl_notional("optimal") == 0.0  # not evaluated
    assert "adl_notional_usd (binance)" in a.outcomes[0]._repr_html_()


def test_the_frame_has_a_column_per_policy_not_a_column_of_dicts() -> None:
    res = _outcome(("binance", "socialized"))
    df = res.to_frame()
    assert "adl_notional_usd" not in df.columns
    for p in ("binance", "socialized"):
        want = res.outcomes[0].adl[p].notional_usd
        assert df[f"adl_notional_usd_{p}"].iloc[0] == pytest.approx(want, abs=TOL)
    assert not any(isinstance(x, dict) for x in df.filter(like="adl_notional").to_numpy().ravel())
    assert res.to_dict()["scenarios"][0]["adl_notional_usd"].keys() == {"binance", "socialized"}
    # a scenario without bad debt: 0 in every policy's column (no ADL), not NaN
    calm = run_solvency(Exchange(_book(), insurance_fund=1e6, mid=2000.0),
                        [StressScenario("s", -0.08)], engine="path").to_frame()  # fmt: skip
    cols = calm.filter(like="adl_notional_usd_")
    assert cols.shape == (1, 4) and not cols.isna().any().any()
    assert cols.abs().max().max() == pytest.approx(0.0, abs=TOL)


def test_adl_notional_is_empty_without_bad_debt() -> None:
    ex = Exchange(_book(), insurance_fund=1e6, mid=2000.0)
    res = run_solvency(ex, [StressScenario("s", -0.08)], engine="path")
    assert res.outcomes[0].bad_debt_usd == 0.0
    assert res.to_dict()["scenarios"][0]["adl_notional_usd"] == {}


def _mixed(tmp_path: Path, second: str) -> Path:
    f = tmp_path / "mixed.csv"
    rows = ("side,size,entry_price,leverage,symbol", "long,1,3000,10,ETHUSDT",
            f"long,1,3000,10,{second}")  # fmt: skip
    f.write_text("\n".join(rows) + "\n")
    return f


def test_a_book_of_several_assets_needs_an_asset(tmp_path: Path) -> None:
    pos = read_positions(_mixed(tmp_path, "BTCUSDT"))  # no reference price: read per row
    assert pos.symbol == "mixed"
    with pytest.raises(InputError, match=r"several assets' symbols \(mixed\).*split") as e:
        _run_asset(pos, None)
    assert e.value.param == "asset"
    with pytest.raises(InputError, match=r"several assets") as e:
        run_solvency(Exchange(pos, 0.0, mid=3000.0), [StressScenario("s", -0.1)])
    assert e.value.param == "asset"
    # session 26: an asset given does not make it one asset's book (it ran as ETH)
    with pytest.raises(InputError, match=r"several assets") as e:
        run_solvency(Exchange(pos, 0.0, mid=3000.0), [StressScenario("s", -0.1)], asset="ETH")
    assert e.value.param == "asset"


def _one_asset_two_venues(tmp_path: Path) -> Path:
    """/tmp/review25/mixed3.csv: ETH on Binance (ETHUSDT) and on Hyperliquid (ETH)."""
    f = tmp_path / "mixed3.csv"
    f.write_text(
        "side,size,entry_price,margin,liq_price,bankruptcy_price,symbol,venue\n"
        "long,1,105,6,99.5,99,ETHUSDT,binance\nlong,2,104,16,98.5,96,ETH,hyperliquid\n"
        "short,1.5,95,9.75,100.8,101.5,ETHUSDT,binance\n"
    )
    return f


def test_one_assets_contracts_are_that_assets_book(tmp_path: Path) -> None:
    """ETHUSDT and ETH rows: the book is ETH's (it was "mixed": run as BTC when asked,
    refused without an asset, and the CLI ran it as MIXED, "no hourly prices of MIXED")."""
    for second in ("ETH-PERP", "ETH"):
        assert read_positions(_mixed(tmp_path, second)).symbol == "ETH"
    pos = read_positions(_one_asset_two_venues(tmp_path))
    assert (pos.venue, pos.symbol) == ("mixed", "ETH")
    assert _run_asset(pos, None) == "ETH" == _run_asset(pos, "eth")
    with pytest.raises(InputError, match=r"^asset \(BTC\) is not the positions' asset \(ETH\)"):
        run_solvency(Exchange(pos, 0.0, mid=100.0), [StressScenario("s", -0.1)], asset="BTC")
    res = run_solvency(Exchange(pos, 0.0, mid=100.0), [StressScenario("s", -0.1)])
    assert res.outcomes[0].final_price == pytest.approx(90.0, rel=1e-12)


def test_the_request_names_the_files_one_asset(tmp_path: Path) -> None:
    """The CLI's request: the 2025-10-10 scenario of ETH (the rows' asset), not of MIXED."""
    from liqcascade.solvency import default_scenarios, run_solvency_request

    book = Path(__file__).resolve().parents[1] / "data" / "book" / "book.csv"
    run = run_solvency_request(0.0, positions=_one_asset_two_venues(tmp_path), book=book)
    day = next(o for o in run.result.outcomes if o.name == "2025-10-10")
    assert day.shock == pytest.approx(default_scenarios()[-1].shock, rel=1e-9)  # ETH's fall


def _weighted_past(tmp_path: Path) -> Path:
    # the size-weighted entry price is 1,950, where the long (liq 1,960) is already past
    f = tmp_path / "p.csv"
    f.write_text(
        "side,size,entry_price,margin,liq_price,bankruptcy_price\n"
        "long,1,2000,40,1960,1950\nlong,1,1900,190,1720,1710\n"
    )
    return f


def test_the_weighted_entry_refusal_names_its_row(tmp_path: Path) -> None:
    """check_at_price takes the hint and the parameter: no string matching, the row kept."""
    from liqcascade.solvency import run_solvency_request

    f = _weighted_past(tmp_path)
    with pytest.raises(InputError) as e:
        run_solvency_request(0.0, positions=f, scenarios=[StressScenario("s", -0.05)])
    assert (e.value.param, e.value.file, e.value.row) == ("mid", str(f), 1)
    assert str(e.value) == (
        f"{f}: data row 1: already beyond its liquidation price 1,960.00 at the price before "
        f"the shock (size-weighted entry price of {f}) 1,950.00; give mid (the price before "
        "the shock)"
    )


def test_the_weighted_entry_refusal_of_a_book_built_in_python(tmp_path: Path) -> None:
    pos = read_positions(_weighted_past(tmp_path))  # as a book built in Python: no file named
    with pytest.raises(InputError) as e:
        run_solvency(Exchange(pos, 0.0), [StressScenario("s", -0.05)], engine="path")
    assert e.value.param == "mid" and e.value.file is None
    assert str(e.value) == (
        "PositionBook: position 0: already beyond its liquidation price 1,960.00 at the price "
        "before the shock (the size-weighted entry price) 1,950.00; give mid (the price "
        "before the shock)"
    )


def test_check_at_price_takes_the_hint_and_the_parameter() -> None:
    import numpy as np

    from liqcascade.positions import check_at_price

    side, entry, liq = np.array([1, 1]), np.array([100.0, 100.0]), np.array([99.0, 90.0])
    with pytest.raises(InputError) as e:
        check_at_price(side, entry, liq, 98.0, file="f.csv", liquidated_hint="do this",
                       liquidated_param="mid")  # fmt: skip
    assert str(e.value).endswith("at the book's mid 98.00; do this")
    assert (e.value.param, e.value.row) == ("mid", 1)
    with pytest.raises(InputError) as e:  # without them: as before
        check_at_price(side, entry, liq, 98.0, file="f.csv")
    assert str(e.value).endswith("at the book's mid 98.00") and e.value.param is None


def test_path_engine_with_book_and_mid_checks_the_file_at_the_mid(tmp_path: Path) -> None:
    """``--engine path --book B --mid M`` starts at M: the file's unit check reads M too.

    It read the book's mid: longs entered near 25,000, the price the run starts at, were
    refused as 12.5x the book's mid of 2,000, which the path engine never walks.
    """
    from clihelpers import run_cli
    from test_solvency.test_start_and_adl_rules import _book_file

    f = tmp_path / "longs.csv"
    f.write_text(
        "side,size,entry_price,margin,liq_price,bankruptcy_price\n"
        "long,1,25000,1250,23875,23750\nlong,2,25000,5000,22625,22500\n"
    )
    book = _book_file(tmp_path, 2000.0)
    args = ["solvency", "--positions", str(f), "--book", str(book), "--engine", "path"]
    ok = run_cli(*args, "--mid", "25000", "--scenario=-5%", "--json")
    assert ok.exit_code == 0, ok.stderr
    assert ok.json()["pre_shock_price"]["usd"] == pytest.approx(25000.0, rel=1e-12)
    # 10x from the price the run starts at is still a unit error, named at that price
    r = run_cli(*args, "--mid", "300000", "--scenario=-5%")
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.strip() == (
        f"error: {f}: data row 1 (file line 2): entry_price 25,000 is 0.0833x the mid 300,000: "
        f"more than "
        "10x away from it is a unit error (prices are USD per coin); 1 more row like it "
        "(data row 2)"
    )
