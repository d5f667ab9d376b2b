"""``liqcascade cascade`` at the edges a reviewer tried: a zero shock, a book that runs
out before the asked move, the band next to the price, small notionals, two shocks."""

from __future__ import annotations

import numpy as np
import pytest

from clihelpers import run_cli
from liqcascade.cascade import critical_shock, next_wave_levels, prepare_cascade
from liqcascade.positions import PositionBook
from liqcascade.positions._book import StopBook
from test_cascade.test_cli import FILES
from test_cascade.test_fragility import _market


def test_a_zero_shock_prints_no_amplification() -> None:
    r = run_cli("cascade", *FILES, "--shock-price", "100")  # the mid given in FILES
    assert r.exit_code == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if "amplification" in x)
    assert line.split()[-1] == "n/a" and "nan" not in r.stdout


def test_the_critical_shock_says_when_the_book_runs_out_first() -> None:
    book, pos, stops = _market()
    pm = prepare_cascade(book, pos, stops)
    cs = critical_shock(pm, total_move=-0.5)
    assert cs.book_exhausted and not cs.reached  # the parametric book ends at -30 %
    assert cs.summary()["reached"] is False
    ok = critical_shock(pm, total_move=-0.05)
    assert ok.reached and ok.final_price <= book.mid * 0.95 + 1e-9
    r = run_cli("cascade", *FILES, "--fragility", "--total-move=-0.5")
    assert r.exit_code == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if x.startswith("critical shock"))
    assert "where the displayed book runs out" in line
    assert "no cascade on this book reaches -50 %" in line


def test_the_band_next_to_the_price_is_a_row() -> None:
    _, pos, stops = _market()
    plain = next_wave_levels(pos, stops, 2013.0)
    near = next_wave_levels(pos, stops, 2013.0, from_price=True)
    f, g = plain.frame, near.frame
    assert g["level"].iloc[0] == 2013.0 and g["next_level"].iloc[0] == f["level"].iloc[0]
    pd_rows = g.iloc[1:].reset_index(drop=True)
    assert np.allclose(pd_rows["released_usd"], f["released_usd"])
    # the rows now add up to the cumulative column
    assert np.allclose(np.cumsum(g["released_usd"]), g["cumulative_usd"])
    longs = (pos.side == 1) & (pos.liq_price < 2013.0) & (pos.liq_price >= 2000.0)
    sells = (stops.side == -1) & (stops.trigger < 2013.0) & (stops.trigger >= 2000.0)
    want = (pos.size * pos.liq_price)[longs].sum() + (stops.size * stops.trigger)[sells].sum()
    assert g["released_usd"].iloc[0] == pytest.approx(want)


def test_small_notionals_print_in_usd_and_the_up_curve_for_a_rise() -> None:
    r = run_cli("cascade", *FILES, "--fragility", "--total-move", "0.05")
    assert r.exit_code == 0, r.stderr
    assert "fragility curve (up shocks)" in r.stdout
    assert "liquidations (USD)" in r.stdout and "(M USD)" not in r.stdout
    rows = [x for x in r.stdout.splitlines() if "→" in x and "100.0 →" in x]
    assert rows and any(float(c.replace(",", "")) > 0 for c in rows[0].split("│")[2:5])


def test_two_shocks_name_each_flag_once() -> None:
    r = run_cli("cascade", *FILES, "--shock", "-0.05", "--shock-price", "98")
    assert r.exit_code == 2
    assert r.stderr.strip() == (
        "error: give exactly one of --shock-price, --shock, --shock-sell-usd, "
        "--shock-buy-usd (2 were given)"
    )


def test_an_empty_book_has_no_next_wave_rows_past_the_price() -> None:
    empty = next_wave_levels(PositionBook.empty(), StopBook.empty(), 100.0, from_price=True)
    assert (empty.frame["released_usd"] == 0).all() and empty.frame["level"].iloc[0] == 100.0


def test_a_shock_past_the_books_edge_is_said_as_the_shock() -> None:
    r = run_cli("cascade", "--asset", "ETH", "--shock=-0.99")
    assert r.exit_code == 0, r.stderr
    text = " ".join(r.stdout.split())
    assert "-99.00 % — the shock alone passes the modelled book's edge (-40 %)" in text
    assert "≤ -40 % — beyond the modelled book" not in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--withdrawal", "1"), "error: --withdrawal must be a fraction in [0, 1) (got 1)"),
        (("--withdrawal", "nan"), "error: --withdrawal must be a fraction in [0, 1) (got nan)"),
        (
            ("--shock-sell-usd", "inf"),
            "error: --shock-sell-usd must be a finite number >= 0 (got inf)",
        ),
    ],
)
def test_one_range_per_option(args: tuple[str, ...], message: str) -> None:
    extra = () if "--shock-sell-usd" in args else ("--shock", "-0.05")
    r = run_cli("cascade", *FILES, *extra, *args)
    assert r.exit_code == 2 and r.stderr.strip() == message


@pytest.mark.parametrize(
    ("args", "flags"),
    [
        (("--withdrawal", "0.5"), "--withdrawal applies"),
        (("--refill", "0.2", "--liq-fee", "0.01"), "--refill, --liq-fee apply"),
        (("--partial-liquidation",), "--partial-liquidation applies"),
    ],
)
def test_static_extensions_are_refused_on_a_calibrated_run(
    args: tuple[str, ...], flags: str
) -> None:
    r = run_cli("cascade", "--asset", "ETH", "--shock", "-0.05", *args)
    assert r.exit_code == 2
    assert r.stderr.strip().startswith(f"error: {flags} to --liquidity static only")
    ok = run_cli("cascade", "--asset", "ETH", "--shock", "-0.05", "--liquidity", "static", *args)
    assert ok.exit_code == 0, ok.stderr


