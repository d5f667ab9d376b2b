"""tools/readme_blocks.py: how it reads the tour blocks, and the fast blocks are current.

The full check re-runs every block of README.md and docs/*.md (minutes: the back-tests,
the Monte Carlo); it is run before a release (CONTRIBUTING.md), not here. Here: the
parsing, the markers, the excerpt and wrap rules, sessions, the rewrite, that every
block is either re-runnable or marked ``skip``, and the fast, deterministic blocks
(margin maths, files of ``tests/data``, a scratch store) against the commands.

Each command runs in a process of its own forked from a warm interpreter that has
imported the numeric stack once (:data:`warmpython.PRELOADED`,
put in ``readme_blocks.RUN_COMMAND`` for this module): about 2 s of CPU less per command
than a cold ``python -m liqcascade``; ``tools/readme_blocks.py --check`` itself starts
each with :func:`subprocess.run`.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import warmpython

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("readme_blocks", ROOT / "tools" / "readme_blocks.py")
assert _spec is not None and _spec.loader is not None
rb = importlib.util.module_from_spec(_spec)
sys.modules["readme_blocks"] = rb  # dataclasses look their module up
_spec.loader.exec_module(rb)


@pytest.fixture(scope="module", autouse=True)
def _warm_commands() -> Iterator[None]:
    """The commands of this module's checks started warm; the tool's own runner after."""
    assert rb.RUN_COMMAND is subprocess.run  # what the tool uses when run as a command
    rb.RUN_COMMAND = warmpython.run
    yield
    rb.RUN_COMMAND = subprocess.run
    warmpython.stop()


PAGE = """\
Intro.

```text
$ liqcascade margin liq-price --side long \\
    --size 1
 liquidation price         1,907.6305 USD
 tier (0-based)            0

```

<!-- readme-blocks: columns=100 stderr -->
```
$ liqcascade cascade backtest --asset ETH
warning: a warning
…
last line
```

```python
$ liqcascade not a tour: a python block
```

- an item:

  <!-- readme-blocks: skip (replays a recorded session) -->
  ```text
  $ LIQCASCADE_STORE=x.duckdb liqcascade watch --asset ETH
  ALERT
  ```

