"""The report's tables as HTML: alignment by column kind, escaping, file names that break."""

from __future__ import annotations

import html
import re

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from liqcascade.report._format import NBSP, format_table, table_html


def _cells(markup: str, tag: str) -> list[tuple[str, str]]:
    """(class, text) of every ``tag`` cell, its text as read: no ``<wbr>``, no date's
    ``<span class="nw">`` (it keeps a date on one line), unescaped."""
    found = re.findall(rf'<{tag}(?: class="(\w)")?>(.*?)</{tag}>', markup, flags=re.S)
    return [
        (c, html.unescape(_NW.sub("", t.replace("<wbr>", ""))).replace(NBSP, " ")) for c, t in found
    ]


_NW = re.compile(r'<span class="nw">|</span>')


def test_columns_of_prose_names_and_figures() -> None:
    df = pd.DataFrame(
        {
            "name": ["eth_1h", "btc_oi_4h", "usde_1m"],
            "rows": [75417, 1507, 182685],
            "range": ["2017-08-17 -> 2026-03-31", "2024-11-22 -> 2025-07-31", "2025-09-09 -> 2026"],
            "source": ["Binance spot klines", "CoinGlass API, merged", None],
            "amount_usd": [1.5e6, 2.0e5, float("nan")],
        }
    )
    out = table_html(df)
    heads = _cells(out, "th")
    assert [c for c, _ in heads] == ["k", "", "", "t", ""]
    assert [t for _, t in heads] == list(format_table(df).columns)
    rows = _cells(out, "td")
    assert [c for c, _ in rows[:5]] == ["k", "", "", "t", ""]
    assert rows[0][1] == "eth_1h" and rows[1][1] == "75,417" and rows[3][1] == "Binance spot klines"
    assert rows[4][1] == "$1.5 M" and rows[-1][1] == "–"  # NaN reads as a dash
    assert out.startswith('<table class="dataframe">') and out.count("<tr>") == 4


def test_a_time_is_not_a_word_and_a_mixed_column_follows_its_majority() -> None:
    df = pd.DataFrame(
        {
            "bar": ["2025-02-03 00:00 UTC", "2025-02-03 04:00 UTC", "2025-02-03 08:00 UTC"],
            "verdict": ["ties", "beats", "1.2"],
            "x": ["1.2", "3.4", "ties"],
        }
    )
    assert [c for c, _ in _cells(table_html(df), "th")] == ["", "k", ""]


def test_long_file_names_in_prose_get_break_chances_names_do_not() -> None:
    src = "CoinGlass API (coinglass_ETH_4h_open_interest_all_venues_usd.csv.gz)"
    df = pd.DataFrame({"name": ["eth_oi_4h_stablecoin_margined"], "source": [src]})
    out = table_html(df)
    assert "coinglass_<wbr>ETH_<wbr>4h_<wbr>" in out and "usd.<wbr>csv.<wbr>gz)" in out
    assert "CoinGlass API (" in out  # short words untouched
    assert '<td class="k">eth_oi_4h_stablecoin_margined</td>' in out
    assert _cells(out, "td")[1][1] == src


def test_a_figure_keeps_its_unit_on_its_line() -> None:
    df = pd.DataFrame({"band": ["$12.0 M – $40.1 M", "−19.8 % – −5.3 %", "2.6× (1.2 bn)"]})
    cells = re.findall(r"<td>(.*?)</td>", table_html(df))
    assert cells == [
        f"$12.0{NBSP}M – $40.1{NBSP}M",
        f"−19.8{NBSP}% – −5.3{NBSP}%",
        f"2.6× (1.2{NBSP}bn)",
    ]


@given(
    st.lists(
        st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=0, max_size=40),
        min_size=1,
        max_size=6,
    )
)
def test_every_cell_reads_back_as_formatted(values: list[str]) -> None:
    df = pd.DataFrame({"what": values, "n": list(range(len(values)))})
    out = table_html(df)
    assert "<script" not in out.lower() or "&lt;script" in out.lower()
    texts = [t for _, t in _cells(out, "td")]
    assert texts[0::2] == [t.replace(NBSP, " ") for t in format_table(df)["what"]]
    assert texts[1::2] == [str(i) for i in range(len(values))]


