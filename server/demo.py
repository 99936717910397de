"""`shopscore demo`: a realistic programme in the embedded database, then the server.

An agency runs mystery shopping for two chains: Polmarket (groceries; Warsaw and Kyiv) and
Sever Coffee (cafés; a Moscow-like city). Re-running finds the data already there and only
starts the server. Every login is printed with its password.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from typing import Any

from server.auth.passwords import Passwords
from server.auth.service import load_caller
from server.caller import Caller
from server.db import Database, migrate
from server.organisation.schemas import ClientCreate, OutletCreate, RegionCreate
from server.organisation.service import OrganisationService
from server.organisation.tables import Client
from server.settings import Settings
from server.starters import load_starters
from server.templates.tables import ChecklistTemplate
from server.users.schemas import UserCreate
from server.users.service import UserService
from server.users.tables import User
from server.waves.schemas import BulkAssign, WaveCreate
from server.waves.service import WaveService

ADMIN = ("admin@shopscore.demo", "admin", "demo-admin-pass")

CITIES = {
    # region name: (city, latitude, longitude, time zone, streets)
    "Mazowsze": (
        "Warszawa",
        52.2297,
        21.0122,
        "Europe/Warsaw",
        (
            "ul. Marszałkowska",
            "ul. Puławska",
            "al. Jerozolimskie",
            "ul. Grójecka",
            "ul. Świętokrzyska",
            "ul. Targowa",
            "ul. Wołoska",
        ),
    ),
    "Kyiv": (
        "Kyiv",
        50.4501,
        30.5234,
        "Europe/Kyiv",
        (
            "vul. Khreshchatyk",
            "vul. Saksahanskoho",
            "prosp. Peremohy",
            "vul. Velyka Vasylkivska",
            "vul. Antonovycha",
            "bulv. Lesi Ukrainky",
        ),
    ),
    "Tsentralny": (
        "Moskva",
        55.7558,
        37.6173,
        "Europe/Moscow",
        (
            "ul. Tverskaya",
            "ul. Arbat",
            "Leninsky prosp.",
            "ul. Myasnitskaya",
            "Kutuzovsky prosp.",
            "ul. Pokrovka",
        ),
    ),
}
CLIENTS = {
    "Polmarket": ("PM", ("Mazowsze", "Kyiv"), 28),
    "Sever Coffee": ("SC", ("Tsentralny",), 12),
}
SCENARIOS = (
    "Ask for help choosing a gift under 100 and note how the offer is explained.",
    "Ask whether the store can order an item that is out of stock.",
    "Ask about the loyalty card and how points are redeemed.",
    "Return an item without the receipt and ask for an exchange.",
)


def _people() -> list[tuple[str, str, str, dict[str, Any]]]:
    """(e-mail, role, password, scope keys) of every demo login; scopes resolved later."""
    people: list[tuple[str, str, str, dict[str, Any]]] = [(ADMIN[0], ADMIN[1], ADMIN[2], {})]
    people += [
        (f"reviewer{n}@shopscore.demo", "reviewer", "demo-review-pass", {"clients": clients})
        for n, clients in ((1, ("Polmarket",)), (2, ("Polmarket", "Sever Coffee")))
    ]
    people += [
        (f"auditor{n}@shopscore.demo", "auditor", "demo-audit-pass", {}) for n in range(1, 7)
    ]
    people += [
        ("hq@polmarket.demo", "head_office", "demo-client-pass", {"client": "Polmarket"}),
        ("hq@severcoffee.demo", "head_office", "demo-client-pass", {"client": "Sever Coffee"}),
        ("mazowsze@polmarket.demo", "regional_manager", "demo-client-pass",
         {"client": "Polmarket", "regions": ("Mazowsze",)}),
        ("kyiv@polmarket.demo", "regional_manager", "demo-client-pass",
         {"client": "Polmarket", "regions": ("Kyiv",)}),
        ("centre@severcoffee.demo", "regional_manager", "demo-client-pass",
         {"client": "Sever Coffee", "regions": ("Tsentralny",)}),
        ("pm-001@polmarket.demo", "outlet_manager", "demo-client-pass",
         {"client": "Polmarket", "outlets": ("PM-001",)}),
        ("sc-001@severcoffee.demo", "outlet_manager", "demo-client-pass",
         {"client": "Sever Coffee", "outlets": ("SC-001",)}),
    ]  # fmt: skip
    return people


async def load_demo(settings: Settings) -> bool:
    """Create the demo programme; False when it was already there."""
    database = Database(settings.database_url)
    await migrate(database)
    await database.start()
    try:
        if await Client.exists().where(Client.name == "Polmarket"):
            return False
        await _build(database, Passwords(settings.argon2))
        return True
    finally:
        await database.close()


async def _build(database: Database, passwords: Passwords) -> None:
    users = UserService(database, passwords)
    if not await User.exists().where(User.email == ADMIN[0]):
        await users.create_user(
            None, UserCreate(email=ADMIN[0], name="Agency Admin", role="admin", password=ADMIN[2])
        )
    admin_row = await User.select(User.id).where(User.email == ADMIN[0]).first()
    assert admin_row is not None
    admin: Caller = await load_caller(admin_row["id"])
    organisation = OrganisationService(database)
    await load_starters(database)
    randomness = random.Random(2026)  # noqa: S311 -- a repeatable demo, not a secret
    client_ids: dict[str, int] = {}
    region_ids: dict[str, int] = {}
    outlet_ids: dict[str, int] = {}
    for client_name, (prefix, regions, outlet_count) in CLIENTS.items():
        client = await organisation.create_client(admin, ClientCreate(name=client_name))
        client_ids[client_name] = client.id
        for region_name in regions:
            region = await organisation.create_region(
                admin, client.id, RegionCreate(name=region_name)
            )
            region_ids[region_name] = region.id
        for number in range(1, outlet_count + 1):
            region_name = regions[(number - 1) % len(regions)]
            city, lat, lon, timezone, streets = CITIES[region_name]
            code = f"{prefix}-{number:03d}"
            channels = ["in_store", "phone"] + (["email"] if number % 4 == 0 else [])
            await organisation.create_outlet(
                admin,
                OutletCreate(
                    client_id=client.id,
                    region_id=region_ids[region_name],
                    code=code,
                    name=f"{client_name} {city} {number}",
                    address=f"{randomness.choice(streets)} {randomness.randint(1, 180)}",
                    city=city,
                    lat=round(lat + randomness.uniform(-0.06, 0.06), 6),
                    lon=round(lon + randomness.uniform(-0.09, 0.09), 6),
                    timezone=timezone,
                    channels=channels,
                ),
            )
            outlet_ids[code] = await _outlet_id(client.id, code)
    for email, role, password, scope in _people()[1:]:
        clients = scope.get("clients", ())
        regions = scope.get("regions", ())
        outlets = scope.get("outlets", ())
        person_client = scope.get("client")
        await users.create_user(
            admin,
            UserCreate(
                email=email,
                name=email.split("@")[0].replace("-", " ").title(),
                role=role,
                password=password,
                language={"Polmarket": "pl", "Sever Coffee": "ru"}.get(str(person_client), "en"),
                client_id=client_ids[person_client] if person_client else None,
                region_ids=[region_ids[name] for name in regions],
                outlet_ids=[outlet_ids[code] for code in outlets],
                client_ids=[client_ids[name] for name in clients],
            ),
        )
    templates = {
        row["channel"]: row["id"]
        for row in await ChecklistTemplate.select(
            ChecklistTemplate.id, ChecklistTemplate.channel
        ).where(ChecklistTemplate.status == "published")
    }
    waves = WaveService(database)
    for client_name, client_id in client_ids.items():
        for name, starts, ends in (
            ("Q1 2026", dt.date(2026, 1, 5), dt.date(2026, 3, 27)),
            ("Q2 2026", dt.date(2026, 4, 6), dt.date(2026, 6, 26)),
        ):
            wave = await waves.create_wave(
                admin,
                WaveCreate(
                    client_id=client_id,
                    name=f"{client_name} {name}",
                    starts_on=starts,
                    ends_on=ends,
                    templates={
                        channel: template_id
                        for channel, template_id in templates.items()
                        if channel in ("in_store", "phone", "email")
                    },
                ),
            )
            await waves.bulk_assign(
                admin, wave.id, BulkAssign(scenario=randomness.choice(SCENARIOS))
            )


async def _outlet_id(client_id: int, code: str) -> int:
    from server.organisation.tables import Outlet

    row = (
        await Outlet.select(Outlet.id)
        .where(Outlet.client == client_id, Outlet.code == code)
        .first()
    )
    assert row is not None
    outlet_id: int = row["id"]
    return outlet_id


def print_logins(host: str, port: int) -> None:
    base = f"http://{host}:{port}"
    print(f"\nShopscore demo\n  API:      {base}/api/v1\n  API docs: {base}/schema\n")
    print("  Logins (e-mail / password):")
    for email, role, password, _scope in _people():
        print(f"    {role:<17} {email:<28} {password}")
    print()


def run_demo(settings: Settings, host: str, port: int, serve: bool = True) -> None:
    created = asyncio.run(load_demo(settings))
    print("demo programme " + ("created" if created else "already present"))
    from server.reporting.demo import write_demo_reports

    write_demo_reports(settings)
    print_logins(host, port)
    if serve:
        from server.cli import serve as serve_forever

        serve_forever(host, port, workers=1)
