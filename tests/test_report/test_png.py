"""PNG export: real renders in one browser, a misfired browser retried, a clear error when it
still fails, several figures written all or none."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from fakekaleido import FakeKaleido
from liqcascade import _png
from liqcascade._png import PNG_MAGIC, PngExportError, render_pngs, write_png, write_pngs


def _fig() -> go.Figure:
    t = pd.date_range("2025-07-01", periods=48, freq="1h", tz="UTC")
    return go.Figure(go.Scatter(x=t, y=np.cumsum(np.ones(48)), mode="lines"))


def _size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk."""
    assert data[:8] == PNG_MAGIC and data[12:16] == b"IHDR"
    w, h = struct.unpack(">II", data[16:24])
    return int(w), int(h)


#: What write_png says on a machine without Chrome/Chromium (``make browser`` installs one
#: where it can): the real renders are skipped there, any other failure still fails.
NO_CHROME = "kaleido found no Chrome"


def test_write_pngs_renders_real_figures_in_one_call(tmp_path: Path) -> None:
    """Two figures rendered by Chrome in one browser: each file a whole PNG of the size
    asked (:func:`write_png` is ``write_pngs`` of one figure)."""
    fig2 = _fig().update_layout(title="second")
    try:
        paths = write_pngs(
            {tmp_path / "a.png": _fig(), tmp_path / "b.png": fig2}, width=640, height=360
        )
    except PngExportError as e:
        if NO_CHROME not in str(e):
            raise
        pytest.skip(str(e))
    assert paths == [tmp_path / "a.png", tmp_path / "b.png"]
    assert [_size(p.read_bytes()) for p in paths] == [(640, 360)] * 2
    assert paths[0].read_bytes() != paths[1].read_bytes()  # each its own figure
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "b.png"]  # no temporary file


@pytest.fixture
def no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pauses between browsers skipped."""
    monkeypatch.setattr(_png.time, "sleep", lambda s: None)


def _fake(monkeypatch: pytest.MonkeyPatch, **kw: Any) -> FakeKaleido:
    import kaleido

    fake = FakeKaleido(**kw)
    monkeypatch.setattr(kaleido, "Kaleido", fake)
    return fake


def test_a_misfired_render_is_retried_in_a_fresh_browser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_pause: None
) -> None:
    fake = _fake(monkeypatch, fails={0, 1})
    out = write_png(_fig(), tmp_path / "f.png", width=321, height=9)
    assert _size(out.read_bytes()) == (321, 9)
    assert [b for b, _ in fake.renders] == [0, 1, 2]  # each attempt in a browser of its own
    assert all(k["mathjax"] is False for k in fake.browsers)  # no CDN request from the page
    assert fake.closed == len(fake.browsers) == 3  # every misfired browser was left, too


def test_several_figures_share_one_browser_and_a_misfire_moves_to_a_fresh_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_pause: None
) -> None:
    fake = _fake(monkeypatch)
    figs = {tmp_path / f"{t}.png": _fig().update_layout(title=t) for t in "abc"}
    write_pngs(figs, width=300, height=200)
    assert fake.renders == [(0, "a"), (0, "b"), (0, "c")]  # one browser for all three
    # the second figure's first render misfires: it and the third go to a fresh browser
    fake = _fake(monkeypatch, fails={1})
    data = render_pngs(list(figs.values()), width=300, height=200)
    assert fake.renders == [(0, "a"), (0, "b"), (1, "b"), (1, "c")]
    assert [_size(d) for d in data] == [(300, 200)] * 3
    assert [d[24:] for d in data] == [b"a", b"b", b"c"]  # each figure's own bytes, in order
    # each figure has its own attempts: a misfire of "a" and two of "c" are all retried
    fake = _fake(monkeypatch, fails={0, 3, 4})
    data = render_pngs(list(figs.values()), width=300, height=200)
    assert [t for _, t in fake.renders] == ["a", "a", "b", "c", "c", "c"]
    assert len(fake.browsers) == 4 and [d[24:] for d in data] == [b"a", b"b", b"c"]
    assert fake.closed == 4


def test_a_browser_that_will_not_close_after_every_render_keeps_the_renders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_pause: None
) -> None:
    # every figure rendered, then the session's exit failed: no second browser, no error
    fake = _fake(monkeypatch, exit_fails=True)
    figs = {tmp_path / f"{t}.png": _fig().update_layout(title=t) for t in "ab"}
    write_pngs(figs, width=120, height=80)
    assert fake.renders == [(0, "a"), (0, "b")] and fake.closed == 1
    assert [_size(p.read_bytes()) for p in figs] == [(120, 80)] * 2


def test_every_attempt_failing_raises_a_clear_error_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_pause: None
) -> None:
    fake = _fake(monkeypatch, fails=set(range(10)))
    with pytest.raises(PngExportError, match=r"PNG export failed 3 times with kaleido \d") as err:
        write_png(_fig(), tmp_path / "f.png", width=100, height=100)
    assert "kaleido_scopes is not defined" in str(err.value)
    assert "BROWSER_PATH" in str(err.value) and isinstance(err.value, RuntimeError)
    assert len(fake.renders) == 3 and not list(tmp_path.iterdir())
    # of several figures, one failing every attempt writes none of them (all or none)
    fake = _fake(monkeypatch, fails={1, 2, 3})
    figs = {tmp_path / f"{t}.png": _fig().update_layout(title=t) for t in "ab"}
    with pytest.raises(PngExportError, match="PNG export failed 3 times"):
        write_pngs(figs, width=100, height=100)
    assert [t for _, t in fake.renders] == ["a", "b", "b", "b"] and not list(tmp_path.iterdir())


def test_no_chrome_is_not_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kaleido
    from kaleido.errors import ChromeNotFoundError

    calls = []

    def missing(*a: Any, **k: Any) -> Any:
        calls.append(1)
        raise ChromeNotFoundError("no chrome")

    monkeypatch.setattr(kaleido, "Kaleido", missing)
    with pytest.raises(PngExportError, match="PNG export failed: kaleido found no Chrome"):
        write_png(_fig(), tmp_path / "f.png", width=100, height=100)
    assert calls == [1] and not list(tmp_path.iterdir())


def test_bytes_that_are_not_a_png_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_pause: None
) -> None:
    fake = _fake(monkeypatch, data=b"<svg/>")
    with pytest.raises(PngExportError, match="not a PNG"):
        write_png(_fig(), tmp_path / "f.png", width=100, height=100, attempts=2)
    assert len(fake.renders) == 2 and not list(tmp_path.iterdir())


def test_the_kaleido_version_reads_not_installed_only_when_it_is_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib.metadata as md

    def missing(name: str) -> str:
        raise md.PackageNotFoundError(name)

    monkeypatch.setattr(md, "version", missing)
    assert _png._kaleido_version() == "not installed"

    def broken(name: str) -> str:
        raise TypeError("a bug")

    monkeypatch.setattr(md, "version", broken)
    with pytest.raises(TypeError, match="a bug"):  # not hidden as "not installed"
        _png._kaleido_version()
