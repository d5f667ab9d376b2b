"""What a user reads names the design a clone has: docs/design.md, not DESIGN.md.

The design notes the project was built from (``DESIGN.md``) are not in the repository;
their content is docs/design.md. The help texts are checked in
tests/test_cli_help_markup.py; here the pages (``docs/*.md``, ``README.md``), the
package's files (docstrings, messages, presets) and the maintainer's tools. docs/data.md's
first sentence still sent its reader to ``DESIGN.md`` after the change that moved them.

And what the pages name exists today (session 18): every command line they quote (a
fenced ``$ liqcascade …`` line, an inline ```cascade --shock -0.05```) names a command
and options that command has; every option named alone is some command's (or a tool's);
every ``liqcascade.x.y`` imports; every link, anchor and repository path resolves. The
output the pages quote is re-run by tools/readme_blocks.py (tests/test_readme_blocks.py
runs the fast, deterministic blocks).
"""

from __future__ import annotations

import functools
import importlib
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


# --- what the pages name exists: commands and their options, library names, files ---

#: Words a command line may hold before its command: the root's own flags.
_ROOT_WORDS = {"-q", "--quiet", "-v", "-vv", "-vvv", "--verbose"}
#: A command line of a fenced block (``$ liqcascade …`` or ``liqcascade …``).
_FENCED_COMMAND = re.compile(r"^\s*(?:\$ )?liqcascade(?= |$)(.*)$")
#: An inline code span.
_SPAN = re.compile(r"`([^`\n]+)`")
#: A long option at the start of a word (``--shock=-0.05``, ``[--json]``, ``--start/--end``).
_LONG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


@functools.cache
def _command_tree() -> dict[tuple[str, ...], tuple[set[str], set[str]]]:
    """Every command's path -> (its options' flags, its subcommands' names)."""
    import typer

    from liqcascade.cli import build_app

    tree: dict[tuple[str, ...], tuple[set[str], set[str]]] = {}

    def walk(cmd: object, path: tuple[str, ...]) -> None:
        opts = {
            o
            for p in getattr(cmd, "params", ())
            if getattr(p, "param_type_name", "") == "option"
            for o in [*p.opts, *getattr(p, "secondary_opts", ())]
        }
        subs: dict[str, object] = getattr(cmd, "commands", None) or {}
        tree[path] = ({*opts, "--help"}, set(subs))
        for name, sub in subs.items():
            walk(sub, (*path, name))

    walk(typer.main.get_command(build_app()), ())
    return tree


def _lines_of(text: str, start: int) -> int:
    return text.count("\n", 0, start) + 1


def _command_mentions(text: str, top: set[str]) -> list[tuple[int, list[str]]]:
    """The command lines a page quotes: (line, words after ``liqcascade``).

    The lines of fenced blocks that start with ``liqcascade`` (``\\`` continues one)
    and the inline spans that start with ``liqcascade`` or with a command's name and
    name an option (```cascade --shock -0.05```). A comment (``# …``) or a shell
    separator (``;``, ``|`` alone, ``&&``) ends the command.
    """
    found: list[tuple[int, str]] = []
    lines = text.splitlines()
    fenced = False
    i = 0
    while i < len(lines):
        if lines[i].lstrip().startswith("```"):
            fenced = not fenced
        elif fenced and (m := _FENCED_COMMAND.match(lines[i])):
            first, words = i + 1, m.group(1)
            while words.rstrip().endswith("\\") and i + 1 < len(lines):
                i += 1
                words = words.rstrip()[:-1] + " " + lines[i].strip()
            found.append((first, words))
        i += 1
    for m in _SPAN.finditer(text):
        span = m.group(1).split()
        if span and span[0] == "liqcascade":
            found.append((_lines_of(text, m.start()), " ".join(span[1:])))
        elif span and span[0] in top and "--" in m.group(1):
            found.append((_lines_of(text, m.start()), m.group(1)))
    out = []
    for line, words in found:
        kept = []
        for w in words.split():
            if w.startswith("#") or w in {"|", "&&", "||"}:
                break
            kept.append(w.rstrip(";"))
            if w.endswith(";"):
                break
        out.append((line, kept))
    return out


