"""``liqcascade report`` flags: --asset list, --as-of, --section; bad input exits 2."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from liqcascade.cli import main


def test_asset_section_and_as_of(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r"
    args = ["report", "--out", str(out), "--asset", "btc", "--section", "cascade",
            "--as-of", "2025-06-30", "--quick", "--json"]  # fmt: skip
    assert main(args) == 0
    paths = json.loads(capsys.readouterr().out)
    s = json.loads(Path(paths["summary"]).read_text())
    assert s["as_of"].startswith("2025-06-30") and s["front"]["assets"] == ["BTC"]
    assert list(s["sections"]) == ["cascade-btc"]
    c = s["sections"]["cascade-btc"]["calibrated"]
    # the calibration used was fitted on events before the market's close (its 4-h bar's
    # close, 2025-07-01 00:00: the book of the 20:00 bar is known then)
    close = pd.Timestamp(s["as_of"]) + pd.Timedelta(hours=4)
    assert pd.Timestamp(c["fall_5pct"]["calibration"]["as_of"]) <= close
    assert close == pd.Timestamp("2025-07-01", tz="UTC")
    assert c["fall_5pct"]["move_p10"] <= c["fall_5pct"]["move_median"] <= c["fall_5pct"]["move_p90"]


@pytest.mark.parametrize(
    ("flag", "value", "text"),
    [
        ("--asset", "DOGE", "--asset: DOGE"),
        ("--section", "nope", "--section: unknown section"),
        ("--as-of", "2001-01-01", "--as-of:"),
        ("--as-of", "garbage", "--as-of"),
    ],
)
def test_bad_flags_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str, value: str, text: str
) -> None:
    assert main(["report", "--out", str(tmp_path / "r"), flag, value]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and text in err and "\n" not in err
    assert not (tmp_path / "r" / "report.html").exists()


def test_asset_list_parsing() -> None:
    from liqcascade.errors import InputError
    from liqcascade.report._build import DEFAULT_ASSETS, assets_of

    assert assets_of(None) == DEFAULT_ASSETS == ("ETH", "BTC")
    assert assets_of(" eth , BTC,eth") == ("ETH", "BTC")
    assert assets_of(("BTC",)) == ("BTC",)
    with pytest.raises(InputError, match="none given"):
        assets_of(" , ")
