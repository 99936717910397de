"""Benchmark: importing a 10,000-row outlet CSV, against plain sqlite3 doing the same inserts.

Both write the same rows into the same migrated schema on SQLite with the same PRAGMAs
(WAL, synchronous=FULL) in one transaction; the floor is plain `sqlite3.executemany`. Prints
both times and the ratio (plain time / Shopscore time; 1.0 would mean no overhead at all).
"""

from __future__ import annotations

import asyncio
import csv
import io
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.access.caller import Caller
from server.auth.service import load_caller
from server.core.database import SQLITE_PRAGMAS, Database, migrate
from server.organisation.csv_import import OutletImport, parse_outlets_csv
from server.organisation.schemas import ClientCreate
from server.organisation.service import OrganisationService

ROWS = 10_000


def make_csv(rows: int) -> bytes:
    randomness = random.Random(7)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["code", "name", "region", "address", "city", "lat", "lon", "timezone",
                     "channels", "active"])  # fmt: skip
    for number in range(rows):
        writer.writerow([
            f"PM-{number:05d}", f"Polmarket {number}", f"Region {number % 12}",
            f"ul. Marszałkowska {randomness.randint(1, 200)}", "Warszawa",
            f"{52.23 + randomness.uniform(-0.1, 0.1):.6f}".replace(".", ","),
            f"{21.01 + randomness.uniform(-0.1, 0.1):.6f}".replace(".", ","),
            "Europe/Warsaw", "in_store|phone", "true",
        ])  # fmt: skip
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


async def shopscore_import(path: Path, content: bytes) -> float:
    database = Database(f"sqlite:///{path}")
    await database.start()
    try:
        from server.users.tables import User

        admin_id = (await User.insert(User(email="a@b.c", name="A", password_hash="x",
                                           role="admin")))[0]["id"]  # fmt: skip
        admin: Caller = await load_caller(admin_id)
        organisation = OrganisationService(database)
        client = await organisation.create_client(admin, ClientCreate(name="Polmarket"))
        started = time.perf_counter()
        report = await OutletImport(database, organisation).run(admin, client.id, content)
        elapsed = time.perf_counter() - started
        assert report.created == ROWS, report
        return elapsed
    finally:
        await database.close()


def plain_sqlite_import(path: Path, content: bytes) -> float:
    """The floor: parse with csv, then executemany in one transaction."""
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in SQLITE_PRAGMAS:
        connection.execute(pragma)
    connection.execute("INSERT INTO client (name, lockout_days, created_at) VALUES ('P', 90, "
                       "CURRENT_TIMESTAMP)")  # fmt: skip
    client_id = connection.execute("SELECT id FROM client").fetchone()[0]
    started = time.perf_counter()
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))[1:]
    connection.execute("BEGIN IMMEDIATE")
    regions: dict[str, int] = {}
    for name in sorted({row[2] for row in rows}):
        cursor = connection.execute(
            "INSERT INTO region (client, name) VALUES (?, ?)", (client_id, name)
        )
        regions[name] = int(cursor.lastrowid or 0)
    connection.executemany(
        "INSERT INTO outlet (client, region, code, name, address, city, lat, lon, timezone, "
        "channels, active, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,CURRENT_TIMESTAMP)",
        [
            (client_id, regions[r[2]], r[0], r[1], r[3], r[4], float(r[5].replace(",", ".")),
             float(r[6].replace(",", ".")), r[7], r[8], 1)
            for r in rows
        ],
    )  # fmt: skip
    connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def main() -> None:
    content = make_csv(ROWS)
    with tempfile.TemporaryDirectory() as folder:
        template = Path(folder) / "template.db"
        asyncio.run(migrate(Database(f"sqlite:///{template}")))
        ours_path, plain_path = Path(folder) / "ours.db", Path(folder) / "plain.db"
        shutil.copyfile(template, ours_path)
        shutil.copyfile(template, plain_path)
        started = time.perf_counter()
        parse_outlets_csv(content)
        parse_only = time.perf_counter() - started
        ours = asyncio.run(shopscore_import(ours_path, content))
        plain = plain_sqlite_import(plain_path, content)
    print(f"rows: {ROWS}")
    print(f"shopscore import (parse+check+upsert): {ours:.3f} s ({ROWS / ours:,.0f} rows/s)")
    print(f"  of which parse+check only:           {parse_only:.3f} s")
    print(f"plain sqlite3 executemany:             {plain:.3f} s ({ROWS / plain:,.0f} rows/s)")
    print(f"ratio (plain time / shopscore time):   {plain / ours:.2f}")


if __name__ == "__main__":
    main()
