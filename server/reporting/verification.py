"""Looking up an issued report by its verification code, for the public page `/verify`
(docs/contract.md#reports).

Anyone holding a report may check it, without logging in: the page shows what the record of
the code says was issued (the facts the report itself shows, and the SHA-256 of the signed
file), never who asked for it, nor anything of the auditor.

Why a code cannot be found by guessing: it has 80 random bits, so among even a billion issued
reports a guess hits one with a chance of about 1 in 10^15. On top of that, each server process
answers at most `MISSES_PER_WINDOW` unknown codes per client address per
`MISS_WINDOW_SECONDS`; past that it answers that address nothing (429 with Retry-After) until
the oldest miss leaves the window, so the page cannot be used to probe codes. Looking up a
known code does not count: people checking real reports are not turned away.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import hashlib
import hmac
import math
import time
from typing import Any, Final

from server.core.database import Database
from server.core.errors import TooManyRequests
from server.core.i18n import _
from server.reporting.issuing import normalised_code, shown_code

MISSES_PER_WINDOW: Final = 20
MISS_WINDOW_SECONDS: Final = 15 * 60
# A report PDF with every photo thumbnail is a few megabytes; anything much larger is not one.
MAX_REPORT_BYTES: Final = 32 * 1024 * 1024


@dataclasses.dataclass(frozen=True, slots=True)
class IssuedReportFacts:
    """What the verification page shows of an issued report: only what the report shows."""

    code: str
    kind: str
    lang: str
    client: str
    wave: str
    outlet_name: str
    outlet_code: str
    region: str
    score: float | None
    issued_at: dt.datetime
    sha256: str
    size: int

    def matches(self, data: bytes) -> bool:
        """Whether `data` is the very file issued under this code (same SHA-256)."""
        return hmac.compare_digest(hashlib.sha256(data).hexdigest(), self.sha256)


class MissLimiter:
    """Unknown codes per client address in a sliding window, in this process's memory."""

    def __init__(
        self, limit: int = MISSES_PER_WINDOW, window_seconds: float = MISS_WINDOW_SECONDS
    ) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self._misses: dict[str, collections.deque[float]] = {}

    def _recent(self, address: str, now: float) -> collections.deque[float]:
        misses = self._misses.get(address, collections.deque())
        while misses and misses[0] <= now - self.window_seconds:
            misses.popleft()
        if misses:
            self._misses[address] = misses
        else:
            self._misses.pop(address, None)
        return misses

    def check(self, address: str) -> None:
        """TooManyRequests when `address` used up its unknown codes of the window."""
        now = time.monotonic()
        misses = self._recent(address, now)
        if len(misses) >= self.limit:
            wait = math.ceil(misses[0] + self.window_seconds - now)
            raise TooManyRequests(
                _("Too many unknown codes from your address; try again later."),
                retry_after_seconds=max(wait, 1),
            )

    def miss(self, address: str) -> None:
        now = time.monotonic()
        misses = self._recent(address, now)
        misses.append(now)
        self._misses[address] = misses


async def find_issued(database: Database, typed: str) -> IssuedReportFacts | None:
    """The issued report of a code as someone typed it; None for an unknown or malformed one."""
    code = normalised_code(typed)
    if code is None:
        return None
    rows = await database.fetch(
        "SELECT code, kind, lang, client_name, wave_name, outlet_name, outlet_code, "
        "region_name, score, issued_at, sha256, size FROM issued_report WHERE code = ?",
        code,
    )
    if not rows:
        return None
    row: Any = rows[0]
    return IssuedReportFacts(
        code=shown_code(row["code"]),
        kind=row["kind"],
        lang=row["lang"],
        client=row["client_name"],
        wave=row["wave_name"],
        outlet_name=row["outlet_name"],
        outlet_code=row["outlet_code"],
        region=row["region_name"],
        score=None if row["score"] is None else float(row["score"]),
        issued_at=row["issued_at"],
        sha256=row["sha256"],
        size=row["size"],
    )