```text
# crontab
$ liqcascade report
```
"""


def blocks() -> list:
    return rb.find_blocks(PAGE, Path("page.md"))


def test_finds_the_tour_blocks_and_their_markers() -> None:
    found = blocks()
    assert [b.command for b in found] == [
        "liqcascade margin liq-price --side long --size 1",
        "liqcascade cascade backtest --asset ETH",
        "LIQCASCADE_STORE=x.duckdb liqcascade watch --asset ETH",
    ]
    margin, backtest, watch = found
    assert len(margin.steps) == 1 and margin.steps[0].lines == 2
    assert margin.steps[0].output == (" liquidation price         1,907.6305 USD",
                             " tier (0-based)            0")  # fmt: skip
    assert (margin.start, margin.end) == (2, 8)
    assert margin.marker == rb.Marker()
    assert backtest.marker == rb.Marker(columns=100, stderr=True)
    assert watch.marker == rb.Marker(skip="replays a recorded session")
    assert watch.indent == "  " and watch.steps[0].output == ("ALERT",)


def test_markers() -> None:
    assert rb.parse_marker("<!-- readme-blocks: skip -->") == rb.Marker(skip="")
    assert rb.parse_marker("<!--readme-blocks: stderr-->") == rb.Marker(stderr=True)
    assert rb.parse_marker("<!-- other comment -->") is None
    assert rb.parse_marker("text") is None
    with pytest.raises(ValueError, match="colums=90"):
        rb.parse_marker("<!-- readme-blocks: colums=90 -->")
    assert rb.parse_marker(
        "<!-- readme-blocks: cwd=tests/data/book/ store=scratch wrap continue -->"
    ) == rb.Marker(cwd="tests/data/book", scratch_store=True, wrap=True, continues=True)
    for bad in ("cwd=/etc", "cwd=../x", "cwd=", "store=home"):  # the repository only
        with pytest.raises(ValueError, match="unknown readme-blocks marker word"):
            rb.parse_marker(f"<!-- readme-blocks: {bad} -->")


def block_of(*parts: Any, marker: Any = None) -> Any:
    """A block of commands (str) each followed by its output (tuple of lines)."""
    steps = [rb.Step(c, 1, o) for c, o in zip(parts[::2], parts[1::2], strict=True)]
    return rb.Block(Path("p"), 0, 2, "", tuple(steps), marker or rb.Marker())


def test_the_width_is_the_widest_line_at_least_80_unless_the_marker_says() -> None:
    margin, backtest, _ = blocks()
    assert margin.columns == 80
    assert backtest.columns == 100
    wide = block_of("liqcascade x", ("a", "y" * 90), "liqcascade z", ("x" * 123,))
    assert wide.columns == 123  # the widest line of any command


def test_what_cannot_be_rerun() -> None:
    margin, *_ = blocks()
    assert rb.why_not_runnable(margin) is None
    code = block_of("liqcascade data list; echo $?", ("2",))
    assert rb.why_not_runnable(code) is None and code.steps[0].echoes_code
    for shell in ("liqcascade data list | head", "liqcascade data list; echo done",
                  "liqcascade x --root $(cat r)"):  # fmt: skip
        assert rb.why_not_runnable(block_of(shell, ())).startswith("shell syntax")
    session = block_of("liqcascade x --out e.csv", (), "head -1 e.csv", ("ts",))
    assert rb.why_not_runnable(session) is None
    rm = block_of("liqcascade x", (), "rm -rf e.csv", ())
    assert rb.why_not_runnable(rm).startswith("a command other than liqcascade")


SESSION = """\
<!-- readme-blocks: continue -->
```
$ liqcascade data export --out e.csv \\
    --store d.duckdb
 out  e.csv

$ head -1 e.csv
ts,open


$ liqcascade data list; echo $?
2
```
"""


def test_a_session_is_its_commands_each_with_its_output() -> None:
    (block,) = rb.find_blocks(SESSION, Path("p"))
    assert block.marker == rb.Marker(continues=True)
    assert [(s.command, s.lines, s.output, s.blank) for s in block.steps] == [
        ("liqcascade data export --out e.csv --store d.duckdb", 2, (" out  e.csv",), 1),
        ("head -1 e.csv", 1, ("ts,open",), 2),
        ("liqcascade data list; echo $?", 1, ("2",), 0),
    ]
    text = rb.rewrite(SESSION, block, [[" out  f.csv", " rows 0"], ["ts,open"], ["0"]])
    assert text == SESSION.replace(" out  e.csv", " out  f.csv\n rows 0").replace(
        "2\n```", "0\n```"
    )


def test_the_command_line_env_words_and_out_into_the_scratch_folder() -> None:
    created: dict[str, Path] = {}
    env, args = rb.command_argv(
        "LIQCASCADE_STORE=s.duckdb liqcascade liqmap backtest --out bt --x 'a b'  # note",
        Path("/scratch"),
        created,
    )
    assert env == {"LIQCASCADE_STORE": "/scratch/s.duckdb"}
    assert args == ["liqcascade", "liqmap", "backtest", "--out", "/scratch/bt", "--x", "a b"]
    assert rb.command_argv("liqcascade r --out=o.html", Path("/s"))[1] == [
        "liqcascade", "r", "--out=/s/o.html"]  # fmt: skip
    # an absolute --out stays inside the scratch folder too, and so does a --store
    assert rb.command_argv("liqcascade r --out /tmp/rep --store=d.duckdb", Path("/s"))[1] == [
        "liqcascade", "r", "--out", "/s/tmp/rep", "--store=/s/d.duckdb"]  # fmt: skip
    # a later command reads what an earlier one wrote there; other words are left alone
    _, later = rb.command_argv("head -1 bt/x.csv bt s.duckdb; echo $?", Path("/scratch"), created)
    assert later == ["head", "-1", "/scratch/bt/x.csv", "/scratch/bt", "/scratch/s.duckdb"]
    assert rb.command_argv("liqcascade p verify bt.json", Path("/s"), created)[1][-1] == "bt.json"


def test_a_command_writing_into_the_working_folder_by_default_writes_into_the_scratch() -> None:
    """``report`` without ``--out`` writes ``report/`` in the folder it runs in: the
    repository (or a marker's ``cwd=`` folder of it), not the scratch folder."""
    created: dict[str, Path] = {}
    _, args = rb.command_argv("liqcascade report --section cascade --quick", Path("/s"), created)
    assert args == ["liqcascade", "report", "--section", "cascade", "--quick", "--out", "/s/report"]
    _, later = rb.command_argv("ls report", Path("/s"), created)
    assert later == ["ls", "/s/report"]  # read there by a later command
    for given in ("--out r2", "--out=r2"):  # an --out given is placed as it was
        assert rb.command_argv(f"liqcascade report {given}", Path("/s"))[1][-1].endswith("r2")
    assert "--out" not in rb.command_argv("liqcascade diff a b", Path("/s"))[1]


PRINTED = ["head", "a 1.00", "b 2.00 … 3.00", "c", "tail"]


@pytest.mark.parametrize(
    ("quoted", "agrees"),
    [
        (tuple(PRINTED), True),
        (("head", "…"), True),  # a prefix
        (("…", "tail"), True),  # a suffix
        (("head", "...", "c", "…", "tail"), True),  # either gap spelling, a middle anchor
        (("head", "a 1.00", "b 2.00 … 3.00", "c"), False),  # no gap: every line counts
        (("head", "a 1.01", "…"), False),  # a figure moved
        (("head", "a …", "b … 3.00", "…"), True),  # … inside a line is any text
        (("head", "a ...", "…"), True),  # ... inside a line too
        (("tail", "…"), False),  # the first segment is anchored at the start
        (("head", "…", "c"), True),  # an excerpt need not reach the end
        (("head", "…", "c", "b 2.00 … 3.00", "…"), False),  # segments in order
    ],
)
def test_the_excerpt_rule(quoted: tuple[str, ...], agrees: bool) -> None:
    assert (rb.locate(quoted, PRINTED) is not None) is agrees


def test_regenerate_keeps_the_excerpt_and_the_lines_that_agree() -> None:
    printed = ["head", "a 1.50", "b 2.00 … 3.00", "c", "tail"]
    assert rb.regenerate(("head", "a 1.00", "…"), printed) == ["head", "a 1.50", "…"]
    assert rb.regenerate(("head", "a …", "…", "tail2"), printed) == ["head", "a …", "…", "tail"]
    # a block without gaps that changed length becomes the whole output
    assert rb.regenerate(("head", "a 1.00"), printed) == printed
    # a line shortened by hand that no printed line agrees with would be lost
    assert rb.regenerate(("head", "x …", "…"), printed) is None


def test_rewrite_replaces_the_output_only_and_keeps_the_indent() -> None:
    *_, watch = blocks()
    text = rb.rewrite(PAGE, watch, [["ALERT one", "", "ALERT two"]])
    command = "  $ LIQCASCADE_STORE=x.duckdb liqcascade watch --asset ETH\n"
    assert command + "  ALERT one\n\n  ALERT two\n  ```" in text
    assert text.replace("  ALERT one\n\n  ALERT two\n", "  ALERT\n") == PAGE
    again = rb.find_blocks(text, Path("page.md"))
    assert [b.command for b in again] == [b.command for b in blocks()]


def test_every_shipped_block_is_rerun_or_marked_skip() -> None:
    found = [b for page in rb.pages([]) for b in rb.find_blocks(page.read_text("utf-8"), page)]
    readme = [b for b in found if b.path.name == "README.md"]
    assert len(readme) >= 13 and any("margin liq-price" in b.command for b in readme)
    unmarked = [b.where for b in found if b.marker.skip is None and rb.why_not_runnable(b)]
    assert unmarked == []


def test_the_readme_margin_block_is_current() -> None:
    readme = ROOT / "README.md"
    (block,) = [b for b in rb.find_blocks(readme.read_text("utf-8"), readme)
                if b.command.startswith("liqcascade margin liq-price")]  # fmt: skip
    ((printed, code),) = rb.run_block(block, timeout=120)
    assert code == 0
    quoted = block.steps[0].output
    assert rb.locate(quoted, printed) == [0], "\n".join(printed)
    # and a moved figure would be seen, and put back by a rewrite
    moved = (quoted[0].replace("1,907", "1,908"), *quoted[1:])
    assert rb.locate(moved, printed) is None
    assert rb.regenerate(moved, printed) == list(quoted)


def test_write_rewrites_a_stale_block_in_place(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    (block,) = [b for b in rb.find_blocks(readme, ROOT / "README.md")
                if b.command.startswith("liqcascade margin liq-price")]  # fmt: skip
    lines = readme.split("\n")[block.start : block.end + 1]
    current = "\n".join(lines)
    stale = current.replace("1,907.6305", "1,907.9999").replace(" 0.4 %", " 0.5 %")
    page = tmp_path / "page.md"
    page.write_text(f"# page\n\n<!-- readme-blocks: columns=80 -->\n{stale}\n\ntail\n", "utf-8")
    assert rb.main(["--write", str(page)]) == 0  # stale, rewritten
    expected = f"# page\n\n<!-- readme-blocks: columns=80 -->\n{current}\n\ntail\n"
    assert page.read_text("utf-8") == expected
    assert rb.main(["--check", "--only", "margin", str(page)]) == 0
    assert rb.main(["--check", "--only", "cascade", str(page)]) == 0  # nothing selected


def test_the_wrap_rule_reads_one_long_line_wrapped_and_abridged() -> None:
    printed = ["note: x", '{"a": 1, "b": [{"p": 1.0}, {"p": 2.0}], "c": 0.30666016, "d": "e"}']
    wrapped = (
        "note: x",
        '{"a": 1,',
        '   "b": [{"p": 1.0}, {"p": 2.0}],',
        ' "c": 0.30666016, "d": "e"}',
    )
    assert rb.agrees(wrapped, printed, wrap=True)
    assert not rb.agrees(wrapped, printed)  # line by line it is not the output
    abridged = ("note: x", '{"a": 1, "b": [..., {"p": 2.0}],', ' "c": 0.3066…, ...}')
    assert rb.agrees(abridged, printed, wrap=True)
    assert not rb.agrees(("note: x", '{"a": 1, ...', ' "c": 0.3067…'), printed, wrap=True)
    assert not rb.agrees(wrapped[:3], printed, wrap=True)  # no "…": the whole output


def test_a_session_runs_in_one_scratch_folder_with_a_scratch_store_and_home(
    tmp_path: Path,
) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- readme-blocks: store=scratch stderr -->\n```\n"
        "$ liqcascade data list; echo $?\n"
        "error: $LIQCASCADE_STORE: store.duckdb: no such store (nothing was ingested there)\n2\n"
        "```\n\n<!-- readme-blocks: stderr -->\n```\n$ liqcascade data list\n"
        "/home/me/.liqcascade/store.duckdb: no store yet (`liqcascade data ingest` creates it)\n"
        "```\n",
        "utf-8",
    )
    scratch_store, home = rb.find_blocks(page.read_text("utf-8"), page)
    assert scratch_store.marker.scratch_store and not home.marker.scratch_store
    with rb.Session() as session:
        ((printed, code),) = rb.run_block(scratch_store, timeout=120, session=session)
        assert list(session.scratch.iterdir()) == [session.scratch / "home"]  # no store made
    assert not session.scratch.exists()
    assert code == 2 and printed == list(scratch_store.steps[0].output)
    assert rb.main(["--check", str(page)]) == 0  # and HOME printed as /home/me


#: The blocks the suite re-runs, by the first command of each (fast and deterministic:
#: margin maths, the explicit files of ``tests/data``, a scratch store); the rest of the
#: pages' blocks are re-run by ``tools/readme_blocks.py --check`` before a release.
FAST_BLOCKS = {
    "margin.md": (
        "liqcascade margin liq-price --side long --size 1 --entry 2000 --margin 100",
        "liqcascade margin liq-price --side long --size 1 --entry 2000 --leverage 125 --mmr 0.01",
    ),
    "cascade.md": (
        "liqcascade cascade --positions positions.csv --stops stops.csv --book book.csv "
        "--mid 100 --shock-price 98.9 --insurance-fund 0.5 --json",
    ),
    "liqmap.md": (
        "liqcascade liqmap --positions bad_leverage_above_max.csv --price 2000",
        "liqcascade liqmap --positions positions.csv --stops stops.csv --price 2000 --json",
    ),
    "data.md": (
        "liqcascade data ingest tests/data/ingest/coinglass_ETH_4h_liquidations_binance.csv.gz "
        "tests/data/ingest/ETHUSDT_1h_binance_spot.csv.gz --venue binance --store d.duckdb --json",
        "liqcascade data export --kind ohlcv --out e.csv --start 2030-01-01 --store d.duckdb",
        "liqcascade data list --store missing.duckdb",
    ),
}


def _only(commands: tuple[str, ...]) -> str:
    return "^(?:" + "|".join(map(re.escape, commands)) + ")$"


@pytest.mark.parametrize("name", sorted(FAST_BLOCKS))
def test_the_fast_blocks_of_the_pages_are_current(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    page = ROOT / "docs" / name
    firsts = [b.command for b in rb.find_blocks(page.read_text("utf-8"), page)]
    assert set(FAST_BLOCKS[name]) <= set(firsts), "a page no longer quotes a block run here"
    code = rb.main(["--check", "--only", _only(FAST_BLOCKS[name]), str(page)])
    out = capsys.readouterr()
    assert f"{len(FAST_BLOCKS[name])} ok, 0 stale" in out.err, out.err
    assert code == 0, out.out


def test_a_stale_figure_in_a_copy_of_a_page_fails_the_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "liqmap.md"
    shutil.copy(ROOT / "docs" / "liqmap.md", page)
    text = page.read_text("utf-8")
    assert text.count('"-0.05": 5765.0') == 1
    page.write_text(text.replace('"-0.05": 5765.0', '"-0.05": 5766.0'), "utf-8")
    assert rb.main(["--check", "--only", _only(FAST_BLOCKS["liqmap.md"][1:]), str(page)]) == 1
    out = capsys.readouterr().out
    assert "STALE" in out and '"-0.05": 5766.0' in out
    assert rb.main(["--write", "--only", _only(FAST_BLOCKS["liqmap.md"][1:]), str(page)]) == 1
    assert "not rewritten" in capsys.readouterr().out  # wrapped by hand: left for a hand


def test_an_abbreviated_random_value_is_the_one_printed_before() -> None:
    block = block_of(
        "liqcascade pol build u.csv --out tree --json", ('{"root": "1d18aa55f59c", "n": 5}',),
        "liqcascade pol verify p.json --root 1d18…f59c", (" valid  True",),
    )  # fmt: skip
    assert rb._random_words(block) == ["1d18aa55f59c"]  # any text where it is quoted
    assert (
        rb._masked('{"root": "1d18aa55f59c", "n": 5}', ["1d18aa55f59c"]) == '{"root": "…", "n": 5}'
    )
    with rb.Session() as session:
        session.history.append(
            ('{"root": "1d18aa55f59c", … "n": 5}', '{"root": "77ee", "x": 1, "n": 5}')
        )
        assert (
            session.recalled("liqcascade v --root 1d18…f59c --n 5")
            == "liqcascade v --root 77ee --n 5"
        )
        assert session.recalled("liqcascade v --root 1d18…f59d") == "liqcascade v --root 1d18…f59d"


def test_continue_needs_a_block_before_it_that_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- readme-blocks: skip (needs a SOL store) -->\n```\n$ liqcascade data list\n```\n\n"
        "<!-- readme-blocks: continue -->\n```\n$ liqcascade data list\n```\n",
        "utf-8",
    )
    assert rb.main(["--check", str(page)]) == 1
    assert "'continue' needs a block before it that runs" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("quoted", "printed", "same"),
    [
        ('"liq_price": 2867.258163265306,', '"liq_price": 2867.2581632653063,', True),
        ('"liq_price": 2867.258163265306,', '"liq_price": 2867.261163265306,', False),
        ("VaR 95 %: 12.34 % (p05 0.3067)", "VaR 95 %: 12.34 % (p05 0.3066)", False),
        ("rows 106, gaps 0", "rows 107, gaps 0", False),
        ("rows 106, gaps 0", "rows 106, gaps 0 ", False),
        ("debt …: 1.0000000000000002e-05 USD", "debt (bound): 1.0000000000000003e-05 USD", True),
        ("share 0.3066601612", "share 0.3066601613", True),
        ("share 0.30666016", "share 0.30666017", False),
        ("x 0.30000000000000004", "x 0.3", True),  # the neighbour's repr is shorter
        ("x 0.1234567899999999", "x 0.12345679000000001", True),  # carried past 8 digits
        ("x 1.0000000000000002", "x 0.9999999999999998", True),
        ("x 0.30000000000000004", "x 0.31", False),
        ("from 2024-11-21 to 2025-07-31", "from 2024-11-21 to 2025-07-31", True),
        ("from 2024-11-21 to 2025-07-31", "from 2024-11-21 to 2025-07-30", False),
        ("x = -0.25", "x = 0.25", False),
    ],
)
def test_a_number_matches_within_its_last_bits_and_no_further(
    quoted: str, printed: str, same: bool
) -> None:
    """Floats printed in full (JSON's repr) differ in the last bits across CPUs: a doc
    quoting one must not be stale on another machine, while a changed figure is."""
    assert rb.line_matches(quoted, printed) is same


def test_a_wrapped_json_quote_matches_its_numbers_within_their_last_bits() -> None:
    printed = ['{"asset": "ETH", "liq_price": 2867.2581632653063, "tier": 0, "note": "x"}']
    assert rb.agrees(('{"asset": "ETH",', '  "liq_price": 2867.258163265306, …'), printed, True)
    assert not rb.agrees(('{"asset": "ETH",', '  "liq_price": 2867.26, …'), printed, True)
    assert not rb.agrees(('{"asset": "ETH",', '  "liq_price": 2867.258163265306,'), printed, True)
