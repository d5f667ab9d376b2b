"""The report's one formatter: no scientific notation, readable units."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcascade.report._format import (
    MINUS,
    SCI_NOTATION,
    column_name,
    date_text,
    dec,
    format_table,
    num,
    pct,
    pp,
    pvalue,
    signed_num,
    usd,
)
from profiles import examples


def test_usd_reads_as_a_person_writes_it() -> None:
    assert usd(3698.12) == "$3,698"
    assert usd(1.234e6) == "$1.2 M"
    assert usd(231.3e6) == "$231 M"
    assert usd(2.183e9) == "$2.18 bn"
    assert usd(-5e6) == "−$5.0 M"  # the minus sign, as pct's
    assert usd(12.5) == "$12.50"
    assert usd(float("nan")) == "–"


def test_percentages_pvalues_dates() -> None:
    assert pct(0.123) == "12.3 %"
    assert pct(-0.05, 0, signed=True) == "−5 %"
    assert pct(0.05, signed=True) == "+5.0 %"
    assert pvalue(0.0) == "< 0.001"
    assert pvalue(0.0321) == "0.032"
    assert pvalue(0.41) == "0.41"
    assert date_text(pd.Timestamp("2025-02-03 00:00:00+00:00")) == "2025-02-03"
    t = pd.Timestamp("2025-07-31 20:00", tz="UTC")
    assert date_text(t, time=True) == "2025-07-31 20:00 UTC"
    # a 4-hour bar that opens at midnight keeps its hour (the data section's largest bar)
    assert date_text(pd.Timestamp("2025-02-03 00:00:00+00:00"), bar=True) == (
        "2025-02-03 00:00 UTC"
    )
    assert date_text(t, bar=True) == "2025-07-31 20:00 UTC"


def test_percentage_points() -> None:
    # a difference of two moves: −9.07 % − (−5.00 %) is −4.07 pp, not "−4.07 %"
    assert pp(-0.0907 - (-0.05)) == "−4.07 pp"
    assert pp(0.0) == "0.00 pp" and pp(-1e-9) == "0.00 pp"
    assert pp(0.012, 1) == "+1.2 pp"
    assert pp(0.012, 1, signed=False) == "1.2 pp"


def test_column_names() -> None:
    assert column_name("long_liq_usd") == "long liq (USD)"
    assert column_name("hhi") == "HHI"
    assert column_name("price (USD)") == "price (USD)"


@given(st.floats(allow_nan=True, allow_infinity=True, width=64))
def test_no_scientific_notation_ever(x: float) -> None:
    for text in (num(x), usd(x), pct(x) if abs(x) < 1e300 else "", pvalue(x)):
        assert not SCI_NOTATION.search(text), text


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_num_keeps_the_value(x: float) -> None:
    back = float(num(x, 6).replace(",", "").replace(MINUS, "-"))
    assert math.isclose(back, x, rel_tol=1e-3, abs_tol=1e-6)


def test_format_table_has_no_scientific_notation() -> None:
    df = pd.DataFrame(
        {
            "notional_usd": [1.053e5, 2.183e8],
            "p_value": [0.0, 0.5],
            "ratio": [1e-9, 123456.789],
            "when": [pd.Timestamp("2025-02-03", tz="UTC")] * 2,
            "n": np.array([3, 12345]),
        }
    )
    out = format_table(df)
    assert list(out.columns) == ["notional (USD)", "p value", "ratio", "when", "n"]
    cells = out.to_numpy().ravel().tolist()
    assert not any(SCI_NOTATION.search(str(c)) for c in cells), cells
    assert out.iloc[0, 1] == "< 0.001" and out.iloc[1, 0] == "$218 M"
    assert out.iloc[0, 3] == "2025-02-03"


def test_figure_numbers_are_rounded_to_six_significant_digits() -> None:
    import math

    from liqcascade.report._build import FIGURE_DIGITS, _rounded

    got = _rounded({"x": [3698.3912345678, -0.0012345678901, 7], "y": {"z": 1e-300 * 3.14159265},
                    "n": math.inf, "s": "3.14159265"})  # fmt: skip
    assert FIGURE_DIGITS == 6
    assert got["x"] == [3698.39, -0.00123457, 7] and isinstance(got["x"][2], int)
    assert got["y"]["z"] == 3.14159e-300 and got["n"] == math.inf and got["s"] == "3.14159265"


def test_signed_num_writes_the_sign_with_the_minus_sign() -> None:
    assert signed_num(0.0123, 3) == "+0.012"
    assert signed_num(-1.0957, 3) == f"{MINUS}1.096"
    assert signed_num(-0.0004, 3) == "0.000"  # rounds to zero: no signed zero
    assert signed_num(float("nan"), 2) == signed_num(None, 2) == "–"


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), st.integers(0, 5))
def test_signed_num_reads_back_as_the_rounded_figure(x: float, d: int) -> None:
    text = signed_num(x, d)
    assert "-" not in text and "e" not in text
    back = float(text.replace(MINUS, "-"))
    assert abs(back - x) <= 0.5 * 10.0**-d * (1 + 1e-9) + 1e-9 * abs(x)
    assert text[0] in "+" + MINUS or back == 0


def test_negative_figures_read_with_the_minus_sign_at_every_size() -> None:
    # a log-likelihood of −8,150 and an integer cell printed ASCII hyphens
    assert num(-8150.3) == f"{MINUS}8,150"
    table = format_table(pd.DataFrame({"loglik": [-8150.3], "n": [-67504], "k": [-4]}))
    assert table.iloc[0].tolist() == [f"{MINUS}8,150", f"{MINUS}67,504", f"{MINUS}4"]
    assert dec(-0.0634, 3) == f"{MINUS}0.063" and dec(0.0078, 3) == "0.008"
    assert dec(-0.0001, 3) == "0.000" and dec(float("inf"), 2) == "–"


def test_usd_in_text_writes_free_text_amounts_as_the_page_does() -> None:
    """A preset's stated assumptions read "$1.2M", "$10M / $50M": the page's "$1.2 M"."""
    from liqcascade.report._format import usd_in_text

    assert usd_in_text("99.9 % to $1.2M, 97.5 % to $2M, 0 % above") == (
        "99.9 % to $1.2 M, 97.5 % to $2.0 M, 0 % above"
    )
    assert usd_in_text("USDe 95 % at $10M / $50M; $27,862,775 per 1 %") == (
        "USDe 95 % at $10.0 M / $50.0 M; $27.9 M per 1 %"
    )
    # amounts already in the page's format, prices and text without amounts stay
    assert (
        usd_in_text("a $100 M pool at $3,698; ratio 0.95") == "a $100 M pool at $3,698; ratio 0.95"
    )


def test_the_command_line_prints_p_values_by_the_report_s_rule() -> None:
    """``cascade backtest`` printed "0.802" and ``vol`` "0.563" where the report reads 0.80."""
    from liqcascade._cli.cascade_backtest import p_text as backtest_p
    from liqcascade._pvalue import p_said, pvalue_text
    from liqcascade.report._format import p_text, pvalue

    for p in (0.0002, 0.0123, 0.0978, 0.802, 0.41, float("nan")):
        assert pvalue(p) == pvalue_text(p) == backtest_p(p)
        assert p_text(p, "Kupiec p") == p_said(p, "Kupiec p")
    assert backtest_p(0.802) == "0.80" and backtest_p(0.0002) == "< 0.001"


def _p_read(text: str) -> float:
    """A p-value's text read back: ``< 0.001`` as 0 (below every printed value)."""
    return 0.0 if text.startswith("<") else float(text)


