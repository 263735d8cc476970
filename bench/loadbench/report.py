"""The table printed at the end: one column per server, one row per figure."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from loadbench.results import Durability, RunResult

Row = tuple[str, Callable[[RunResult], str]]


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f}"


def _mib(size: float | None) -> str:
    return "-" if size is None else f"{size / 2**20:.0f} MiB"


def _number(value: float | None, unit: str = "") -> str:
    return "-" if value is None else f"{value:,.0f}{unit}"


def _durability(r: RunResult) -> str:
    d = r.durability
    if d is None:
        return "n/a (no storage)"
    verdict = "0 lost" if d.lost == 0 else f"LOST {d.lost}"
    return f"{verdict}{' after SIGKILL' if d.crashed else ''}"


def _pair(acked: int, stored: int | None) -> str:
    return f"{acked:,} / {'-' if stored is None else f'{stored:,}'}"


def _acked(pick: Callable[[Durability], tuple[int, int | None]]) -> Callable[[RunResult], str]:
    return lambda r: "-" if r.durability is None else _pair(*pick(r.durability))


def _gc(r: RunResult, generation: str) -> str:
    if r.gc is None:
        return "-"
    g = r.gc["generations"][generation]
    return f"{g['count']} x, max {g['max_ms']:.1f} ms" if g["count"] else "none"


def _gc_all(r: RunResult) -> str:
    if r.gc is None:
        return "-"
    a = r.gc["all"]
    return f"p99 {a['p99_ms']:.1f} / max {a['max_ms']:.1f} ms, {a['total_ms'] / r.window_seconds / 10:.2f} %"


def _gc_threads(r: RunResult) -> str:
    by_thread = (r.gc or {}).get("ms_by_thread") or {}
    return ", ".join(f"{name} {ms:.0f} ms" for name, ms in sorted(by_thread.items())) or "-"


def _full_collection(r: RunResult) -> str:
    f = r.full_collection
    if f is None:
        return "-"
    return f"{f['ms']:.0f} ms over {sum(f['objects']):,} objects ({f['frozen']:,} frozen)"


ROWS: list[Row] = [
    ("chargers connected after ramp", lambda r: f"{r.connected_after_ramp:,}/{r.chargers:,}"),
    ("time to connect all", lambda r: f"{r.ramp_seconds:.1f} s" + ("" if r.ramp_complete else " (timed out)")),
    ("chargers held through window", lambda r: f"{r.held:,} ({r.disconnects} disconnects)"),
    ("server RSS before / after ramp", lambda r: f"{_mib(r.rss_before)} / {_mib(r.rss_after_ramp)}"),
    ("server memory per connection", lambda r: "-" if r.memory_per_connection is None
     else f"{r.memory_per_connection / 1024:.1f} KiB"),
    ("offered rate (msgs/s)", lambda r: _number(r.offered_rate)),
    ("achieved rate (msgs/s)", lambda r: _number(r.achieved_rate)),
    ("round trip p50 / p99 / max (ms)", lambda r: f"{_ms(r.rtt_p50)} / {_ms(r.rtt_p99)} / {_ms(r.rtt_max)}"),
    ("CALLERRORs / timeouts", lambda r: f"{r.call_errors} / {r.timeouts}"),
    ("not sent: no free charger", lambda r: f"{r.skipped}"),
    ("unanswered at end of window", lambda r: f"{r.in_flight_at_end}"),
    ("server CPU (cores)", lambda r: f"{r.server_cores:.2f}"),
    ("PostgreSQL CPU (cores)", lambda r: f"{r.database_cores:.2f}" if r.label.endswith("postgres") else "-"),
    ("load workers CPU (cores)", lambda r: f"{r.client_cores:.2f}"),
    ("machine busy (of all cores)", lambda r: f"{100 * r.machine_busy:.0f} %"),
    ("msgs per server CPU-second", lambda r: _number(r.messages_per_server_cpu_second)),
    ("sampled values answered/s", lambda r: _number(r.samples_per_second)),
    ("meter-value rows/s", lambda r: _number(r.meter_rows_per_second)),
    ("message-log rows/s", lambda r: _number(r.message_rows_per_second)),
    ("group commits/s (units per commit)", lambda r: "-" if r.batches_per_second is None
     else f"{r.batches_per_second:,.0f} ({r.units_per_batch or 0:.1f})"),
    ("PostgreSQL commits/s (msgs per commit)", lambda r: "-" if r.commits_per_second is None
     else f"{r.commits_per_second:,.0f} ({r.messages_per_commit or 0:.1f})"),
    ("acknowledged vs stored (whole run)", _durability),
    ("  MeterValues acked / logged", _acked(lambda d: (d.acked_meter_values, d.logged_meter_values))),
    ("  readings acked / stored", _acked(lambda d: (d.acked_readings, d.stored_readings))),
    ("  sampled values acked / stored", _acked(lambda d: (d.acked_samples, d.stored_samples))),
    ("  sessions acked / stored", _acked(lambda d: (d.acked_starts, d.stored_sessions))),
    ("GC gen 2 pauses", lambda r: _gc(r, "2")),
    ("GC gen 0+1 pauses", lambda r: f"{_gc(r, '0')}; {_gc(r, '1')}"),
    ("GC all pauses (p99 / max, time)", _gc_all),
    ("GC time by thread", _gc_threads),
    ("forced full GC after window", _full_collection),
]


def ratio_rows(results: Sequence[RunResult]) -> list[Row]:
    """Each run against the bare server's run at the same offered rate."""
    bare = {r.offered_rate: r for r in results if r.label == "bare"}
    if not bare:
        return []

    def achieved(r: RunResult) -> str:
        theirs = bare.get(r.offered_rate)
        return f"{r.achieved_rate / theirs.achieved_rate:.2f}" if theirs and theirs.achieved_rate else "-"

    def per_cpu(r: RunResult) -> str:
        theirs = bare.get(r.offered_rate)
        mine, reference = r.messages_per_server_cpu_second, theirs and theirs.messages_per_server_cpu_second
        return f"{mine / reference:.2f}" if mine and reference else "-"

    return [("ratio to bare: achieved rate", achieved), ("ratio to bare: msgs per CPU-second", per_cpu)]


def table(results: Sequence[RunResult], *, markdown: bool = False) -> str:
    rows = [*ROWS, *ratio_rows(results)]
    header = ["", *(r.column for r in results)]
    body = [[name, *(cell(r) for r in results)] for name, cell in rows]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in body]
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in body]
    return "\n".join(lines)
