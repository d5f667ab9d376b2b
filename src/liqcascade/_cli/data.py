"""CLI commands: ``liqcascade data ingest / list / export / fetch``."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from liqcascade._cli import _common
from liqcascade._paths import check_output_file
from liqcascade.data._kinds import KINDS, PUBLIC_KINDS, kind_of
from liqcascade.data._readers import read_file
from liqcascade.data._store import Store, default_store_path, ingest_chunk_rows
from liqcascade.errors import InputError

data_app = typer.Typer(
    help=(
        "Market data: ingest files into the DuckDB store, list, export, fetch live.\n\n"
        "Example: liqcascade data ingest ETHUSDT-1h-2025-01.zip --venue binance"
    ),
    no_args_is_help=True,
)

_STORE_HELP = "DuckDB store file (default $LIQCASCADE_STORE, else ~/.liqcascade/store.duckdb)."
StoreOpt = Annotated[Path | None, typer.Option("--store", help=_STORE_HELP)]
JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")]


def _store_path(store: Path | None) -> Path:
    return store if store is not None else default_store_path()


def _short(v: Any) -> str:
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d %H:%M")
    return "" if v is None else str(v)


@data_app.command("ingest")
def ingest(
    files: Annotated[list[Path], typer.Argument(help="Files (CSV/Parquet/JSON, .gz/.zip).")],
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            help=f"Force the kind ({'|'.join(PUBLIC_KINDS)}) when the content is ambiguous.",
        ),
    ] = None,
    venue: Annotated[
        str | None,
        typer.Option("--venue", help="Venue label (default: from the file, else unknown)."),
    ] = None,
    symbol: Annotated[
        str | None,
        typer.Option("--symbol", help="Symbol label (default: from the file, else ETHUSDT)."),
    ] = None,
    interval: Annotated[
        str | None,
        typer.Option("--interval", help="Bar interval like 1h (default: from the timestamps)."),
    ] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Read market files (layout recognised by content) into the store, in one transaction.

    A file failing validation rejects the whole call and leaves the store unchanged.
    Ingesting the same file twice adds nothing.

    Layouts: generic OHLCV (any capitalisation; ISO, date or epoch s/ms/µs times);
    Binance klines (with or without header), bookDepth, metrics, fundingRate,
    liquidationSnapshot; ccxt JSON; CoinGlass liquidations, open-interest and funding
    OHLC, order-book totals, taker volume; Coinalyze OI; funding tables; Hyperliquid
    daily liquidations. CSV, Parquet or JSON, plain, .gz or .zip. See docs/data.md.

    Example: liqcascade data ingest ETHUSDT-1h-2025-01.zip metrics.csv --venue binance --json
    """
    if kind is not None:
        kind_of(kind)
    ingest_chunk_rows()  # a bad $LIQCASCADE_INGEST_CHUNK is refused before any file is read
    series = []
    for f in files:
        _common.existing_file(f, "FILE")
        series.extend(read_file(f, kind=kind, venue=venue, symbol=symbol, interval=interval))
    total = sum(s.rows for s in series)
    st = Store(_store_path(store))
    with st, _common.progress("ingesting", total=total) as advance:
        state = {"done": 0}

        def _on(done: int, n: int) -> None:
            advance(done - state["done"])
            state["done"] = done
            if _common.STATE.verbosity > 0:
                _common.info(f"ingest: inserted {done}/{n} rows (not yet committed)")

        result = st.ingest(series, on_progress=_on)
    result.files = len(files)
    result.series = [s.summary() for s in series]
    warnings = [w for s in series for w in s.warnings] + result.warnings
    result.warnings = warnings
    for w in warnings:
        _common.warn(w)
    out = result.to_dict()
    out["store"] = str(st.path)

    def render(r: dict[str, Any]) -> None:
        for s in r["series"]:
            _common.stdout.print(
                f"{Path(s['file']).name}: {s['layout']} -> {s['kind']} {s['venue']} "
                f"{s['symbol']} {s['interval']}, {s['rows']} rows, {s['gaps']} gaps",
                highlight=False,
            )
        _common.stdout.print(
            f"files {r['files']}  rows read {r['rows_read']}  rows added {r['rows_added']}  "
            f"rows in store {r['rows_total']}  ({r['store']})",
            highlight=False,
        )

    _common.emit(out, as_json, render)


