"""``solvency`` as an exchange's board reads it: accounts, scales, fee, coverage, ADL start.

Each case is small enough to check by hand; the arithmetic is in the comments.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from clihelpers import run_cli
from liqcascade.errors import InputError
from liqcascade.positions import PositionBook
from liqcascade.solvency import Exchange, StressScenario, run_solvency

#: Account 1 holds a hedge (long and short, 20x), account 2 a 10x long, account 3 a
#: 10x short: the only winner ADL may haircut on a fall once account 1 is left out.
UNIFIED = (
    "account,side,size,entry_price,leverage,margin_mode\n"
    "1,long,10,3700,20,cross\n"
    "1,short,10,3700,20,cross\n"
    "2,long,10,3700,10,isolated\n"
    "3,short,10,3700,10,isolated\n"
)
MID = 3698.39


def _unified(tmp_path: Path) -> Path:
    f = tmp_path / "unified.csv"
    f.write_text(UNIFIED)
    return f


def _json(*args: str) -> dict:  # type: ignore[type-arg]
    r = run_cli("solvency", *args, "--json")
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)  # type: ignore[no-any-return]


def test_shared_accounts_are_warned_named_and_never_pay_their_own_adl(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    f = _unified(tmp_path)
    with caplog.at_level("WARNING"):
        r = run_cli("solvency", "--positions", str(f), "--mid", str(MID), "--scenario", "-10%")
    assert r.exit_code == 0, r.stderr
    warn = [x for x in caplog.messages if x.startswith("warning:")]
    assert len(warn) == 1 and str(f) in warn[0]
    assert "account 1 (rows 1, 2)" in warn[0] and "not netted" in warn[0]
    out = _json("--positions", str(f), "--mid", str(MID), "--scenario", "-10%")
    assert out["shared_accounts"] == {"1": [1, 2]}
    s = out["scenarios"][0]
    # P1 = 3,698.39 × 0.9 = 3,328.551; account 1's long: BK 3,515, (3,515 − P1) × 10 =
    # 1,864.49; account 2's: BK 3,330, 14.49; no fund: bad debt 1,878.98
    assert s["bad_debt_usd"] == pytest.approx(1878.98, abs=0.01)
    assert s["shortfall_usd"] == pytest.approx(1878.98, abs=0.01)
    # ADL: account 1's short (a winner) is left out; account 3's short alone pays
    for policy in out["adl"].values():
        assert policy["n_accounts"] == 1 and policy["n_eligible"] == 1


def test_shared_accounts_are_named_by_the_files_own_ids(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # a venue export's ids are text: read_positions numbers them 0, 1, … in order of
    # appearance, which is no name in the file; the warning and the JSON use the file's
    f = tmp_path / "ids.csv"
    f.write_text(
        "account,side,size,entry_price,leverage\n"
        "acct-7,long,10,3700,10\n"
        " acct-3 ,long,1,3700,10\n"
        "acct-7,short,10,3700,10\n"
        "acct-3,short,1,3700,10\n"
        "acct-9,short,1,3700,10\n"
    )
    with caplog.at_level("WARNING"):
        r = run_cli("solvency", "--positions", str(f), "--mid", str(MID), "--scenario", "-10%")
    assert r.exit_code == 0, r.stderr
    warn = [x for x in caplog.messages if x.startswith("warning:")]
    assert len(warn) == 1
    assert "account acct-7 (rows 1, 3); account acct-3 (rows 2, 4)" in warn[0]
    assert "account 0" not in warn[0] and "account 1 " not in warn[0]
    out = _json("--positions", str(f), "--mid", str(MID), "--scenario", "-10%")
    assert out["shared_accounts"] == {"acct-7": [1, 3], "acct-3": [2, 4]}


def test_a_book_of_own_accounts_is_not_warned(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    f = tmp_path / "own.csv"
    f.write_text("account,side,size,entry_price,leverage\n1,long,10,3700,10\n2,short,10,3700,10\n")
    with caplog.at_level("WARNING"):
        r = run_cli("solvency", "--positions", str(f), "--mid", str(MID), "--scenario", "-10%")
    assert r.exit_code == 0 and not any("warning:" in m for m in caplog.messages)
    assert (
        _json("--positions", str(f), "--mid", str(MID), "--scenario", "-10%")["shared_accounts"]
        == {}
    )


def test_fund_draw_shortfall_and_both_covers(tmp_path: Path) -> None:
    f = _unified(tmp_path)
    # liabilities Σ margin = 1,850 × 2 + 3,700 × 2 = 11,100; a 6 % buffer is 666
    for fund, bad, fund_covers, buffer_covers in (
        (0.0, 1878.98, False, False),  # 1,878.98 > 666
        (1500.0, 378.98, False, True),  # the fund pays 1,500, the buffer the rest
        (2000.0, 0.0, True, True),
    ):
        out = _json("--positions", str(f), "--mid", str(MID), "--scenario", "-10%",
                    "--insurance-fund", str(fund))  # fmt: skip
        s = out["scenarios"][0]
        assert out["liabilities_usd"] == pytest.approx(11100.0)
        assert s["bad_debt_usd"] == pytest.approx(bad, abs=0.01)
        assert s["fund_draw_usd"] == pytest.approx(min(fund, 1878.98), abs=0.01)
        assert s["shortfall_usd"] == pytest.approx(s["fund_draw_usd"] + s["bad_debt_usd"])
        assert s["fund_covers"] is fund_covers and s["buffer_covers"] is buffer_covers
        assert s["survives"] is buffer_covers


def test_the_text_says_which_buffer_and_why_the_fund_shows_money(tmp_path: Path) -> None:
    f = _unified(tmp_path)
    r = run_cli("solvency", "--positions", str(f), "--mid", str(MID), "--scenario", "-10%",
                "--insurance-fund", "1500")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    text = " ".join(r.stdout.replace("│", " ").replace("┃", " ").split())
    for word in ("fund covers", "buffer covers", "shortfall (USD)", "fund draw (USD)"):
        assert word in text or all(w in text for w in word.split()), word
    assert "surpluses and fees are credited after the cascade" in text
    assert "liquidated is notional at the fill price" in text
    assert "survives" not in text
    assert text.count("surpluses and fees are credited after") == 1


@pytest.mark.parametrize(
    ("fee", "hint"), [("0.5", "for 0.5 % give 0.005"), ("0.9", "for 0.9 % give 0.009")]
)
def test_a_fee_above_five_percent_is_refused_with_the_hint(
    tmp_path: Path, fee: str, hint: str
) -> None:
    f = _unified(tmp_path)
    r = run_cli("solvency", "--positions", str(f), "--mid", str(MID), "--liq-fee", fee)
    assert r.exit_code == 2
    assert r.stderr.strip().splitlines()[-1] == (
        f"error: --liq-fee must be a fraction in [0, 0.05) (got {fee}; {hint})"
    )


def test_a_fee_in_percent_nets_per_position(tmp_path: Path) -> None:
    f = _unified(tmp_path)
    out = _json("--positions", str(f), "--mid", str(MID), "--scenario", "-10%",
                "--liq-fee", "0.5%")  # fmt: skip
    # 0.5 % of each liquidated position's notional at P1 (33,285.51 each) nets against
    # its shortfall: 1,864.49 − 166.43 and 14.49 − 166.43 (a surplus of 151.94)
    s = out["scenarios"][0]
    assert s["shortfall_usd"] == pytest.approx(1864.49 - 166.4276, abs=0.01)
    assert s["surplus_usd"] == pytest.approx(166.4276 - 14.49, abs=0.01)


def test_the_help_says_which_tiers_price_leverage_rows() -> None:
    r = run_cli("solvency", "--help")
    text = " ".join(r.stdout.replace("│", " ").split())
    assert "bundled tier snapshot" in text
    assert "liq_price and bankruptcy_price" in text
    assert "0.5 is refused" in text


def _one_long(fund: float) -> Exchange:
    # a 10x long at 100 (liquidation 91, bankruptcy 90) and a short (a winner on a fall)
    pos = PositionBook(
        side=[1, -1], size=[1.0, 1.0], entry_price=[100.0, 100.0], margin=[10.0, 50.0],
        liq_price=[91.0, 145.0], bankruptcy_price=[90.0, 150.0], account=[1, 2],
    )  # fmt: skip
    return Exchange(pos, insurance_fund=fund, mid=100.0)


@pytest.mark.parametrize(("fund", "start"), [(0.0, -0.10), (2.0, -0.12), (5.0, -0.15)])
def test_adl_start_golden_by_hand(fund: float, start: float) -> None:
    # shortfall at P1 below 90: 90 − P1; bad debt once it passes the fund: P1 < 90 − fund
    res = run_solvency(
        _one_long(fund), [StressScenario("a", -0.05), StressScenario("b", -0.3)], engine="path",
        find_adl_start=True,
    )  # fmt: skip
    a = res.adl_start
    assert a is not None and a["shock"] == pytest.approx(start, abs=a["tolerance"])
    lo, hi = a["bracket"]
    assert hi <= start <= lo + 1e-12  # [no bad debt, bad debt] holds the hand figure
    assert a["interval"] == [a["shock"], a["shock"]]  # no interval on the path engine
    assert a["n_runs"] <= 6
    assert res.to_dict()["adl_start"] == a


def test_adl_start_deepens_with_the_fund() -> None:
    shocks = [
        run_solvency(
            _one_long(f), [StressScenario("b", -0.3)], engine="path", find_adl_start=True
        ).adl_start
        for f in (0.0, 1.0, 3.0, 8.0)
    ]
    got = [s["shock"] for s in shocks if s is not None]
    assert len(got) == 4 and all(b < a for a, b in itertools.pairwise(got))


def test_adl_start_none_when_the_fund_covers_every_fall() -> None:
    res = run_solvency(
        _one_long(100.0), [StressScenario("b", -0.3)], engine="path", find_adl_start=True
    )
    assert res.adl_start is not None and res.adl_start["shock"] is None
    assert res.adl_start["deepest"] == pytest.approx(-0.3)
    rise = run_solvency(
        _one_long(0.0), [StressScenario("up", 0.1)], engine="path", find_adl_start=True
    )
    assert rise.adl_start is None  # falls only


def test_the_bisection_brackets_the_interval_on_a_made_up_response() -> None:
    from liqcascade.solvency._adl_start import adl_start

    # bad debt turns positive at −13.7 % (central), −11 % (p90), −16 % (p10)
    def f(shock: float) -> tuple[float, float, float]:
        x = -shock
        return float(x > 0.137), float(x > 0.16), float(x > 0.11)

    a = adl_start(f, [(-0.1, f(-0.1)), (-0.2, f(-0.2))], max_runs=20)
    assert a is not None
    assert a["shock"] == pytest.approx(-0.137, abs=0.005)
    mild, deep = a["interval"]
    assert mild == pytest.approx(-0.11, abs=0.005) and deep == pytest.approx(-0.16, abs=0.005)
    cheap = adl_start(f, [(-0.1, f(-0.1)), (-0.2, f(-0.2))], max_runs=2)
    assert cheap is not None and cheap["n_runs"] == 2


def test_every_engine_run_is_reported() -> None:
    calls: list[int] = []
    res = run_solvency(
        _one_long(2.0), [StressScenario("a", -0.05), StressScenario("b", -0.3)],
        engine="path", on_run=lambda: calls.append(1), find_adl_start=True,
    )  # fmt: skip
    assert res.adl_start is not None
    assert len(calls) == 2 + res.adl_start["n_runs"]


def test_a_rise_s_price_interval_is_ordered_by_value() -> None:
    from liqcascade.book import OrderBook
    from liqcascade.cascade import load_liquidity, prepare_cascade
    from liqcascade.solvency._liquidity import calibrated_exchange_run

    ob = OrderBook.from_levels(
        2000.0, [[1990, 1], [1950, 1], [1900, 1], [1800, 10]], [[2010, 1], [2050, 1], [2200, 10]]
    )
    pos = PositionBook(
        side=[-1, -1, 1], size=[1.0, 2.0, 1.0], entry_price=[2000.0] * 3,
        margin=[40.0, 100.0, 200.0], liq_price=[2030.0, 2080.0, 1850.0],
        bankruptcy_price=[2040.0, 2100.0, 1800.0],
    )  # fmt: skip
    cal = load_liquidity("ETH")
    for shock in (0.01, -0.01):
        c = calibrated_exchange_run(prepare_cascade(ob, pos), shock, cal, 0.0, 0.0)
        assert c.final_price_p10 <= c.final_price_p90
        assert c.shortfall >= c.bad_debt >= 0.0


def test_the_text_cells_scale_and_carry_the_liquidated_interval() -> None:
    from liqcascade._cli import _solvency_text as t

    result = {
        "fund_scale": {"scale": "market", "feed_per_market_usd": 0.02},
        "market": {"asset": "BTC"},
        "reserve_buffer": 0.06,
    }
    s = t.scale_of(result)
    assert s.unit == "USD, market" and s.words == "USD (market)"
    sc = {"liquidated_usd": 200.0, "shortfall_usd": 40.0, "fund_draw_usd": 10.0,
          "fund_before_adl_usd": 0.0, "bad_debt_usd": 30.0,
          "interval": {"liquidated_p10_usd": 100.0, "liquidated_p90_usd": 300.0,
                       "bad_debt_p10_usd": 20.0, "bad_debt_p90_usd": 50.0}}  # fmt: skip
    cells, outside = t.money_cells(s, sc)
    # market dollars = the book's ÷ 0.02
    assert cells == ["10,000 (5,000 … 15,000)", "2,000", "500", "0", "1,500 (1,000 … 2,500)"]
    assert not outside
    assert t.book_caveat(result) is not None and "far more fragile" in str(t.book_caveat(result))
    assert t.book_caveat({"market": {"asset": "ETH"}}) is None
    assert t.scale_of({"market": {"asset": "ETH"}}).unit == "USD, feed scale"
    assert t.scale_of({}).unit == "USD"


def test_the_library_refuses_a_fee_from_five_percent() -> None:
    from liqcascade.solvency import run_solvency_request

    with pytest.raises(InputError, match=r"for 6 % give 0\.0006|\[0, 0\.05\)") as e:
        run_solvency_request(0.0, positions=Path("x.csv"), liq_fee=0.06)
    assert "liq_fee" in e.value.params


def test_isolated_rows_of_one_account_keep_their_figures(tmp_path: Path) -> None:
    # the ADL exclusion only removes accounts that were liquidated: a book of one
    # position per account is haircut as before
    res = run_solvency(
        _one_long(0.0), [StressScenario("b", -0.3)], engine="path", find_adl_start=True
    )
    o = res.outcomes[0]
    assert o.bad_debt_usd == pytest.approx(20.0)  # P1 70: (90 − 70) × 1
    assert o.adl["binance"].haircut_usd == pytest.approx(20.0)
    assert np.isclose(o.fund_draw_usd, 0.0)


def test_market_dollars_in_market_dollars_out() -> None:
    args = ("--insurance-fund", "5e6", "--fund-scale", "market", "--scenario",
            "-0.2", "--engine", "path", "--oi-share", "0.05")  # fmt: skip
    d = _json(*args)
    fs, s = d["fund_scale"], d["scenarios"][0]
    k = fs["feed_per_market_usd"]
    assert fs["binance_share_of_oi"] == pytest.approx(0.25)
    # the factor is the book's share of open interest over Binance's assumed 25 %
    assert k == pytest.approx(d["units"]["book_share_of_oi"] / 0.25, rel=1e-9)
    assert "Binance's, taken as 25 %" in d["units"]["text"]
    t = run_cli("solvency", *args)
    assert t.exit_code == 0, t.stderr
    text = " ".join(t.stdout.replace("│", " ").replace("┃", " ").split())
    assert "market)" in text  # the headers' "(USD, market)", wrapped by the table
    assert "USD, feed scale" not in text
    row = next(x for x in t.stdout.splitlines() if x.strip().startswith("│") and "-20 %" in x)
    cells = [c.strip() for c in row.strip().strip("│").split("│")]
    # liquidated, shortfall, fund draw: the book's figures ÷ k (market dollars)
    for cell, key in zip(cells[2:5], ("liquidated_usd", "shortfall_usd", "fund_draw_usd"),
                         strict=True):  # fmt: skip
        assert float(cell.replace(",", "")) == pytest.approx(s[key] / k, abs=1.0), key
    assert float(cells[4].replace(",", "")) == pytest.approx(
        min(5e6, s["shortfall_usd"] / k), abs=1
    )
