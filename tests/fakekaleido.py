"""A stand-in for ``kaleido.Kaleido``: browser sessions without a browser, failing as told.

:mod:`liqcascade._png` renders through ``kaleido.Kaleido`` (an async context, one
headless Chrome, ``calc_fig`` for each figure). Put :class:`FakeKaleido` in its place
(``monkeypatch.setattr(kaleido, "Kaleido", FakeKaleido(...))``) to count the browsers
opened and the renders asked, to make chosen renders fail as a loaded machine's did, or
to skip Chrome in a test whose figures another test renders for real. A render returns
the start of a PNG: its signature and an IHDR chunk of the size asked, then the
figure's title, so a test can tell which figure's bytes it holds.

Import as ``from fakekaleido import FakeKaleido`` (``tests/`` is on pytest's pythonpath).
"""

from __future__ import annotations

import struct
from typing import Any

__all__ = ["MISFIRE", "FakeKaleido"]

MISFIRE = (
    "{'exceptionDetails': {'text': 'Uncaught', 'exception': {'description': "
    "'ReferenceError: kaleido_scopes is not defined'}}}"
)
"""The error kaleido raised when a loaded machine's tab ran before its page's scripts."""


class FakeKaleido:
    """Called as ``kaleido.Kaleido(**options)``: one fake browser session per call.

    Parameters
    ----------
    fails : set of int, optional
        The renders (0-based, counted over every browser) that raise :data:`MISFIRE`.
    data : bytes, optional
        What every render returns instead of a PNG's start (a test of bad output).
    exit_fails : bool, default False
        Every browser's exit (``__aexit__`` without an error inside) raises, as a browser
        that will not close does.
    """

    def __init__(
        self, fails: set[int] | None = None, data: bytes | None = None, exit_fails: bool = False
    ) -> None:
        self.fails = set(fails or ())
        self.exit_fails = exit_fails
        self.closed = 0
        """Browsers whose session was left (``__aexit__``), with or without an error."""
        self.data = data
        self.browsers: list[dict[str, Any]] = []
        """Each browser's options, in the order they were opened."""
        self.renders: list[tuple[int, str]] = []
        """Each render asked: the browser it was asked of (index) and the figure's title."""

    def __call__(self, **options: Any) -> _Browser:
        self.browsers.append(dict(options))
        return _Browser(self, len(self.browsers) - 1)


class _Browser:
    """One fake ``Kaleido`` session (``async with``) of a :class:`FakeKaleido`."""

    def __init__(self, owner: FakeKaleido, number: int) -> None:
        self.owner, self.number = owner, number

    async def __aenter__(self) -> _Browser:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.owner.closed += 1
        if self.owner.exit_fails and exc[0] is None:
            raise RuntimeError("the browser did not close")

    async def calc_fig(self, spec: Any, opts: dict[str, Any], **kw: Any) -> bytes:
        owner = self.owner
        title = ((spec.get("layout") or {}).get("title") or {}).get("text") or ""
        owner.renders.append((self.number, title))
        if len(owner.renders) - 1 in owner.fails:
            raise RuntimeError(MISFIRE)
        if owner.data is not None:
            return owner.data
        size = struct.pack(">II", int(opts["width"]), int(opts["height"]))
        return b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + size + title.encode()
