"""``[simulation] asset`` beyond the liquidity calibration: books, the file check, the units.

A parametric venue book without ``beta`` takes the world's asset's calibrated depth
exponent (BTC's 0.79, not ETH's 0.73 in a BTC world); an asset without a liquidity
calibration is refused when the file is read, naming the file, the key and the assets
that have one; the contagion share's mixed units name the feed of the venues' book.
"""

from __future__ import annotations

import math
import re
import shutil
import tomllib
from pathlib import Path

import pytest

from clihelpers import run_cli
from liqcascade.book import depth_beta
from liqcascade.contagion._config import build_setup, load_config, parse_config
from liqcascade.errors import InputError

DATA = Path(__file__).resolve().parents[1] / "data" / "contagion"

#: The book's own exponent read back from its depth: D(4 %) / D(1 %) = 4^beta. The
#: levels are 0.025 % apart (1,000 over 25 %), so the read is within 0.005 of beta.
BETA_TOL = 0.005


def _world(tmp_path: Path, asset: str | None, extra: str = "") -> Path:
    """The two-venue test world, its ``[simulation] asset`` set (None: left out)."""
    for f in ("positions_a.csv", "positions_b.csv"):
        shutil.copy(DATA / f, tmp_path / f)
    text = (DATA / "two_venues.toml").read_text(encoding="utf-8")
    if asset is not None:
        text = text.replace("max_rounds = 200\n", f'max_rounds = 200\nasset = "{asset}"\n', 1)
        assert f'asset = "{asset}"' in text
    if extra:
        text = text.replace("d1_usd_bid = 3e6,", f"d1_usd_bid = 3e6, {extra},", 1)
        assert extra in text
    out = tmp_path / f"world-{asset}.toml"
    out.write_text(text, encoding="utf-8")
    return out


def _book_beta(book: object) -> float:
    """The exponent of a parametric book's bid depth curve, read from two distances."""
    within = book.notional_within  # type: ignore[attr-defined]
    return math.log(within(0.04, "bid") / within(0.01, "bid")) / math.log(4.0)


def test_parametric_books_take_the_world_s_asset_s_depth_exponent(tmp_path: Path) -> None:
    eth, btc = depth_beta("ETH"), depth_beta("BTC")
    assert abs(eth - btc) > 4 * BETA_TOL  # the case tells the two apart (0.73, 0.79)
    for asset, want in ((None, eth), ("ETH", eth), ("BTC", btc)):
        setup = build_setup(load_config(_world(tmp_path, asset)), "w.toml")
        for v in setup.venues:
            assert _book_beta(v.book) == pytest.approx(want, abs=BETA_TOL), (asset, v.name)
        notes = {n: x["book_beta"] for n, x in setup.notes["venues"].items()}
        assert set(notes) == {"a", "b"}
        for note in notes.values():
            assert note.startswith(f"{want:.2f}: the default depth exponent, {asset or 'ETH'}'s")
    # a beta the file gives is kept in a BTC world, and not labelled as the default
    setup = build_setup(load_config(_world(tmp_path, "BTC", "beta = 0.5")), "w.toml")
    a, b = setup.venues
    assert _book_beta(a.book) == pytest.approx(0.5, abs=BETA_TOL)
    assert _book_beta(b.book) == pytest.approx(btc, abs=BETA_TOL)
    assert set(setup.notes["venues"]) == {"b"}


def test_the_cli_labels_a_btc_world_s_books_with_btc_s_exponent(tmp_path: Path) -> None:
    r = run_cli("contagion", "--config", str(_world(tmp_path, "BTC")), "--liquidity", "static")
    assert r.exit_code == 0, r.stderr
    out = " ".join(r.stdout.split())
    assert f"a: parametric book's depth exponent {depth_beta('BTC'):.2f}: the default" in out
    assert "BTC's futures beta fitted on its bundled book totals" in out
    assert "ETH's futures beta" not in out


def test_an_asset_without_a_calibration_is_refused_when_the_file_is_read() -> None:
    base = tomllib.loads((DATA / "two_venues.toml").read_text(encoding="utf-8"))
    base["simulation"]["asset"] = "doge"
    with pytest.raises(InputError) as e:
        parse_config(base, "t.toml")
    msg = str(e.value)
    assert msg.startswith("t.toml: simulation.asset: no liquidity calibration for DOGE")
    assert re.search(r"\(calibrated: BTC, ETH\b", msg), msg  # the package's, then a store's
    assert "--" not in msg  # a library error names no option


def test_the_cli_refuses_an_uncalibrated_asset_naming_the_file(tmp_path: Path) -> None:
    for liquidity in ("calibrated", "static"):  # refused before anything is built or loaded
        world = _world(tmp_path, "DOGE")
        r = run_cli("contagion", "--config", str(world), "--liquidity", liquidity)
        assert r.exit_code == 2, r.stdout
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in r.stderr
        assert lines[0].startswith(
            f"error: {world.name}: simulation.asset: no liquidity calibration for DOGE "
            "(calibrated: BTC, ETH"
        )
        assert r.stdout == ""


def test_the_mixed_share_names_the_feed_of_the_venues_book() -> None:
    from liqcascade._cli.contagion import _mixed_units

    feed = {"venues": {"a": {"dollars": "feed", "feed_per_market_usd": 0.0179}},
            "feed_venues": ["a"], "contagion_share_market_dollars": 0.507}  # fmt: skip
    lending = {"defi": {"markets": {"aave": {}}}, "scales": {**feed, "mixed": True}}
    said = _mixed_units({**lending, "units": {"book_dollars": "Binance-feed"}})
    assert said == (
        " (of Binance-feed-scale exchange liquidations plus real-dollar lending liquidations; "
        "on market dollars (feed ÷ 0.0179) 50.7 %)"
    )
    assert "(of okx-feed-scale exchange" in _mixed_units(
        {**lending, "units": {"book_dollars": "okx-feed"}}
    )
    assert _mixed_units({**lending, "units": {"book_dollars": "feed"}}).startswith(
        " (of feed-scale exchange"
    )  # a store's calibration that names no feed
    # files: the user's dollars, nothing mixed; an estimated book alone: one scale
    assert _mixed_units({"defi": {"markets": {"aave": {}}}}) == ""
    alone = {"defi": {"markets": {}}, "scales": {**feed, "mixed": False}}
    assert _mixed_units({**alone, "units": {"book_dollars": "Binance-feed"}}) == ""
