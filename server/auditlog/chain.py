"""The audit log's hash chain: the canonical form of an entry, its hash, and the check of a
whole chain (docs/contract.md#audit-log).

Every entry carries `sequence` (1, 2, 3... without gaps), `previous_hash` (the `entry_hash` of
the entry before it; 64 zeros for the first) and `entry_hash`: the SHA-256, in lowercase hex,
of the entry's canonical form. The canonical form is the UTF-8 JSON object of these keys, sorted,
without spaces (RFC 8785 for these value types):

- `sequence`, `actor` (the user's id or null): integers;
- `at`: the time in UTC, ISO 8601 with microseconds, `2026-12-06T01:23:41.627980+00:00`;
- `action`, `entity`, `entity_id`, `reason`, `previous_hash`: strings;
- `before`, `after`: the JSON text stored in the row, as a string, or null.

Both engines give these values back unchanged (times as the same instant, text byte for byte),
so a chain written on one verifies on the other and after a backup and restore. An edited entry
no longer matches its hash; a removed, inserted or reordered one breaks the sequence or the link
of the entry after it. Rewriting every hash from an edit onwards is found by comparing the head
with one kept elsewhere (an earlier `shopscore verify-log` or a backup manifest).

No database here: `server/auditlog/service.py` (writing, `verify_log`) and `server/backup/`
read the rows; `verify` walks them through any `fetch` with `?` placeholders.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

GENESIS = "0" * 64
# What `verify` reads of each row.
COLUMNS = (
    "id", "sequence", "at", "actor", "action", "entity", "entity_id", "before", "after",
    "reason", "previous_hash", "entry_hash",
)  # fmt: skip
CHAIN_COLUMNS = frozenset({"sequence", "previous_hash", "entry_hash"})
# The name of the lock that makes appending one entry at a time (`Connection.lock`).
APPEND_LOCK = "audit_log.chain"
# Rows per read when walking a chain: bounded memory for a log of any length.
CHUNK = 2000


class Row(Protocol):
    """A row read by column name (either engine's row, or a dict)."""

    def __getitem__(self, key: str, /) -> Any: ...


Fetch = Callable[..., Awaitable[Sequence[Row]]]


def canonical_time(at: dt.datetime) -> str:
    """UTC, ISO 8601 with microseconds. A time without offset is UTC, as both engines read it."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical(entry: Row) -> bytes:
    """The bytes `entry_hash` is the SHA-256 of (the entry's own `entry_hash` is not in it)."""
    actor = entry["actor"]
    form = {
        "sequence": int(entry["sequence"]),
        "at": canonical_time(entry["at"]),
        "actor": None if actor is None else int(actor),
        "action": entry["action"],
        "entity": entry["entity"],
        "entity_id": entry["entity_id"],
        "before": entry["before"],
        "after": entry["after"],
        "reason": entry["reason"],
        "previous_hash": entry["previous_hash"],
    }
    return json.dumps(form, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(entry: Row) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


@dataclasses.dataclass(frozen=True)
class Head:
    """The last entry of a chain: its sequence and hash (0 and 64 zeros for an empty log)."""

    sequence: int
    entry_hash: str

    def __str__(self) -> str:
        return f"{self.sequence}:{self.entry_hash}"

    @classmethod
    def parse(cls, text: str) -> Head:
        """`SEQUENCE:HASH`, as `str()` and `shopscore verify-log` print it."""
        sequence, separator, hash_ = text.strip().partition(":")
        if not separator or not sequence.isdigit() or len(hash_) != 64:
            raise ValueError(f"not a chain head (SEQUENCE:SHA256): {text!r}")
        return cls(int(sequence), hash_.lower())


EMPTY = Head(0, GENESIS)


@dataclasses.dataclass(frozen=True)
class Problem:
    """The first entry where the chain breaks, and everything wrong with it."""

    sequence: int | None
    id: int | None
    faults: tuple[str, ...]

    def __str__(self) -> str:
        where = "the log" if self.sequence is None else f"entry {self.sequence} (id {self.id})"
        return f"{where}: {'; '.join(self.faults)}"


@dataclasses.dataclass(frozen=True)
class Verification:
    entries: int
    head: Head
    problem: Problem | None

    @property
    def intact(self) -> bool:
        return self.problem is None

    def summary(self) -> str:
        if self.problem is not None:
            return f"audit log chain broken at {self.problem}"
        return f"audit log intact: {self.entries} entries, head {self.head}"


class ChainCheck:
    """Walks a chain in sequence order, entry by entry, and keeps the first problem.

    `add` takes a row (by column name); `add_link` the same with the row's own hash already
    compared, for a reader that cannot keep whole rows until they are sorted.
    """

    def __init__(self, anchor: Head | None = None) -> None:
        self.entries = 0
        self.head = EMPTY
        self.problem: Problem | None = None
        self._head_id: int | None = None
        self._anchor = anchor

    def add(self, row: Row) -> bool:
        """False once a problem was found: the rows after it need not be read."""
        return self.add_link(
            row["sequence"],
            row["id"],
            row["previous_hash"],
            row["entry_hash"],
            entry_hash(row) == row["entry_hash"],
        )

    def add_link(
        self, sequence: int, row_id: int, previous_hash: str, stored_hash: str, matches: bool
    ) -> bool:
        if self.problem is not None:
            return False
        faults = []
        expected = self.head.sequence + 1
        if sequence < expected:
            faults.append(
                f"sequence out of order: {sequence} after {self.head.sequence} "
                "(a repeated or inserted entry)"
            )
        elif sequence > expected:
            missing = str(expected) if sequence == expected + 1 else f"{expected}..{sequence - 1}"
            faults.append(f"gap in sequence: entry {missing} missing (deleted)")
        if not matches:
            faults.append(
                "hash mismatch: the entry does not match its entry_hash (edited or forged)"
            )
        if previous_hash != self.head.entry_hash:
            before = (
                "the start of the log"
                if self._head_id is None
                else f"entry {self.head.sequence} (id {self._head_id})"
            )
            faults.append(
                f"broken link: previous_hash is not the hash of {before} "
                "(an entry inserted, deleted or reordered before it)"
            )
        anchor = self._anchor
        if anchor is not None and sequence == anchor.sequence and stored_hash != anchor.entry_hash:
            faults.append(f"not the expected head {anchor}: the log was rewritten up to here")
        if faults:
            self.problem = Problem(sequence, row_id, tuple(faults))
            return False
        self.entries += 1
        self.head = Head(sequence, stored_hash)
        self._head_id = row_id
        return True

    def finish(self, rows: int | None = None) -> Verification:
        """The result; `rows`: how many rows the table holds, to find rows outside the chain."""
        if self.problem is None and rows is not None and rows != self.entries:
            self.problem = Problem(
                None, None, (f"{rows - self.entries} rows are outside the chain (no sequence)",)
            )
        anchor = self._anchor
        if self.problem is None and anchor is not None and anchor.sequence > self.head.sequence:
            self.problem = Problem(
                None,
                None,
                (
                    f"the log ends at entry {self.head.sequence}, before the expected head "
                    f"{anchor}: entries were removed from its end",
                ),
            )
        return Verification(self.entries, self.head, self.problem)


async def verify(fetch: Fetch, anchor: Head | None = None) -> Verification:
    """Check the whole chain through `fetch(sql, *params)` (one snapshot's reads, `?`
    placeholders), in chunks, stopping at the first problem. `anchor`: an earlier head the chain
    must still hold."""
    select = ", ".join(COLUMNS)
    check = ChainCheck(anchor)
    last_sequence, last_id = -(2**63), None
    while True:
        # `>=` and skipping the one row already seen: a repeated sequence across two chunks is
        # still read (and refused) rather than skipped.
        rows = await fetch(
            f"SELECT {select} FROM audit_log WHERE sequence >= ? "  # noqa: S608 - our own columns
            f"ORDER BY sequence, id LIMIT {CHUNK}",
            last_sequence,
        )
        fresh = [row for row in rows if row["id"] != last_id]
        for row in fresh:
            if not check.add(row):
                return check.finish()
        if len(rows) < CHUNK:
            break
        last_sequence, last_id = rows[-1]["sequence"], rows[-1]["id"]
    [count] = await fetch("SELECT count(*) AS n FROM audit_log")
    return check.finish(int(count["n"]))
