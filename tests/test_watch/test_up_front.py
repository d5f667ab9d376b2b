"""What a watch refuses before any network call (live14 findings 4, 12, 13).

An ``--interval`` over a day (``time.sleep`` overflowed after the first line above
about 9.2e9 s), an empty ``--asset``, and a store that cannot be created (it failed
after 20 s of venue retries) exit 2 with one line before the first request.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from clihelpers import run_cli
from liqcascade.errors import InputError
from liqcascade.live import Watcher, WatchOptions

from .fake import OfflineExchange, ReplayExchange

START = int(pd.Timestamp("2025-07-20 00:30", tz="UTC").value // 1_000_000)
SINCE = "2025-07-01"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        # time.sleep overflowed after the first line: exit 1, internal error
        (["--interval", "1e10"], "error: --interval must be > 0 s and at most 86,400 s, one day"),
        (["--interval", "86401"], "error: --interval must be > 0 s and at most 86,400 s"),
        # the empty name was printed blank: "no calibrated book for  (have: …)"
        (["--asset", ""], "error: --asset: give an asset name (have: BTC, ETH"),
        (["--asset", "  "], "error: --asset: give an asset name (have: BTC, ETH"),
    ],
)
def test_options_refused_before_any_network_call(
    args: list[str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import liqcascade.live._poll as poll

    ex = OfflineExchange(int(time.time() * 1e3))
    monkeypatch.setattr(poll, "make_exchange", lambda _id: ex)
    r = run_cli("watch", "--max-iterations", "1", *args)
    lines = r.stderr.splitlines()
    assert r.exit_code == 2 and len(lines) == 1 and lines[0].startswith(message), r.stderr
    assert ex.calls == []  # no request was made


def test_a_day_is_the_longest_interval(tmp_path: Path) -> None:
    opts = WatchOptions(exchanges=[ReplayExchange(START)], interval=86_400.0,
                        store=tmp_path / "s.duckdb")  # fmt: skip
    opts.check()
    with pytest.raises(InputError, match=r"at most 86,400 s") as e:
        WatchOptions(interval=86_400.5).check()
    assert e.value.param == "interval"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes a read-only folder")
def test_a_store_that_cannot_be_created_fails_before_the_network(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _store_refused(tmp_path, monkeypatch, lambda d: d.chmod(0o500))


def test_a_store_in_a_folder_that_is_a_file_fails_before_the_network(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _store_refused(tmp_path, monkeypatch, lambda d: None, file=True)


def _store_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lock: Any,
                   file: bool = False) -> None:  # fmt: skip
    """Was 20 s of venue retries, then the store's error (finding 12)."""
    import liqcascade.live._poll as poll

    ex = OfflineExchange(int(time.time() * 1e3))
    monkeypatch.setattr(poll, "make_exchange", lambda _id: ex)
    d = tmp_path / "ro"
    if file:
        d.write_text("a file, not a folder")
    else:
        d.mkdir()
        lock(d)
    store = d / "x.duckdb"
    try:
        r = run_cli("watch", "--max-iterations", "1", env={"LIQCASCADE_STORE": str(store)})
    finally:
        if not file:
            d.chmod(0o700)
    lines = r.stderr.splitlines()
    assert r.exit_code == 2 and len(lines) == 1, r.stderr
    assert lines[0].startswith(f"error: $LIQCASCADE_STORE: {store}: cannot create the store")
    assert ex.calls == [] and not store.exists()  # no request was made


def test_the_store_check_leaves_nothing_behind(tmp_path: Path) -> None:
    store = tmp_path / "new" / "s.duckdb"
    Watcher(WatchOptions(exchanges=[ReplayExchange(START)], store=store, since=SINCE)).close()
    assert sorted(p.name for p in store.parent.iterdir()) == [] and not store.exists()