def _unknown_options(
    words: list[str], tree: dict[tuple[str, ...], tuple[set[str], set[str]]]
) -> list[str]:
    """What in one command line is not the CLI's: a command or an option it lacks."""
    i = 0
    while i < len(words) and words[i] in _ROOT_WORDS:
        i += 1
    path: tuple[str, ...] = ()
    while i < len(words) and words[i] in tree[path][1]:
        path, i = (*path, words[i]), i + 1
    if not path and i < len(words) and words[i] in {"…", "..."}:
        return []  # any command (``liqcascade … --json``)
    if not path and i < len(words) and re.fullmatch(r"[a-z][a-z-]+", words[i]):
        return [f"no command {words[i]!r}"]
    options = tree[path][0]
    name = " ".join(("liqcascade", *path))
    return [
        f"{name}: no option {flag}"
        for w in words[i:]
        if w.lstrip("[").startswith("--")
        for flag in _LONG.findall(w)
        if flag not in options
    ]


def test_every_command_and_option_a_page_quotes_exists() -> None:
    tree = _command_tree()
    top = tree[()][1]
    pages = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
    mentions = {
        page.name: _command_mentions(page.read_text(encoding="utf-8"), top) for page in pages
    }
    assert sum(map(len, mentions.values())) > 300  # the pages' command lines were read
    stale = [
        f"{name}:{line}: {problem}"
        for name, found in mentions.items()
        for line, words in found
        for problem in _unknown_options(words, tree)
    ]
    assert stale == []


def test_the_command_check_finds_what_it_should() -> None:
    tree = _command_tree()
    text = (
        "Run `cascade --shock -0.05 --no-such` or `liqcascade stops recommend --k 2`.\n"
        "```text\n$ liqcascade -q vol --asset ETH \\\n  --modle gjr   # --not-read\n"
        "liqcascade 0.3.0\n$ liqcascade nosuch --json\n$ liqcascade … --jsn\n```\n"
    )
    found = _command_mentions(text, tree[()][1])
    assert [(line, w[:2]) for line, w in found] == [
        (3, ["-q", "vol"]), (5, ["0.3.0"]), (6, ["nosuch", "--json"]), (7, ["…", "--jsn"]),
        (1, ["cascade", "--shock"]), (1, ["stops", "recommend"]),
    ]  # fmt: skip
    assert [p for _, w in found for p in _unknown_options(w, tree)] == [
        "liqcascade vol: no option --modle",
        "no command 'nosuch'",
        "liqcascade cascade: no option --no-such",
    ]


