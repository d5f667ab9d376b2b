"""The support section of the default quick report (the suite's shared build)."""

from __future__ import annotations

import json
from pathlib import Path

from pages import section_html


def test_support_section(report: dict[str, Path]) -> None:
    out = report  # the default quick report (conftest): its ETH support section
    summary = json.loads(Path(out["summary"]).read_text())
    s = summary["sections"]["support"]
    # the study reads the daily bars up to the market date (2025-07-31) only
    assert s["n_tests"] == 71 and s["n_zones"] == 68
    assert abs(s["win_rate_1_10"] - 0.5365) < 5e-4
    assert s["verdict"] == "not supported"
    assert s["long_horizons_significantly_negative"] == 0
    assert s["n_tests_range_over_grid"] == [33, 199]
    assert s["horizons"]["10"]["n"] == 63
    (claim,) = [c for c in summary["claims"] if c["section"] == "support"]
    assert "162" in claim["claim"] and claim["verdict"] == "not supported"
    assert "71 tests" in claim["computed"]
    # the study at the claim's own count is printed beside the default's, with its verdict
    cc = s["closest_to_claimed_count"]
    assert cc["n_tests"] == 162 and abs(cc["win_rate_1_10"] - 0.5532) < 5e-4
    assert claim["computed"].startswith(
        "71 tests 2022-01-01 → 2025-07-31 at default settings (33–199 over the grid); 1–10 d "
        "win rate 53.7 % (95 % "
    )
    assert (
        "At the grid point closest to the claimed count (162 tests: pivot 3, zone 1 %, "
        in (claim["computed"])
    )
    assert claim["computed"].endswith(
        "; cannot tell, the interval holds the every-day rate): "
        f"{cc['verdict_at_these_params']} there."
    )
    # quick mode resamples 300 times: the interval's ends are the full run's ± a point
    assert "the 1–10 d win rate is 55.3 % (95 % 4" in claim["computed"]
    # 55.3 % lies in the claimed band, but its interval holds any day's 51.1 %
    assert cc["win_rate_1_10_part"] == "cannot tell"
    assert cc["verdict_at_these_params"] == "not supported"
    # each asset's section on its own: BTC's cannot stand in for ETH's (the page has both)
    html = Path(out["html"]).read_text()
    for sid, asset in (("support", "ETH"), ("support-btc", "BTC")):
        sec = section_html(html, sid)
        assert "Support tests" in sec
        # the sensitivity grid's tolerances read in percent, as the prose's (0.005 was a
        # fraction)
        assert f"{asset}: sensitivity of the count" in sec, sid
        grid = sec[sec.index(f"{asset}: sensitivity of the count") :]
        grid = grid[: grid.index("</table>")]
        assert "<th>zone tolerance</th>" in grid and "<td>0.5\u00a0%</td>" in grid, sid
        assert "0.005" not in grid and "0.015" not in grid, sid


def test_support_section_names_the_levels_at_the_data_end(report: dict[str, Path]) -> None:
    # the report's takeaways carry the command's line (one function says it): the zones
    # still active after 2025-07-31, nearest first; the JSON has every one of them
    summary = json.loads(Path(report["summary"]).read_text())
    lv = summary["sections"]["support"]["support_levels"]
    assert lv["last_bar"].startswith("2025-07-31") and abs(lv["last_close"] - 3698.39) < 0.005
    z0 = lv["zones"][0]
    # by hand (test_support_levels): the low of 2025-07-24, confirmed 2025-07-29, untested
    assert abs(z0["price"] - 3502.85) < 0.005 and z0["confirmed"] == "2025-07-29"
    assert abs(z0["distance"] - (3502.85 / 3698.39 - 1)) < 1e-5 and z0["n_tests"] == 0
    assert [z["price"] for z in lv["zones"]] == sorted(
        (z["price"] for z in lv["zones"]), key=lambda p: abs(p - lv["last_close"])
    )
    sec = section_html(Path(report["html"]).read_text(), "support").replace("\xa0", " ")
    head = (
        "Support levels at the data's end (zones still active after the bar of 2025-07-31, "
        "close 3,698.39), nearest first: 3,502.85 (\u22125.29 %, confirmed 2025-07-29, not tested "
        "yet)"
    )
    assert head in sec
    if len(lv["zones"]) > 5:
        assert f"; {len(lv['zones']) - 5} more in summary.json." in sec
