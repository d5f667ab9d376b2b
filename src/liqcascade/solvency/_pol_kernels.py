"""Kernels of the proof-of-liabilities build: level-wise hashing on flat arrays.

Two backends compute the same bytes:

- ``"openssl"``: numba kernels that call the system's OpenSSL SHA-256
  (``SHA256_Init/Update/Final`` of ``libcrypto``, declared to numba as external
  functions and resolved by LLVM once the library is loaded with
  ``llvmlite.binding.load_library_permanently``). About 0.14 µs a hash on a CPU with
  SHA extensions, against ~0.5 µs for a bare ``hashlib.sha256`` call in a loop.
- ``"hashlib"``: the plain-Python twin (``*_py``), the fallback when numba is disabled
  (``LIQCASCADE_DISABLE_NUMBA=1``) or ``libcrypto`` cannot be loaded.

``LIQCASCADE_POL_HASH=hashlib`` (or ``openssl``) forces a backend; the default is
``auto`` (OpenSSL when available). The tests hold both backends bit for bit equal.

Layouts (all ``uint8`` unless said): user ids as one UTF-8 byte buffer ``data`` with
``int64`` offsets ``off`` (row ``i`` is ``data[off[i]:off[i + 1]]``); salts ``(n, 32)``;
balances and node sums ``(n, 16)`` big-endian; hashes ``(n, 32)``. Kernels trust their
inputs (the callers in :mod:`liqcascade.solvency.pol` check them).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import os
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from liqcascade._numba import NUMBA_DISABLED, njit

HASH_BYTES = 32
SUM_BYTES = 16
SALT_BYTES = 32
LEAF_PREFIX = 0x00
NODE_PREFIX = 0x01
PADDING_HASH = hashlib.sha256(b"\x02").digest()
_PAD = np.frombuffer(PADDING_HASH, dtype=np.uint8).copy()
_CTX_BYTES = 512  # >= sizeof(SHA256_CTX) (112 bytes) with room to spare

# status codes of parse_balances
OK = 0
BLANK = 1
NOT_DIGITS = 2
TOO_BIG = 3
TOTAL_OVERFLOW = 4

BACKENDS = ("auto", "openssl", "hashlib")


# ------------------------------------------------------------------ OpenSSL binding
def _libcrypto_candidates() -> list[str]:
    out: list[str] = []
    name = ctypes.util.find_library("crypto")
    if name:
        out.append(name)
    try:  # the libcrypto Python's own hashlib is linked to
        import _hashlib  # noqa: F401

        for line in Path("/proc/self/maps").read_text().splitlines():
            parts = line.split()
            if parts and "libcrypto" in parts[-1] and parts[-1].startswith("/"):
                out.append(parts[-1])
    except (ImportError, OSError):
        pass
    return list(dict.fromkeys(out))


@cache
def openssl_library() -> str | None:
    """Path or name of a loaded ``libcrypto`` with the SHA-256 calls, or None.

    Loads it into the process's symbol space (``load_library_permanently``) so that
    numba-compiled code can call ``SHA256_Init/Update/Final``; checks one digest
    against :mod:`hashlib` before accepting it.
    """
    if NUMBA_DISABLED:
        return None
    for cand in _libcrypto_candidates():
        try:
            lib = ctypes.CDLL(cand)
            init, upd, fin = lib.SHA256_Init, lib.SHA256_Update, lib.SHA256_Final
        except (OSError, AttributeError):
            continue
        init.argtypes = [ctypes.c_void_p]
        upd.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]
        fin.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        ctx = ctypes.create_string_buffer(_CTX_BYTES)
        md = ctypes.create_string_buffer(HASH_BYTES)
        msg = b"liqcascade"
        if not (init(ctx) and upd(ctx, msg, len(msg)) and fin(md, ctx)):
            continue
        if md.raw != hashlib.sha256(msg).digest():
            continue
        try:
            import llvmlite.binding as llvm

            llvm.load_library_permanently(cand)
        except (ImportError, RuntimeError, OSError):
            continue
        return cand
    return None


def secret_bytes(n: int) -> np.ndarray:
    """``n`` cryptographically secure random bytes as a ``uint8`` array.

    OpenSSL's ``RAND_bytes`` (a DRBG seeded by the OS, ~1 GB/s) when libcrypto is loaded,
    else :func:`secrets.token_bytes`.
    """
    lib = openssl_library()
    if lib is not None and n > 0:
        out = np.empty(n, dtype=np.uint8)
        try:
            fn = ctypes.CDLL(lib).RAND_bytes
            fn.argtypes = [ctypes.c_void_p, ctypes.c_int]
            fn.restype = ctypes.c_int
            ok = all(
                fn(out.ctypes.data + a, min(1 << 30, n - a)) == 1 for a in range(0, n, 1 << 30)
            )
        except (OSError, AttributeError):
            ok = False
        if ok:
            return out
    import secrets

    return np.frombuffer(secrets.token_bytes(n), dtype=np.uint8).copy()


def resolve_backend(backend: str | None = None) -> str:
    """The hashing backend to use: ``"openssl"`` or ``"hashlib"``.

    Parameters
    ----------
    backend : {"auto", "openssl", "hashlib"}, optional
        Requested backend; default ``$LIQCASCADE_POL_HASH`` or ``"auto"``. ``"openssl"``
        falls back to ``"hashlib"`` when numba is disabled or libcrypto is unavailable.
    """
    want = (backend or os.environ.get("LIQCASCADE_POL_HASH", "") or "auto").strip().lower()
    if want not in BACKENDS:
        from liqcascade.errors import InputError

        raise InputError(
            f"backend must be one of {', '.join(BACKENDS)} (got {want!r})", param="backend"
        )
    if want == "hashlib":
        return "hashlib"
    return "openssl" if openssl_library() is not None else "hashlib"


_SHA_INIT: Any = None
_SHA_UPDATE: Any = None
_SHA_FINAL: Any = None
if not NUMBA_DISABLED:  # (with numba disabled resolve_backend picks hashlib)
    from numba import types as _nt

    # pointers are passed as uintp (the same width and calling convention as void*)
    _SHA_INIT = _nt.ExternalFunction("SHA256_Init", _nt.intc(_nt.uintp))
    _SHA_UPDATE = _nt.ExternalFunction("SHA256_Update", _nt.intc(_nt.uintp, _nt.uintp, _nt.uintp))
    _SHA_FINAL = _nt.ExternalFunction("SHA256_Final", _nt.intc(_nt.uintp, _nt.uintp))


@njit(nogil=True)
def _leaf_range_nb(  # pragma: no cover - compiled
    data: Any, off: Any, salts: Any, bal: Any, order: Any, out: Any, lo: int, hi: int, longest: int
) -> None:
    buf = np.empty(longest + 5 + SALT_BYTES + SUM_BYTES, np.uint8)
    ctx = np.zeros(_CTX_BYTES, np.uint8)
    c = ctx.ctypes.data
    b = buf.ctypes.data
    o = out.ctypes.data
    for i in range(lo, hi):
        a = off[i]
        ln = off[i + 1] - a
        buf[0] = LEAF_PREFIX
        buf[1] = (ln >> 24) & 255
        buf[2] = (ln >> 16) & 255
        buf[3] = (ln >> 8) & 255
        buf[4] = ln & 255
        for j in range(ln):
            buf[5 + j] = data[a + j]
        p = 5 + ln
        for j in range(SALT_BYTES):
            buf[p + j] = salts[i, j]
        p += SALT_BYTES
        for j in range(SUM_BYTES):
            buf[p + j] = bal[i, j]
        p += SUM_BYTES
        _SHA_INIT(c)
        _SHA_UPDATE(c, b, p)
        _SHA_FINAL(o + order[i] * HASH_BYTES, c)


@njit(nogil=True)
def _node_range_nb(  # pragma: no cover - compiled
    h: Any, s: Any, pad: Any, oh: Any, osum: Any, lo: int, hi: int
) -> None:
    m = h.shape[0]
    msg = 1 + 2 * (HASH_BYTES + SUM_BYTES)
    buf = np.empty(msg, np.uint8)
    ctx = np.zeros(_CTX_BYTES, np.uint8)
    c = ctx.ctypes.data
    b = buf.ctypes.data
    o = oh.ctypes.data
    r0 = 1 + HASH_BYTES + SUM_BYTES
    for i in range(lo, hi):
        left = 2 * i
        right = left + 1
        buf[0] = NODE_PREFIX
        for j in range(HASH_BYTES):
            buf[1 + j] = h[left, j]
        for j in range(SUM_BYTES):
            buf[1 + HASH_BYTES + j] = s[left, j]
        if right < m:
            for j in range(HASH_BYTES):
                buf[r0 + j] = h[right, j]
            for j in range(SUM_BYTES):
                buf[r0 + HASH_BYTES + j] = s[right, j]
        else:
            for j in range(HASH_BYTES):
                buf[r0 + j] = pad[j]
            for j in range(SUM_BYTES):
                buf[r0 + HASH_BYTES + j] = 0
        carry = np.int64(0)
        for j in range(SUM_BYTES - 1, -1, -1):
            t = np.int64(buf[1 + HASH_BYTES + j]) + np.int64(buf[r0 + HASH_BYTES + j]) + carry
            osum[i, j] = t & 255
            carry = t >> 8
        _SHA_INIT(c)
        _SHA_UPDATE(c, b, msg)
        _SHA_FINAL(o + i * HASH_BYTES, c)


# ------------------------------------------------------------------ hashlib twins
def _leaf_level_py(
    data: np.ndarray, off: np.ndarray, salts: np.ndarray, bal: np.ndarray, order: np.ndarray
) -> np.ndarray:
    n = order.shape[0]
    raw = data.tobytes()
    offs = off.tolist()
    sal = salts.tobytes()
    bb = bal.tobytes()
    rows = order.tolist()
    sha = hashlib.sha256
    out = bytearray(n * HASH_BYTES)
    for i in range(n):
        u = raw[offs[i] : offs[i + 1]]
        msg = (
            b"\x00"
            + len(u).to_bytes(4, "big")
            + u
            + sal[SALT_BYTES * i : SALT_BYTES * (i + 1)]
            + bb[SUM_BYTES * i : SUM_BYTES * (i + 1)]
        )
        r = rows[i] * HASH_BYTES
        out[r : r + HASH_BYTES] = sha(msg).digest()
    return np.frombuffer(bytes(out), dtype=np.uint8).reshape(n, HASH_BYTES).copy()


def _node_level_py(h: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m = h.shape[0]
    hb = h.tobytes()
    sb = s.tobytes()
    if m % 2:
        hb += PADDING_HASH
        sb += bytes(SUM_BYTES)
    k = (m + 1) // 2
    sha = hashlib.sha256
    oh = bytearray(k * HASH_BYTES)
    os_ = bytearray(k * SUM_BYTES)
    for i in range(k):
        hl = hb[64 * i : 64 * i + 32]
        hr = hb[64 * i + 32 : 64 * i + 64]
        sl = sb[32 * i : 32 * i + 16]
        sr = sb[32 * i + 16 : 32 * i + 32]
        oh[32 * i : 32 * i + 32] = sha(b"\x01" + hl + sl + hr + sr).digest()
        total = int.from_bytes(sl, "big") + int.from_bytes(sr, "big")
        os_[16 * i : 16 * i + 16] = total.to_bytes(SUM_BYTES, "big")
    return (
        np.frombuffer(bytes(oh), dtype=np.uint8).reshape(k, HASH_BYTES).copy(),
        np.frombuffer(bytes(os_), dtype=np.uint8).reshape(k, SUM_BYTES).copy(),
    )


# ------------------------------------------------------------------ dispatch
def threads() -> int:
    """Threads that hash one level (``$LIQCASCADE_POL_THREADS``, default up to 4 cores)."""
    raw = os.environ.get("LIQCASCADE_POL_THREADS", "")
    try:
        t = int(raw) if raw else min(4, os.cpu_count() or 1)
    except ValueError:
        t = 1
    return max(1, t)


_MIN_SPLIT = 1 << 16  # rows per thread below which one thread hashes the level


def _in_threads(n: int, work: Callable[[int, int], None]) -> None:
    """Run ``work(lo, hi)`` over ``[0, n)`` split across threads (the kernels release the GIL)."""
    t = min(threads(), max(1, n // _MIN_SPLIT))
    if t == 1:
        work(0, n)
        return
    from concurrent.futures import ThreadPoolExecutor

    bounds = [n * i // t for i in range(t + 1)]
    with ThreadPoolExecutor(t) as ex:
        for f in [ex.submit(work, bounds[i], bounds[i + 1]) for i in range(t)]:
            f.result()


def _ready() -> bool:
    """True once libcrypto is loaded (calling the kernels before that would crash)."""
    if openssl_library() is None:
        raise RuntimeError("the openssl backend is unavailable; use resolve_backend()")
    return True


def leaf_level(
    data: np.ndarray,
    off: np.ndarray,
    salts: np.ndarray,
    bal: np.ndarray,
    order: np.ndarray,
    backend: str,
) -> np.ndarray:
    """Leaf hashes placed at their leaf positions.

    Parameters
    ----------
    data, off : ndarray
        User ids (UTF-8 bytes, ``int64`` offsets), input order.
    salts : ndarray, shape (n, 32)
        Salts, input order.
    bal : ndarray, shape (n, 16)
        Balances, big-endian, input order.
    order : ndarray of int64, shape (n,)
        Input row -> leaf index (a permutation).
    backend : {"openssl", "hashlib"}
        From :func:`resolve_backend`.

    Returns
    -------
    ndarray, shape (n, 32)
        ``out[order[i]] = H(0x00 ‖ len ‖ user_i ‖ salt_i ‖ balance_i)``.
    """
    if backend == "openssl" and _ready():
        n = order.shape[0]
        out = np.empty((n, HASH_BYTES), dtype=np.uint8)
        longest = int(np.diff(off).max()) if n else 0
        _in_threads(
            n, lambda lo, hi: _leaf_range_nb(data, off, salts, bal, order, out, lo, hi, longest)
        )
        return out
    return _leaf_level_py(data, off, salts, bal, order)


def node_level(h: np.ndarray, s: np.ndarray, backend: str) -> tuple[np.ndarray, np.ndarray]:
    """The level above ``(h, s)``: node hashes and 16-byte sums (odd levels padded).

    Parameters
    ----------
    h : ndarray, shape (m, 32)
        Hashes of the level.
    s : ndarray, shape (m, 16)
        Sums of the level, big-endian (their pairwise sums must fit 16 bytes).
    backend : {"openssl", "hashlib"}
        From :func:`resolve_backend`.

    Returns
    -------
    (ndarray, ndarray)
        Hashes ``(ceil(m / 2), 32)`` and sums ``(ceil(m / 2), 16)``.
    """
    if backend == "openssl" and _ready():
        k = (h.shape[0] + 1) // 2
        oh = np.empty((k, HASH_BYTES), dtype=np.uint8)
        osum = np.empty((k, SUM_BYTES), dtype=np.uint8)
        _in_threads(k, lambda lo, hi: _node_range_nb(h, s, _PAD, oh, osum, lo, hi))
        return oh, osum
    return _node_level_py(h, s)


def warm_up() -> None:
    """Load the compiled kernels (numba's first call costs ~0.3 s): run while reading."""
    data = np.frombuffer(b"12", dtype=np.uint8).copy()
    off = np.array([0, 1, 2], dtype=np.int64)
    row_hashes_nb(data, off)
    edge_bytes_nb(data, off)
    parse_balances_nb(data, off, np.zeros((2, SUM_BYTES), np.uint8), np.zeros(4, np.int64))
    find_row_nb(data, off, data[:1])
    if resolve_backend() == "openssl":
        salts = np.zeros((2, SALT_BYTES), np.uint8)
        order = np.array([1, 0], dtype=np.int64)
        h = leaf_level(data, off, salts, np.zeros((2, SUM_BYTES), np.uint8), order, "openssl")
        node_level(h, np.zeros((2, SUM_BYTES), np.uint8), "openssl")


# ------------------------------------------------------------------ input kernels
@njit
def parse_balances_nb(data: Any, off: Any, out: Any, total: Any) -> tuple[int, int]:
    """Decimal digit strings -> 16-byte big-endian integers, with a running total.

    Returns ``(status, row)``: ``OK`` and ``n``, or the first row at fault with
    ``BLANK``, ``NOT_DIGITS`` (anything but ASCII 0-9), ``TOO_BIG`` (``>= 2**128``) or
    ``TOTAL_OVERFLOW`` (the running total ``>= 2**128``). ``total`` (4 ``int64``
    limbs of 32 bits, least significant first) receives the total.
    """
    n = off.shape[0] - 1
    mask = np.int64(0xFFFFFFFF)
    t0 = np.int64(0)
    t1 = np.int64(0)
    t2 = np.int64(0)
    t3 = np.int64(0)
    for i in range(n):
        a = off[i]
        e = off[i + 1]
        if a == e:
            return BLANK, i
        l0 = np.int64(0)
        l1 = np.int64(0)
        l2 = np.int64(0)
        l3 = np.int64(0)
        for j in range(a, e):
            d = np.int64(data[j]) - 48
            if d < 0 or d > 9:
                return NOT_DIGITS, i
            t = l0 * 10 + d
            l0 = t & mask
            c = t >> 32
            t = l1 * 10 + c
            l1 = t & mask
            c = t >> 32
            t = l2 * 10 + c
            l2 = t & mask
            c = t >> 32
            t = l3 * 10 + c
            l3 = t & mask
            if t >> 32:
                return TOO_BIG, i
        for j in range(4):
            sh = 24 - 8 * j
            out[i, j] = (l3 >> sh) & 255
            out[i, 4 + j] = (l2 >> sh) & 255
            out[i, 8 + j] = (l1 >> sh) & 255
            out[i, 12 + j] = (l0 >> sh) & 255
        t = t0 + l0
        t0 = t & mask
        t = t1 + l1 + (t >> 32)
        t1 = t & mask
        t = t2 + l2 + (t >> 32)
        t2 = t & mask
        t = t3 + l3 + (t >> 32)
        t3 = t & mask
        if t >> 32:
            return TOTAL_OVERFLOW, i
    total[0] = t0
    total[1] = t1
    total[2] = t2
    total[3] = t3
    return OK, n


def parse_balances_py(texts: list[str]) -> tuple[int, int, list[int]]:
    """Plain-Python twin of :func:`parse_balances_nb`: ``(status, row, values)``."""
    limit = (1 << 128) - 1
    values: list[int] = []
    run = 0
    for i, t in enumerate(texts):
        if t == "":
            return BLANK, i, values
        if not t.isascii() or not t.isdigit():
            return NOT_DIGITS, i, values
        digits = t.lstrip("0") or "0"
        if len(digits) > 39 or int(digits) > limit:
            return TOO_BIG, i, values
        v = int(digits)
        run += v
        if run > limit:
            return TOTAL_OVERFLOW, i, values
        values.append(v)
    return OK, len(texts), values


@njit
def row_hashes_nb(data: Any, off: Any) -> Any:
    """A 64-bit FNV-1a hash of each row's bytes (for duplicate screening)."""
    n = off.shape[0] - 1
    out = np.empty(n, np.uint64)
    prime = np.uint64(1099511628211)
    for i in range(n):
        h = np.uint64(14695981039346656037)
        for j in range(off[i], off[i + 1]):
            h = (h ^ np.uint64(data[j])) * prime
        out[i] = h
    return out


@njit
def edge_bytes_nb(data: Any, off: Any) -> bool:
    """True when some row starts or ends with a byte <= 0x20 or >= 0x80 (may need trimming)."""
    n = off.shape[0] - 1
    for i in range(n):
        a = off[i]
        e = off[i + 1]
        if e > a:
            first = data[a]
            last = data[e - 1]
            if first <= 32 or first >= 128 or last <= 32 or last >= 128:
                return True
    return False


@njit
def find_row_nb(data: Any, off: Any, key: Any) -> int:
    """First row whose bytes equal ``key``, or -1."""
    n = off.shape[0] - 1
    k = key.shape[0]
    for i in range(n):
        a = off[i]
        if off[i + 1] - a != k:
            continue
        same = True
        for j in range(k):
            if data[a + j] != key[j]:
                same = False
                break
        if same:
            return i
    return -1
