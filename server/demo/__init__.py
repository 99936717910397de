"""`shopscore demo`: a realistic programme in the embedded database, its reports, the server.

`load_demo` creates the programme (`programme`: clients, outlets, people, waves) once, then
fills the waves with audits and everything that follows them (`fieldwork`); a re-run finds it
all there and adds nothing. `run_demo` also writes every client's latest released wave's
reports into ./out/, prints every login (role, e-mail, password, language, scope), the
addresses, how to stop and what stays, then serves until Ctrl+C.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import sys
import time
from collections.abc import Callable
from pathlib import Path

from server.auth.passwords import Passwords
from server.cli import serve as serve_forever
from server.cli import shopscore_command, shown, table
from server.core.database import Database, migrate
from server.core.settings import Settings
from server.demo.fieldwork import fill_waves
from server.demo.programme import ADMIN, DEMO_ARGON2, build_programme, people
from server.organisation.tables import Client

__all__ = ["ADMIN", "load_demo", "print_logins", "run_demo"]


def _quiet(_line: str) -> None:
    """Say nothing (the default of `load_demo`)."""


async def _migrate_quietly(database: Database) -> None:
    """Migrate, showing the migration tool's own report only when it fails."""
    report = io.StringIO()
    try:
        with contextlib.redirect_stdout(report):
            await migrate(database)
    except BaseException:
        sys.stderr.write(report.getvalue())
        raise


async def load_demo(settings: Settings, say: Callable[[str], None] = _quiet) -> bool:
    """Create the demo programme and its audits; False when everything was already there."""
    database = Database(settings.database_url)
    await _migrate_quietly(database)
    await database.start()
    try:
        created = False
        if not await Client.exists().where(Client.name == "Polmarket"):
            cheapest = min(DEMO_ARGON2, settings.argon2, key=lambda cost: cost.memory_kib)
            # One transaction: all or nothing, and one connection instead of one per query.
            async with database.transaction():
                await build_programme(database, Passwords(cheapest))
            created = True
        say("demo programme " + ("created" if created else "already present"))
        summary = await fill_waves(database, settings)
        say(summary.line())
        return created or bool(summary.audits)
    finally:
        await database.close()


def print_logins() -> None:
    """Every demo login as a table: role, e-mail, password, language, scope."""
    print("\nLogins (dashboard and API; auditors also in the field app):")
    rows = [
        (person.role, person.email, person.password, person.language, person.scope_text)
        for person in people()
    ]
    for line in table(("role", "e-mail", "password", "language", "scope"), rows):
        print(line)


def what_stays(settings: Settings, out_dir: Path) -> str:
    """Where the demo's data and reports are kept once the server stops."""
    if settings.is_sqlite:
        database = f"the database {shown(settings.sqlite_path)}"
    else:
        database = "the database (DATABASE_URL)"
    photos = f"photos in {shown(settings.media_dir)}" if settings.media_store == "local" else ""
    kept = ", ".join(part for part in (database, photos) if part)
    return f"{kept} and the reports in {shown(out_dir)}"


def print_addresses(settings: Settings, host: str, port: int, out_dir: Path) -> None:
    """Where to open the demo, how to stop it and what stays afterwards."""
    base = f"http://{host}:{port}"
    print(
        f"\nShopscore demo: {base}/ (log in with any login above)\n"
        f"  API:       {base}/api/v1, documented at {base}/schema\n"
        f"  Field app: `make mobile` in another terminal; server {base}, an auditor login\n"
        "Stop it with Ctrl+C. What stays, for the next `make demo` to reuse (delete it to start\n"
        f"afresh): {what_stays(settings, out_dir)}.\n"
    )


def run_demo(settings: Settings, host: str, port: int, serve: bool = True) -> None:
    """Load the demo, write its reports, print the logins, serve until Ctrl+C (if `serve`)."""
    from server.reporting.demo import DEFAULT_OUT, write_demo_reports

    if isinstance(sys.stdout, io.TextIOWrapper):
        # Each line as it comes, also into a pipe or a log file: the load takes a while.
        sys.stdout.reconfigure(line_buffering=True)
    started = time.perf_counter()
    where = shown(settings.sqlite_path) if settings.is_sqlite else "the database (DATABASE_URL)"
    print(f"Loading the demo into {where} (under a minute the first time, seconds afterwards)...")
    asyncio.run(load_demo(settings, say=print))
    print(f"loaded in {time.perf_counter() - started:.1f} s")
    write_demo_reports(settings, DEFAULT_OUT)
    print_logins()
    if not serve:
        serve_command = f"{shopscore_command()} serve --port {port}"
        print(
            f"\nLoaded, not served (--no-serve). Serve it with `{serve_command}`.\n"
            f"What stays: {what_stays(settings, DEFAULT_OUT)}."
        )
        return
    print_addresses(settings, host, port, DEFAULT_OUT)
    serve_forever(host, port, workers=1)
    print(f"\nDemo stopped. Kept: {what_stays(settings, DEFAULT_OUT)}.")
