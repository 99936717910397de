"""The demo's programme: clients, regions, outlets, people, checklists, waves, assignments.

An agency runs mystery shopping for two chains: Polmarket (groceries; Warsaw and Kyiv) and
Sever Coffee (cafés; a Moscow-like city). Each chain has two quarterly waves; every outlet is
visited in store twice a wave and called once, every fourth one also gets an e-mail enquiry,
so each outlet has enough audits a wave to be ranked. Everything goes through the services the
HTTP API uses. `server.demo.fieldwork` then fills the waves with audits.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any, Final, NamedTuple

from server.access.caller import Caller
from server.auth.passwords import Passwords
from server.auth.service import load_caller
from server.core.database import Database
from server.core.settings import Argon2Parameters
from server.organisation.schemas import ClientCreate, OutletCreate, RegionCreate
from server.organisation.service import OrganisationService
from server.organisation.tables import Client, Outlet
from server.templates.starters import load_starters
from server.templates.tables import ChecklistTemplate
from server.users.schemas import UserCreate
from server.users.service import UserService
from server.users.tables import User
from server.waves.eligibility import ineligibility_reason
from server.waves.schemas import AssignmentCreate, BulkAssign, WaveCreate
from server.waves.service import WaveService
from server.waves.tables import Assignment

ADMIN = ("admin@shopscore.demo", "admin", "demo-admin-pass")
AUDITORS: Final = 12
# The demo's passwords are printed for anyone to read, so hashing them at production cost
# (about a second each on a small machine) would only slow the load down: OWASP's minimum.
DEMO_ARGON2: Final = Argon2Parameters(time_cost=2, memory_kib=19456, parallelism=1)
# Names shown to colleagues and on reports (owners of corrective actions); auditors keep
# their account names, which client users never see.
NAMES: Final = {
    "reviewer1@shopscore.demo": "Anna Kowalczyk",
    "reviewer2@shopscore.demo": "Ihor Petrenko",
    "hq@polmarket.demo": "Marta Nowak",
    "hq@severcoffee.demo": "Olga Smirnova",
    "mazowsze@polmarket.demo": "Piotr Wiśniewski",
    "kyiv@polmarket.demo": "Oksana Melnyk",
    "centre@severcoffee.demo": "Dmitry Volkov",
    "pm-001@polmarket.demo": "Katarzyna Zielińska",
    "sc-001@severcoffee.demo": "Elena Sokolova",
}
QUARTERS: Final = (
    ("Q1 2026", dt.date(2026, 1, 5), dt.date(2026, 3, 27)),
    ("Q2 2026", dt.date(2026, 4, 6), dt.date(2026, 6, 26)),
)

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


class Person(NamedTuple):
    """One demo login: who, with what password, reading which language, seeing what."""

    email: str
    role: str
    password: str
    language: str
    # Scope by name, resolved to ids when the person is created: "clients" (a reviewer's),
    # "client", "regions", "outlets".
    scope: dict[str, Any]

    @property
    def scope_text(self) -> str:
        """The scope in words, as the demo's list of logins shows it."""
        client = self.scope.get("client")
        if self.role == "admin":
            return "every client"
        if self.role == "reviewer":
            return "reviews " + ", ".join(self.scope["clients"])
        if self.role == "auditor":
            return "own assignments (field app)"
        if self.scope.get("outlets"):
            return "outlet " + ", ".join(self.scope["outlets"]) + f" ({client})"
        if self.scope.get("regions"):
            return "region " + ", ".join(self.scope["regions"]) + f" ({client})"
        return f"client {client}"


def people() -> list[Person]:
    """Every demo login; each client user reads the language of their part of the chain."""
    people = [Person(ADMIN[0], ADMIN[1], ADMIN[2], "en", {})]
    people += [
        Person(
            f"reviewer{n}@shopscore.demo",
            "reviewer",
            "demo-review-pass",
            "en",
            {"clients": clients},
        )
        for n, clients in ((1, ("Polmarket",)), (2, ("Polmarket", "Sever Coffee")))
    ]
    people += [
        Person(f"auditor{n}@shopscore.demo", "auditor", "demo-audit-pass", "en", {})
        for n in range(1, AUDITORS + 1)
    ]
    people += [
        Person("hq@polmarket.demo", "head_office", "demo-client-pass", "pl",
               {"client": "Polmarket"}),
        Person("hq@severcoffee.demo", "head_office", "demo-client-pass", "ru",
               {"client": "Sever Coffee"}),
        Person("mazowsze@polmarket.demo", "regional_manager", "demo-client-pass", "pl",
               {"client": "Polmarket", "regions": ("Mazowsze",)}),
        Person("kyiv@polmarket.demo", "regional_manager", "demo-client-pass", "uk",
               {"client": "Polmarket", "regions": ("Kyiv",)}),
        Person("centre@severcoffee.demo", "regional_manager", "demo-client-pass", "ru",
               {"client": "Sever Coffee", "regions": ("Tsentralny",)}),
        Person("pm-001@polmarket.demo", "outlet_manager", "demo-client-pass", "pl",
               {"client": "Polmarket", "outlets": ("PM-001",)}),
        Person("sc-001@severcoffee.demo", "outlet_manager", "demo-client-pass", "ru",
               {"client": "Sever Coffee", "outlets": ("SC-001",)}),
    ]  # fmt: skip
    return people


async def build_programme(database: Database, passwords: Passwords) -> None:
    """Create the whole programme; run once, on a database without the demo clients."""
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
    for email, role, password, language, scope in people()[1:]:
        clients = scope.get("clients", ())
        regions = scope.get("regions", ())
        outlets = scope.get("outlets", ())
        person_client = scope.get("client")
        await users.create_user(
            admin,
            UserCreate(
                email=email,
                name=NAMES.get(email) or email.split("@")[0].title(),
                role=role,
                password=password,
                language=language,
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
        for name, starts, ends in QUARTERS:
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
            await _second_store_visits(waves, admin, wave.id, randomness.choice(SCENARIOS))


async def _second_store_visits(
    waves: WaveService, admin: Caller, wave_id: int, scenario: str
) -> None:
    """A second in-store visit per outlet, by the least busy auditor the lockout allows."""
    wave = await waves.get_wave(admin, wave_id)
    rows = await Assignment.select(Assignment.outlet, Assignment.auditor).where(
        Assignment.wave == wave_id
    )
    load = {
        row["id"]: 0
        for row in await User.select(User.id).where(User.role == "auditor").order_by(User.id)
    }
    for row in rows:
        load[row["auditor"]] += 1
    outlets = (
        await Outlet.select(Outlet.id).where(Outlet.client == wave.client_id).order_by(Outlet.id)
    )
    client = await Client.select(Client.lockout_days).where(Client.id == wave.client_id).first()
    assert client is not None
    for outlet in outlets:
        for auditor in sorted(load, key=lambda user: (load[user], user)):
            reason = await ineligibility_reason(
                auditor,
                outlet["id"],
                wave.client_id,
                wave.starts_on,
                wave.ends_on,
                client["lockout_days"],
            )
            if reason is None:
                await waves.create_assignment(
                    admin,
                    AssignmentCreate(
                        wave_id=wave_id,
                        outlet_id=outlet["id"],
                        auditor_id=auditor,
                        channel="in_store",
                        scenario=scenario,
                    ),
                )
                load[auditor] += 1
                break


async def _outlet_id(client_id: int, code: str) -> int:
    row = (
        await Outlet.select(Outlet.id)
        .where(Outlet.client == client_id, Outlet.code == code)
        .first()
    )
    assert row is not None
    outlet_id: int = row["id"]
    return outlet_id
