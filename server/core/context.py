"""The objects one running app shares between requests, built once from the settings."""

from __future__ import annotations

import dataclasses

from server.auth.passwords import Passwords
from server.auth.service import AuthService
from server.auth.tokens import Tokens
from server.core.database import Database
from server.core.gauge import RequestGauge
from server.core.settings import Settings


@dataclasses.dataclass(frozen=True, slots=True)
class AppContext:
    settings: Settings
    database: Database
    passwords: Passwords
    auth: AuthService
    # Whether one client alone is being served (the SQLite write path asks it).
    requests: RequestGauge

    @classmethod
    def build(cls, settings: Settings) -> AppContext:
        database = Database(settings.database_url)
        passwords = Passwords(settings.argon2)
        tokens = Tokens(settings.secret_key, settings.access_token_minutes)
        return cls(
            settings=settings,
            database=database,
            passwords=passwords,
            auth=AuthService(settings, database, passwords, tokens),
            requests=RequestGauge(),
        )
