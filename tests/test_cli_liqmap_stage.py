"""``liqmap --positions`` names its stage for what it does: no book is estimated from a file.

The trader's first ``liqmap --positions mine.csv --price 3700`` printed ``estimating the
book: done (12 s)`` (the time was numba's first compile): nothing is estimated there.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest

from clihelpers import run_cli
from liqcascade._cli import _common

DATA = Path(__file__).parent / "data" / "liqmap"


@pytest.fixture
def stages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = _common.progress

    @contextmanager
    def spy(label, *args, **kwargs):
        seen.append(str(label))
        with real(label, *args, **kwargs) as adv:
            yield adv

    monkeypatch.setattr(_common, "progress", spy)
    return seen


def test_a_positions_file_is_read_not_estimated(stages: list[str]) -> None:
    r = run_cli("liqmap", "--positions", str(DATA / "positions.csv"), "--price", "2000", "--json")
    assert r.exit_code == 0, r.stderr
    assert "reading the positions file" in stages
    assert "estimating the book" not in stages
