"""Locust scenario: auditors' phones syncing against a running Shopscore server.

Run by ``tests/load/test_load.py`` as ``locust --headless`` in its own process (locust
monkey-patches the standard library with gevent, which must never happen inside pytest). Each
simulated user is one seeded auditor (``LOAD_EMAIL_PATTERN`` numbered from 0) and loops like
the phone does: ``GET /api/v1/sync`` since its cursor, then for the next visit still to do three
``PUT /api/v1/photos/{uuid}`` (small distinct JPEGs) and ``PUT /api/v1/audits/{uuid}``; when
its visits are all done it replays one of its audits, as a phone that never heard the answer
does (the server must answer 200, the same audit). Any other status is a failure.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import json
import os
import random
import uuid
from typing import Any

from locust import FastHttpUser, between, task
from PIL import Image

EMAIL_PATTERN = os.environ.get("LOAD_EMAIL_PATTERN", "load.auditor{:03d}@example.com")
PASSWORD = os.environ.get("LOAD_PASSWORD", "")
PHOTOS_PER_AUDIT = 3
_user_numbers = itertools.count()


def small_jpeg(rng: random.Random) -> bytes:
    """A distinct 160x120 JPEG (random colour blocks), like a tiny shelf photo."""
    image = Image.new("RGB", (160, 120), tuple(rng.randrange(256) for _ in range(3)))
    for _block in range(4):
        x, y = rng.randrange(140), rng.randrange(100)
        colour = tuple(rng.randrange(256) for _ in range(3))
        image.paste(colour, (x, y, x + rng.randrange(5, 20), y + rng.randrange(5, 20)))
    output = io.BytesIO()
    image.save(output, "JPEG", quality=80)
    return output.getvalue()


def audit_body(assignment: dict[str, Any], photo_uuids: list[str]) -> dict[str, Any]:
    """A complete audit of the every-kind template (``tests.mobile.sample_data``)."""
    now = dt.datetime.now(dt.UTC)

    def answer(item: str, value: Any, photos: list[str] | None = None) -> dict[str, Any]:
        return {"item": item, "value": value, "na": False, "comment": "", "photos": photos or []}

    return {
        "assignment_id": assignment["id"],
        "template": assignment["template"],
        "started_at": (now - dt.timedelta(minutes=25)).isoformat(timespec="seconds"),
        "finished_at": (now - dt.timedelta(minutes=2)).isoformat(timespec="seconds"),
        "sent_at": now.isoformat(timespec="seconds"),
        "location": None,
        "answers": [
            answer("greeted", True),
            answer("wait", 45),
            answer("friendly", 4),
            answer("clean", "spotless"),
            answer("offers", ["loyalty"]),
            answer("queue", 2),
            answer("recommend", 9),
            answer("shelf", None, photo_uuids),
            answer("notes", "Всё хорошо"),
        ],
    }


class Auditor(FastHttpUser):
    """One auditor's phone: pull, upload the next visit's photos and audit, or replay."""

    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.number = next(_user_numbers)
        self.rng = random.Random(self.number)
        email = EMAIL_PATTERN.format(self.number)
        with self.client.post(
            "/api/v1/auth/login",
            json={"email": email, "password": PASSWORD},
            name="POST /auth/login",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"login {email}: {response.status_code} {response.text}")
                self.stop()
                return
            token = response.json()["token"]
        self.auth = {"Authorization": f"Bearer {token}"}
        self.cursor: str | None = None
        self.to_do: dict[int, dict[str, Any]] = {}
        self.done: set[int] = set()
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def pull(self) -> None:
        path = "/api/v1/sync" + (f"?since={self.cursor}" if self.cursor else "")
        with self.client.get(
            path, headers=self.auth, name="GET /sync", catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.text[:200]}")
                return
            payload = response.json()
        self.cursor = payload["cursor"]
        for assignment in payload["assignments"]:
            if assignment["status"] == "assigned" and assignment["id"] not in self.done:
                self.to_do[assignment["id"]] = assignment

    def put_photo(self) -> str | None:
        photo_uuid = str(uuid.uuid4())
        data = small_jpeg(self.rng)
        headers = {
            **self.auth,
            "Content-Type": "image/jpeg",
            "X-Content-SHA256": hashlib.sha256(data).hexdigest(),
        }
        with self.client.put(
            f"/api/v1/photos/{photo_uuid}",
            data=data,  # type: ignore[arg-type]  # documented: str or bytes
            headers=headers,
            name="PUT /photos",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code} {response.text[:200]}")
                return None
        return photo_uuid

    def put_audit(self, audit_uuid: str, body: dict[str, Any], expected: int, name: str) -> bool:
        with self.client.put(
            f"/api/v1/audits/{audit_uuid}",
            data=json.dumps(body),
            headers={**self.auth, "Content-Type": "application/json"},
            name=name,
            catch_response=True,
        ) as response:
            if response.status_code != expected:
                response.failure(f"{response.status_code} {response.text[:200]}")
                return False
            if response.json().get("missing_photos"):
                response.failure(f"missing photos {response.json()['missing_photos']}")
                return False
        return True

    @task
    def sync(self) -> None:
        self.pull()
        if self.to_do:
            assignment_id, assignment = self.to_do.popitem()
            photos = [self.put_photo() for _ in range(PHOTOS_PER_AUDIT)]
            if None in photos:
                return
            audit_uuid = str(uuid.uuid4())
            body = audit_body(assignment, [p for p in photos if p])
            if self.put_audit(audit_uuid, body, 201, "PUT /audits (new)"):
                self.done.add(assignment_id)
                self.sent.append((audit_uuid, body))
        elif self.sent:
            audit_uuid, body = self.rng.choice(self.sent)
            replay = dict(body, sent_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
            self.put_audit(audit_uuid, replay, 200, "PUT /audits (replay)")
