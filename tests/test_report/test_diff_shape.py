"""``liqcascade diff`` on a summary.json that is valid JSON of the wrong shape: exit 2.

Exit 1 is diff's "an alert threshold was crossed" code, so a corrupt or hand-edited
summary must never reach it: the file and the key are named, exit 2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clihelpers import run_cli

GOOD: dict[str, Any] = {
    "front": {
        "as_of": "2025-07-30",
        "headlines": {"critical_shock": {"label": "crit", "value": -0.05, "unit": "fraction"}},
        "clusters_near_price": [{"price": 3600, "distance": -0.02, "notional_usd": 1e6}],
    }
}


def _report(root: Path, name: str, front: dict[str, Any]) -> str:
    d = root / name
    d.mkdir()
    (d / "summary.json").write_text(json.dumps({"front": front}))
    return str(d)


@pytest.mark.parametrize(
    ("front", "key"),
    [
        (
            {"headlines": {"critical_shock": {"label": "c", "value": "abc", "unit": "fraction"}}},
            "front.headlines.critical_shock.value",
        ),
        ({"headlines": [1, 2, 3]}, "front.headlines"),
        ({"headlines": {"critical_shock": 5}}, "front.headlines.critical_shock"),
        (
            {"headlines": {}, "clusters_near_price": [{"price": "x", "notional_usd": "lots"}]},
            "front.clusters_near_price[0].price",
        ),
        (
            {"headlines": {}, "clusters_near_price": [{"price": 0, "notional_usd": 5}]},
            "front.clusters_near_price[0].price",
        ),
        (
            {"headlines": {}, "clusters_near_price": [{"price": 3500, "notional_usd": "lots"}]},
            "front.clusters_near_price[0].notional_usd",
        ),
        ({"headlines": {}, "clusters_near_price": {"price": 1}}, "front.clusters_near_price"),
    ],
)
@pytest.mark.parametrize("order", ["new", "old"])
def test_wrong_shape_exits_2_naming_file_and_key(
    tmp_path: Path, front: dict[str, Any], key: str, order: str
) -> None:
    good = _report(tmp_path, "good", GOOD["front"])
    bad = _report(tmp_path, "bad", {"as_of": "2025-07-31", **front})
    args = (good, bad) if order == "new" else (bad, good)
    r = run_cli("diff", *args, "--alert", "clusters=1")
    err = r.stderr.strip()
    assert r.exit_code == 2, r.stderr
    assert err.startswith("error:") and "\n" not in err, err
    assert str(Path(bad) / "summary.json") in err and key in err, err


@pytest.mark.parametrize("as_of", ["not a date", "2025-13-45", "", 5, None, "absent"])
def test_as_of_that_is_not_a_date_exits_2(tmp_path: Path, as_of: Any) -> None:
    """``front.as_of`` is printed as a date: text that is none used to exit 1 (an alert)."""
    good = _report(tmp_path, "good", GOOD["front"])
    front = {k: v for k, v in GOOD["front"].items() if k != "as_of"}
    bad = _report(tmp_path, "bad", front if as_of == "absent" else {**front, "as_of": as_of})
    r = run_cli("diff", good, bad, "--alert", "critical_shock=0.01")
    err = r.stderr.strip()
    assert r.exit_code == 2, r.stderr
    assert err.startswith("error:") and "\n" not in err, err
    assert f"{Path(bad) / 'summary.json'}: front.as_of must be a date" in err, err
    if as_of == "not a date":
        assert '(got "not a date")' in err, err


def test_null_values_and_a_good_pair_still_compare(tmp_path: Path) -> None:
    good = _report(tmp_path, "good", GOOD["front"])
    nulls = _report(
        tmp_path,
        "nulls",
        {
            "as_of": "2025-07-31",
            "headlines": {"critical_shock": {"label": "crit", "value": None, "unit": "fraction"}},
            "clusters_near_price": [{"price": 3500.0, "distance": None, "notional_usd": 2e6}],
        },
    )
    r = run_cli("diff", good, nulls)
    assert r.exit_code == 0, r.stderr
    assert "crit: −5.00 % → –" in r.stdout
    assert run_cli("diff", good, nulls, "--alert", "clusters=1").exit_code == 3
