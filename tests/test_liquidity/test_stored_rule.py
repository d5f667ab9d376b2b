"""The back-test reads each month's stored volatility rule when its events are the same.

A calibration stores, beside its rule, the events the rule was fitted on
(``rule_events``: count, Σ |trigger move|, Σ realised move); ``rule_before`` takes the
stored rule for those events instead of refitting it (2 s of a cold back-test), and
refits for any other events.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from floats import same_value
from liqcascade.cascade import _backtest as bt
from liqcascade.cascade._clock import Calibration, load_liquidity
from liqcascade.errors import InputError


def _pool() -> pd.DataFrame:
    from liqcascade import datasets

    ohlc = datasets.load_ohlcv("ETH", "1h")
    return bt.pooled_events(ohlc, bt.DEFAULT_TRIGGERS["ETH"], "2025-07-31")


def test_the_shipped_months_store_the_events_of_their_rule() -> None:
    pool = _pool()
    for as_of in ("2024-11-01", "2025-04-01", "2025-07-01"):
        cal = load_liquidity("ETH", as_of, False)
        t = pd.Timestamp(as_of, tz="UTC")
        assert cal.as_of == t and cal.rule_events is not None
        used = bt.rule_events(bt.closed_by(pool, t))
        assert cal.rule_events[0] == used[0] > 1000
        assert same_value(cal.rule_events[1], used[1]) and same_value(cal.rule_events[2], used[2])


def test_the_stored_rule_is_taken_for_its_events_and_refitted_for_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pool = _pool()
    cal = load_liquidity("ETH", "2025-04-01", False)
    t = pd.Timestamp("2025-04-01", tz="UTC")
    monkeypatch.setattr(bt, "_RULES", {})
    fitted: list[int] = []

    def fake_fit(prior: pd.DataFrame) -> bt.ShockRule:
        fitted.append(len(prior))
        return bt.ShockRule(k=9.0)

    monkeypatch.setattr(bt, "fit_shock_rule", fake_fit)
    r = bt.rule_before(pool, t, stored=cal)
    assert fitted == []  # the stored rule: no fit
    assert (r.k, r.b, r.shock_weight, r.dispersion) == (
        cal.vol_multiplier, cal.vol_exponent, cal.shock_weight, cal.vol_dispersion
    )  # fmt: skip
    # other events (one fewer), another date, or no stored events: the rule is fitted
    other = replace(cal, rule_events=(cal.rule_events[0] - 1, *cal.rule_events[1:]))  # type: ignore[index]
    monkeypatch.setattr(bt, "_RULES", {})
    assert bt.rule_before(pool, t, stored=other).k == 9.0
    monkeypatch.setattr(bt, "_RULES", {})
    assert bt.rule_before(pool, t + pd.Timedelta(days=1), stored=cal).k == 9.0
    monkeypatch.setattr(bt, "_RULES", {})
    assert bt.rule_before(pool, t, stored=replace(cal, rule_events=None)).k == 9.0
    assert len(fitted) == 3


def test_rule_events_round_trip_and_refuse_a_malformed_record() -> None:
    cal = load_liquidity("ETH", "2025-04-01", False)
    d = cal.to_dict()
    back = Calibration.from_dict(d, "x.json")
    assert back.rule_events == cal.rule_events
    assert "rule_events" not in replace(cal, rule_events=None).to_dict()
    with pytest.raises(InputError, match=r"x.json: rule_events must be"):
        Calibration.from_dict({**d, "rule_events": [1, 2]}, "x.json")


def test_the_fit_is_cached_by_the_events_it_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """``rule_before``'s cache key is what the fit reads: the events closed by the date
    with a finite σ. An event added to the pool that closes after the date (one a day
    later, one still open at it) or has no σ leaves the key as it is and is not refitted;
    one closed before the date changes the key and is refitted."""
    pool = _pool()
    t = pd.Timestamp("2025-04-01", tz="UTC")
    monkeypatch.setattr(bt, "_RULES", {})
    fitted: list[int] = []

    def fake_fit(prior: pd.DataFrame) -> bt.ShockRule:
        fitted.append(len(prior))
        return bt.ShockRule(k=float(len(fitted)))

    monkeypatch.setattr(bt, "fit_shock_rule", fake_fit)

    def grown(hours_before: float, **values: float) -> pd.DataFrame:
        """The pool and one more event, a copy of its first with a σ, ``hours_before`` t."""
        first = pool[pool["sigma"].notna()].iloc[[0]]
        extra = first.assign(ts=t - pd.Timedelta(hours=hours_before), **values)
        return pd.concat([pool, extra], ignore_index=True)

    key = bt._fit_key(bt.closed_by(pool, t))
    assert key[0] > 1000
    assert bt.rule_before(pool, t).k == 1.0 and fitted == [len(bt.closed_by(pool, t))]
    for later in (grown(-24.0), grown(12.0), grown(48.0, sigma=float("nan"))):
        assert bt._fit_key(bt.closed_by(later, t)) == key
        assert bt.rule_before(later, t).k == 1.0  # the cached fit
    assert len(fitted) == 1
    before = grown(48.0)  # closed 24 h before t: the fit reads it
    assert bt._fit_key(bt.closed_by(before, t)) != key
    assert bt.rule_before(before, t).k == 2.0
    assert fitted[1] == fitted[0] + 1
