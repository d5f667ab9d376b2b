"""User-controlled strings reach the outputs as written: terminal, JSON, CSV, HTML.

Each hostile but legal string (rich markup, a broken tag, HTML, quotes, a newline,
non-ASCII, 5,000 characters, a spreadsheet formula, a trailing backslash, an emoji
code) goes in as an asset, a venue, a symbol, a scenario or user name, a file or store
path, and must come out exactly as given (escaped where the medium needs it), with the
exit code the command has for any other value: never rich's MarkupError (exit 1), a
swallowed ``[bold]``, a second line of an ``error:`` line, or HTML of the user's.
"""

from __future__ import annotations

import csv
import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from clihelpers import run_cli

HOSTILE = {
    "markup": "[bold]x[/]",
    "open-tag": "[red",
    "close-tag": "x[/]",
    "html": "<script>alert(1)</script>",
    "quotes": '"quoted"',
    "newline": "a\nb",
    "unicode": "é😀",
    "long": "x" * 5000,
    "formula": "=cmd|' /C calc'!A0",
    "backslash": "C:\\data\\",
    "emoji-code": ":smile:",
}
STRINGS = pytest.mark.parametrize("s", list(HOSTILE.values()), ids=list(HOSTILE))
#: the strings a series may be labelled with: ingest refuses a venue or symbol with a
#: control character or over 64 characters (no market's name; a misread cell)
REFUSED_LABELS = ("newline", "long")
LABELS = pytest.mark.parametrize(
    "s", [v for k, v in HOSTILE.items() if k not in REFUSED_LABELS],
    ids=[k for k in HOSTILE if k not in REFUSED_LABELS],
)  # fmt: skip
# the strings that break rich markup (the rest print as written anyway)
MARKUP = pytest.mark.parametrize(
    "s", [HOSTILE[k] for k in ("markup", "close-tag", "backslash", "emoji-code")]
)
INGEST = Path(__file__).parent / "data" / "ingest" / "ETHUSDT_1d_binance_spot.csv.gz"


def squash(text: str) -> str:
    """``text`` without whitespace: a table folds a long cell over several lines."""
    return re.sub(r"\s+", "", text)


