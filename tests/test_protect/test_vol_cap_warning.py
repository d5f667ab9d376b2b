"""``stops backtest`` says when the vol policies were capped too; names stay whole at 80.

Trial 23: at 50x the fixed and vol rows were identical (every stop at the 1.6 % cap);
only the fixed policy's cap was warned about. And at 80 columns the policy name wrapped
as "vol-dec / lustere / d".
"""

from __future__ import annotations

import pytest

from clihelpers import run_cli
from liqcascade.protect._backtest import vol_capped_text

ARGS = ("stops", "backtest", "--policy", "all", "--side", "long", "--entries", "random",
        "--n-random", "20", "--start", "2025-01-01", "--end", "2025-03-31")  # fmt: skip


def test_vol_capped_text() -> None:
    assert vol_capped_text(None, 50.0, 0.8) is None and vol_capped_text({}, 50.0, 0.8) is None
    t = vol_capped_text({"vol": {"capped": 20, "entries": 20}}, 50.0, 0.8)
    assert t is not None
    assert t.startswith("the vol policies' stops were capped at 1.60 % from entry (80 % of the ")
    assert "for vol 20 of 20 entries" in t
    # the count is over every row (sides, entry sets, the crash hours): it says so, as
    # a table row's n (one side, one entry set) is smaller
    assert "counted over all the policy's rows, every side and entry set and the " in t
    assert "the sum of their n, not one row's n" in t


def test_cli_warns_for_the_vol_cap_and_keeps_names_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    r = run_cli(*ARGS, "--leverage", "50")
    assert r.exit_code == 0, r.stderr
    warns = [ln for ln in r.stderr.splitlines() if ln.startswith("warning:")]
    vol = [w for w in warns if "vol policies' stops were capped" in w]
    assert len(vol) == 1, r.stderr
    # 20 random long entries a policy, each vol stop (8 % over 5 days) past the 1.6 % cap
    assert "vol 20 of 20 entries, vol-declustered 20 of 20 entries" in vol[0]
    assert any(w.startswith("warning: --fixed-pct not given") for w in warns)
    rows = [ln for ln in r.stdout.splitlines() if " long " in ln]
    assert any("vol-declustered" in ln for ln in rows), r.stdout
    assert "lustere" not in r.stdout.replace("vol-declustered", "")
    # at 5x the vol stops are inside the 16 % cap: no such warning
    r5 = run_cli(*ARGS, "--leverage", "5", "--json")
    assert r5.exit_code == 0, r5.stderr
    assert "vol policies' stops were capped" not in r5.stderr
    assert r5.json()["vol_capped"] == {}


def test_vol_capped_text_does_not_claim_the_fixed_policy_s_stop() -> None:
    """At 10x the cap is 8 % and the fixed stop 5 %: a capped vol stop is not the fixed one.

    The sentence ended "at the cap a vol stop is the capped fixed stop", true only when
    the fixed policy's distance was capped too (above 16x with the default 5 %).
    """
    t = vol_capped_text({"vol": {"capped": 3, "entries": 20}}, 10.0, 0.8)
    assert t is not None and "capped at 8.00 % from entry" in t
    assert "the capped fixed stop" not in t
    assert t.endswith("at the cap every vol stop is 8.00 % from entry, as a fixed stop would be")
