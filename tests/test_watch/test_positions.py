"""``watch --positions FILE``: the trader's own positions on every line, their alert rules."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clihelpers import run_cli
from liqcascade.live import parse_rule
from liqcascade.live._alerts import evaluate
from liqcascade.live._positions import WatchedPositions, position_fields, read_watched_positions
from liqcascade.positions import LONG, SHORT, PositionBook
from profiles import examples

#: The last four hours of the bundled ETH data (the replay block of docs/watch.md): the
#: last line's price is 3,698.39.
WINDOW = "2025-07-31T20:00/2025-08-01T00:00"
LAST_PRICE = 3698.39
#: docs/margin.md: a 20x Binance long of 2.5 ETH at 3,650 is liquidated at 3,481.43
#: (maintenance 0.4 % of the notional at the liquidation price, tier 0).
LIQ_20X = 3481.4257


def _csv(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _book(side: list[int], liq: list[float], entry: list[float]) -> WatchedPositions:
    n = len(side)
    s = np.asarray(side, dtype=np.int8)
    e = np.asarray(entry, dtype=np.float64)
    book = PositionBook(side=s, size=np.ones(n), entry_price=e, margin=e / 10,
                        liq_price=np.asarray(liq, dtype=np.float64),
                        bankruptcy_price=np.asarray(liq, dtype=np.float64))  # fmt: skip
    return WatchedPositions(book, np.full(n, np.nan), np.ones(n, dtype=bool), "test.csv")


def test_golden_20x_long_distance_by_hand(tmp_path: Path) -> None:
    p = _csv(
        tmp_path / "p.csv", "side,size,entry_price,leverage,stop_price\nlong,2.5,3650,20,3560\n"
    )
    w = read_watched_positions(p, "ETH")
    assert w.book.liq_price[0] == pytest.approx(LIQ_20X, abs=1e-3)
    f = position_fields(w, LAST_PRICE, None, "ETH")
    (row,) = f["positions"]
    # by hand: (3698.39 - 3481.43) / 3698.39 = 5.8664 %; the stop (3698.39 - 3560) / 3698.39
    assert row["liq_within_pct"] == pytest.approx(100 * (3698.39 - 3481.4257) / 3698.39, abs=1e-4)
    assert row["liq_within_pct"] == pytest.approx(5.8665, abs=1e-3)
    assert row["stop_within_pct"] == pytest.approx(3.7419, abs=1e-3)
    assert row["stop_in_crowd"] is None  # no market given: not checked
    assert f["position_liq_within_rows"] == [1] and math.isnan(f["position_stop_in_crowd"])


def test_a_stated_liq_price_is_used_and_a_short_measured_upward(tmp_path: Path) -> None:
    p = _csv(tmp_path / "p.csv", "side,size,entry_price,leverage,liq_price\n"
             "short,1,3600,10,3900\nlong,1,3600,10,\n")  # fmt: skip
    w = read_watched_positions(p, "ETH")
    f = position_fields(w, 3700.0, None, "ETH")
    short, long_ = f["positions"]
    assert short["liq_price"] == 3900.0 and short["liq_price_stated"] is True
    assert short["liq_within_pct"] == pytest.approx(100 * 200 / 3700, rel=1e-12)
    assert long_["liq_price_stated"] is False and long_["liq_price"] < 3600
    assert long_["stop_price"] is None and math.isnan(f["position_stop_within_pct"])


def _reference(side: list[str], liq: list[float], stop: list[float], price: float) -> list:
    """Plain Python: percent from ``price`` to each level, positive until reached."""
    out = []
    for s, lq, st_ in zip(side, liq, stop, strict=True):
        sign = 1.0 if s == "long" else -1.0
        d_liq = sign * (price - lq) / price * 100.0
        d_stop = None if st_ != st_ else sign * (price - st_) / price * 100.0
        out.append((d_liq, d_stop))
    return out


def test_distances_match_a_plain_python_reference_on_random_positions(tmp_path: Path) -> None:
    from liqcascade.margin import liq_price

    rng = np.random.default_rng(37)
    n = 200
    side = rng.choice(["long", "short"], n).tolist()
    entry = rng.uniform(2500, 4500, n).round(2)
    lev = rng.integers(1, 50, n)
    size = rng.uniform(0.01, 5, n).round(3)
    stop = [
        float(e * (1 - 0.03)) if s == "long" else float(e * 1.03)
        for s, e in zip(side, entry, strict=True)
    ]
    for i in range(0, n, 3):
        stop[i] = math.nan  # every third position without a stop
    rows = "".join(
        f"{s},{z},{e},{v},{'' if t != t else round(t, 2)}\n"
        for s, z, e, v, t in zip(side, size, entry, lev, stop, strict=True)
    )
    p = _csv(tmp_path / "p.csv", "side,size,entry_price,leverage,stop_price\n" + rows)
    w = read_watched_positions(p, "ETH")
    price = 3500.0
    f = position_fields(w, price, None, "ETH")
    stops = [round(t, 2) if t == t else t for t in stop]
    # the liquidation prices: the margin package's, one row at a time
    liq = [float(liq_price("binance", 1 if s == "long" else -1, float(z), float(e),
                           leverage=float(v)).liq_price.item())
           for s, z, e, v in zip(side, size, entry, lev, strict=True)]  # fmt: skip
    want = _reference(side, liq, stops, price)
    for got, (d_liq, d_stop) in zip(f["positions"], want, strict=True):
        assert got["liq_within_pct"] == pytest.approx(d_liq, abs=1e-9)
        if d_stop is None:
            assert got["stop_within_pct"] is None
        else:
            assert got["stop_within_pct"] == pytest.approx(d_stop, abs=1e-9)
    assert f["position_liq_within_pct"] == pytest.approx(min(d for d, _ in want), abs=1e-9)
    assert f["position_stop_within_pct"] == pytest.approx(
        min(d for _, d in want if d is not None), abs=1e-9
    )
    nearest = int(np.argmin([d for d, _ in want])) + 1
    assert f["position_liq_within_rows"] == [nearest]


@settings(max_examples=examples(60), deadline=None)
@given(
    price=st.floats(1000, 5000),
    near=st.floats(0.001, 0.5),
    extra=st.floats(0.0, 0.5),
    threshold=st.floats(0.0, 60.0),
    long_=st.booleans(),
)
def test_a_farther_liquidation_never_alerts_where_a_nearer_did_not(
    price: float, near: float, extra: float, threshold: float, long_: bool
) -> None:
    sd = LONG if long_ else SHORT
    far = near + extra

    def level(d: float) -> float:
        return price * (1 - d) if long_ else price * (1 + d)

    rule = parse_rule(f"position_liq_within_pct<{threshold}")
    fired = []
    for d in (near, far):
        w = _book([sd], [level(d)], [price])
        line = {"stale": False, **position_fields(w, price, None, "ETH")}
        fired.append(bool(evaluate([rule], line)))
    assert not (fired[1] and not fired[0])


def test_the_nearest_of_several_sets_the_metric_and_its_row() -> None:
    w = _book([LONG, SHORT, LONG], [3000.0, 3300.0, 3050.0], [3200.0, 3200.0, 3200.0])
    f = position_fields(w, 3200.0, None, "ETH")
    assert f["position_liq_within_rows"] == [2]
    assert f["position_liq_within_pct"] == pytest.approx(100 * 100 / 3200, rel=1e-12)
    line = {"stale": False, **f}
    (a,) = evaluate([parse_rule("position_liq_within_pct<5")], line)
    assert a["position_rows"] == [2] and a["value"] == pytest.approx(3.125, rel=1e-12)
    # a stale line: no position rule checked, one stale alert (as every other rule)
    (s,) = evaluate([parse_rule("position_liq_within_pct<5")], {**line, "stale": True})
    assert s["rule"] == "stale" and s["rules_not_checked"] == ["position_liq_within_pct<5"]


@pytest.fixture(scope="module")
def replay(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    tmp = tmp_path_factory.mktemp("positions")
    p = _csv(tmp / "mine.csv", "side,size,entry_price,leverage,stop_price\n"
             "long,2.5,3650,20,3560\nshort,1,3600,10,\nlong,0.5,3700,5,3690\n")  # fmt: skip
    env = {"LIQCASCADE_STORE": str(tmp / "none.duckdb")}
    args = ("watch", "--replay", WINDOW, "--liquidity", "static", "--positions", str(p),
            "--alert", "position_liq_within_pct<6", "--alert", "position_stop_within_pct<1",
            "--alert", "position_stop_in_crowd>0")  # fmt: skip
    return run_cli(*args, "--json", env=env), run_cli(*args, env=env)


def test_replay_lines_carry_the_positions_and_the_rules_fire(replay: tuple) -> None:
    r, _ = replay
    assert r.exit_code == 0, r.stderr
    lines = [json.loads(s) for s in r.stdout.splitlines()]
    assert len(lines) == 4
    last = lines[-1]
    assert last["price"] == pytest.approx(LAST_PRICE, abs=1e-6)
    row1 = last["positions"][0]
    assert row1["liq_within_pct"] == pytest.approx(5.8665, abs=1e-3)
    for ln in lines:
        rules = {a["rule"]: a for a in ln["alerts"]}
        # each rule fires exactly where its figure crosses the threshold
        assert ("position_liq_within_pct<6" in rules) == (ln["position_liq_within_pct"] < 6)
        assert ("position_stop_within_pct<1" in rules) == (ln["position_stop_within_pct"] < 1)
        crowded = [p["row"] for p in ln["positions"] if p["stop_in_crowd"]]
        assert ln["position_stop_in_crowd"] == len(crowded)
        if crowded:
            assert rules["position_stop_in_crowd>0"]["position_rows"] == crowded
        for a in ln["alerts"]:
            assert a["position_rows"]
    # the short's liquidation is the nearest at 21:00 (5.60 %), the 20x long's at 00:00
    assert lines[0]["position_liq_within_rows"] == [2]
    assert last["position_liq_within_rows"] == [1]
    assert last["position_stop_within_rows"] == [3]  # 3,690 is 0.23 % under 3,698.39


def test_replay_text_prints_a_line_per_position(replay: tuple) -> None:
    _, r = replay
    assert r.exit_code == 0, r.stderr
    out = r.stdout.splitlines()
    rows = [s for s in out if s.startswith("  row ")]
    assert len(rows) == 12  # 3 positions x 4 lines
    assert "row 1 long 2.5 @ 3,650.00: liquidation 3,481.43 (5.87 % away)" in rows[9]
    assert "row 2 short 1 @ 3,600.00" in rows[10] and "no stop" in rows[10]
    assert any("ALERT position_liq_within_pct<6" in s and "(row 1)" in s for s in out)


def test_market_lines_do_not_change_with_positions(tmp_path: Path, replay: tuple) -> None:
    r, _ = replay
    plain = run_cli("watch", "--replay", WINDOW, "--liquidity", "static", "--json",
                    env={"LIQCASCADE_STORE": str(tmp_path / "none.duckdb")})  # fmt: skip
    with_p = [json.loads(s) for s in r.stdout.splitlines()]
    without = [json.loads(s) for s in plain.stdout.splitlines()]
    for a, b in zip(with_p, without, strict=True):
        assert "positions" not in b and not any(k.startswith("position_") for k in b)
        for k, v in b.items():
            if k != "alerts":
                assert a[k] == v or (v != v and a[k] != a[k]), k


def test_more_than_five_positions_print_the_nearest_three_and_a_count(tmp_path: Path) -> None:
    from liqcascade._cli.watch import positions_text

    w = _book([LONG] * 7, [3000.0 + 10 * i for i in range(7)], [3200.0] * 7)
    out = positions_text(position_fields(w, 3200.0, None, "ETH"))
    assert len(out) == 4
    assert [s.split()[1] for s in out[:3]] == ["7", "6", "5"]  # the nearest first
    assert "4 more positions" in out[3]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("side,size,entry_price,leverage,stop_price\nlong,2.5,3650,20,abc\n",
         "data row 1 (file line 2): stop_price must be a price > 0"),
        ("side,size,entry_price,leverage,stop_price\nlong,2.5,3650,20,35\n",
         "data row 1 (file line 2): stop_price 35.00 is more than 10x"),
        ("side,size,entry_price,leverage\nlong,-1,3650,20\n", "data row 1 (file line 2): size"),
        ("side,size,entry_price,leverage,symbol\nlong,1,95000,20,BTCUSDT\n", "data row 1"),
        ("side,size,entry_price,leverage\n", "no position rows"),
    ],
)  # fmt: skip
def test_bad_files_exit_2_with_one_line(text: str, says: str, tmp_path: Path) -> None:
    p = _csv(tmp_path / "bad.csv", text)
    r = run_cli("watch", "--replay", WINDOW, "--positions", str(p),
                env={"LIQCASCADE_STORE": str(tmp_path / "none.duckdb")})  # fmt: skip
    assert r.exit_code == 2
    err = r.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and str(p) in err[0], r.stderr
    assert says in err[0] and "Traceback" not in r.stderr


def test_a_position_rule_without_a_file_is_refused(tmp_path: Path) -> None:
    r = run_cli("watch", "--replay", WINDOW, "--alert", "position_stop_in_crowd>0",
                env={"LIQCASCADE_STORE": str(tmp_path / "none.duckdb")})  # fmt: skip
    assert r.exit_code == 2
    assert r.stderr.strip() == (
        "error: alert position_stop_in_crowd>0: a position_* rule needs a --positions file to watch"
    )


def test_the_stop_column_is_read_not_noted_unread(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    p = _csv(tmp_path / "p.csv", "side,size,entry_price,leverage,stop_price,memo\n"
             "long,2.5,3650,20,3560,x\n")  # fmt: skip
    with caplog.at_level("WARNING", logger="liqcascade.positions"):
        w = read_watched_positions(p, "ETH")
    assert w.stop[0] == 3560.0
    notes = [r.getMessage() for r in caplog.records if "not read" in r.getMessage()]
    assert len(notes) == 1 and "1 column not read: memo;" in notes[0]
    assert notes[0].endswith("stop_price, symbol, venue")  # what the watch's read reads
    caplog.clear()
    q = _csv(tmp_path / "q.csv", "side,size,entry_price,leverage,stop_price\nlong,2.5,3650,20,\n")
    with caplog.at_level("WARNING", logger="liqcascade.positions"):
        read_watched_positions(q, "ETH")
    assert not [r for r in caplog.records if "not read" in r.getMessage()]


def test_another_stop_like_column_keeps_its_reason(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    p = _csv(tmp_path / "p.csv", "side,size,entry_price,leverage,stop_loss,stop_price\n"
             "long,2.5,3650,20,3500,3560\n")  # fmt: skip
    with caplog.at_level("WARNING", logger="liqcascade.positions"):
        read_watched_positions(p, "ETH")
    (note,) = [r.getMessage() for r in caplog.records if "not read" in r.getMessage()]
    assert "1 column not read: stop_loss (stop_loss: stops are read from a stops file" in note
    assert "stop_price" not in note.split(";")[0]  # not among the unread