def test_a_p_value_rounded_up_to_0_1_reads_with_two_decimals() -> None:
    """``pvalue_text(0.0996)`` printed "0.100" where ``pvalue_text(0.1)`` prints "0.10"."""
    from liqcascade._pvalue import pvalue_text

    assert pvalue_text(0.0996) == pvalue_text(0.1) == "0.10"
    assert pvalue_text(0.0994) == "0.099"


@settings(max_examples=examples(100))
@given(st.lists(st.floats(0.0, 1.0) | st.floats(0.099, 0.1), min_size=2, max_size=6))
def test_p_value_text_is_monotone_in_p(ps: list[float]) -> None:
    """The text read back never falls as p rises; from 0.1 up it has two decimals."""
    from liqcascade._pvalue import pvalue_text

    texts = [pvalue_text(p) for p in sorted(ps)]
    read = [_p_read(t) for t in texts]
    assert all(a <= b for a, b in itertools.pairwise(read))
    for t, v in zip(texts, read, strict=True):
        assert not (v >= 0.1 and len(t.split(".")[-1]) == 3), t


def test_p_value_formatters_are_the_command_line_s_own() -> None:
    """session 25: one-line wrappers of ``_pvalue``'s functions are now the functions."""
    from liqcascade import _pvalue
    from liqcascade.report import _format

    assert _format.pvalue is _pvalue.pvalue_text and _format.p_text is _pvalue.p_said


