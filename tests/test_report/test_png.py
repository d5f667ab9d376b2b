"""PNG export: a real render, a misfired browser retried, a clear error when it still fails."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from liqcascade import _png
from liqcascade._png import PNG_MAGIC, PngExportError, write_png


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


def test_write_png_renders_a_real_figure(tmp_path: Path) -> None:
    try:
        out = write_png(_fig(), tmp_path / "f.png", width=640, height=360)
    except PngExportError as e:
        if NO_CHROME not in str(e):
            raise
        pytest.skip(str(e))
    assert _size(out.read_bytes()) == (640, 360)
    assert [p.name for p in tmp_path.iterdir()] == ["f.png"]  # no temporary file left


class _Flaky:
    """kaleido.calc_fig_sync failing ``fails`` times as the loaded machine did, then real."""

    def __init__(self, fails: int) -> None:
        self.fails = fails
        self.calls: list[dict[str, Any]] = []

    def __call__(self, spec: Any, *, opts: Any, kopts: Any, **kw: Any) -> bytes:
        self.calls.append(dict(kopts))
        if len(self.calls) <= self.fails:
            raise RuntimeError(
                "{'exceptionDetails': {'text': 'Uncaught', 'exception': {'description': "
                "'ReferenceError: kaleido_scopes is not defined'}}}"
            )
        return PNG_MAGIC + b"\x00\x00\x00\rIHDR" + struct.pack(">II", opts["width"], 9)


def test_a_misfired_render_is_retried_in_a_fresh_browser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kaleido

    flaky = _Flaky(fails=2)
    monkeypatch.setattr(kaleido, "calc_fig_sync", flaky)
    monkeypatch.setattr(_png.time, "sleep", lambda s: None)
    out = write_png(_fig(), tmp_path / "f.png", width=321, height=9)
    assert _size(out.read_bytes()) == (321, 9)
    assert len(flaky.calls) == 3
    assert all(k["mathjax"] is False for k in flaky.calls)  # no CDN request from the page


def test_every_attempt_failing_raises_a_clear_error_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kaleido

    flaky = _Flaky(fails=10)
    monkeypatch.setattr(kaleido, "calc_fig_sync", flaky)
    monkeypatch.setattr(_png.time, "sleep", lambda s: None)
    with pytest.raises(PngExportError, match=r"PNG export failed 3 times with kaleido \d") as err:
        write_png(_fig(), tmp_path / "f.png", width=100, height=100)
    assert "kaleido_scopes is not defined" in str(err.value)
    assert "BROWSER_PATH" in str(err.value) and isinstance(err.value, RuntimeError)
    assert len(flaky.calls) == 3 and not list(tmp_path.iterdir())


def test_no_chrome_is_not_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kaleido
    from kaleido.errors import ChromeNotFoundError

    calls = []

    def missing(*a: Any, **k: Any) -> bytes:
        calls.append(1)
        raise ChromeNotFoundError("no chrome")

    monkeypatch.setattr(kaleido, "calc_fig_sync", missing)
    with pytest.raises(PngExportError, match="PNG export failed: kaleido found no Chrome"):
        write_png(_fig(), tmp_path / "f.png", width=100, height=100)
    assert calls == [1] and not list(tmp_path.iterdir())


def test_bytes_that_are_not_a_png_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kaleido

    monkeypatch.setattr(kaleido, "calc_fig_sync", lambda *a, **k: b"<svg/>")
    monkeypatch.setattr(_png.time, "sleep", lambda s: None)
    with pytest.raises(PngExportError, match="not a PNG"):
        write_png(_fig(), tmp_path / "f.png", width=100, height=100, attempts=2)


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
