"""Raw-answer export memory benchmark: the CSV and XLSX exports stream.

Reuses the cached database of `bench/analytics.py` (var/bench/analytics.db: about 100,000
released audits, 5 million answers; built by that script's `build` only if missing). For each
format a child process drives the real app in-process (lifespan, log-in, then
`GET /api/v1/analytics/exports/answers` as head office), takes the body chunk by chunk and
throws it away, and reports rows, bytes, time and its peak RSS twice: once when the export's
row source has produced its first batch (`exports.BATCH` rows), once at the end. The goal is
end / first batch <= 1.5: memory must not grow with the number of rows.

Why not the Litestar or httpx test client: both collect the whole response body in memory
before handing it over, which is exactly what this benchmark must not do. The ASGI messages
are therefore exchanged directly with the app here.

XLSX is limited to one wave (openpyxl writes about 30,000 rows a second, and a sheet holds at
most 1,048,576 rows anyway); CSV covers the whole programme.

    .venv/bin/python bench/export_memory.py [--xlsx-wave N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__":
    # Run as a script, this folder would come first on sys.path and bench/reports.py would
    # hide the `reports` package the app imports. (Imported, e.g. by a test: leave sys.path.)
    sys.path[0] = str(ROOT)

from bench.analytics import CACHE, EMAIL, PASSWORD, build  # noqa: E402 -- after the path set-up
from server.analytics import exports  # noqa: E402
from server.app import create_app  # noqa: E402
from server.core.settings import Argon2Parameters, Settings  # noqa: E402

GOAL = 1.5
EXPORT = "/api/v1/analytics/exports/answers"


def peak_rss_kib() -> tuple[int, int]:
    """(ru_maxrss, VmHWM) of this process in KiB. ru_maxrss can carry the parent's peak over
    fork and exec; VmHWM is this process's own high-water mark, so the ratio uses it."""
    status = Path("/proc/self/status").read_text()
    hwm = int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, hwm


async def asgi_request(
    app: Any,
    method: str,
    target: str,
    headers: dict[str, str],
    body: bytes = b"",
    on_chunk: Callable[[bytes], None] | None = None,
) -> tuple[int, bytes]:
    """One request straight through the ASGI app. With `on_chunk` the body goes there chunk by
    chunk and is not kept; without it, it is collected and returned (small answers only)."""
    path, _, query = target.partition("?")
    finished = asyncio.Event()
    request_sent = False
    status = 0
    kept: list[bytes] = []
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": query.encode(), "client": ("127.0.0.1", 50000),
        "server": ("localhost", 80),
        "headers": [(b"host", b"localhost"),
                    *((name.lower().encode(), value.encode()) for name, value in headers.items())],
    }  # fmt: skip

    async def receive() -> dict[str, Any]:
        nonlocal request_sent
        if not request_sent:
            request_sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunk = message.get("body", b"")
            if on_chunk is None:
                kept.append(chunk)
            else:
                on_chunk(chunk)
            if not message.get("more_body", False):
                finished.set()

    await app(scope, receive, send)
    return status, b"".join(kept)


def watch_first_batch(marks: dict[str, Any]) -> None:
    """Note the peak RSS when the export's row source has yielded its first batch.

    Wraps `exports.answer_rows` (looked up by the controller at call time) without changing
    what it yields: it only reads the high-water mark as row BATCH passes by.
    """
    original = exports.answer_rows

    async def observed(*args: Any, **kwargs: Any) -> AsyncIterator[list[Any]]:
        rows = 0
        async for row in original(*args, **kwargs):
            rows += 1
            if rows == exports.BATCH:
                marks["first_batch"] = peak_rss_kib()
            yield row
        marks["rows"] = rows

    exports.answer_rows = observed


async def child(file_format: str, query: str) -> dict[str, Any]:
    settings = Settings(
        database_url=f"sqlite:///{CACHE}",
        media_dir=CACHE.parent / "media",
        secret_key="bench-analytics-" + "x" * 32,
        argon2=Argon2Parameters.cheap_for_tests(),
        log_level="WARNING",
    )
    app = create_app(settings)
    marks: dict[str, Any] = {"start": peak_rss_kib()}
    watch_first_batch(marks)
    received = 0

    def discard(chunk: bytes) -> None:
        nonlocal received
        received += len(chunk)

    async with app.lifespan():
        credentials = json.dumps({"email": EMAIL, "password": PASSWORD}).encode()
        status, body = await asgi_request(
            app, "POST", "/api/v1/auth/login", {"content-type": "application/json"}, credentials
        )
        assert status in (200, 201), body
        headers = {"authorization": "Bearer " + json.loads(body)["token"]}
        started = time.perf_counter()
        target = f"{EXPORT}?format={file_format}{query}"
        status, _ = await asgi_request(app, "GET", target, headers, on_chunk=discard)
        elapsed = time.perf_counter() - started
        assert status == 200, status
    return {**marks, "bytes": received, "seconds": elapsed, "end": peak_rss_kib()}


def run_child(file_format: str, query: str) -> dict[str, Any]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", file_format, query],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, Any] = json.loads(output.splitlines()[-1])
    return result


def covered(wave: int | None) -> tuple[int, int]:
    """(released audits, answers) the head-office export covers, counted with plain SQL."""
    where = "" if wave is None else f" WHERE r.wave = {int(wave)}"
    connection = sqlite3.connect(CACHE)
    try:
        audits, answers = connection.execute(
            "SELECT COUNT(DISTINCT a.id), COUNT(*) FROM audit_answer ans "
            "JOIN audit a ON a.id = ans.audit JOIN score_rollup r ON r.audit_uuid = a.uuid" + where
        ).fetchone()
    finally:
        connection.close()
    return audits, answers


def report(file_format: str, wave: int | None, result: dict[str, Any]) -> float:
    audits, answers = covered(wave)
    scope = "all waves" if wave is None else f"wave {wave} only"
    first_maxrss, first_hwm = result["first_batch"]
    end_maxrss, end_hwm = result["end"]
    ratio: float = end_hwm / first_hwm
    print(
        f"{file_format}: {scope}, {audits} audits, {result['rows']} rows (expected {answers}), "
        f"{result['bytes'] / 2**20:.1f} MiB in {result['seconds']:.1f} s "
        f"({result['rows'] / result['seconds']:.0f} rows/s)"
    )
    print(
        f"  peak RSS after first batch of {exports.BATCH} rows {first_hwm / 1024:.0f} MiB, "
        f"at the end {end_hwm / 1024:.0f} MiB: {ratio:.2f}x (goal <= {GOAL}); "
        f"ru_maxrss {first_maxrss / 1024:.0f} -> {end_maxrss / 1024:.0f} MiB"
    )
    if result["rows"] != answers:
        print(f"  ROW COUNT MISMATCH: {result['rows']} streamed, {answers} in the database")
        return float("inf")
    return ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--xlsx-wave", type=int, default=1, help="the wave the XLSX run covers")
    parser.add_argument("--child", nargs=2, metavar=("FORMAT", "QUERY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(child(*args.child))))
        return 0
    if not CACHE.exists():
        build(CACHE)
    ratios = [
        report("csv", None, run_child("csv", "&separator=;")),
        report("xlsx", args.xlsx_wave, run_child("xlsx", f"&wave={args.xlsx_wave}")),
    ]
    return 0 if max(ratios) <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