def test_an_interval_reads_one_way() -> None:
    """review (session 24): "a – b", "a … b", "[a–b %]" and "a–b" beside each other."""
    from liqcascade.report._format import estimate, interval

    assert interval(13_358.0, 13_001.2, usd) == "$13,001–$13,358"  # sorted, no spaces
    assert interval(12e6, 40.1e6, usd) == "$12.0 M–$40.1 M"
    # across a sign, "to": a dash beside a minus sign reads as one
    assert interval(-0.198, -0.053, lambda x: pct(x, signed=True)) == "−19.8 % to −5.3 %"
    assert interval(-0.07, 0.09, lambda x: signed_num(x, 2)) == "−0.07 to +0.09"
    assert interval(float("nan"), 1.0) == "–"
    got = estimate(0.2310, 0.2110, 0.2520, lambda x: pct(x, 2), "Wilson 90 %")
    assert got == "23.10 % (Wilson 90 % 21.10 %–25.20 %)"
    assert estimate(12.3, 10.1, 14.8) == "12.3 (10.1–14.8)"


def test_a_column_in_usd_millions_has_one_unit() -> None:
    """review: "< $1" beside "$0.007 M"; a venue's $982,000 beside another's $7.7 M."""
    from liqcascade.report._format import usd_m

    cells = [usd_m(x) for x in (7.71e6, 981_194.0, 7_000.0, 0.4, 0.0, float("nan"))]
    assert cells == ["7.7", "0.98", "0.007", "< 0.001", "0", "–"]
    assert usd_m(-2.5e6) == f"{MINUS}2.5" and usd_m(1_234.5e6) == "1,234.5"
    assert not any("$" in c or "M" in c for c in cells)  # the header names the unit


def test_amounts_compared_read_in_one_precision() -> None:
    """review: an ADL overshoot column read "$3.24" beside "$4,299"."""
    from liqcascade.report._format import usd_alike

    assert usd_alike(3.24, 4_299.0, 0.0) == ("$3", "$4,299", "$0")
    assert usd_alike(3.24, 45.1) == ("$3.24", "$45.10")  # all under $100: cents kept
    assert usd_alike(-3.6, 317.0) == (f"{MINUS}$4", "$317")
    assert usd_alike(981_194.0, 43.1e6) == ("$0.98 M", "$43.1 M")


def test_an_interval_across_a_sign_reads_in_its_column_s_millions() -> None:
    from liqcascade.report._format import interval

    cells = format_table(pd.DataFrame({"d": [interval(-240_501.0, 1.5e6, usd), usd(2e6)]}))
    assert list(cells["d"]) == [f"{MINUS}$0.24 M to $1.5 M", "$2.0 M"]
