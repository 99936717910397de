"""Server configuration: one frozen `Settings` object built from the environment.

Nothing reads the environment anywhere else: the app factory, the CLI and the tests all pass a
`Settings` object down explicitly, so a test builds its own instead of patching globals.
"""

from __future__ import annotations

import dataclasses
import math
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

DEFAULT_VAR_DIR = Path("./var")
MEDIA_STORES = ("local", "s3")
DEFAULT_ORGANISATION = "Shopscore"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
# The signing identity generated when none is configured (docs/contract.md#reports).
SIGNING_KEY_NAME = "signing_key.pem"
SIGNING_CERT_NAME = "signing_cert.pem"


class SettingsError(ValueError):
    """The environment describes an incomplete or contradictory configuration."""


@dataclasses.dataclass(frozen=True, slots=True)
class S3Settings:
    """Where photos go when `MEDIA_STORE=s3`: any S3-compatible object store."""

    bucket: str
    access_key_id: str
    secret_access_key: str = dataclasses.field(repr=False)
    # None: the AWS endpoint of `region`; else e.g. https://s3.example.net (path-style).
    endpoint_url: str | None = None
    region: str = "us-east-1"
    # Objects are stored under `<prefix>/...`; empty for the bucket's root.
    prefix: str = ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> S3Settings:
        required = ("S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY")
        missing = [name for name in required if not environ.get(name, "").strip()]
        if missing:
            raise SettingsError(
                "MEDIA_STORE=s3 needs " + ", ".join(missing) + " (also optional: "
                "S3_ENDPOINT_URL for a non-AWS store, S3_REGION, S3_PREFIX)"
            )
        endpoint = environ.get("S3_ENDPOINT_URL", "").strip() or None
        if endpoint is not None and not endpoint.startswith(("http://", "https://")):
            raise SettingsError(f"S3_ENDPOINT_URL must be an http(s) URL, not {endpoint!r}")
        return cls(
            bucket=environ["S3_BUCKET"].strip(),
            access_key_id=environ["S3_ACCESS_KEY_ID"].strip(),
            secret_access_key=environ["S3_SECRET_ACCESS_KEY"].strip(),
            endpoint_url=endpoint,
            region=environ.get("S3_REGION", "").strip() or "us-east-1",
            prefix=environ.get("S3_PREFIX", "").strip(),
        )


@dataclasses.dataclass(frozen=True, slots=True)
class Argon2Parameters:
    """Cost of hashing one password; production defaults follow RFC 9106's second choice."""

    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 4

    @classmethod
    def cheap_for_tests(cls) -> Argon2Parameters:
        return cls(time_cost=1, memory_kib=8, parallelism=1)


