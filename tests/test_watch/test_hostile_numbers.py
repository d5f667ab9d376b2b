"""The watch's cluster figures under numbers outside their domain (api18).

``cluster_metrics`` with a NaN, zero or negative price, or a NaN or non-positive span,
said "no cluster" and 0 USD near the price whatever the book held.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from liqcascade.errors import InputError
from liqcascade.live import AlertRule, cluster_metrics, parse_rule
from liqcascade.positions import PositionBook

NAN, INF = math.nan, math.inf


def _book() -> PositionBook:
    liq = np.array([90.0, 97.0, 99.0, 101.0, 104.0, 120.0])
    side = np.array([1, 1, 1, -1, -1, -1], np.int8)
    return PositionBook(side, np.array([1.0, 10.0, 1.0, 1.0, 10.0, 1.0]), np.full(6, 100.0),
                        np.ones(6), liq, liq)  # fmt: skip


@pytest.mark.parametrize("price", [NAN, INF, 0.0, -100.0])
def test_cluster_metrics_refuses_a_price_that_is_not_positive(price: float) -> None:
    with pytest.raises(InputError, match="price must be a finite price > 0") as e:
        cluster_metrics(_book(), price)
    assert e.value.param == "price"


@pytest.mark.parametrize("span", [NAN, INF, 0.0, -0.3])
def test_cluster_metrics_refuses_a_span_that_is_not_positive(span: float) -> None:
    with pytest.raises(InputError, match="span must be a finite number > 0") as e:
        cluster_metrics(_book(), 100.0, span)
    assert e.value.param == "span"


def test_a_narrow_span_still_sees_the_clusters_inside_it() -> None:
    m = cluster_metrics(_book(), 100.0, span=0.05)  # |log(liq / 100)| <= 5 %: 97 .. 104
    assert m["cluster_below_price"] == 97.0 and m["cluster_above_price"] == 104.0


def test_cluster_metrics_takes_a_price_and_span_held_as_numpy_numbers() -> None:
    # a zero-dimensional array or a numpy float is a number (they were, before api18's
    # check, which refused np.array(100.0) as "not a finite price > 0 (got 100.0)")
    want = cluster_metrics(_book(), 100.0, 0.3)
    assert cluster_metrics(_book(), np.array(100.0), np.array(0.3)) == want
    assert cluster_metrics(_book(), np.float32(100.0), np.int64(1)) == cluster_metrics(
        _book(), 100.0, 1.0
    )


@pytest.mark.parametrize("price", [True, "100", np.array([100.0])])
def test_cluster_metrics_refuses_a_price_that_is_no_number(price: object) -> None:
    with pytest.raises(InputError, match="price must be a finite price > 0") as e:
        cluster_metrics(_book(), price)  # type: ignore[arg-type]
    assert e.value.param == "price"


@pytest.mark.parametrize(
    ("kw", "param"),
    [({"value": NAN}, "value"), ({"value": INF}, "value"), ({"value": "1"}, "value"),
     ({"metric": "nope"}, "metric"), ({"op": "=="}, "op")],
)  # fmt: skip
def test_an_alert_rule_built_directly_is_checked_as_a_parsed_one(
    kw: dict[str, object], param: str
) -> None:
    # lib19: a NaN value never fired; an unknown metric or op raised KeyError on a line
    rule = {"metric": "price", "op": "<", "value": 2500.0, "text": "price < 2500", **kw}
    with pytest.raises(InputError, match=f"{param} must") as e:
        AlertRule(**rule)  # type: ignore[arg-type]
    assert e.value.param == param
    assert AlertRule("price", "<", 2500.0, "price < 2500") == parse_rule("price < 2500")
