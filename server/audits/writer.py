"""SQLite write transactions of sync, group-committed by a writer process of their own.

Why a process: a write transaction of an audit is ~0.4 ms of `sqlite3` work that needs the
GIL and an fsync that does not. On a thread of the server process the statements wait for
the event loop's GIL between rows, and every hand-off to and from that thread waits for the
GIL too (up to the 5 ms switch interval while the loop is busy): measured, a group commit
took 3.5-8 ms of which 1.5-4 ms were such waits. A process has its own GIL; the loop only
writes the job to a pipe and reads the outcome from another, both through the selector it
already waits on.

The protocol is a stream of frames each way (`_frame`: 4-byte length, then a pickle):
the server sends `(job id, key, statements)`, each statement already in the form `sqlite3`
stores (`SqlRunner` binds the values with the app's adapters) except for `KEY`; the writer
answers `[(job id, value, error), ...]` after each COMMIT.

The writer takes every job that has fully arrived, runs them in one `BEGIN IMMEDIATE`
transaction, each in its own savepoint (a job that fails is undone alone and its exception is
its outcome), COMMITs once (one fsync for all), and only then answers. If the COMMIT fails,
every job of it fails and nothing is kept. Another process holding the write lock makes the
writer wait, up to the busy timeout, and then answers `Busy` to every job of the batch; the
server's loop never waits. The writer dies with the server (SIGKILL on the parent's death,
and end of input): what it committed is all that is kept.

This module imports only the standard library, so that the writer process starts in tens of
milliseconds (`python -c`, see `WriterProcess`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import pickle
import select
import signal
import sqlite3
import struct
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Final

__all__ = [
    "KEY",
    "Busy",
    "ChangedUnderfoot",
    "Job",
    "Outcome",
    "Statement",
    "Transactions",
    "UniqueViolation",
    "WriterProcess",
    "bind_key",
    "main",
    "translated_sqlite_errors",
]


class UniqueViolation(Exception):
    """An INSERT hit a unique key: someone stored the same thing first."""


class Busy(Exception):
    """The database could not take the write now (locked, deadlock, serialization): transient."""


class ChangedUnderfoot(Exception):
    """A guarded statement changed another number of rows than expected: a lost race."""


class _Key:
    """Placeholder for the key the `returns_key` statement of a write produced."""

    def __repr__(self) -> str:
        return "KEY"

    def __reduce__(self) -> str:
        return "KEY"  # pickled by name: the writer process gets its own module's KEY


KEY: Final = _Key()


@dataclasses.dataclass(frozen=True, slots=True)
class Statement:
    """One statement of a write transaction.

    `params` (or every row of `many`, run with executemany) may contain `KEY`, replaced by
    the key of the transaction: the first column returned by the statement marked
    `returns_key`, or the key given to the write. `expect_changes` guards an optimistic
    UPDATE.
    """

    sql: str
    params: tuple[Any, ...] = ()
    many: list[tuple[Any, ...]] | None = None
    returns_key: bool = False
    expect_changes: int | None = None


# A statement as it crosses to the writer process: sql, params, rows (executemany) or None,
# returns_key, expect_changes (see `Statement`).
Job = list[tuple[str, tuple[Any, ...], list[tuple[Any, ...]] | None, bool, int | None]]


# What became of one job: its key, or the exception that undid it.
Outcome = tuple[Any, Exception | None]


def bind_key(values: Sequence[Any], key: Any) -> tuple[Any, ...]:
    return tuple([key if value is KEY else value for value in values])  # a list: 2x a generator


_HEADER: Final = struct.Struct("<I")
# Jobs in one transaction at most: a bound on the work undone by a failed COMMIT.
MAX_BATCH: Final = 64
_READ_SIZE: Final = 1 << 20
# How long closing waits for the writer to answer what it was sent before killing it.
CLOSE_TIMEOUT_SECONDS: Final = 10.0


def _frame(payload: object) -> bytes:
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(data)) + data


class _Frames:
    """Bytes read from a pipe, cut into the payloads of whole frames."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Any]:
        buffer = self._buffer
        buffer += data
        payloads = []
        start = 0
        while len(buffer) - start >= _HEADER.size:
            (size,) = _HEADER.unpack_from(buffer, start)
            end = start + _HEADER.size + size
            if end > len(buffer):
                break
            frame = bytes(buffer[start + _HEADER.size : end])
            payloads.append(pickle.loads(frame))  # noqa: S301 -- from our own process pipe
            start = end
        del buffer[:start]
        return payloads


# --- the writer process ------------------------------------------------------------------


def _is_busy(error: sqlite3.OperationalError) -> bool:
    text = str(error).lower()
    return "locked" in text or "busy" in text


@contextlib.contextmanager
def translated_sqlite_errors() -> Iterator[None]:
    """`UniqueViolation` and `Busy` for the `sqlite3` errors that mean them."""
    try:
        yield
    except sqlite3.IntegrityError as error:
        if "UNIQUE" in str(error):
            raise UniqueViolation(str(error)) from error
        raise
    except sqlite3.OperationalError as error:
        if _is_busy(error):
            raise Busy(str(error)) from error
        raise


