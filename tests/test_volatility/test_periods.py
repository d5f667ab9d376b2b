from __future__ import annotations

from typing import Any

import pandas as pd

from liqcascade.volatility import Period, default_periods, leverage_by_period

VERDICTS = {"significant", "inverted", "not significant"}


def test_default_periods_cover_the_data(eth_close: pd.Series) -> None:
    ps = default_periods(pd.DatetimeIndex(eth_close.index))
    labels = [p.label for p in ps]
    assert labels == ["2017–2021", "2022–2025", *[str(y) for y in range(2017, 2026)]]
    assert ps[0].start == pd.Timestamp("2017-08-17", tz="UTC")  # clipped to the data
    assert ps[1].end == pd.Timestamp("2025-12-31", tz="UTC")


def test_a_span_clipped_to_one_year_is_that_year_once() -> None:
    # BTC's hourly data start 2021-04-04: "2017–2021" clipped is exactly "2021"
    idx = pd.date_range("2021-04-04", "2025-07-31 23:00", freq="h", tz="UTC")
    ps = default_periods(idx)
    assert [p.label for p in ps] == ["2022–2025", "2021", "2022", "2023", "2024", "2025"]
    assert ps[1].start == pd.Timestamp("2021-04-04", tz="UTC")
    assert len({(p.start, p.end) for p in ps}) == len(ps)
    # a span longer than a year stays: data from 2020-06 keep "2017–2021" (2020-06 → 2021);
    # "2022–2025" clipped to 2022-03 is "2022"
    ps = default_periods(pd.date_range("2020-06-01", "2022-03-01", freq="D", tz="UTC"))
    assert [p.label for p in ps] == ["2017–2021", "2020", "2021", "2022"]


def test_leverage_verdict_on_bundled_eth_daily_each_period(eth_close: pd.Series) -> None:
    eth_daily_periods = leverage_by_period(eth_close, models=("gjr",), dist="t")
    df = eth_daily_periods.to_frame()
    assert len(df) == 11
    for row in df.itertuples():
        assert row.verdict in VERDICTS, row
        # sign, p-value and interval tell the same story
        excludes_zero = row.ci_low > 0 or row.ci_high < 0
        assert excludes_zero == (row.pvalue < 0.05)
        if row.verdict == "significant":
            assert row.gamma > 0 and row.ci_low > 0
        elif row.verdict == "inverted":
            assert row.gamma < 0 and row.ci_high < 0
        else:
            assert row.pvalue >= 0.05
    # a full calendar year holds one return per day, its 1 January return included
    by = df.set_index("label")
    assert by.loc["2021", "n_obs"] == 365 and by.loc["2020", "n_obs"] == 366
    assert by.loc["2017–2021", "n_obs"] + by.loc["2022–2025", "n_obs"] == 3058
    # views
    assert eth_daily_periods.summary().sum() == 11
    assert len(eth_daily_periods.plot().data) == 1
    assert "2022" in eth_daily_periods._repr_html_()
    assert eth_daily_periods.to_list()[0]["label"] == "2017–2021"


def test_egarch_sign_convention_agrees_with_gjr_in_2022(eth_close: pd.Series) -> None:
    """2022 (Luna, 3AC, FTX): both models find falls raised ETH volatility more."""
    p = [Period("2022", pd.Timestamp("2022-01-01", tz="UTC"), pd.Timestamp("2022-12-31", tz="UTC"))]
    df = leverage_by_period(eth_close, models=("gjr", "egarch"), periods=p).to_frame()
    g = df.set_index("model")
    assert g.loc["gjr", "gamma"] > 0 and g.loc["egarch", "gamma"] < 0
    assert set(df["verdict"]) == {"significant"}


def test_too_few_observations_is_a_row_not_an_error(eth_close: pd.Series) -> None:
    p = [
        Period("short", pd.Timestamp("2024-01-01", tz="UTC"), pd.Timestamp("2024-02-01", tz="UTC"))
    ]
    df = leverage_by_period(eth_close, models=("garch",), periods=p).to_frame()
    assert df["verdict"].tolist() == ["too few observations"]
    assert df["model"].tolist() == ["gjr"]  # garch has no asymmetry term


def _row(label: str, model: str, gamma: float, lo: float, hi: float, verdict: str) -> Any:
    from liqcascade.volatility._periods import PeriodLeverage

    return PeriodLeverage(
        label=label, start=f"{label}-01-01", end=f"{label}-12-31", model=model, dist="t",
        n_obs=364, gamma=gamma, std_err=(hi - lo) / 3.92, pvalue=0.5, ci_low=lo, ci_high=hi,
        verdict=verdict, converged=verdict != "did not converge",
    )  # fmt: skip


