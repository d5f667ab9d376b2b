"""tools/readme_claims.py: README's claims table rendered from a report's summary.json.

The check against a fresh full report (minutes) runs before a release
(CONTRIBUTING.md), not here: here the rendering, the comparison and the rewrite on a
small fabricated summary, and that README.md holds the table where the tool looks.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("readme_claims", ROOT / "tools" / "readme_claims.py")
assert _spec is not None and _spec.loader is not None
rc = importlib.util.module_from_spec(_spec)
sys.modules["readme_claims"] = rc
_spec.loader.exec_module(rc)

SUMMARY: dict[str, Any] = {
    "claims": [
        {"claim": "Volatility clusters", "front": "short", "verdict": "supported",
         "computed": "ARCH-LM 92 (p < 0.001);\n  none left after GJR",
         "would_test": "", "section": "volatility"},
        {"claim": "A | in a claim", "front": "short", "verdict": "not testable with these data",
         "computed": "odds 1 | 2", "would_test": "more data", "section": "cascade"},
    ]
}  # fmt: skip

PAGE = """\
Intro.

<!-- readme-claims -->
| claim | what liqcascade computes | verdict |
|---|---|---|
| Volatility clusters | ARCH-LM 91 (p < 0.001); none left after GJR | supported |
| A \\| in a claim | odds 1 \\| 2 | not testable with these data |

After.
"""


def test_render_is_one_row_per_claim_in_report_order() -> None:
    lines = rc.render(SUMMARY)
    assert lines[:2] == list(rc.HEADER)
    assert lines[2] == (
        "| Volatility clusters | ARCH-LM 92 (p < 0.001); none left after GJR | supported |"
    )  # the section text's line break and indentation are one space
    assert lines[3] == "| A \\| in a claim | odds 1 \\| 2 | not testable with these data |"
    assert len(lines) == 2 + len(SUMMARY["claims"])


def test_a_stale_row_is_a_diff_and_the_rewrite_fixes_only_the_table() -> None:
    d = rc.diff(PAGE, SUMMARY)
    assert [x for x in d if x.startswith(("-|", "+|"))] == [
        "-| Volatility clusters | ARCH-LM 91 (p < 0.001); none left after GJR | supported |",
        "+| Volatility clusters | ARCH-LM 92 (p < 0.001); none left after GJR | supported |",
    ]
    new = rc.rewrite(PAGE, SUMMARY)
    assert rc.diff(new, SUMMARY) == []
    assert new.replace("ARCH-LM 92", "ARCH-LM 91") == PAGE  # nothing else moved
    fewer = {"claims": SUMMARY["claims"][:1]}
    assert any(x.startswith("-| A \\|") for x in rc.diff(PAGE, fewer))  # a claim gone is a diff


def test_main_checks_and_writes_from_a_report_folder(tmp_path: Path) -> None:
    import json

    (tmp_path / "summary.json").write_text(json.dumps(SUMMARY), encoding="utf-8")
    page = tmp_path / "README.md"
    page.write_text(PAGE, encoding="utf-8")
    assert rc.main(["--check", str(tmp_path), "--readme", str(page)]) == 1
    assert page.read_text(encoding="utf-8") == PAGE  # --check writes nothing
    assert rc.main(["--write", str(tmp_path), "--readme", str(page)]) == 0
    assert rc.main(["--check", str(tmp_path), "--readme", str(page)]) == 0


@pytest.mark.parametrize(
    ("page", "why"),
    [
        (PAGE.replace("<!-- readme-claims -->\n", ""), "expected one line"),
        (PAGE + "\n<!-- readme-claims -->\n", "expected one line"),
        (PAGE.replace("| claim | what", "| the claim | what"), "header"),
    ],
    ids=["no-marker", "two-markers", "other-header"],
)
def test_a_page_without_the_marked_table_is_refused(page: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        rc.diff(page, SUMMARY)
    with pytest.raises(ValueError, match="no claims"):
        rc.render({"claims": []})


def test_readme_holds_the_marked_table_with_known_verdicts() -> None:
    from liqcascade.report._section import VERDICTS

    lines = (ROOT / "README.md").read_text(encoding="utf-8").split("\n")
    start, end = rc.find_table(lines)
    rows = lines[start + 2 : end]
    assert len(rows) >= 10
    for row in rows:
        verdict = row.rstrip(" |").rsplit(" | ", 1)[-1]
        assert verdict in VERDICTS, row


def _fail_report(*args: Any, **kw: Any) -> None:
    import subprocess

    raise subprocess.CalledProcessError(1, ["liqcascade", "report"])


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("no-summary", r"summary\.json: no such file"),
        ("bad-json", r"summary\.json: cannot be read as JSON"),
        ("claim-lacks-verdict", r"claims\[0\] lacks verdict"),
        ("page-without-table", r"README\.md: expected one line"),
        ("report-fails", r"liqcascade report failed \(exit 1\)"),
    ],
)
def test_a_failure_is_one_error_line_and_exit_2(
    case: str, words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    import json
    import re
    import subprocess

    page = tmp_path / "README.md"
    page.write_text(PAGE.replace("<!-- readme-claims -->\n", "") if case == "page-without-table"
                    else PAGE, encoding="utf-8")  # fmt: skip
    folder = tmp_path / "rep"
    folder.mkdir()
    if case == "bad-json":
        (folder / "summary.json").write_text("{not json", encoding="utf-8")
    elif case != "no-summary":
        claims = [dict(c) for c in SUMMARY["claims"]]
        if case == "claim-lacks-verdict":
            del claims[0]["verdict"]
        (folder / "summary.json").write_text(json.dumps({"claims": claims}), encoding="utf-8")
    argv = ["--check", str(folder), "--readme", str(page)]
    if case == "report-fails":
        monkeypatch.setattr(subprocess, "run", _fail_report)
        argv = ["--check", "--readme", str(page)]
    assert rc.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) >= 1 and err[-1].startswith("error: ") and re.search(words, err[-1]), err
    assert not any("Traceback" in line for line in err)
    assert page.read_text(encoding="utf-8").count("<!-- readme-claims -->") == (
        0 if case == "page-without-table" else 1
    )