def one_line(s: str) -> str:
    """How an ``error:`` line shows ``s``: its newline as ``\\n`` (the line stays one)."""
    return s.replace("\n", "\\n")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the same daily bars once per hostile string, as venue and symbol."""
    path = tmp_path_factory.mktemp("store") / "s.duckdb"
    for k, s in HOSTILE.items():
        if k in REFUSED_LABELS:
            continue
        r = run_cli("data", "ingest", str(INGEST), "--venue", s, "--symbol", s,
                    "--store", str(path))  # fmt: skip
        assert r.exit_code == 0, r.stderr
        assert f"ohlcv {s} {s} 1d, 60 rows" in r.stdout  # the ingest's own line
    return path


@pytest.mark.parametrize("option", ["--venue", "--symbol"])
@pytest.mark.parametrize("key", REFUSED_LABELS)
def test_a_label_no_market_carries_is_refused_naming_the_option(
    tmp_path: Path, key: str, option: str
) -> None:
    """A newline or 5,000 characters in a venue or symbol was stored as the label."""
    path = tmp_path / "s.duckdb"
    r = run_cli("data", "ingest", str(INGEST), option, HOSTILE[key], "--store", str(path))
    assert r.exit_code == 2 and r.stderr.count("\n") == 1, r.stderr
    why = "holds a control character" if key == "newline" else "is 5,000 characters long"
    assert f"{INGEST}: {option} " in r.stderr and why in r.stderr
    assert not path.exists()  # nothing stored, no store made


def test_a_label_cell_with_a_control_character_is_refused_by_its_row(tmp_path: Path) -> None:
    f = tmp_path / "bars.csv"
    f.write_text(
        "ts,open,high,low,close,volume,venue\n"
        "2025-01-01T00:00:00Z,1,2,0.5,1.5,10,binance\n"
        '2025-01-01T01:00:00Z,1,2,0.5,1.5,10,"bin\tance"\n'
    )
    r = run_cli("data", "ingest", str(f), "--store", str(tmp_path / "s.duckdb"))
    assert r.exit_code == 2, r.stderr
    assert r.stderr == (
        f"error: {f}: data row 2 (file line 3): venue 'bin\\tance' holds a control character (a "
        f"newline, "
        "a tab, an escape)\n"
    )


@LABELS
def test_data_list_prints_venue_and_symbol_as_written(store: Path, s: str) -> None:
    r = run_cli("data", "list", "--store", str(store))
    assert r.exit_code == 0, r.stderr
    assert f"ohlcv {s} {s} 1d 2017-08-17 00:00 -> 2017-10-15 00:00 60 rows" in r.stdout
    j = run_cli("data", "list", "--store", str(store), "--json")
    series = [x for x in j.json()["series"] if x["symbol"] == s]  # one valid JSON object
    assert len(j.stdout.strip().splitlines()) == 1
    assert [x["venue"] for x in series] == [s]


@LABELS
def test_data_export_names_the_series_as_written(store: Path, tmp_path: Path, s: str) -> None:
    out = tmp_path / "e.csv"
    r = run_cli("data", "export", "--kind", "ohlcv", "--symbol", s, "--venue", s,
                "--out", str(out), "--store", str(store))  # fmt: skip
    assert r.exit_code == 0, r.stderr
    for value in (s, str(out)):
        assert squash(value) in squash(r.stdout)  # table cells fold, never swallow
    rows = list(csv.DictReader(out.open(newline="")))
    assert {(x["venue"], x["symbol"]) for x in rows} == {(s, s)}  # the values unchanged
    warned = "a spreadsheet opening this CSV may run it as a formula" in r.stderr
    assert warned == s.startswith("="), r.stderr


def test_a_formula_cell_is_named_once_with_the_count_of_the_others(
    store: Path, tmp_path: Path
) -> None:
    s = HOSTILE["formula"]
    out = tmp_path / "f.csv"
    r = run_cli("data", "export", "--kind", "ohlcv", "--symbol", s, "--venue", s,
                "--out", str(out), "--store", str(store), "--json")  # fmt: skip
    assert r.exit_code == 0
    assert r.json()["symbol"] == s
    # 60 rows, venue and symbol each: the first row's venue, then 119 more cells
    line = (
        f"{out}: the venue of data row 1 starts with '=', \"{s}\" (and 119 more "
        "cells): a spreadsheet opening this CSV may run it as a formula; cells are written "
        "as stored"
    )
    assert r.stderr.strip() == f"warning: {line}"
    assert r.json()["warnings"] == [line]  # the library's result carries it (no read-back)
    # Parquet is not a spreadsheet's: no warning
    r = run_cli("data", "export", "--kind", "ohlcv", "--symbol", s, "--venue", s,
                "--out", str(tmp_path / "f.parquet"), "--store", str(store), "--json")  # fmt: skip
    assert r.exit_code == 0 and "formula" not in r.stderr and r.json()["warnings"] == []


@STRINGS
def test_an_error_line_shows_the_string_on_one_line(s: str) -> None:
    r = run_cli("vol", "--asset", s)
    assert r.exit_code == 2
    assert r.stderr.startswith("error: ") and r.stderr.count("\n") == 1
    assert f"no ohlcv {one_line(s.upper())} 1d data" in r.stderr


@STRINGS
def test_a_store_path_prints_as_written(tmp_path: Path, s: str) -> None:
    """A path component too long for the system is bad input (exit 2), not an internal error."""
    path = tmp_path / s / "x.duckdb"
    r = run_cli("data", "list", "--store", str(path))
    assert r.exit_code == 2, r.stderr
    assert r.stderr.startswith("error: ") and r.stderr.count("\n") == 1
    assert one_line(str(path)) in r.stderr


def test_an_escape_sequence_in_an_error_line_is_shown_not_sent() -> None:
    r = run_cli("vol", "--asset", "a\x1b[31mb")
    assert r.exit_code == 2 and "\x1b" not in r.stderr
    assert "no ohlcv A\\x1b[31MB 1d" in r.stderr


def test_c1_controls_and_bidi_overrides_in_an_error_line_are_shown_not_sent() -> None:
    """review17: only C0 and DEL were shown as escapes; ``\\x9b`` (the 8-bit CSI) and a
    right-to-left override (which shows a path's text in another order) went through."""
    r = run_cli("vol", "--asset", "a\x9b31mb\u202ec")
    assert r.exit_code == 2
    assert "\x9b" not in r.stderr and "\u202e" not in r.stderr
    assert "no ohlcv A\\x9b31MB\\u202eC 1d" in r.stderr


@MARKUP
def test_vol_prints_the_asset_and_the_file_as_written(tmp_path: Path, s: str) -> None:
    import numpy as np
    import pandas as pd

    n = 200
    c = 2000 * np.exp(np.cumsum(np.random.default_rng(0).normal(0, 0.02, n)))
    days = pd.date_range("2023-01-01", periods=n, freq="D").strftime("%Y-%m-%d")
    f = tmp_path / "[bold]d[" / "]o.csv"  # the path holds "[bold]d[/]o.csv"
    f.parent.mkdir()
    pd.DataFrame({"timestamp": days, "open": c, "high": c * 1.01, "low": c * 0.99,
                  "close": c, "volume": 1000.0}).to_csv(f, index=False)  # fmt: skip
    r = run_cli("vol", "--asset", s, "--data", str(f))
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith(f"{s.upper()} 1d gjr (t errors), {n - 1} returns")
    assert f"data: every bar of {f.name} (--as-of to cut it)" in r.stdout


def test_liqmap_prints_the_positions_file_and_out_folder_as_written(
    tmp_path: Path, data_dir: Path
) -> None:
    d = tmp_path / "[bold]p[" / "]x :smile: é😀"
    d.mkdir(parents=True)
    pos = d / "p [red].csv"
    pos.write_bytes((data_dir / "liqmap" / "positions.csv").read_bytes())
    out = d / "out [i]"
    r = run_cli("liqmap", "--positions", str(pos), "--price", "2000", "--out", str(out))
    assert r.exit_code == 0, r.stderr
    assert f"({pos} (" in r.stdout.splitlines()[0]
    assert f"wrote liqmap_html: {out / 'liqmap.html'}" in r.stdout


@pytest.mark.parametrize("s", [HOSTILE[k] for k in ("markup", "close-tag", "quotes", "unicode")])
def test_contagion_prints_venue_and_lending_names_as_written(
    tmp_path: Path, data_dir: Path, s: str
) -> None:
    src = data_dir / "contagion"
    for f in ("positions_a.csv", "positions_b.csv"):
        (tmp_path / f).write_bytes((src / f).read_bytes())
    name = json.dumps(s, ensure_ascii=False)  # a TOML basic string
    text = (src / "two_venues.toml").read_text()
    text = text.replace('"a"', name).replace('"aave-weth"', json.dumps(f"L{s}", ensure_ascii=False))
    cfg = tmp_path / "c[red].toml"
    cfg.write_text(text)
    r = run_cli("contagion", "--config", str(cfg), "--liquidity", "static")
    assert r.exit_code == 0, r.stderr
    assert f"first shock -6.0 % on {s} ([shock] of --config c[red].toml)" in r.stdout
    assert f"Cascade from {s} (" in r.stdout
    assert f"L{s}: WETH's beta to its oracle venues' move" in r.stdout
    assert f"first liquidation outside {s} in round" in r.stdout
    j = run_cli("contagion", "--config", str(cfg), "--liquidity", "static", "--json")
    assert j.json()["shock_venue"] == s


@pytest.mark.parametrize("s", [HOSTILE[k] for k in ("markup", "close-tag", "formula", "long")])
def test_solvency_prints_a_scenario_name_as_written(s: str) -> None:
    args = ("solvency", "--scenario", f"{s}=-0.1", "--liquidity", "static")
    r = run_cli(*args)
    assert r.exit_code == 0, r.stderr
    assert squash(s) in squash(r.stdout)
    assert [x["name"] for x in run_cli(*args, "--json").json()["scenarios"]] == [s]


@pytest.mark.parametrize("s", [HOSTILE[k] for k in ("markup", "close-tag", "html", "newline")])
def test_pol_prints_a_user_id_as_written(tmp_path: Path, s: str) -> None:
    users = tmp_path / "u.csv"
    with users.open("w", newline="") as fh:
        csv.writer(fh).writerows([["user", "balance"], [s, "100"], ["bob", "5"]])
    tree, proof = tmp_path / "tree", tmp_path / "p.json"
    root = run_cli("pol", "build", str(users), "--out", str(tree), "--json").json()["root"]
    r = run_cli("pol", "prove", "--tree", str(tree), "--user", s, "--out", str(proof))
    assert r.exit_code == 0, r.stderr
    assert squash(s) in squash(r.stdout)
    r = run_cli("pol", "verify", str(proof), "--root", root)
    assert r.exit_code == 0, r.stderr
    assert squash(s) in squash(r.stdout)


def test_esc_prints_every_string_as_written_in_any_markup() -> None:
    from rich.text import Text

    from liqcascade._cli._common import esc

    for s in [*HOSTILE.values(), "a\\\\", "\\[bold]x", "[none]", "[link=http://a]b[/link]"]:
        for template, plain in (
            ("{}", "{}"),
            ("[bold]{}[/]", "{}"),
            ("{} and more", "{} and more"),
            ("[red]{}[/red]!", "{}!"),
        ):
            shown = Text.from_markup(template.format(esc(s)), emoji=False).plain
            assert shown == plain.format(s), (s, template)


class _Page(HTMLParser):
    """The tags and text of a page, as a browser's parser splits them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        (self.scripts if self._in_script else self.text).append(data)


def _page(out: Path, s: str) -> tuple[str, _Page]:
    """A report page of one section whose every text (and a figure's) holds ``s``."""
    import pandas as pd
    import plotly.graph_objects as go

    from liqcascade.report._build import render_section, write_report
    from liqcascade.report._registry import get_section
    from liqcascade.report._run import Done, plan
    from liqcascade.report._section import ReportContext, Section

    fig = go.Figure(go.Scatter(x=[1, 2], y=[1, 2], name=s, hovertemplate=s + "<extra></extra>"))
    fig.update_layout(title=s)  # the page shows it as the figure's caption
    table = pd.DataFrame({"venue": [s, "b"], "n": [1.0, 2.0]})
    sec = Section("data", s, takeaways=[s], figures=[fig], tables=[(s, table)], notes=[s])
    jobs, _ = plan([get_section("data")], ("ETH",))
    done = [Done(jobs[0], sec, render_section(sec), 0, 0)]
    text = write_report(out, ReportContext(asset="ETH"), done)["html"].read_text()
    page = _Page()
    page.feed(text)
    return text, page


# a newline in the page's text is whitespace the parser keeps; the others are exact
@pytest.mark.parametrize(
    "s", [v for k, v in HOSTILE.items() if k != "long"] + ["<!--<script>x", "</script>"]
)
def test_the_report_shows_a_string_as_text_and_its_figure_reads_it_back(
    tmp_path: Path, s: str
) -> None:
    text, page = _page(tmp_path, s)
    clean = _page(tmp_path / "clean", "x")[1]
    assert page.tags == clean.tags  # no tag of the string's: the page's structure is the same
    # title, takeaway, caption of the figure and of the table, table cell, method note
    assert sum(t == s for t in page.text) >= 6
    assert html.escape(s, quote=False) in text
    figures = [x for x in page.scripts if x.startswith('{"data"')]
    # no "<" at all in a figure's JSON: no "</script>" ends it, and no "<!--<script>"
    # turns a browser's script states so that its own end tag does not (html.parser,
    # which has no such states, would not see that)
    assert figures and not any("<" in x for x in figures)
    assert json.loads(figures[0])["data"][0]["name"] == s  # JSON.parse reads it back whole


def test_the_report_names_a_hostile_store_file_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "<b>s</b> [bold]y["  # the path holds "<b>s</b>" and "[bold]y[/]"
    folder.mkdir(parents=True)
    store = folder / "] <i>&amp; é.duckdb"
    r = run_cli("data", "ingest", str(INGEST), "--venue", "<script>alert(1)</script>",
                "--store", str(store))  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert f"({store})" in r.stdout
    monkeypatch.setenv("LIQCASCADE_STORE", str(store))
    text, page = _page(tmp_path / "out", "x")
    assert f"ohlcv 1d store ({store.name}) + bundled" in "".join(page.text)
    assert "<i>" not in text and "<script>alert" not in text


#: escape sequences a terminal acts on: a title set (OSC), a screen clear (CSI), the
#: 8-bit CSI, a right-to-left override
SEQUENCES = "\x1b]0;pwned\x07 \x1b[2J \x9b31m \u202eab"
SHOWN = "\\x1b]0;pwned\\x07 \\x1b[2J \\x9b31m \\u202eab"


def _no_terminal_command(text: str) -> bool:
    return not any(c in text for c in "\x1b\x07\x9b\u202e")


def test_a_stored_symbol_with_an_escape_sequence_is_shown_not_sent(tmp_path: Path) -> None:
    """A store an older version wrote (ingest now refuses such labels) printed its
    symbol's escape sequences to the terminal in ``data list``'s lines."""
    import duckdb

    path = tmp_path / "old.duckdb"
    r = run_cli("data", "ingest", str(INGEST), "--venue", "v", "--symbol", "s",
                "--store", str(path))  # fmt: skip
    assert r.exit_code == 0, r.stderr
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE ohlcv SET symbol = ?", [SEQUENCES])
    r = run_cli("data", "list", "--store", str(path))
    assert r.exit_code == 0, r.stderr
    assert _no_terminal_command(r.stdout)
    assert f"ohlcv v {SHOWN} 1d 2017-08-17 00:00" in r.stdout
    j = run_cli("data", "list", "--store", str(path), "--json")
    assert [x["symbol"] for x in j.json()["series"]] == [SEQUENCES]  # JSON keeps the value


def test_a_store_path_with_an_escape_sequence_is_shown_in_ordinary_lines(tmp_path: Path) -> None:
    folder = tmp_path / "\x1b[2J\x9b1m\u202e"
    folder.mkdir()
    path = folder / "s.duckdb"
    r = run_cli("data", "ingest", str(INGEST), "--store", str(path))
    assert r.exit_code == 0, r.stderr
    assert _no_terminal_command(r.stdout + r.stderr)
    assert f"{tmp_path}/\\x1b[2J\\x9b1m\\u202e/s.duckdb" in r.stdout
    r = run_cli("data", "list", "--store", str(path))
    assert r.exit_code == 0 and _no_terminal_command(r.stdout + r.stderr)
    assert f"{tmp_path}/\\x1b[2J\\x9b1m\\u202e/s.duckdb" in r.stdout


def test_contagion_shows_an_escape_sequence_in_a_config_name(
    tmp_path: Path, data_dir: Path
) -> None:
    src = data_dir / "contagion"
    for f in ("positions_a.csv", "positions_b.csv"):
        (tmp_path / f).write_bytes((src / f).read_bytes())
    cfg = tmp_path / "c.toml"
    cfg.write_text((src / "two_venues.toml").read_text().replace('"a"', json.dumps(SEQUENCES)))
    r = run_cli("contagion", "--config", str(cfg), "--liquidity", "static")
    assert r.exit_code == 0, r.stderr
    assert _no_terminal_command(r.stdout + r.stderr)
    assert f"Cascade from {SHOWN} (" in r.stdout
    assert run_cli("contagion", "--config", str(cfg), "--liquidity", "static",
                   "--json").json()["shock_venue"] == SEQUENCES  # fmt: skip


@pytest.mark.parametrize("console", ["stdout", "stderr"])
def test_every_console_line_shows_control_characters_and_keeps_its_newlines(
    console: str,
) -> None:
    """Plain lines, markup, table cells, rich's own Text (a spinner's, a progress bar's)
    and the result lines (:func:`line`: ``watch``, ``diff``, ``report``) alike."""
    import io

    from rich.table import Table
    from rich.text import Text

    from liqcascade._cli import _common

    con = getattr(_common, console)
    buf, old = io.StringIO(), con._file
    con.file = buf
    try:
        con.print(f"plain {SEQUENCES}\nsecond", markup=False)
        con.print(f"[bold]markup {_common.esc(SEQUENCES)}[/]")
        table = Table("cell")
        table.add_row("\x1b[2J\x9b1m")
        con.print(table)
        con.print(Text(f"text {SEQUENCES}"))
        if console == "stdout":
            _common.line(f"line {SEQUENCES}\ttab")
    finally:
        con._file = old
    out = buf.getvalue()
    assert _no_terminal_command(out) and "\t" not in out
    assert f"plain {SHOWN}\nsecond\n" in out  # the line's own newline stays a line break
    assert f"markup {SHOWN}\n" in out
    assert "│ \\x1b[2J\\x9b1m │" in out
    # rich's Text drops a bell (and a carriage return) itself: the rest is shown
    assert "text \\x1b]0;pwned \\x1b[2J \\x9b31m \\u202eab\n" in out
    assert console == "stderr" or f"line {SHOWN}\\ttab\n" in out


def test_shown_is_the_one_rule_of_the_error_lines_and_the_others() -> None:
    from liqcascade._cli._common import shown

    assert shown("a\nb\x1b[1m\x7f\u2066") == "a\\nb\\x1b[1m\\x7f\\u2066"
    assert shown("a\nb\x1b", one_line=False) == "a\nb\\x1b"
    assert shown("é😀 [bold]x[/] \\") == "é😀 [bold]x[/] \\"  # nothing else changes


#: strings plotly would read as its own tags: bold, a link, a line break, a styled span
PLOTLY_TAGS = [
    "<B>X</B>",
    '<a href="https://example.com">x</a>',
    "a<br>b",
    "<span style='color:red'>r</span>",
    "&lt;i&gt;",
    "%{y}",  # hover and text templates expand it (to the point's value)
    "50% %{x:.2f} &#37;{y}",
]


@pytest.mark.parametrize("s", [*PLOTLY_TAGS, *HOSTILE.values()])
def test_plain_figure_text_reads_back_as_written(s: str) -> None:
    from liqcascade._plotly_text import plain, text_of

    shown = plain(s)
    assert "<" not in shown and ">" not in shown  # no tag left for plotly to read
    assert "%" not in shown  # no template field left for plotly to expand
    assert text_of(shown) == s  # what plotly draws (its entities decoded once)


@pytest.mark.parametrize("s", PLOTLY_TAGS)
def test_contagion_plot_shows_venue_names_not_plotly_tags(
    tmp_path: Path, data_dir: Path, s: str
) -> None:
    """A venue named ``<B>X</B>`` in a contagion config was bold in the legend and the
    title; ``<a href>`` made a link."""
    from liqcascade._plotly_text import text_of
    from liqcascade.contagion import build_setup, load_config, run_setup

    src = data_dir / "contagion"
    for f in ("positions_a.csv", "positions_b.csv"):
        (tmp_path / f).write_bytes((src / f).read_bytes())
    cfg = tmp_path / "c.toml"
    cfg.write_text((src / "two_venues.toml").read_text().replace('"a"', json.dumps(s)))
    res = run_setup(build_setup(load_config(cfg), cfg.name, {}), liquidity="static")
    fig = json.loads(res.plot().to_json())
    names = [t["name"] for t in fig["data"]]
    assert not any("<" in n for n in names) and s in [text_of(n) for n in names]
    title = fig["layout"]["title"]["text"]
    assert "<" not in title and text_of(title) == f"Cascade from {s}: price by round"


def test_the_report_caption_of_a_plain_title_is_the_string(tmp_path: Path) -> None:
    """A section's title puts a user's asset through plain(); its caption (HTML, outside
    plotly) shows the string itself, escaped once by the page."""
    import plotly.graph_objects as go

    from liqcascade._plotly_text import plain
    from liqcascade.report._figures import finish

    s = "<B>X</B> & é"
    fig = go.Figure(go.Scatter(x=[1, 2], y=[1, 2], name=plain(s)))
    fig.update_layout(title=f"{plain(s)} price")
    caption, fig = finish(fig)
    assert caption == f"{s} price"
    assert fig.data[0].name == "&lt;B&gt;X&lt;/B&gt; &amp; é"


@pytest.mark.parametrize("s", ["%{y}", "<B>X</B> %{x:,.0f}"])
def test_a_stress_figure_shows_an_asset_in_its_hover_template_as_typed(s: str) -> None:
    """The report's paths figure put the asset raw into its hover template: an asset
    ``%{y}`` showed as the share of paths under the cursor, ``<B>`` as bold."""
    import re
    from types import SimpleNamespace

    import numpy as np
    from plotly.subplots import make_subplots

    from liqcascade._plotly_text import text_of
    from liqcascade.report._stress_section import figures

    # the stress paths' plot: two panels (loss, liquidations), as ``StressPaths.plot``
    mc = SimpleNamespace(
        plot=lambda: make_subplots(rows=1, cols=2),
        final_price={s: np.linspace(2000.0, 4000.0, 50)},
    )
    v = SimpleNamespace(asset=s, mc=mc, price=3000.0, backtest=None)
    fig = json.loads(figures(v)[1].to_json())  # type: ignore[arg-type]
    template = fig["data"][0]["hovertemplate"]
    fields = re.findall(r"%\{([^\s%{}:]*)", template)  # plotly's template fields
    assert fields == ["x", "y"]  # the figure's own two, none of the asset's
    assert text_of(template).startswith(f"{s} $%{{x:,.0f}}")  # shown as typed
    assert "<B>" not in template
    assert text_of(fig["layout"]["title"]["text"]).startswith(f"{s} after ")


def test_the_library_watch_default_log_line_shows_control_characters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``run_watch``/``Watcher`` without a ``log`` printed its fault lines raw: an escape
    sequence in a venue's exception message reached the terminal (or the log file)."""
    import pandas as pd

    from liqcascade.live import Watcher, WatchOptions
    from test_watch.fake import ReplayExchange

    start = int(pd.Timestamp("2025-07-20 00:30", tz="UTC").value // 1_000_000)
    store = tmp_path / "s.duckdb"
    w = Watcher(WatchOptions(exchanges=[ReplayExchange(start)], store=store, since="2025-07-01"))
    try:
        w.log(f"binance ohlcv: {SEQUENCES}\nsecond; retry in 5 s")
    finally:
        w.close()
    err = capsys.readouterr().err
    assert _no_terminal_command(err)
    assert err == f"binance ohlcv: {SHOWN}\\nsecond; retry in 5 s\n"  # one line, as written


def test_the_verbose_traceback_shows_control_characters(tmp_path: Path) -> None:
    """With ``-v`` an internal error's traceback was written raw: an escape sequence in
    the exception's message (a path, a venue's reply) reached the terminal."""
    import subprocess
    import sys

    code = (
        "import liqcascade.cli as c\n"
        "def boom():\n"
        f"    raise RuntimeError({SEQUENCES!r} + '\\nsecond line')\n"
        "c.main = boom\n"
        "from liqcascade.__main__ import main\n"
        "main()\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 1
    assert _no_terminal_command(p.stderr)
    assert p.stderr.startswith("Traceback (most recent call last):\n")  # its lines kept
    assert f"RuntimeError: {SHOWN}\nsecond line\n" in p.stderr