def test_a_column_reads_in_one_unit_and_one_number_format() -> None:
    """review22: a column of millions printed its small amounts in dollars ($382,824 under
    $1.2 M), counts of 1,000-9,999 without the separator their column's 75,417 had, and a
    yes/no column aligned right or left by whether it held a "no"."""
    df = pd.DataFrame(
        {
            "period": [2024, 2025, 2025],
            "rows": [3059, 75417, 12],
            "liquidations": ["$382,824", "$1.2 M", "$0"],
            "stops": ["$6,950", "$17.0 M", "$999,039"],
            "price": ["$3,698", "$3,600", "$81.24"],
            "range": ["2017-08-17 -> 2025-12-31", "a", "b"],
            "beats": ["no", "yes", "no"],
        }
    )
    rows = _cells(table_html(df), "td")
    cols = list(zip(*[rows[i : i + 7] for i in range(0, len(rows), 7)], strict=True))
    assert [t for _, t in cols[0]] == ["2024", "2025", "2025"]  # years keep their digits
    assert [t for _, t in cols[1]] == ["3,059", "75,417", "12"]
    assert [t for _, t in cols[2]] == ["$0.38 M", "$1.2 M", "$0"]
    assert [t for _, t in cols[3]] == ["$0.007 M", "$17.0 M", "$1.0 M"]
    assert [t for _, t in cols[4]] == ["$3,698", "$3,600", "$81.24"]  # no millions: as written
    assert cols[5][0][1] == "2017-08-17 → 2025-12-31"
    yes_all = table_html(pd.DataFrame({"beats": ["yes", "yes"]}))
    assert {c for c, _ in cols[6]} == {c for c, _ in _cells(yes_all, "td")} == {"k"}


def test_prose_sets_code_and_keeps_a_command_option_whole() -> None:
    from liqcascade.report._format import prose_html

    out = prose_html("re-run `liqcascade cascade --asset ETH`; or liqcascade report --refresh <b>")
    assert '<code>liqcascade cascade <span class="nw">--asset</span> ETH</code>' in out
    assert 'report <span class="nw">--refresh</span> &lt;b&gt;' in out and "`" not in out
    # a section's takeaway: code set, the options as written (tests read them in the page)
    plain = prose_html("re-run `liqcascade cascade --asset ETH`", options=False)
    assert plain == "re-run <code>liqcascade cascade --asset ETH</code>"
    assert re.sub(r"<[^>]+>", "", out) == html.escape(
        "re-run liqcascade cascade --asset ETH; or liqcascade report --refresh <b>", quote=False
    )


def test_an_interval_of_amounts_reads_in_its_column_s_scale() -> None:
    """review23: the solvency table's "80 % over draws" column read "$240,501–$301,333"
    under "$1.1 M–$1.5 M" (and "$972,899–$1.8 M" within one cell)."""
    df = pd.DataFrame(
        {
            "draws": ["$240,501–$301,333", "$972,899–$1.8 M", "$1.1 M–$1.5 M"],
            "note": ["about $5,000 of margin", "$1.2 M", "–"],
        }
    )
    rows = _cells(table_html(df), "td")
    assert [t for _, t in rows[0::2]] == ["$0.24 M–$0.30 M", "$0.97 M–$1.8 M", "$1.1 M–$1.5 M"]
    assert rows[1][1] == "about $5,000 of margin"  # prose keeps its amounts as written


def test_amounts_compared_in_a_sentence_share_one_scale() -> None:
    """review23: the contagion card read "model $981,194 vs recorded $43.1 M"."""
    from liqcascade.report._format import usd_alike

    assert usd_alike(981_194.0, 43.1e6) == ("$0.98 M", "$43.1 M")
    assert usd_alike(-500_000.0, 2.0e9) == ("−$0.50 M", "$2.00 bn")
    assert usd_alike(3_500.0, 980.0) == ("$3,500", "$980")  # no millions: as usd() writes
    assert usd_alike(0.0, 2.0e6) == ("$0", "$2.0 M")


def test_a_card_keeps_a_figure_on_the_line_of_its_unit() -> None:
    """review23: the contagion card broke "$0.98 M" between "$0.98" and "M"."""
    from liqcascade.report._format import prose_html

    out = prose_html("model $0.98 M vs recorded $43.1 M (5 % of it)")
    assert out == f"model $0.98{NBSP}M vs recorded $43.1{NBSP}M (5{NBSP}% of it)"
    # a takeaway too (review23b: "2.13 %" broke before its "%"); its options as written
    assert prose_html("model $0.98 M, 2.13 %", options=False) == f"model $0.98{NBSP}M, 2.13{NBSP}%"
