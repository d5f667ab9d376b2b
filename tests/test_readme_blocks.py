"""tools/readme_blocks.py: how it reads the tour blocks, and one cheap block is current.

The full check re-runs every block of README.md and docs/*.md (minutes: the back-tests,
the Monte Carlo); it is run before a release (CONTRIBUTING.md), not here. Here: the
parsing, the markers, the excerpt rule, the rewrite, that every block is either
re-runnable or marked ``skip``, and the README's ``margin`` block against the command.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("readme_blocks", ROOT / "tools" / "readme_blocks.py")
assert _spec is not None and _spec.loader is not None
rb = importlib.util.module_from_spec(_spec)
sys.modules["readme_blocks"] = rb  # dataclasses look their module up
_spec.loader.exec_module(rb)

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
    assert margin.command_lines == 2
    assert margin.output == (" liquidation price         1,907.6305 USD",
                             " tier (0-based)            0")  # fmt: skip
    assert (margin.start, margin.end) == (2, 8)
    assert margin.marker == rb.Marker()
    assert backtest.marker == rb.Marker(columns=100, stderr=True)
    assert watch.marker == rb.Marker(skip="replays a recorded session")
    assert watch.indent == "  " and watch.output == ("ALERT",)


def test_markers() -> None:
    assert rb.parse_marker("<!-- readme-blocks: skip -->") == rb.Marker(skip="")
    assert rb.parse_marker("<!--readme-blocks: stderr-->") == rb.Marker(stderr=True)
    assert rb.parse_marker("<!-- other comment -->") is None
    assert rb.parse_marker("text") is None
    with pytest.raises(ValueError, match="colums=90"):
        rb.parse_marker("<!-- readme-blocks: colums=90 -->")


def test_the_width_is_the_widest_line_at_least_80_unless_the_marker_says() -> None:
    margin, backtest, _ = blocks()
    assert margin.columns == 80
    assert backtest.columns == 100
    wide = rb.Block(Path("p"), 0, 2, "", "liqcascade x", 1, ("x" * 123,), rb.Marker())
    assert wide.columns == 123


def test_what_cannot_be_rerun() -> None:
    margin, *_ = blocks()
    assert rb.why_not_runnable(margin) is None
    piped = rb.Block(Path("p"), 0, 2, "", "liqcascade data list; echo $?", 1, (), rb.Marker())
    assert rb.why_not_runnable(piped) == "shell syntax beyond one command"
    two = rb.Block(Path("p"), 0, 2, "", "liqcascade x", 1, ("a", "$ head -1 e.csv"), rb.Marker())
    assert rb.why_not_runnable(two) == "several commands in one block"


def test_the_command_line_env_words_and_out_into_the_scratch_folder() -> None:
    env, args = rb.command_argv(
        "LIQCASCADE_STORE=s.duckdb liqcascade liqmap backtest --out bt --x 'a b'  # note",
        Path("/scratch"),
    )
    assert env == {"LIQCASCADE_STORE": "s.duckdb"}
    assert args == ["liqmap", "backtest", "--out", "/scratch/bt", "--x", "a b"]
    assert rb.command_argv("liqcascade r --out=o.html", Path("/s"))[1] == ["r", "--out=/s/o.html"]
    # an absolute --out stays inside the scratch folder too
    assert rb.command_argv("liqcascade r --out /tmp/rep", Path("/s"))[1] == [
        "r",
        "--out",
        "/s/tmp/rep",
    ]


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
    text = rb.rewrite(PAGE, watch, ["ALERT one", "", "ALERT two"])
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
    printed, code = rb.run_block(block, timeout=120)
    assert code == 0
    assert rb.locate(block.output, printed) == [0], "\n".join(printed)
    # and a moved figure would be seen, and put back by a rewrite
    moved = (block.output[0].replace("1,907", "1,908"), *block.output[1:])
    assert rb.locate(moved, printed) is None
    assert rb.regenerate(moved, printed) == list(block.output)


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