class Transactions:
    """Batches of jobs on one connection: one IMMEDIATE transaction per batch, each job in
    its own savepoint. Used by the writer process, and by the server itself for a write
    that runs whole on the event loop's thread."""

    def __init__(self, connection: sqlite3.Connection, busy_timeout_ms: int) -> None:
        self._connection = connection
        self._busy_timeout_ms = busy_timeout_ms

    def run(self, jobs: Sequence[tuple[Any, Job]], *, wait: bool = True) -> list[Outcome]:
        """(key, error) of each job, all committed together: a job that fails is undone
        alone and its exception is its outcome. Raise if the transaction could not begin
        (with `wait=False` at once, having begun nothing, when another connection holds the
        write lock: `Busy`) or its COMMIT failed (then nothing is kept)."""
        connection = self._connection
        with translated_sqlite_errors():
            if wait:
                connection.execute("BEGIN IMMEDIATE")
            else:
                connection.execute("PRAGMA busy_timeout = 0")
                try:
                    connection.execute("BEGIN IMMEDIATE")
                finally:
                    connection.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
        outcomes: list[Outcome] = []
        try:
            for key, statements in jobs:
                connection.execute("SAVEPOINT job")
                try:
                    outcomes.append((self._statements(statements, key), None))
                except Exception as error:  # it becomes that job's outcome
                    connection.execute("ROLLBACK TO job")
                    outcomes.append((None, error))
                connection.execute("RELEASE job")
            if any(error is None for _key, error in outcomes):
                with translated_sqlite_errors():
                    connection.execute("COMMIT")
            else:
                connection.execute("ROLLBACK")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        return outcomes

    def _statements(self, statements: Job, key: Any) -> Any:
        connection = self._connection
        with translated_sqlite_errors():
            for sql, params, many, returns_key, expect_changes in statements:
                if many is not None:
                    connection.executemany(sql, [bind_key(row, key) for row in many])
                    continue
                cursor = connection.execute(sql, bind_key(params, key))
                if returns_key:
                    key = cursor.fetchone()[0]
                elif expect_changes is not None and cursor.rowcount != expect_changes:
                    raise ChangedUnderfoot(sql)
        return key


def _sendable(error: BaseException) -> Exception:
    """The error as it can cross to the server: itself if it pickles, else its text."""
    try:
        pickle.loads(pickle.dumps(error))  # noqa: S301 -- a round trip of our own bytes
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error if isinstance(error, Exception) else RuntimeError(repr(error))


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def serve(
    path: str, pragmas: Sequence[str], busy_timeout_ms: int, reader: int = 0, writer: int = 1
) -> None:
    """The writer process: jobs from `reader`, outcomes to `writer`, until end of input."""
    parent = os.getppid()
    # Ctrl-C in a terminal and a service manager's SIGTERM reach the whole process group: the
    # writer ends only when the server closes its input (after the requests in flight) or
    # dies, so that nothing the server still waits for is cut short.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _die_with_parent()
    if os.getppid() != parent:  # the server died before the line above took effect
        return
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in pragmas:
        connection.execute(pragma)
    transactions = Transactions(connection, busy_timeout_ms)
    frames = _Frames()
    waiting: list[Any] = []
    open_input = True
    while waiting or open_input:
        if open_input and (not waiting or select.select([reader], [], [], 0)[0]):
            data = os.read(reader, _READ_SIZE)
            if not data:
                open_input = False  # end of input: write what was sent, then stop
                continue
            waiting += frames.feed(data)
            if len(waiting) < MAX_BATCH:
                continue  # take in every job already sent before writing
        batch, waiting = waiting[:MAX_BATCH], waiting[MAX_BATCH:]
        answers: list[tuple[int, Any, Exception | None]]
        try:
            outcomes = transactions.run([(key, statements) for _id, key, statements in batch])
        except Exception as error:
            failure = _sendable(error)
            answers = [(job_id, None, failure) for job_id, _key, _statements in batch]
        else:
            answers = [
                (job_id, value, None if error is None else _sendable(error))
                for (job_id, _key, _statements), (value, error) in zip(batch, outcomes, strict=True)
            ]
        data = _frame(answers)
        view = memoryview(data)
        while view:
            view = view[os.write(writer, view) :]
    connection.close()


def main() -> None:
    """Entry point of the writer process: `python -c ... <path> <pragmas> <busy timeout>`."""
    serve(sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]))


# --- the server's side -------------------------------------------------------------------