def test_every_option_a_page_names_alone_exists() -> None:
    """A span that is an option alone (```--liquidity static```) names a real one.

    Any command's, or a maintainer tool's (``tools/*.py``'s ``"--backtest-only"``).
    """
    tree = _command_tree()
    known = {o for options, _ in tree.values() for o in options}
    for tool in (ROOT / "tools").glob("*.py"):
        known |= set(re.findall(r"[\"'](--[a-z][a-z0-9-]*)[\"']", tool.read_text("utf-8")))
    unknown = [
        f"{page.name}:{_lines_of(text, m.start())}: {flag}"
        for page in [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
        for text in [page.read_text(encoding="utf-8")]
        for m in _SPAN.finditer(text)
        if m.group(1).startswith("--")
        for flag in _LONG.findall(m.group(1))[:1]
        if flag not in known
    ]
    assert "--backtest-only" in known and "--as-of" in known
    assert unknown == []


#: A dotted name under the package (``liqcascade.cascade.stored_follow_through``).
_LIBRARY_NAME = re.compile(r"(?<![\w./])liqcascade(?:\.[A-Za-z_]\w*)+")
#: Names the pages quote as gone, in docs/design.md's tables of what changed ("was").
_GONE = {"liqcascade.positions.backtest", "liqcascade.market._bundled"}


def _resolves(name: str) -> bool:
    """Whether ``name`` is a module of the package or an attribute of one."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:i]))
        except ModuleNotFoundError:
            continue
        for attr in parts[i:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


def test_every_library_name_a_page_quotes_imports() -> None:
    named: dict[str, list[str]] = {}
    for page in [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]:
        text = page.read_text(encoding="utf-8")
        for m in _LIBRARY_NAME.finditer(text):
            named.setdefault(m.group(0), []).append(f"{page.name}:{_lines_of(text, m.start())}")
    assert len(named) > 50 and "liqcascade.cascade.stored_follow_through" in named
    missing = {n: where for n, where in named.items() if n not in _GONE and not _resolves(n)}
    assert missing == {}
    assert not any(map(_resolves, _GONE)) and _GONE <= set(named)  # still gone, still quoted


def _anchors(page: Path) -> set[str]:
    """GitHub's anchors of a page's headings (``## The store`` -> ``the-store``)."""
    seen: dict[str, int] = {}
    fenced = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (m := re.match(r"#{1,6}\s+(.*)", line)):
            slug = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-")
            n = seen.get(slug, 0)
            seen[slug] = n + 1
            seen.setdefault(slug if n == 0 else f"{slug}-{n}", 0)
    return set(seen)


#: A link's target (``[text](liqmap.md#the-map)``) and a path of the repository a page
#: names (``docs/data.md#the-store``, ``tests/data/ingest/``).
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_REPO_PATH = re.compile(r"(?<![\w./~-])((?:docs|tests|src|benchmarks|tools)/[\w./*-]*\w)(#[\w-]+)?")


def test_every_link_and_repository_path_a_page_names_resolves() -> None:
    broken, checked = [], 0
    for page in [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]:
        text = page.read_text(encoding="utf-8")
        targets = [
            (m.start(), (page.parent / f).resolve() if f else page, a)
            for m in _LINK.finditer(text)
            if not m.group(1).startswith(("http://", "https://", "mailto:"))
            for f, _, a in [m.group(1).partition("#")]
        ] + [
            (m.start(), ROOT / m.group(1), (m.group(2) or "#")[1:])
            for m in _REPO_PATH.finditer(text)
            if not re.search(r"/[A-Z]+(?:[./]|$)", m.group(1))  # a placeholder: …/ASSET.json
        ]
        checked += len(targets)
        for start, target, anchor in targets:
            exists = target.exists() or any(target.parent.glob(target.name))
            if not exists or (anchor and target.suffix == ".md" and anchor not in _anchors(target)):
                where = f"{page.name}:{_lines_of(text, start)}"
                broken.append(f"{where}: {target.relative_to(ROOT)}#{anchor}")
    assert checked > 200  # the pages' links and paths were read
    assert broken == []


def test_the_anchors_are_githubs() -> None:
    anchors = _anchors(ROOT / "docs" / "data.md")
    assert {"the-store", "load_series-and-precedence", "live-fetch-live-extra"} <= anchors


#: A development session named in a user page (``session 26``, ``(session 7)``).
_SESSION = re.compile(r"\bsessions? \d+\b", re.IGNORECASE)


def test_user_pages_name_no_development_session() -> None:
    """The user pages say what the tool does, in the present: no ``session N``.

    Their history is docs/design.md's ("History moved from the user docs"); a change a
    user needs is dated by release ("before the 2026-12 release"). A merge of this
    session brought ``(session 26)`` back into docs/cascade.md and docs/protect.md.
    """
    pages = [p for p in (ROOT / "docs").glob("*.md") if p.name != "design.md"]
    found = [
        f"{p.relative_to(ROOT)}:{i}: {m[0]}"
        for p in [*sorted(pages), ROOT / "README.md"]
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        for m in _SESSION.finditer(line)
    ]
    assert len(pages) > 10
    assert not found, found


#: A fenced block (its marker line included) that reads a file of the repository's tests/.
_CLONE_BLOCK = re.compile(r"(?:<!-- readme-blocks:[^\n]*-->\n)?^```[^\n]*\n.*?^```", re.M | re.S)


def test_a_page_whose_examples_read_tests_data_says_where_those_files_come_with() -> None:
    """``tests/data/...`` is in a clone and the sdist, not in a wheel install (wheel33 #5).

    From outside the repository ``stress --portfolio tests/data/stress/portfolio.csv``
    is ``error: ... no such file``; a page whose examples read those files says once
    that they come with a clone or the sdist.
    """
    pages = [p for p in (ROOT / "docs").glob("*.md") if p.name != "design.md"]
    reading, silent = [], []
    for page in [*sorted(pages), ROOT / "README.md"]:
        text = page.read_text(encoding="utf-8")
        if any("tests/data" in m[0] for m in _CLONE_BLOCK.finditer(text)):
            reading.append(page.name)
            if "a clone or the sdist" not in " ".join(text.split()):
                silent.append(page.name)
    assert {"stress.md", "README.md", "contagion.md"} <= set(reading)  # the check sees them
    assert not silent, silent


def test_the_readme_licence_is_the_one_the_package_declares() -> None:
    """README's "Licence" names the licence pyproject.toml declares and LICENSE holds."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == {"text": "Apache-2.0"} and project["license-files"] == ["LICENSE"]
    head = " ".join((ROOT / "LICENSE").read_text(encoding="utf-8")[:200].split())
    assert head.startswith("Apache License Version 2.0")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Licence\n", 1)[1].split("\n## ", 1)[0]
    assert "Apache License 2.0 (`LICENSE`)" in " ".join(section.split())
    assert "venues' terms" in section  # the data's, as "Data and provenance" says