def test_the_static_curve_runs_nearest_first_without_a_zero_row() -> None:
    r = run_cli("cascade", *FILES, "--fragility")
    assert r.exit_code == 0, r.stderr
    shocks = [x.split("│")[1].strip() for x in r.stdout.splitlines()
              if x.startswith("│") and x.split("│")[1].strip().endswith("%")
              and "→" not in x]  # fmt: skip
    assert shocks[:3] == ["-1 %", "-2 %", "-3 %"] and "0 %" not in shocks


def test_the_library_and_the_command_line_take_one_shock_range() -> None:
    """``shock=1.5`` (+150 %) runs in both; only the CLI's notation differs (``150%``)."""
    from liqcascade.book import OrderBook
    from liqcascade.cascade import simulate_cascade
    from liqcascade.positions import read_positions, read_stops
    from test_cascade.test_cli import D

    ob = OrderBook.from_file(D / "book.csv", mid=100.0)
    lib = simulate_cascade(ob, read_positions(D / "positions.csv"), read_stops(D / "stops.csv"),
                           shock=1.5)  # fmt: skip
    r = run_cli("cascade", *FILES, "--shock", "150%", "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["shock_price"] == pytest.approx(250.0) == lib.shock_price
    assert r.json()["final_price"] == pytest.approx(lib.final_price)
    typo = run_cli("cascade", *FILES, "--shock", "1.5")  # a bare 1.5: the notation guard
    assert typo.exit_code == 2 and "write -0.05 or -5%" in typo.stderr
    for bad in ("-100%", "-150%"):  # the one lower bound, > -1, in both (said in percent)
        out = run_cli("cascade", *FILES, f"--shock={bad}")
        assert out.exit_code == 2, out.stderr
        assert out.stderr.strip() == f"error: --shock must be above -100 % (got {bad})"


@pytest.mark.parametrize(
    ("name", "value", "flag", "text"),
    [
        ("shock", -1.0, "--shock", "-100%"),
        ("shock", -1.5, "--shock", "-150%"),
        ("shock_price", -3.0, "--shock-price", "-3"),
        ("shock_price", 0.0, "--shock-price", "0"),
        ("shock_sell_usd", float("inf"), "--shock-sell-usd", "inf"),
        ("shock_buy_usd", -5.0, "--shock-buy-usd", "-5"),
    ],
)
def test_the_library_and_the_command_line_check_a_shock_by_one_rule(
    name: str, value: float, flag: str, text: str
) -> None:
    """Each bound was written twice (simulate_cascade's and the request's), in two
    wordings: ``shock must be > -1 (a fraction of mid; …)`` against ``shock must be a
    fraction > -1 (…)``, ``must be finite`` against ``must be a finite number >= 0``; the
    library's errors carried no ``param``."""
    from liqcascade.book import OrderBook
    from liqcascade.cascade import simulate_cascade
    from liqcascade.errors import InputError
    from liqcascade.positions import read_positions, read_stops
    from test_cascade.test_cli import D

    ob = OrderBook.from_file(D / "book.csv", mid=100.0)
    with pytest.raises(InputError) as e:
        simulate_cascade(ob, read_positions(D / "positions.csv"), read_stops(D / "stops.csv"),
                         **{name: value})  # fmt: skip
    assert e.value.param == name and "--" not in str(e.value)
    r = run_cli("cascade", *FILES, f"{flag}={text}")
    assert r.exit_code == 2
    if text.endswith("%"):  # the bound said in the unit typed (the fraction options' rule)
        assert "> -1" in str(e.value)
        assert r.stderr.strip() == f"error: {flag} must be above -100 % (got {text})"
    else:
        assert r.stderr.strip() == f"error: {e.value.for_flags({name: flag})}"


def test_a_book_with_no_levels_closes_every_triggered_order_at_the_shock_price() -> None:
    """Documented (OrderBook, Notes): no liquidity, not an error."""
    from liqcascade.book import OrderBook
    from liqcascade.cascade import simulate_cascade

    pos = PositionBook(side=[1, 1, -1], size=[1.0, 2.0, 1.0], entry_price=[100.0] * 3,
                       margin=[5.0, 5.0, 5.0], liq_price=[96.0, 98.0, 104.0],
                       bankruptcy_price=[95.0, 97.5, 105.0])  # fmt: skip
    r = simulate_cascade(OrderBook.from_levels(100.0, [], []), pos, shock=-0.03)
    assert r.book_exhausted and r.final_price == pytest.approx(97.0)
    assert r.n_liquidated == 1 and r.liquidated_long_usd == pytest.approx(2.0 * 97.0)


def test_calibrated_liquidity_on_files_says_why_and_what_to_run_instead() -> None:
    """``solvency`` takes files with calibrated liquidity; ``cascade`` said only "needs the
    estimated market" (exch24): its answer (interval, score) is that market's."""
    r = run_cli(
        "cascade", *FILES, "--liquidity", "calibrated", "--asset", "ETH", "--shock", "-0.05"
    )
    assert r.exit_code == 2 and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1
    err = r.stderr
    assert "estimated market only (drop --positions --book --stops)" in err
    assert "out-of-sample score are of that market's position book" in err
    assert "--liquidity static" in err and "liqcascade solvency --positions P --book B" in err