class WriterProcess:
    """The server's handle on its writer process, started on the first write.

    `write` sends a job and waits for its outcome without blocking the loop. If the writer
    dies (or cannot start), every write waiting for it fails with `Busy` (the client sends
    again; the outcome of a job sent to a dead writer is unknown, and a resend finds it stored
    or not) and the next write starts a new writer.
    """

    def __init__(self, path: Path, pragmas: Sequence[str], busy_timeout_ms: int) -> None:
        self._path = path
        self._pragmas = list(pragmas)
        self._busy_timeout_ms = busy_timeout_ms
        self._process: subprocess.Popen[bytes] | None = None
        self._frames = _Frames()
        self._waiting: dict[int, asyncio.Future[Any]] = {}
        self._unsent = bytearray()
        self._next_id = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ended: asyncio.Future[None] | None = None
        self._closing = False
        self.commits = 0  # transactions the writer answered (each one COMMIT or ROLLBACK)

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    @property
    def idle(self) -> bool:
        """No job sent is waiting for its outcome."""
        return not self._waiting

    def start(self) -> None:
        """Start the writer process now if it is not running (it takes ~30 ms to be ready,
        and the jobs sent meanwhile wait in the pipe)."""
        if self._process is None:
            self._start()

    async def write(self, statements: Job, key: Any = None) -> Any:
        """The key `statements` ended with, once committed; or raise their error."""
        self._next_id += 1
        job_id = self._next_id
        frame = _frame((job_id, key, statements))
        if self._process is None:
            self._start()
        loop = self._loop
        assert loop is not None
        future = loop.create_future()
        self._waiting[job_id] = future
        self._send(frame)
        return await future

    def _start(self) -> None:
        loop = asyncio.get_running_loop()
        command = (
            "import sys; sys.path[:0] = " + repr(_import_path()) + "\n"
            "from server.audits.writer import main\nmain()"
        )
        try:
            process = subprocess.Popen(  # noqa: S603 -- this interpreter, our own code
                [
                    sys.executable,
                    "-I",
                    "-c",
                    command,
                    str(self._path),
                    json.dumps(self._pragmas),
                    str(self._busy_timeout_ms),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                bufsize=0,
            )
        except OSError as error:
            raise Busy(f"the database writer could not start: {error}") from error
        assert process.stdin is not None
        assert process.stdout is not None
        os.set_blocking(process.stdin.fileno(), False)
        os.set_blocking(process.stdout.fileno(), False)
        self._process, self._loop = process, loop
        self._frames = _Frames()
        self._unsent.clear()
        self._closing = False
        self._ended = loop.create_future()
        loop.add_reader(process.stdout.fileno(), self._readable)

    def _send(self, data: bytes) -> None:
        process = self._process
        assert process is not None
        assert process.stdin is not None
        assert self._loop is not None
        if self._unsent:  # earlier frames first
            self._unsent += data
            return
        try:
            written = os.write(process.stdin.fileno(), data)
        except BlockingIOError:
            written = 0
        except OSError:
            self._ended_with(Busy("the database writer stopped"))
            return
        if written < len(data):
            self._unsent += data[written:]
            self._loop.add_writer(process.stdin.fileno(), self._writable)

    def _writable(self) -> None:
        process = self._process
        assert process is not None
        assert process.stdin is not None
        assert self._loop is not None
        try:
            written = os.write(process.stdin.fileno(), self._unsent)
        except BlockingIOError:
            return
        except OSError:
            self._ended_with(Busy("the database writer stopped"))
            return
        del self._unsent[:written]
        if not self._unsent:
            self._loop.remove_writer(process.stdin.fileno())
            if self._closing:
                process.stdin.close()

    def _readable(self) -> None:
        process = self._process
        assert process is not None
        assert process.stdout is not None
        try:
            data = os.read(process.stdout.fileno(), _READ_SIZE)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._ended_with(Busy("the database writer stopped"))
            return
        for answers in self._frames.feed(data):
            self.commits += 1
            for job_id, value, error in answers:
                future = self._waiting.pop(job_id, None)
                if future is None or future.done():
                    continue  # its request was cancelled; the write stands, as any other
                if error is None:
                    future.set_result(value)
                else:
                    future.set_exception(error)

    def _ended_with(self, error: Exception) -> None:
        """The writer is gone: fail whoever waits, and let the next write start another."""
        process, self._process = self._process, None
        if process is None:
            return
        assert self._loop is not None
        assert process.stdin is not None
        assert process.stdout is not None
        self._loop.remove_reader(process.stdout.fileno())
        if self._unsent:
            self._loop.remove_writer(process.stdin.fileno())
        waiting, self._waiting = self._waiting, {}
        for future in waiting.values():
            if not future.done():
                future.set_exception(error)
        with contextlib.suppress(OSError):
            process.stdin.close()
        process.stdout.close()
        if process.poll() is None:
            process.kill()
        process.wait()
        if self._ended is not None and not self._ended.done():
            self._ended.set_result(None)

    async def close(self) -> None:
        """Let the writer finish what it was sent, then end it."""
        process = self._process
        if process is None:
            return
        stdin, ended = process.stdin, self._ended
        assert stdin is not None
        assert ended is not None
        self._closing = True
        if not self._unsent:  # else once the rest is sent (`_writable`)
            stdin.close()  # end of input: the writer answers what it was sent and exits
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(ended), timeout=CLOSE_TIMEOUT_SECONDS)
        self._ended_with(Busy("the server is shutting down"))


def _import_path() -> list[str]:
    """Where the writer process finds this package (the server's own `sys.path` entry)."""
    package_root = Path(__file__).resolve().parent.parent.parent
    return [str(package_root)]