@dataclasses.dataclass(frozen=True, slots=True)
class Settings:
    """Everything the server needs to know about where it runs and how strict it is."""

    database_url: str
    media_dir: Path
    secret_key: str
    access_token_minutes: int = 12 * 60
    max_photo_bytes: int = 25 * 1024 * 1024
    max_json_bytes: int = 2 * 1024 * 1024
    max_csv_bytes: int = 20 * 1024 * 1024
    login_window_seconds: int = 15 * 60
    login_failures_per_account: int = 5
    login_failures_per_address: int = 30
    argon2: Argon2Parameters = dataclasses.field(default_factory=Argon2Parameters)
    default_lockout_days: int = 90
    # How long a write waits for another process to release SQLite's write lock, then 503.
    database_busy_timeout_ms: int = 15_000
    log_level: str = "INFO"
    # Where photos are stored: "local" (media_dir) or "s3" (then `s3` says where).
    media_store: str = "local"
    s3: S3Settings | None = None
    # The key and certificate (PEM) that sign every report. `from_env` always names files:
    # the configured ones, else the identity generated once into var_dir. A Settings made in
    # code without them (tests) signs with an identity made for the process.
    signing_cert_file: Path | None = None
    signing_key_file: Path | None = None
    # Who the generated certificate names.
    signing_organisation: str = DEFAULT_ORGANISATION
    # Where people reach this server: the reports' QR codes and verification address.
    public_url: str = DEFAULT_PUBLIC_URL
    # How often a server looks for changes of the data, to work out again the leagues asked of
    # it lately before they are asked again (server.analytics.kept.keep_fresh); 0: never, the
    # request that follows a change works its league out. `from_env` turns it on.
    league_refresh_seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.media_store not in MEDIA_STORES:
            raise SettingsError(
                f"MEDIA_STORE must be one of {', '.join(MEDIA_STORES)}, not {self.media_store!r}"
            )
        if self.media_store == "s3" and self.s3 is None:
            raise SettingsError("MEDIA_STORE=s3 needs the S3 settings (S3_BUCKET and the keys)")
        if (self.signing_cert_file is None) != (self.signing_key_file is None):
            raise SettingsError("SIGNING_CERT_FILE and SIGNING_KEY_FILE are set together")
        if not (math.isfinite(self.league_refresh_seconds) and self.league_refresh_seconds >= 0):
            raise SettingsError(
                "LEAGUE_REFRESH_SECONDS must be a number of seconds, 0 or more, "
                f"not {self.league_refresh_seconds!r}"
            )
        if not self.public_url.startswith(("http://", "https://")) or self.public_url.endswith("/"):
            raise SettingsError(
                f"PUBLIC_URL must be an http(s) address without a final /, not {self.public_url!r}"
            )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    @property
    def sqlite_path(self) -> Path:
        """The file behind a `sqlite:///relative` or `sqlite:////absolute` URL."""
        if not self.is_sqlite:
            raise ValueError("not an SQLite database URL")
        return Path(self.database_url.removeprefix("sqlite:///"))

    @classmethod
    def from_env(cls, environ: Mapping[str, str], var_dir: Path = DEFAULT_VAR_DIR) -> Settings:
        """Read the settings; a missing SECRET_KEY, or signing key and certificate, is generated
        once and kept in var_dir."""
        cheap = environ.get("SHOPSCORE_CHEAP_ARGON2", "") == "1"
        media_store = environ.get("MEDIA_STORE", "local").strip().lower() or "local"
        organisation = environ.get("SIGNING_ORGANISATION", "").strip() or DEFAULT_ORGANISATION
        cert_file = environ.get("SIGNING_CERT_FILE", "").strip()
        key_file = environ.get("SIGNING_KEY_FILE", "").strip()
        if bool(cert_file) != bool(key_file):
            raise SettingsError("SIGNING_CERT_FILE and SIGNING_KEY_FILE are set together")
        if cert_file:
            signing_cert_file, signing_key_file = Path(cert_file), Path(key_file)
        else:
            signing_cert_file, signing_key_file = load_or_create_signing_identity(
                var_dir, organisation
            )
        return cls(
            database_url=environ.get("DATABASE_URL", f"sqlite:///{var_dir}/shopscore.db"),
            media_dir=Path(environ.get("MEDIA_DIR", str(var_dir / "media"))),
            secret_key=environ.get("SECRET_KEY") or load_or_create_secret_key(var_dir),
            access_token_minutes=int(environ.get("ACCESS_TOKEN_MINUTES", 12 * 60)),
            max_photo_bytes=int(environ.get("MAX_PHOTO_BYTES", 25 * 1024 * 1024)),
            max_json_bytes=int(environ.get("MAX_JSON_BYTES", 2 * 1024 * 1024)),
            max_csv_bytes=int(environ.get("MAX_CSV_BYTES", 20 * 1024 * 1024)),
            login_window_seconds=int(environ.get("LOGIN_WINDOW_SECONDS", 15 * 60)),
            login_failures_per_account=int(environ.get("LOGIN_FAILURES_PER_ACCOUNT", 5)),
            login_failures_per_address=int(environ.get("LOGIN_FAILURES_PER_ADDRESS", 30)),
            argon2=Argon2Parameters.cheap_for_tests() if cheap else Argon2Parameters(),
            default_lockout_days=int(environ.get("DEFAULT_LOCKOUT_DAYS", 90)),
            database_busy_timeout_ms=int(environ.get("DATABASE_BUSY_TIMEOUT_MS", 15_000)),
            log_level=environ.get("LOG_LEVEL", "INFO"),
            media_store=media_store,
            s3=S3Settings.from_env(environ) if media_store == "s3" else None,
            signing_cert_file=signing_cert_file,
            signing_key_file=signing_key_file,
            signing_organisation=organisation,
            public_url=environ.get("PUBLIC_URL", "").strip().rstrip("/") or DEFAULT_PUBLIC_URL,
            league_refresh_seconds=float(environ.get("LEAGUE_REFRESH_SECONDS", 1.0)),
        )


def load_or_create_secret_key(var_dir: Path) -> str:
    """Return the key in var_dir/secret_key, creating it (mode 0600) on first run."""
    path = var_dir / "secret_key"
    var_dir.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    key = secrets.token_urlsafe(48)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key)
        handle.flush()
        os.fsync(handle.fileno())
    return key


def _create_once(path: Path, content: bytes) -> bool:
    """Write `path` (mode 0600) whole, unless it exists; True when this call created it.

    Written under another name, then linked: a process starting at the same moment (another
    server worker) sees either no file or the whole of it, never a half-written one.
    """
    if path.exists():
        return False
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        return True
    finally:
        temporary.unlink()


def load_or_create_signing_identity(var_dir: Path, organisation: str) -> tuple[Path, Path]:
    """The (certificate, key) files in var_dir, created (mode 0600) on first run: a new key and
    a self-signed certificate naming `organisation`. Once made they are kept, whatever the
    organisation says later: reports already issued stay verifiable."""
    from reports.signing import new_signing_key, self_signed_certificate

    var_dir.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = var_dir / SIGNING_KEY_NAME, var_dir / SIGNING_CERT_NAME
    if not cert_path.exists():
        _create_once(key_path, new_signing_key())
        _create_once(cert_path, self_signed_certificate(key_path.read_bytes(), organisation))
    return cert_path, key_path
