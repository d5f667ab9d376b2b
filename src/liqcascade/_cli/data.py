"""CLI commands: ``liqcascade data ingest / list / export / fetch``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from liqcascade._cli import _common
from liqcascade._prices import count_text

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
#: The kinds of series a user names (``--kind``'s help): ``liqcascade.data.PUBLIC_KINDS``
#: written out, so that ``liqcascade --help`` loads no data package
#: (tests/test_cli_help_registries.py checks the two agree).
_KINDS = "ohlcv, open_interest, funding, liquidations, depth, taker, long_short"


def _inserted(advance: _common.Advance) -> Callable[[int, int], None]:
    """An ingest progress callback ``(rows_inserted, rows_total)`` driving ``advance``."""
    state = {"done": 0}

    def _on(done: int, n: int) -> None:
        advance.set_total(n)
        advance(done - state["done"])
        state["done"] = done
        if _common.STATE.verbosity > 0:
            _common.info(f"ingest: inserted {done}/{n} rows (not yet committed)")

    return _on


@contextmanager
def _interrupt_says_what_was_stored() -> Iterator[list[str]]:
    """Ctrl-C after the rows are stored (while the result prints) says what was stored.

    Yields a list: once the rows are stored, the caller puts there what was stored. An
    interrupt is printed as one line, exit 130, by the command line's one rule
    (``liqcascade.cli.main``, the interrupt's message); during the ingest that message
    is the library's :class:`~liqcascade.data.IngestInterrupted` (stored or not), after
    it the line this adds.
    """
    from liqcascade.data import IngestInterrupted

    stored: list[str] = []
    try:
        yield stored
    except KeyboardInterrupt as exc:
        if not stored or isinstance(exc, IngestInterrupted):
            raise
        raise KeyboardInterrupt(f"interrupted after the ingest: {stored[0]}") from None


def _note(message: str) -> None:
    """An expected, documented conversion: ``note: ...`` on stderr (hidden with ``-q``)."""
    if _common.STATE.verbosity >= 0:
        _common.stderr.print(f"note: {message}", highlight=False, markup=False)


def _render_ingest(r: dict[str, Any]) -> None:
    for s in r["series"]:
        dropped = f", {s['rows_dropped']} dropped" if s.get("rows_dropped") else ""
        _common.stdout.print(
            f"{Path(s['file']).name}: {s['layout']} -> {s['kind']} {s['venue']} "
            f"{s['symbol']} {s['interval']}, {count_text(s['rows'], 'row', grouped=True)}"
            f"{dropped}, {count_text(s['gaps'], 'gap', grouped=True)}",
            highlight=False,
            markup=False,  # file, venue and symbol are the user's
        )
    _common.stdout.print(
        f"files {r['files']}  rows read {r['rows_read']}  rows added {r['rows_added']}  "
        f"rows in store {r['rows_total']}  ({r['store']})",
        highlight=False,
        markup=False,
    )
    if r.get("rows_differing"):  # a correcting file: said here too, not only as a warning
        n = r["rows_differing"]
        _common.stdout.print(
            f"{count_text(n, 'row', grouped=True)} of the file{'' if r['files'] == 1 else 's'} "
            f"{'was' if n == 1 else 'were'} already stored "
            "with other values: the stored values were kept (data ingest replaces no "
            "stored row; to use the file's, ingest it into a new store, --store NEW.duckdb)",
            highlight=False,
            markup=False,
        )


def _render_list(r: dict[str, Any]) -> None:
    import pandas as pd

    from liqcascade.data import duration_text

    if not r["series"]:
        absent = not Path(r["store"]).exists()  # the default store before any ingest
        what = "no store yet (`liqcascade data ingest` creates it)" if absent else "empty"
        _common.stdout.print(f"{r['store']}: {what}", highlight=False, markup=False)
        return
    _common.stdout.print(f"[bold]{_common.esc(r['store'])}[/]")
    _common.stdout.print("kind venue symbol interval first -> last rows gaps", style="dim")
    for s in r["series"]:
        gaps = "" if s["gaps"] is None else f" {count_text(s['gaps'], 'gap', grouped=True)}"
        if s["gaps"] and s.get("largest_gap_s") is not None:
            gaps += f" (largest {duration_text(pd.Timedelta(seconds=s['largest_gap_s']))})"
        _common.stdout.print(
            f"{s['kind']} {s['venue']} {s['symbol']} {s['interval']} "
            f"{_short(s['first'])} -> {_short(s['last'])} "
            f"{count_text(s['rows'], 'row', grouped=True)}{gaps}",
            highlight=False,
            markup=False,  # venue and symbol are the user's
        )


def _render_export(r: dict[str, Any]) -> None:
    """The export's rows; without rows, the range and the series' span instead of None."""
    from rich.table import Table

    t = Table(show_header=False, box=None)
    for k in ("out", "kind", "venue", "symbol", "interval", "rows"):
        t.add_row(f"[bold]{k}[/]", _common._fmt(r[k]))
    if r["rows"]:
        t.add_row("[bold]first[/]", _short(r["first"]))
        t.add_row("[bold]last[/]", _short(r["last"]))
    else:
        t.add_row(
            "[bold]first / last[/]",
            f"no rows in the range (the series runs {_short(r['series_first'])} -> "
            f"{_short(r['series_last'])} UTC)",
        )
    _common.stdout.print(t, highlight=False)


def _short(v: Any) -> str:
    import pandas as pd

    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d %H:%M")
    return "" if v is None else str(v)


DropMissingOpt = Annotated[
    bool,
    typer.Option(
        "--drop-missing",
        help="Leave out rows missing a required value (counted and named in a warning) "
        "instead of refusing the file.",
    ),
]
MeasureOpt = Annotated[
    str | None,
    typer.Option(
        "--measure",
        help="Binance API long/short files only: global_account, top_account or top_position "
        "(default: from the file name).",
    ),
]

FundingUnitsOpt = Annotated[
    str | None,
    typer.Option(
        "--funding-units",
        help="Funding files only: the rate column's units as written, fraction or percent "
        "per interval (percent is divided by 100); the rates are then not judged from "
        "their values (an asset pinned at its venue's cap). Default: judged.",
    ),
]


#: ``data ingest --help``. Its layout list is ``liqcascade.data.LAYOUTS``'s, written out:
#: ``liqcascade --help`` loads no data package (tests/test_cli_help_registries.py checks
#: the two agree).
INGEST_HELP = """\
Read market files (layout recognised by content) into the store, in one transaction.

A file failing validation rejects the whole call and leaves the store unchanged; a
row missing a required value does too, unless --drop-missing. Ingesting the same
file twice adds nothing. Documented conversions print as `note:` lines (in --json:
`notes`); what to check prints as `warning:` lines (`warnings`).

Layouts (times as ISO, dates or epoch s/ms/µs; CSV, Parquet or JSON, plain, .gz or
.zip; docs/data.md describes each):
binance-klines, ccxt-ohlcv, coinglass-liquidations, coinglass-long-short,
long-short-wide, binance-long-short, binance-liquidationsnapshot,
okx-liquidation-orders, binance-bookdepth, binance-metrics, binance-fundingrate,
ccxt-open-interest, coinalyze-oi, ccxt-funding, funding-table,
hyperliquid-daily-liquidations, coinglass-orderbook, coinglass-taker-coin,
coinglass-taker, canonical, binance-kline-export, ohlcv, coinglass-oi-ohlc,
coinglass-funding-ohlc.

Funding rates that look 100x off are refused; --funding-units states a file's units
instead (as written: fraction or percent per interval; CoinGlass's OHLC is percent).

Example: liqcascade data ingest ETHUSDT-1h-2025-01.zip metrics.csv --venue binance --json
"""


@data_app.command("ingest", help=INGEST_HELP)
def ingest(
    files: Annotated[list[Path], typer.Argument(help="Files (CSV/Parquet/JSON, .gz/.zip).")],
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            help=f"Force the kind ({_KINDS}) when the content is ambiguous.",
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
    drop_missing: DropMissingOpt = False,
    measure: MeasureOpt = None,
    funding_units: FundingUnitsOpt = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Read market files into the store (``--help``: :data:`INGEST_HELP`)."""
    from liqcascade.data import _ops

    with _interrupt_says_what_was_stored() as stored:
        with _common.progress("ingesting") as advance:
            result, path = _ops.ingest_files(files, kind=kind, venue=venue, symbol=symbol,
                                             interval=interval, store=store,
                                             on_progress=_inserted(advance),
                                             drop_missing=drop_missing, measure=measure,
                                             funding_units=funding_units)  # fmt: skip
        stored.append(f"{count_text(result.rows_added, 'row', grouped=True)} added to {path}")
        for n in result.notes:
            _note(n)
        for w in result.warnings:
            _common.warn(w)
        _common.emit({**result.to_dict(), "store": str(path)}, as_json, _render_ingest)


@data_app.command("list")
def list_(store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """List the series in the store: kind, venue, symbol, interval, first, last, rows, gaps.

    Example: liqcascade data list --json
    """
    from liqcascade.data import _ops

    path, df = _ops.list_store(store)
    out = {"store": str(path), "series": df.to_dict(orient="records")}
    _common.emit(out, as_json, _render_list)


@data_app.command("export")
def export(
    kind: Annotated[str, typer.Option("--kind", help=f"Kind: {_KINDS}.")],
    out: Annotated[Path, typer.Option("--out", help="Output file, .parquet or .csv.")],
    symbol: Annotated[str | None, typer.Option("--symbol", help="Symbol to export.")] = None,
    venue: Annotated[str | None, typer.Option("--venue", help="Venue to export.")] = None,
    interval: Annotated[str | None, typer.Option("--interval", help="Interval to export.")] = None,
    start: Annotated[str | None, typer.Option("--start", help="First time (UTC).")] = None,
    end: Annotated[
        str | None, typer.Option("--end", help="Last time (UTC; a date: its whole day).")
    ] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write one stored series to Parquet or CSV (atomically: a temp file, then renamed).

    Example: liqcascade data export --kind ohlcv --symbol ETHUSDT --interval 1h --out eth.parquet
    """
    from liqcascade.data import _ops

    t0, t1 = _common.parse_date(start, "--start"), _common.parse_end(end, "--end")
    if t0 is not None and t1 is not None and t0 > t1:
        _common.fail(f"--start ({t0:%Y-%m-%d %H:%M}) is after --end ({t1:%Y-%m-%d %H:%M})")
    result = _ops.export_series(kind, out, symbol=symbol, venue=venue, interval=interval,
                                start=t0, end=t1, store=store)  # fmt: skip
    if result["rows"] == 0:  # exit 0 like every empty answer of `data` (list, ingest)
        _common.warn(f"no stored rows between --start and --end: {out} holds the header only")
    for w in result["warnings"]:
        _common.warn(w)
    _common.emit(result, as_json, _render_export)


@data_app.command("fetch")
def fetch(
    exchange: Annotated[str, typer.Option("--exchange", help="ccxt exchange id, e.g. binance.")],
    symbol: Annotated[str, typer.Option("--symbol", help="Unified symbol, e.g. ETH/USDT:USDT.")],
    kind: Annotated[str, typer.Option("--kind", help="ohlcv|open_interest|funding.")],
    since: Annotated[str, typer.Option("--since", help="First time (UTC date or ISO time).")],
    until: Annotated[
        str | None,
        typer.Option("--until", help="Last time (UTC; a date: its whole day; default now)."),
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
    import pandas as pd

    from liqcascade.data import _ops

    t0 = _common.parse_date(since, "--since")
    t1 = _common.parse_end(until, "--until")
    assert t0 is not None
    if t1 is None and t0 > pd.Timestamp.now(tz="UTC"):  # before any network
        _common.fail(f"--since ({t0:%Y-%m-%d %H:%M}) is in the future (--until defaults to now)")
    with (
        _interrupt_says_what_was_stored(),
        _common.progress(f"fetching {symbol} {kind}", total=100) as advance,
    ):
        out, warnings = _ops.fetch_into_store(exchange, symbol, kind, t0, t1, interval=interval,
                                              limit=limit, store=store, connect=make_exchange,
                                              on_progress=advance)  # fmt: skip
    for w in warnings:
        _common.warn(w)
    _common.emit(out, as_json)


def make_exchange(exchange_id: str) -> Any:
    """Create the ccxt exchange (a seam the tests replace with a recorded fake)."""
    from liqcascade.data import make_exchange as _make

    return _make(exchange_id)


def register(app: typer.Typer) -> None:
    """Register this module's commands on the root app."""
    app.add_typer(data_app, name="data")
