"""`shopscore demo`: a realistic programme in the embedded database, its reports, the server.

`load_demo` creates the programme (`programme`: clients, outlets, people, waves) once, then
fills the waves with audits and everything that follows them (`fieldwork`); a re-run finds it
all there and adds nothing. `run_demo` also writes the latest released wave's reports into
./out/ and prints every login with its password before serving.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from server.auth.passwords import Passwords
from server.core.database import Database, migrate
from server.core.settings import Settings
from server.demo.fieldwork import fill_waves
from server.demo.programme import ADMIN, AUDITORS, DEMO_ARGON2, build_programme, people
from server.organisation.tables import Client

__all__ = ["ADMIN", "load_demo", "print_logins", "run_demo"]


def _quiet(_line: str) -> None:
    """Say nothing (the default of `load_demo`)."""


async def load_demo(settings: Settings, say: Callable[[str], None] = _quiet) -> bool:
    """Create the demo programme and its audits; False when everything was already there."""
    database = Database(settings.database_url)
    await migrate(database)
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


def print_logins(host: str, port: int) -> None:
    base = f"http://{host}:{port}"
    print(f"\nShopscore demo\n  Dashboard: {base}/\n  API:       {base}/api/v1")
    print(f"  API docs:  {base}/schema\n")
    print("  Logins (e-mail / password):")
    for email, role, password, _scope in people():
        if role == "auditor" and not email.startswith("auditor1@"):
            continue
        if role == "auditor":
            email = f"auditor1..{AUDITORS}@shopscore.demo"
        print(f"    {role:<17} {email:<28} {password}")
    print()


def run_demo(settings: Settings, host: str, port: int, serve: bool = True) -> None:
    asyncio.run(load_demo(settings, say=print))
    from server.reporting.demo import write_demo_reports

    write_demo_reports(settings)
    print_logins(host, port)
    if serve:
        from server.cli import serve as serve_forever

        serve_forever(host, port, workers=1)