@data_app.command("list")
def list_(store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """List the series in the store: kind, venue, symbol, interval, first, last, rows, gaps.

    Example: liqcascade data list --json
    """
    path = _store_path(store)
    if store is not None and not path.exists():
        raise InputError(f"--store: {path}: no such store")
    with Store(path, read_only=True) as st:
        df = st.list_series()
    rows = df.to_dict(orient="records")
    out = {"store": str(path), "series": rows}

    def render(r: dict[str, Any]) -> None:
        if not r["series"]:
            _common.stdout.print(f"{r['store']}: empty")
            return
        _common.stdout.print(f"[bold]{r['store']}[/]")
        _common.stdout.print("kind venue symbol interval first -> last rows gaps", style="dim")
        for s in r["series"]:
            _common.stdout.print(
                f"{s['kind']} {s['venue']} {s['symbol']} {s['interval']} "
                f"{_short(s['first'])} -> {_short(s['last'])} {s['rows']} rows "
                f"{_short(s['gaps'])} gaps",
                highlight=False,
            )

    _common.emit(out, as_json, render)


@data_app.command("export")
def export(
    kind: Annotated[str, typer.Option("--kind", help=f"Kind: {'|'.join(PUBLIC_KINDS)}.")],
    out: Annotated[Path, typer.Option("--out", help="Output file, .parquet or .csv.")],
    symbol: Annotated[str | None, typer.Option("--symbol", help="Symbol to export.")] = None,
    venue: Annotated[str | None, typer.Option("--venue", help="Venue to export.")] = None,
    interval: Annotated[str | None, typer.Option("--interval", help="Interval to export.")] = None,
    start: Annotated[str | None, typer.Option("--start", help="First time (UTC).")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last time (UTC).")] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write one stored series to Parquet or CSV (atomically: a temp file, then renamed).

    Example: liqcascade data export --kind ohlcv --symbol ETHUSDT --interval 1h --out eth.parquet
    """
    k = kind_of(kind).name
    suffix = out.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise InputError(f"--out must end in .parquet or .csv (got {out.name!r})")
    check_output_file(out, "--out")
    t0 = _common.parse_date(start, "--start")
    t1 = _common.parse_date(end, "--end")
    path = _store_path(store)
    if not path.exists():
        raise InputError(f"--store: {path}: no such store")
    with Store(path, read_only=True) as st:
        listing = st.list_series()
        tables = [k] if k != "liquidations" else ["liquidations", "liquidation_events"]
        sel = listing[listing["kind"] == ("liquidations" if k == "liquidation_events" else k)]
        for col, val in (("symbol", symbol), ("venue", venue), ("interval", interval)):
            if val is not None:
                sel = sel[sel[col].str.lower() == val.lower()]
        if sel.empty:
            raise InputError(f"no stored {k} series matches (see `liqcascade data list`)")
        if len(sel) > 1:
            names = ", ".join(f"{r.venue}/{r.symbol}/{r.interval}" for r in sel.itertuples())
            raise InputError(
                f"{len(sel)} stored {k} series match ({names}); narrow with --venue/--symbol/"
                "--interval"
            )
        row = sel.iloc[0]
        table = (
            "liquidation_events"
            if (k == "liquidations" and row["interval"] == "events")
            else (tables[0])
        )
        df = st.read(
            table,
            venue=row["venue"],
            symbol=row["symbol"],
            interval=row["interval"],
            start=t0,
            end=t1,
        )
    kd = KINDS[table]
    empty = [c for c in kd.value_columns if c in df.columns and df[c].isna().all()]
    df = df.drop(columns=empty)
    front = ["ts", "venue", "symbol", "interval"]
    df = df[front + [c for c in df.columns if c not in front]]
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    os.close(fd)
    try:
        if suffix == ".parquet":
            df.to_parquet(tmp, index=False)
        else:
            d = df.copy()
            d["ts"] = pd.DatetimeIndex(d["ts"]).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            d.to_csv(tmp, index=False)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    result = {
        "out": str(out),
        "kind": k,
        "venue": row["venue"],
        "symbol": row["symbol"],
        "interval": row["interval"],
        "rows": len(df),
        "first": df["ts"].min() if len(df) else None,
        "last": df["ts"].max() if len(df) else None,
    }
    _common.emit(result, as_json)


@data_app.command("fetch")
def fetch(
    exchange: Annotated[str, typer.Option("--exchange", help="ccxt exchange id, e.g. binance.")],
    symbol: Annotated[str, typer.Option("--symbol", help="Unified symbol, e.g. ETH/USDT:USDT.")],
    kind: Annotated[str, typer.Option("--kind", help="ohlcv|open_interest|funding.")],
    since: Annotated[str, typer.Option("--since", help="First time (UTC date or ISO time).")],
    until: Annotated[
        str | None, typer.Option("--until", help="Last time (UTC; default now).")
    ] = None,
    interval: Annotated[str, typer.Option("--interval", help="Bar interval (timeframe).")] = "1h",
    limit: Annotated[int | None, typer.Option("--limit", help="Page size (rows).")] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    r"""Download a series through ccxt (rate-limited, paged, retried) into the store.

    Needs the optional extra: pip install 'liqcascade\[live]'.

    Example: liqcascade data fetch --exchange binance --symbol ETH/USDT:USDT
    --kind ohlcv --since 2025-10-01 --until 2025-10-15
    """
    from liqcascade.data import _fetch

    k = kind_of(kind).name
    _common.check_choice("--kind", k, _fetch.FETCH_KINDS, given=kind)
    t0 = _common.parse_date(since, "--since")
    t1 = _common.parse_date(until, "--until") or pd.Timestamp.now(tz="UTC")
    if limit is not None and limit <= 0:
        raise InputError(f"--limit must be > 0 (got {limit})")
    ex = make_exchange(exchange)
    assert t0 is not None
    span = max((t1 - t0).total_seconds() * 1000.0, 1.0)
    start_ms = t0.value // 1_000_000
    with _common.progress(f"fetching {symbol} {k}", total=100) as advance:
        state = {"pct": 0.0}

        def _on(last_ms: int) -> None:
            pct = min(100.0, (last_ms - start_ms) / span * 100.0)
            advance(pct - state["pct"])
            state["pct"] = pct

        res = _fetch.fetch_series(ex, symbol, k, t0, t1, interval, limit=limit, on_progress=_on)
    st = Store(_store_path(store))
    with st:
        ing = st.ingest([res.series])
    for w in res.series.warnings + ing.warnings:
        if "no symbol in the file" not in w:
            _common.warn(w)
    out = {
        "exchange": exchange,
        "symbol": symbol,
        "kind": k,
        "interval": res.series.interval,
        "rows_fetched": res.series.rows,
        "pages": res.pages,
        "retries": res.retries,
        "rows_added": ing.rows_added,
        "rows_total": ing.rows_total,
        "first": res.series.frame["ts"].min(),
        "last": res.series.frame["ts"].max(),
        "gaps": res.series.gaps,
        "store": str(st.path),
    }
    _common.emit(out, as_json)


def make_exchange(exchange_id: str) -> Any:
    """Create the ccxt exchange (a seam the tests replace with a recorded fake)."""
    from liqcascade.data._fetch import make_exchange as _make

    return _make(exchange_id)


def register(app: typer.Typer) -> None:
    """Register this module's commands on the root app."""
    app.add_typer(data_app, name="data")
