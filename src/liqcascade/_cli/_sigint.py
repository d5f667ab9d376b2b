"""A Ctrl-C that Python drops inside a callback is sent again.

CPython raises :class:`KeyboardInterrupt` between bytecodes of the main thread. When
that bytecode belongs to code C calls back into — a :mod:`ctypes` callback (llvmlite's
object cache, which numba's kernel cache runs as it loads or writes a compiled
kernel), a weak-reference callback (numba's type cache), a ``__del__`` — the exception
cannot leave it: Python prints "Exception ignored in …" with a traceback
(:func:`sys.unraisablehook`), drops it, and the command runs on to exit 0. While a
command runs, :func:`interrupts_not_dropped` replaces that hook for interrupts: nothing
is printed and SIGINT is sent to the process again a moment later
(:data:`RESEND_SECONDS`), to land where it can end the command.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from typing import Any

#: Delay before a dropped Ctrl-C is sent again (seconds).
RESEND_SECONDS = 0.01


def _resend() -> None:
    """Send SIGINT to this process again, from a timer thread."""
    timer = threading.Timer(RESEND_SECONDS, os.kill, args=(os.getpid(), signal.SIGINT))
    timer.daemon = True
    timer.start()


@contextlib.contextmanager
def interrupts_not_dropped() -> Iterator[None]:
    """Inside the block, an interrupt Python would drop is sent again instead.

    Only where SIGINT raises :class:`KeyboardInterrupt` (Python's default handler): a
    SIGINT that is ignored (a background job) or handled by the caller is left alone.
    Other dropped exceptions go to the hook that was in place.
    """
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return
    before = sys.unraisablehook

    def hook(unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            _resend()
        else:
            before(unraisable)

    sys.unraisablehook = hook
    try:
        yield
    finally:
        sys.unraisablehook = before
