"""``liqcascade liqmap``: JSON contract on an explicit file, the estimated book, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

KEYS = {
    "as_of",
    "price",
    "buckets",
    "cumulative_long_liq_usd",
    "cumulative_short_liq_usd",
    "clusters",
    "concentration",
}
BUCKET_KEYS = {
    "price_low",
    "price_high",
    "long_liq_usd",
    "short_liq_usd",
    "sell_stops_usd",
    "buy_stops_usd",
}


def _figure_meta(html: str) -> dict:
    """The ``layout.meta`` of the plotly figure written in ``html``."""
    import json

    at = html.index('"meta":') + len('"meta":')
    meta, _ = json.JSONDecoder().raw_decode(html[at:])
    return meta


@pytest.fixture
def files(data_dir: Path) -> Path:
    return data_dir / "liqmap"


def test_explicit_file_json(cli, files: Path) -> None:
    r = cli(
        "liqmap",
        "--positions",
        str(files / "positions.csv"),
        "--stops",
        str(files / "stops.csv"),
        "--price",
        "2000",
        "--json",
    )
    assert r.exit_code == 0, r.stderr
    d = r.json()
    assert KEYS <= set(d)
    assert d["price"] == 2000.0 and d["as_of"] is None
    b = d["buckets"]
    assert len(b) == 80 and set(b[0]) == BUCKET_KEYS
    assert b[0]["price_low"] == pytest.approx(1600.0) and b[-1]["price_high"] == pytest.approx(
        2400.0
    )
    by_low = {round(x["price_low"]): x for x in b}
    assert by_low[1900]["long_liq_usd"] == pytest.approx(2 * 1905.0)
    assert by_low[1950]["long_liq_usd"] == pytest.approx(1955.0)
    assert by_low[1950]["sell_stops_usd"] == pytest.approx(1950.0)
    assert by_low[2090]["short_liq_usd"] == pytest.approx(3 * 2095.0)
    assert by_low[2390]["short_liq_usd"] == pytest.approx(2395.0)
    assert by_low[2040]["buy_stops_usd"] == pytest.approx(4100.0)  # (2,040, 2,050]: fires on a rise
    assert sum(x["long_liq_usd"] for x in b) == pytest.approx(3810.0 + 1955.0)
    assert d["outside"]["long_liq_usd_below_range"] == pytest.approx(1000.0)
    assert d["cumulative_long_liq_usd"] == pytest.approx(
        {"-0.01": 0.0, "-0.02": 0.0, "-0.05": 5765.0, "-0.10": 5765.0, "-0.20": 5765.0}
    )
    assert d["cumulative_short_liq_usd"] == pytest.approx(
        {"0.01": 0.0, "0.02": 0.0, "0.05": 6285.0, "0.10": 6285.0, "0.20": 8680.0}
    )
    assert d["clusters"][0]["short_liq_usd"] == pytest.approx(6285.0)
    c = d["concentration"]
    shares = np.array([3810, 1955 + 1950, 4100, 6285, 2395]) / (3810 + 3905 + 4100 + 6285 + 2395)
    assert c["hhi"] == pytest.approx(float((shares**2).sum()))


def test_explicit_file_bucket_and_range(cli, files: Path) -> None:
    r = cli(
        "liqmap",
        "--positions",
        str(files / "positions.csv"),
        "--price",
        "2000",
        "--bucket",
        "0.01",
        "--range",
        "0.1",
        "--json",
    )
    assert r.exit_code == 0, r.stderr
    d = r.json()
    assert len(d["buckets"]) == 20
    assert d["outside"]["short_liq_usd_above_range"] == pytest.approx(2395.0)
    assert d["cumulative_short_liq_usd"]["0.20"] == pytest.approx(8680.0)  # not range-limited
    assert all(x["sell_stops_usd"] == 0 for x in d["buckets"])


def test_computed_liquidation_prices(cli, files: Path) -> None:
    from liqcascade.positions import liquidation_map, read_positions

    r = cli(
        "liqmap", "--positions", str(files / "positions_computed.csv"), "--price", "2000", "--json"
    )
    assert r.exit_code == 0, r.stderr
    book = read_positions(files / "positions_computed.csv")
    m = liquidation_map(book, price=2000.0)
    got = np.array([x["long_liq_usd"] + x["short_liq_usd"] for x in r.json()["buckets"]])
    np.testing.assert_allclose(got, m.long_liq_usd + m.short_liq_usd)
    # docs/design.md golden value: long 1 ETH at 2,000 with 100 USD margin liquidates at 1,907.63
    assert r.json()["cumulative_long_liq_usd"]["-0.05"] >= 1907.6305 - 1e-6


def test_human_output(cli, files: Path) -> None:
    r = cli("liqmap", "--positions", str(files / "positions.csv"), "--price", "2000")
    assert r.exit_code == 0, r.stderr
    assert "largest clusters" in r.stdout and "2,092" in r.stdout.replace("2,095", "2,092")


@pytest.mark.parametrize(
    ("name", "row", "words"),
    [
        ("bad_negative_size.csv", 2, "size"),
        ("bad_zero_size.csv", 1, "size"),
        ("bad_leverage_zero.csv", 2, "leverage"),
        ("bad_leverage_above_max.csv", 3, "leverage"),
        ("bad_side.csv", 1, "side"),
        ("bad_venue.csv", 2, "venue"),
        ("bad_nan.csv", 2, "size"),
    ],
)
def test_bad_positions_exit_2(cli, files: Path, name: str, row: int, words: str) -> None:
    r = cli("liqmap", "--positions", str(files / name), "--price", "2000", "--json")
    assert r.exit_code == 2
    assert r.stdout == ""
    err = r.stderr.strip()
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err
    assert name in err and f"row {row}" in err and words in err


def test_bad_stops_and_options_exit_2(cli, files: Path) -> None:
    pos = str(files / "positions.csv")
    r = cli(
        "liqmap",
        "--positions",
        pos,
        "--stops",
        str(files / "bad_stops_side.csv"),
        "--price",
        "2000",
    )
    assert r.exit_code == 2 and "bad_stops_side.csv" in r.stderr and "data row 2" in r.stderr
    r = cli("liqmap", "--positions", pos)
    assert r.exit_code == 2 and "--price" in r.stderr
    r = cli("liqmap", "--positions", pos, "--price", "0")
    assert r.exit_code == 2 and "--price" in r.stderr
    r = cli("liqmap", "--positions", pos, "--price", "2000", "--bucket", "0")
    assert r.exit_code == 2 and "--bucket" in r.stderr
    r = cli("liqmap", "--positions", pos, "--price", "2000", "--range", "2")
    assert r.exit_code == 2 and "--range" in r.stderr
    r = cli("liqmap", "--positions", str(files / "nope.csv"), "--price", "2000")
    assert r.exit_code == 2 and "nope.csv" in r.stderr
    r = cli("liqmap", "--as-of", "not-a-date")
    assert r.exit_code == 2 and "--as-of" in r.stderr
    r = cli("liqmap", "--as-of", "2019-01-01")
    assert r.exit_code == 2 and "--as-of" in r.stderr
    r = cli("liqmap", "--asset", "DOGE")
    assert r.exit_code == 2 and "--asset" in r.stderr


def test_estimated_book_default_and_as_of(cli) -> None:
    r = cli("liqmap", "--json")
    assert r.exit_code == 0, r.stderr
    d = r.json()
    # the market is known at the close of the bar opened 2025-07-31 20:00
    assert d["bar_open"] == "2025-07-31T20:00:00+00:00"
    assert d["as_of"] == d["bar_close"] == "2025-08-01T00:00:00+00:00"
    assert 3000 < d["price"] < 4500
    assert len(d["buckets"]) == 80
    tot_long = sum(x["long_liq_usd"] for x in d["buckets"])
    assert tot_long == pytest.approx(d["totals"]["long_liq_usd"])
    assert tot_long > 1e6 and d["totals"]["sell_stops_usd"] > 0
    # below the price only long liquidations and sell stops; above only shorts and buy stops
    for x in d["buckets"]:
        if x["price_high"] <= d["price"]:
            assert x["short_liq_usd"] == 0 and x["buy_stops_usd"] == 0
        if x["price_low"] >= d["price"]:
            assert x["sell_stops_usd"] == 0
    cl = d["cumulative_long_liq_usd"]
    assert cl["-0.05"] <= cl["-0.10"] <= cl["-0.20"]
    assert d["clusters"] and d["clusters"][0]["notional_usd"] >= d["clusters"][-1]["notional_usd"]
    r2 = cli("liqmap", "--as-of", "2025-03-01", "--json")
    assert r2.exit_code == 0, r2.stderr
    d2 = r2.json()
    # a bare date is the market at that day's last (4-hourly) bar
    assert d2["bar_open"].startswith("2025-03-01T20:00") and 1800 < d2["price"] < 2600
    assert d2["as_of"] == d2["bar_close"] == "2025-03-02T00:00:00+00:00"


def test_stops_on_the_estimated_book_are_checked_against_its_price(cli, tmp_path: Path) -> None:
    """``--stops`` without ``--positions``: the same unit and side rules as with a file.

    Stops in cents used to be accepted and vanish outside the map's range.
    """
    cents = tmp_path / "cents.csv"
    cents.write_text("side,trigger_price,size\nsell,350000,1\nbuy,390000,2\n")
    r = cli("liqmap", "--stops", str(cents), "--json")
    err = r.stderr.strip()
    assert r.exit_code == 2 and "\n" not in err, r.stderr
    assert (
        "cents.csv: data row 1 (file line 2): trigger_price 350,000 is" in err
        and "the market's mid" in err
    ), err
    r = cli("liqmap", "--stops", str(cents), "--price", "3600", "--json")
    assert r.exit_code == 2 and "350,000 is 97.2x the price given 3,600" in r.stderr, r.stderr
    fired = tmp_path / "fired.csv"  # a buy stop far below the price has already triggered
    fired.write_text("side,trigger_price,size\nsell,3500,1\nbuy,2050,2\n")
    r = cli("liqmap", "--stops", str(fired), "--json")
    assert (
        r.exit_code == 2
        and "fired.csv: data row 2 (file line 3): a buy stop at 2,050.00" in r.stderr
    ), r.stderr
    good = tmp_path / "good.csv"
    good.write_text("side,trigger_price,size\nsell,3500,1\nbuy,3900,2\n")
    r = cli("liqmap", "--stops", str(good), "--json")
    assert r.exit_code == 0, r.stderr
    d = r.json()
    assert d["totals"]["sell_stops_usd"] == pytest.approx(3500.0)
    assert d["totals"]["buy_stops_usd"] == pytest.approx(7800.0)


def test_out_writes_html_and_png(cli, files: Path, tmp_path: Path) -> None:
    r = cli(
        "liqmap", "--as-of", "2025-05-01", "--heatmap-days", "3", "--out", str(tmp_path), "--json"
    )
    assert r.exit_code == 0, r.stderr
    d = r.json()
    files_ = d["files"]
    for name in ("liqmap", "heatmap"):
        assert (tmp_path / f"{name}.html").stat().st_size > 10_000
        assert files_[f"{name}_html"].endswith(f"{name}.html")
        # each file says what its dollars are: the note under the plot and the metadata
        html = (tmp_path / f"{name}.html").read_text()
        meta = _figure_meta(html)
        assert meta["units"]["book_dollars"] == "Binance-feed"
        assert meta["units"]["book_share_of_oi"] == pytest.approx(
            d["units"]["book_share_of_oi"], rel=1e-12
        )
        assert meta["units"]["text"].startswith(
            f"units: the {'map' if name == 'liqmap' else name}'s dollars"
        )
        assert "are Binance-feed dollars, on the scale of Binance's recorded" in html  # the note
        assert (meta["as_of"], meta["bar_open"]) == (d["as_of"], d["bar_open"])
        assert meta["bar_close"] == "2025-05-02T00:00:00+00:00"
        # the share given is the market bar's book's, not each day's the heatmap draws
        whose = "that share is the book's at the market's bar 2025-05-01 20:00–2025-05-02 00:00 UTC"
        assert (whose + ", not each day's" in meta["units"]["text"]) == (name == "heatmap")
    if "PNG export failed" not in r.stderr:
        assert (tmp_path / "liqmap.png").read_bytes()[:4] == b"\x89PNG"
        assert (tmp_path / "heatmap.png").read_bytes()[:4] == b"\x89PNG"


def test_bad_file_in_a_subprocess_no_traceback(files: Path) -> None:
    from clihelpers import run_cli_subprocess

    r = run_cli_subprocess(
        "liqmap", "--positions", str(files / "bad_nan.csv"), "--price", "2000", "--json"
    )
    assert r.exit_code == 2 and r.stdout == ""
    assert "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith("error: ")
    assert "bad_nan.csv" in r.stderr and "data row 2" in r.stderr


def test_a_positions_files_map_has_no_units_note(
    cli, files: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file's dollars are the user's: no feed named on its figure (as in its JSON).

    The HTML is what is read; the PNG goes through a stand-in browser
    (:class:`fakekaleido.FakeKaleido`): this test never read it (a real export failure
    was a warning, exit 0), and :func:`test_out_writes_html_and_png` renders a map in
    Chrome."""
    import kaleido

    from fakekaleido import FakeKaleido

    monkeypatch.setattr(kaleido, "Kaleido", fake := FakeKaleido())
    r = cli("liqmap", "--positions", str(files / "positions.csv"), "--price", "2000",
            "--out", str(tmp_path), "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert "units" not in r.json()
    html = (tmp_path / "liqmap.html").read_text()
    assert "feed dollars" not in html and '"meta":' not in html
    assert len(fake.renders) == 1 and "liqmap_png" in r.json()["files"]  # the map only


def test_note_figure_puts_the_units_under_the_plot_and_in_the_metadata() -> None:
    import plotly.graph_objects as go

    from liqcascade._cli._book_units import note_figure

    fig = go.Figure(layout={"height": 520, "margin": {"b": 40}})
    note_figure(fig, None)  # no book: nothing said
    assert not fig.layout.annotations and fig.layout.meta is None
    units = {
        "book_dollars": "okx-feed",
        "text": "units: the map's dollars are okx-feed " + "x" * 200,
    }
    note_figure(fig, units, bar_open="2025-07-31T20:00:00+00:00")
    (note,) = fig.layout.annotations
    assert note.text.startswith("units: the map's dollars are okx-feed") and "<br>" in note.text
    assert fig.layout.meta == {"units": units, "bar_open": "2025-07-31T20:00:00+00:00"}
    assert fig.layout.margin.b > 40 and fig.layout.height > 520  # room for its two lines
