"""Every parameter of the public API is documented in a numpydoc ``Parameters`` section.

The public API of a module is its ``__all__`` (a package's ``__init__``), or, for a
module without one, the public names it defines itself. For each exported function,
each exported class (its constructor, documented in the class docstring) and each
public method or class/static method a class defines, every parameter of the signature
must be named in the docstring's ``Parameters`` section, except ``self`` and ``cls``,
and except parameters whose names begin with ``_`` (private by the naming convention).
``*args`` / ``**kwargs`` are documented as ``*args`` / ``**kwargs`` (or without stars).
Numpydoc's ``x, y : float`` form documents both names. The fields of a dataclass or a
NamedTuple may be documented under ``Attributes`` instead (they are both the
constructor's parameters and the object's attributes).

The section is read with a small regex (numpydoc itself is not a dependency): a
``Parameters`` heading underlined with dashes, then the unindented lines of its body
up to the next section heading are the parameter lines ``name : type``.

Modules whose docstrings are not yet complete are listed in :data:`NOT_YET_COVERED`.
That list only shrinks: a module that passes must be removed from it (the test says
so), and a module that is new is covered from the start.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PKG = SRC / "liqcascade"

#: Public modules whose docstrings are not yet checked: none left, every public module is
#: covered. Never add to it (:func:`test_not_yet_covered_still_has_gaps` says when a
#: listed module is complete); new modules are covered from the start.
NOT_YET_COVERED: frozenset[str] = frozenset()

_HEADING = re.compile(r"^([A-Z][A-Za-z ]+)\n-{3,}[ \t]*$", re.M)


def public_modules() -> list[str]:
    """Every module of the public API: packages, public submodules, top-level ``_x.py``.

    ``liqcascade._cli`` (the command line, documented by its ``--help``) is not one.
    """
    out = []
    for path in sorted(PKG.rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        top_level_private = len(parts) == 2 and parts[1].startswith("_")
        if top_level_private and parts[1] != "_cli":
            out.append(".".join(parts))
        elif not any(p.startswith("_") for p in parts):
            out.append(".".join(parts))
    return out


def sections(doc: str | None) -> dict[str, str]:
    """The numpydoc sections of ``doc``: heading → body text."""
    text = inspect.cleandoc(doc or "")
    found = list(_HEADING.finditer(text))
    out = {}
    for i, m in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        out[m.group(1).strip()] = text[m.end() : end]
    return out


def documented_names(body: str) -> set[str]:
    """The names on the parameter lines (``name : type`` / ``a, b : type`` / ``name``)."""
    names = set()
    for line in body.splitlines():
        if not line.strip() or line[0].isspace():
            continue
        head = line.split(" : ", 1)[0].strip().rstrip(":")
        names.update(n.strip().lstrip("*") for n in head.split(","))
    return names


def _has_fields(cls: type) -> bool:
    return dataclasses.is_dataclass(cls) or hasattr(cls, "_fields")


def _params(fn: Callable[..., Any], *, bound: bool = False) -> list[str]:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):  # builtins without a signature
        return []
    names = [p.name for p in sig.parameters.values()]
    if bound and names and names[0] in ("self", "cls"):
        names = names[1:]
    return [n for n in names if n not in ("self", "cls") and not n.startswith("_")]


def _missing(doc: str | None, params: list[str], *, fields: bool = False) -> list[str]:
    sec = sections(doc)
    have = documented_names(sec.get("Parameters", ""))
    if fields:
        have |= documented_names(sec.get("Attributes", ""))
    return [p for p in params if p not in have]


def _exported(mod: Any) -> Iterator[tuple[str, Any]]:
    names = getattr(mod, "__all__", None)
    if names is None:
        names = [
            n
            for n, v in vars(mod).items()
            if not n.startswith("_") and getattr(v, "__module__", None) == mod.__name__
        ]
    for name in names:
        yield name, getattr(mod, name)


def gaps(module: str) -> list[str]:
    """``"qualified.name: param, param"`` for each public callable of ``module`` with
    parameters missing from its docstring."""
    mod = importlib.import_module(module)
    out = []

    def check(qual: str, doc: str | None, params: list[str], fields: bool = False) -> None:
        miss = _missing(doc, params, fields=fields)
        if miss:
            out.append(f"{qual}: {', '.join(miss)}")

    for name, obj in _exported(mod):
        qual = f"{module}.{name}"
        if inspect.isclass(obj):
            if _has_fields(obj) or obj.__init__ is not object.__init__:
                check(qual, obj.__doc__, _params(obj), fields=_has_fields(obj))
            for attr, member in vars(obj).items():
                if attr.startswith("_"):
                    continue
                if isinstance(member, (classmethod, staticmethod)):
                    fn = member.__func__
                    check(f"{qual}.{attr}", fn.__doc__, _params(fn, bound=True))
                elif inspect.isfunction(member):
                    check(f"{qual}.{attr}", member.__doc__, _params(member))
        elif inspect.isfunction(obj) or hasattr(obj, "py_func"):
            fn = getattr(obj, "py_func", obj)
            check(qual, fn.__doc__, _params(fn))
    return out


def _covered() -> list[str]:
    return [m for m in public_modules() if m not in NOT_YET_COVERED]


def test_sections_are_parsed() -> None:
    doc = """Summary.

    Parameters
    ----------
    a, b : float
        Prices (USD).
    *args : Any
        Passed on.
    c
        No type.

    Returns
    -------
    float
        A value.
    """
    assert documented_names(sections(doc)["Parameters"]) == {"a", "b", "args", "c"}
    assert _missing(doc, ["a", "c", "d"]) == ["d"]
    assert documented_names(sections(doc)["Returns"]) == {"float"}


def test_not_yet_covered_names_real_modules() -> None:
    assert NOT_YET_COVERED <= set(public_modules())


@pytest.mark.parametrize("module", _covered())
def test_parameters_documented(module: str) -> None:
    missing = gaps(module)
    assert not missing, "parameters without a numpydoc entry:\n" + "\n".join(missing)


@pytest.mark.parametrize("module", sorted(NOT_YET_COVERED))
def test_not_yet_covered_still_has_gaps(module: str) -> None:
    assert gaps(module), f"{module} is complete: remove it from NOT_YET_COVERED"
