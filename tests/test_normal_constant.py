"""E|z| = √(2/π), EGARCH's centring constant, is written once (``liqcascade._normal``):
the stress paths' EGARCH and the volatility fits read the same float."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from liqcascade import _normal
from liqcascade.stress import _kernels as stress_kernels
from liqcascade.volatility import _formulas
from liqcascade.volatility import _kernels as vol_kernels

SRC = Path(_normal.__file__).resolve().parent

#: √(2/π) written out: sqrt(2 / pi), sqrt(2.0/np.pi), (2 / math.pi) ** 0.5 ...
_TWO_OVER_PI = r"2(\.0*)?\s*/\s*(math\.|np\.|numpy\.)?pi"
_WRITTEN = re.compile(rf"sqrt\(\s*{_TWO_OVER_PI}\s*\)|\(\s*{_TWO_OVER_PI}\s*\)\s*\*\*\s*0?\.5")


def test_the_stress_and_volatility_kernels_read_one_constant() -> None:
    assert stress_kernels.EGARCH_ABS_MEAN is _normal.SQRT_2_OVER_PI
    assert _formulas.SQRT_2_OVER_PI is _normal.SQRT_2_OVER_PI
    assert vol_kernels.SQRT2_OV_PI is _normal.SQRT_2_OVER_PI
    # arch's literal, to the double's precision
    assert _normal.SQRT_2_OVER_PI == pytest.approx(0.79788456080286535587989211, abs=1e-16)


def test_no_other_module_writes_the_constant_out() -> None:
    where = [
        str(p.relative_to(SRC))
        for p in sorted(SRC.rglob("*.py"))
        if p.name != "_normal.py" and _WRITTEN.search(p.read_text(encoding="utf-8"))
    ]
    assert where == []


def test_the_scan_sees_a_constant_written_out() -> None:
    for text in ("x = math.sqrt(2.0 / math.pi)", "np.sqrt(2/np.pi)", "(2 / math.pi) ** 0.5"):
        assert _WRITTEN.search(text), text
    assert not _WRITTEN.search("math.sqrt(2.0 * math.pi)")
