"""The objects one running app shares between requests, built once from the settings and
handed to handlers as dependencies (server/core/dependencies.py)."""

from __future__ import annotations

import dataclasses

from reports.signing import ReportSigner
from server.auth.passwords import Passwords
from server.auth.service import AuthService
from server.auth.tokens import Tokens
from server.core.database import Database
from server.core.settings import Settings
from server.photos import PhotoLimits
from server.reporting.issuing import load_signer
from server.storage import MediaStore, media_store_from_settings
from server.templates.published import PublishedTemplates


@dataclasses.dataclass(frozen=True, slots=True)
class AppContext:
    settings: Settings
    database: Database
    passwords: Passwords
    auth: AuthService
    # Where photos are kept: local disk or an S3-compatible store, as the settings say.
    media_store: MediaStore
    photo_limits: PhotoLimits
    templates: PublishedTemplates
    # Signs every report PDF the server issues (docs/contract.md#reports).
    report_signer: ReportSigner

    @classmethod
    def build(cls, settings: Settings) -> AppContext:
        database = Database(settings.database_url, settings.database_busy_timeout_ms)
        passwords = Passwords(settings.argon2)
        tokens = Tokens(settings.secret_key, settings.access_token_minutes)
        return cls(
            settings=settings,
            database=database,
            passwords=passwords,
            auth=AuthService(settings, database, passwords, tokens),
            media_store=media_store_from_settings(settings),
            photo_limits=PhotoLimits(max_bytes=settings.max_photo_bytes),
            templates=PublishedTemplates(),
            report_signer=load_signer(settings),
        )
