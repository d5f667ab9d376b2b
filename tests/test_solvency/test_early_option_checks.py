"""``solvency``'s fund, buffer and liabilities are checked before the market is built.

They were checked by :class:`~liqcascade.solvency.Exchange` only, after some 10 s of
building the estimated market, and the split's ``note:`` (accounts dropped) printed
before the ``error:`` line, even with ``-q``: ``--oi-share`` and ``--liq-fee`` failed
at once with one line. Now all of them do, and a library ``note:`` follows ``-q``'s
rule (no notes; warnings still print).
"""

from __future__ import annotations

import io
import logging
import math

import pytest

from clihelpers import run_cli
from liqcascade.errors import InputError
from test_reliability._helpers import assert_refused


def _no_market(*args: object, **kwargs: object) -> None:
    raise AssertionError("the market was built before the options were checked")


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--reserve-buffer", "6"],
         "error: --reserve-buffer must be a fraction in [0, 1) (got 6; for 6 % give 0.06)"),
        (["--reserve-buffer", "-0.1"], "error: --reserve-buffer must be >= 0 (got -0.1)"),
        (["--insurance-fund", "-5"], "error: --insurance-fund must be >= 0 (got -5.0)"),
        (["--insurance-fund", "nan"], "error: --insurance-fund must be >= 0 (got nan)"),
        (["--liabilities", "0"], "error: --liabilities must be > 0 and finite (got 0.0)"),
        (["--liabilities", "-1"], "error: --liabilities must be > 0 and finite (got -1.0)"),
        (["--liabilities", "inf"], "error: --liabilities must be > 0 and finite (got inf)"),
    ],
    ids=["buffer-percent", "buffer-negative", "fund-negative", "fund-nan", "liabilities-0",
         "liabilities-negative", "liabilities-inf"],
)  # fmt: skip
def test_a_bad_setting_fails_before_the_market_with_one_line(
    monkeypatch: pytest.MonkeyPatch, args: list[str], line: str
) -> None:
    from liqcascade.solvency import _request

    monkeypatch.setattr(_request, "_exchange_book", _no_market)
    r = run_cli("-q", "solvency", *args)
    assert r.stderr.strip() == line
    assert_refused(r, line)


@pytest.mark.parametrize(
    ("kw", "param"),
    [({"reserve_buffer": 6.0}, "reserve_buffer"), ({"insurance_fund": -5.0}, "insurance_fund"),
     ({"liabilities": 0.0}, "liabilities_usd"), ({"liabilities": math.nan}, "liabilities_usd")],
)  # fmt: skip
def test_the_request_checks_them_before_any_work(
    monkeypatch: pytest.MonkeyPatch, kw: dict[str, float], param: str
) -> None:
    from liqcascade.solvency import _request

    monkeypatch.setattr(_request, "_exchange_book", _no_market)
    kw = {"insurance_fund": 0.0, **kw}
    with pytest.raises(InputError) as e:
        _request.run_solvency_request(**kw)  # type: ignore[arg-type]
    assert e.value.params == (param,)


def test_a_library_note_is_not_printed_with_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    """``-q``: no notes (the rule of ``note_at_end``, ``info`` and ``data``'s notes), for a
    library's ``note:`` line too; its ``warning:`` lines still print."""
    from liqcascade._cli import _common

    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    handler = _common._HintedStderr()

    def said(msg: str, verbosity: int) -> str:
        monkeypatch.setattr(_common.STATE, "verbosity", verbosity)
        err.seek(0)
        err.truncate()
        rec = logging.LogRecord("liqcascade.solvency", logging.WARNING, __file__, 1, msg,
                                ("x",), None)  # fmt: skip
        handler.handle(rec)
        return err.getvalue()

    assert said("note: %s dropped", 0) == "note: x dropped\n"
    assert said("note: %s dropped", -1) == ""
    assert said("warning: %s stale", -1) == "warning: x stale\n"
