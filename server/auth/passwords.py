"""Password hashing with argon2id; the cost comes from settings (cheap only in tests).

At production cost one hash or check takes about 0.4 s of CPU and 64 MiB, so request handlers
use `hash_in_worker` / `verify_in_worker`: the work runs in a worker thread (argon2 releases
the GIL) and never stalls the event loop, and at most `concurrent_hashes` run at once per app,
so a burst of logins queues instead of taking every core and a gigabyte of memory.
"""

from __future__ import annotations

from functools import partial

import anyio.to_thread
from anyio import CapacityLimiter
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from server.core.settings import Argon2Parameters

DEFAULT_CONCURRENT_HASHES = 2


class Passwords:
    def __init__(
        self, parameters: Argon2Parameters, concurrent_hashes: int = DEFAULT_CONCURRENT_HASHES
    ) -> None:
        self._hasher = PasswordHasher(
            time_cost=parameters.time_cost,
            memory_cost=parameters.memory_kib,
            parallelism=parameters.parallelism,
            type=Type.ID,
        )
        # Verified when the e-mail is unknown, so timing does not reveal which accounts exist.
        self._decoy_hash = self._hasher.hash("decoy password")
        # Per app, not a module global: the app context holds this object.
        self._hashing_slots = CapacityLimiter(concurrent_hashes)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash or self._decoy_hash, password) and (
                password_hash is not None
            )
        except (VerificationError, InvalidHashError):
            return False

    async def hash_in_worker(self, password: str) -> str:
        """`hash` in a worker thread, at most `concurrent_hashes` at once."""
        return await anyio.to_thread.run_sync(
            partial(self.hash, password), limiter=self._hashing_slots
        )

    async def verify_in_worker(self, password_hash: str | None, password: str) -> bool:
        """`verify` in a worker thread, at most `concurrent_hashes` at once."""
        return await anyio.to_thread.run_sync(
            partial(self.verify, password_hash, password), limiter=self._hashing_slots
        )
