"""Seeding a running server for many auditors through its admin API, in a handful of requests.

One client with one region; the outlets in one CSV import (one outlet per visit); the
every-kind template created and published; one wave; the auditors (created a few at a time);
then the wave's bulk assignment, which spreads the outlets evenly, so each auditor gets the same
number of visits and never the same outlet twice (the revisit lockout). Used by the fleet
(fault injection) and the load tests.
"""

from __future__ import annotations

import csv
import io
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.mobile.live_server import admin_client
from tests.mobile.sample_data import every_kind_template


def created(response: httpx.Response) -> dict[str, Any]:
    """The JSON body of a successful admin call; anything else stops the seeding."""
    if response.status_code not in (200, 201):
        raise RuntimeError(
            f"{response.request.method} {response.request.url}: "
            f"{response.status_code} {response.text[:500]}"
        )
    body: dict[str, Any] = response.json()
    return body


def outlets_csv(count: int, code_prefix: str) -> bytes:
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(["code", "name", "region", "city", "lat", "lon", "timezone", "channels"])
    for number in range(count):
        writer.writerow(
            [f"{code_prefix}-{number:05d}", f"Outlet {number}", "Seeded", "Kraków", 50.06, 19.94,
             "Europe/Warsaw", "in_store"]
        )  # fmt: skip
    return rows.getvalue().encode()


def seed_programme(
    base_url: str,
    *,
    auditors: int,
    visits_per_auditor: int,
    email_pattern: str,
    password: str,
    template_key: str,
) -> list[str]:
    """Seed the programme; return the auditors' e-mails (``email_pattern.format(number)``)."""
    emails = [email_pattern.format(number) for number in range(auditors)]
    with admin_client(base_url) as admin:
        client = created(admin.post("/clients", json={"name": f"Client of {template_key}"}))
        created(admin.post(f"/clients/{client['id']}/regions", json={"name": "Seeded"}))
        created(
            admin.post(
                f"/clients/{client['id']}/outlets/import",
                content=outlets_csv(auditors * visits_per_auditor, template_key.upper()),
                headers={"Content-Type": "text/csv"},
                timeout=120,
            )
        )
        draft = created(admin.post("/templates", json=every_kind_template(template_key)))
        template = created(admin.post(f"/templates/{draft['id']}/publish"))
        wave = created(
            admin.post(
                "/waves",
                json={
                    "client_id": client["id"],
                    "name": f"Wave of {template_key}",
                    "starts_on": "2026-11-01",
                    "ends_on": "2026-11-30",
                    "templates": {"in_store": template["id"]},
                },
            )
        )

        def create_auditor(email: str) -> None:
            created(
                admin.post(
                    "/users",
                    json={
                        "email": email,
                        "name": email.split("@")[0],
                        "role": "auditor",
                        "password": password,
                        "language": "en",
                    },
                )
            )

        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(create_auditor, emails))
        report = created(admin.post(f"/waves/{wave['id']}/assign", json={}, timeout=600))
    if auditors * visits_per_auditor != report["created"]:
        raise RuntimeError(f"the bulk assignment did not give every auditor a visit: {report}")
    return emails
