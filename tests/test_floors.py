"""The dependency floors pyproject.toml declares are the pins `make test-floor` tests.

tools/floor-constraints.txt pins every direct dependency (and the build backend) at its
floor; a floor raised (or a dependency added) in one file and not the other would make
`make test-floor` test versions the package does not claim, or claim versions it never
tested.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / "tools" / "floor-constraints.txt"


def _requirements() -> list[Requirement]:
    doc = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    project = doc["project"]
    reqs = list(doc["build-system"]["requires"]) + list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += extra
    return [Requirement(r) for r in reqs]


def floors() -> dict[str, Version]:
    """Each requirement's `>=` version, by canonical name."""
    out = {}
    for req in _requirements():
        lower = [s for s in req.specifier if s.operator == ">="]
        if lower:
            out[canonicalize_name(req.name)] = Version(lower[0].version)
    return out


def pins() -> dict[str, Version]:
    """Each `name==version` line of the constraints file, by canonical name."""
    out = {}
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        req = Requirement(text)
        (spec,) = req.specifier
        assert spec.operator == "==" and not req.extras, line
        out[canonicalize_name(req.name)] = Version(spec.version)
    return out


def test_the_constraints_pin_every_floor_at_its_version() -> None:
    got = floors()
    assert len(got) >= 20  # the dependencies, the extras' and dev's were all read
    assert {"hatchling", "pandas-stubs", "mypy"} <= set(got)  # build-system's and dev's
    assert pins() == got


def test_every_dependency_has_a_floor() -> None:
    names = {canonicalize_name(r.name) for r in _requirements()}
    assert set(floors()) == names
