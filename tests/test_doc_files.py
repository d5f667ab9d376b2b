"""What a user reads names the design a clone has: docs/design.md, not DESIGN.md.

The design notes the project was built from (``DESIGN.md``) are not in the repository;
their content is docs/design.md. The help texts are checked in
tests/test_cli_help_markup.py; here the pages (``docs/*.md``, ``README.md``), the
package's files (docstrings, messages, presets) and the maintainer's tools. docs/data.md's
first sentence still sent its reader to ``DESIGN.md`` after the change that moved them.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The name of the design notes a clone does not have (``docs/design.md`` is fine).
_MISSING = re.compile(r"(?<![\w/.])DESIGN\.md")


def _read_by_users() -> list[Path]:
    files = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
    for folder, patterns in (("src", ("*.py", "*.toml", "*.md")), ("tools", ("*.py",))):
        for pattern in patterns:
            files += sorted((ROOT / folder).rglob(pattern))
    return files


def test_no_page_or_package_file_names_the_design_notes_a_clone_lacks() -> None:
    files = _read_by_users()
    assert ROOT / "docs" / "data.md" in files and len(files) > 100
    assert not (ROOT / "DESIGN.md").exists() and (ROOT / "docs" / "design.md").exists()
    named = [
        f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}"
        for path in files
        for text in [path.read_text(encoding="utf-8")]
        for m in _MISSING.finditer(text)
    ]
    assert named == []


def test_the_pattern_tells_the_two_apart() -> None:
    text = "see DESIGN.md; rules: docs/design.md; (DESIGN.md, 'Fills')"
    assert [m.start() for m in _MISSING.finditer(text)] == [4, 39]