def test_plot_leaves_unreliable_rows_off_the_axis() -> None:
    """BTC 2025's EGARCH fit (singular Hessian, interval ±3.4 M) once set the y-axis to
    ±3,000,000 and flattened every other estimate; it is now an "n/a" mark on zero."""
    from liqcascade.volatility._periods import LeverageByPeriod

    rows = [
        _row("2024", "gjr", 0.08, -0.15, 0.31, "not significant"),
        _row("2024", "egarch", -0.07, -0.26, 0.11, "not significant"),
        _row("2025", "gjr", 0.14, -0.73, 1.01, "not significant"),
        _row("2025", "egarch", 76.18, -3.41e6, 3.41e6, "unreliable (singular Hessian)"),
        _row("2021", "egarch", -0.015, -0.0155, -0.0145, "did not converge"),
    ]
    fig = LeverageByPeriod(rows).plot()
    lo, hi = fig.layout.yaxis.range
    assert -0.85 < lo < -0.73 and 1.01 < hi < 1.15, (lo, hi)
    names = [t.name for t in fig.data]
    assert names == ["GJR γ", "EGARCH γ", "EGARCH: no reliable estimate"]
    na = fig.data[2]
    assert list(na.x) == ["2025", "2021"] and list(na.y) == [0, 0]
    assert list(na.customdata) == ["unreliable (singular Hessian)", "did not converge"]
    assert list(fig.data[1].x) == ["2024"]  # the unreliable rows draw no interval
    # the periods keep their order though the first series has no 2021
    assert list(fig.layout.xaxis.categoryarray) == ["2024", "2025", "2021"]


def test_the_na_labels_are_readable_on_white() -> None:
    """GJR's "n/a" was drawn in its marker orange, 3.9:1 on white (a11y17); text needs
    4.5:1 (WCAG AA)."""
    from liqcascade.volatility._periods import LeverageByPeriod

    def luminance(hex_colour: str) -> float:
        c = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    rows = [
        _row("2024", "gjr", 0.08, -0.15, 0.31, "did not converge"),
        _row("2024", "egarch", 76.18, -3.41e6, 3.41e6, "unreliable (singular Hessian)"),
    ]
    labels = [t for t in LeverageByPeriod(rows).plot().data if t.mode == "markers+text"]
    assert len(labels) == 2
    for t in labels:
        ratio = 1.05 / (luminance(t.textfont.color) + 0.05)
        assert ratio >= 4.5, (t.name, t.textfont.color, ratio)


def test_a_year_window_holds_its_1_january_return(eth_close: pd.Series) -> None:
    """The return of 1 January (close of 31 Dec → close of 1 Jan) belongs to that year."""
    from liqcascade.volatility import log_returns, period_returns

    whole = log_returns(eth_close)
    for year, days in ((2020, 366), (2023, 365), (2024, 366)):
        p = Period(str(year), pd.Timestamp(f"{year}-01-01", tz="UTC"),
                   pd.Timestamp(f"{year}-12-31", tz="UTC"))  # fmt: skip
        r = period_returns(whole, p)
        assert len(r) == days
        assert r.index[0] == pd.Timestamp(f"{year}-01-01", tz="UTC")
        # the window is the whole series' returns sliced, not returns rebuilt inside it
        pd.testing.assert_series_equal(r, whole.loc[f"{year}-01-01" : f"{year}-12-31"])
    df = leverage_by_period(eth_close, models=("gjr",), periods=[p]).to_frame()
    assert df["n_obs"].tolist() == [366]
    assert df["start"].tolist() == ["2024-01-01"]


def test_part_periods_are_flagged_and_shown_with_their_days(eth_close: pd.Series) -> None:
    """2017 (from 08-18) and 2025 (to 07-31) are part-years; printers say so."""
    from liqcascade.volatility import is_partial, period_text

    df = leverage_by_period(eth_close.loc[:"2025-07-31"], models=("gjr",)).to_frame()
    by = df.set_index("label")
    assert by.loc["2017", "start"] == "2017-08-18"  # the first return, not the anchor close
    assert bool(by.loc["2017", "partial"]) and bool(by.loc["2025", "partial"])
    assert bool(by.loc["2017–2021", "partial"]) and bool(by.loc["2022–2025", "partial"])
    assert not by.loc[[str(y) for y in range(2018, 2025)], "partial"].any()
    row = by.loc["2025"].to_dict() | {"label": "2025"}
    assert period_text(row) == "2025 (2025-01-01 → 2025-07-31)"
    assert period_text(by.loc["2024"].to_dict() | {"label": "2024"}) == "2024"
    assert is_partial("2024", "2024-01-01", "2024-12-31") is False
    assert is_partial("2022–2025", "2024-01-02", "2025-01-15") is True
    assert is_partial("short", "2024-01-05", "2024-02-01") is False  # not a calendar label
