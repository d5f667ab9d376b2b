"""The contagion engine's round count under numbers outside its domain (api18).

``max_rounds=2.5`` raised ``range()``'s TypeError from inside the loop; on the clock each
venue allocates seven float64 per round up front, so a count of 10^9 asked for 56 GB
per venue before a single round ran.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from liqcascade.cascade import LiquidityParams
from liqcascade.contagion import Link, build_setup, load_config, simulate_contagion
from liqcascade.errors import InputError

NAN = math.nan
CFG = Path(__file__).resolve().parents[1] / "data" / "contagion" / "two_venues.toml"


@pytest.mark.parametrize("rounds", [2.5, 0, -1, True])
def test_max_rounds_must_be_a_positive_count(rounds: object) -> None:
    setup = build_setup(load_config(CFG))
    with pytest.raises(InputError, match="max_rounds must be a whole number >= 1") as e:
        simulate_contagion(setup.venues, shock_venue="a", shock=-0.06, max_rounds=rounds)  # type: ignore[arg-type]
    assert e.value.param == "max_rounds"


def test_clocked_rounds_beyond_the_memory_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIQCASCADE_MEMORY_LIMIT", "100MB")
    setup = build_setup(load_config(CFG))
    with pytest.raises(InputError, match="max_rounds 1000000000 needs about") as e:
        simulate_contagion(
            setup.venues, shock_venue="a", shock=-0.06, max_rounds=10**9,
            liquidity=LiquidityParams.static(),
        )  # fmt: skip
    assert e.value.param == "max_rounds"
    # unclocked, a large count costs nothing: the loop ends when nothing moves
    r = simulate_contagion(setup.venues, shock_venue="a", shock=-0.06, max_rounds=10**9)
    assert r.hit_max_rounds is False and r.rounds < 10**9


@pytest.mark.parametrize(
    ("cost", "message"),
    [(1e300, "link a-b: cost must be a fraction in [0, 1) (got 1e+300; capacity_usd 0 makes "
             "the venues independent)"),
     (5.0, "link a-b: cost must be a fraction in [0, 1) (got 5; for 5 % give 0.05; "
           "capacity_usd 0 makes the venues independent)"),
     (NAN, "link a-b: cost must be >= 0 (got nan)"),
     ("0.001", "link a-b: cost must be a number (got '0.001')")],
)  # fmt: skip
def test_a_link_refuses_a_cost_that_is_not_a_fraction(cost: object, message: str) -> None:
    # checks20: 1e300 (or 5 for 5 %) passed and no unit was ever traded; text raised
    # TypeError; the errors carried no param
    with pytest.raises(InputError) as e:
        Link("a", "b", cost=cost)  # type: ignore[arg-type]
    assert str(e.value) == message
    assert e.value.param == "cost"
    with pytest.raises(InputError, match="capacity_usd must be >= 0") as e:
        Link("a", "b", capacity_usd=NAN)
    assert e.value.param == "capacity_usd"
    assert Link("a", "b", cost=0.5).cost == 0.5


def _with(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [("fraction = -0.06", 'fraction = "-0.06"', "shock.fraction: must be a number (got '-0.06')"),
     ("insurance_fund = 1e5", 'insurance_fund = "5e6"',
      "venues[0].insurance_fund: must be a number (got '5e6')"),
     ("mid = 2002.0", 'mid = "2002"', "venues[1].mid: must be a number (got '2002')"),
     ("cost = 0.0005", 'cost = "0.0005"', "links[0].cost: must be a number (got '0.0005')"),
     ("max_rounds = 200", 'max_rounds = "200"',
      "simulation.max_rounds: must be a whole number (got '200')"),
     ("deviation = 0.005", "deviation = true",
      "lending[0].oracle.deviation: must be a number (got True)"),
     ('name = "b"', 'name = "b"\nshare = "0.5"', "venues[1].share: must be a number (got '0.5')")],
    ids=["fraction", "insurance_fund", "mid", "cost", "max_rounds", "bool", "union"],
)  # fmt: skip
def test_a_number_written_as_text_is_refused(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    # pydantic's lax mode cast "-0.06" to -0.06 and true to 1.0: a typo'd TOML ran
    for name in ("positions_a.csv", "positions_b.csv"):
        (tmp_path / name).write_bytes((CFG.parent / name).read_bytes())
    cfg = tmp_path / "c.toml"
    cfg.write_text(_with(CFG.read_text(encoding="utf-8"), old, new), encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_config(cfg)
    assert str(e.value) == f"c.toml: {message}"


def test_integers_are_still_numbers(tmp_path: Path) -> None:
    text = _with(CFG.read_text(encoding="utf-8"), "insurance_fund = 1e5", "insurance_fund = 100000")
    text = _with(text, "mid = 2002.0", "mid = 2002")
    (tmp_path / "c.toml").write_text(text, encoding="utf-8")
    cfg = load_config(tmp_path / "c.toml")
    assert cfg.venues[0].insurance_fund == 1e5 and cfg.venues[1].mid == 2002.0
    assert isinstance(cfg.venues[1].mid, float)
