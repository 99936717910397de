"""A fleet of simulated phones: each its own store and the app's own ``SyncClient``.

Used by the fault-injection test. The server side is a real ``shopscore
serve`` process (``tests.mobile.live_server.RunningServer``); the programme (auditors, outlets,
a published template, a wave and one assignment per audit) is seeded through the admin API
by ``tests.fleet.programme``.
Every phone logs in, pulls its assignments, fills and submits its audits offline with
``mobile.session`` (photos shrunk by ``mobile.photos``), and later drains its outbox with
``mobile.sync.SyncClient.push``, sleeping until the next retry the client scheduled.

The phones' clocks run ``speed`` times faster than the wall clock (``SyncClient`` takes the
clock as a parameter), so the client's own exponential backoff, meant for minutes offline on a
real phone, passes in a test's seconds. Each request uses a fresh connection
(keep-alive off), so the proxy's per-connection faults hit individual requests.

``ServerHoldings`` reads what the server kept straight from its SQLite file and media folder.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from PIL import Image, ImageDraw

from mobile.session import AuditSession, start_visit
from mobile.store import FAILED, SYNCED, Store
from mobile.sync import SyncClient
from tests.mobile.sample_data import PHOTO_DIR

AUDITOR_PASSWORD = "fleet auditor passphrase 2026"
PHOTO_ITEM = "shelf"
PHOTOS_PER_AUDIT = 3
# Real photos mixed in (a few of the fleet's audits carry one instead of a generated image).
REAL_PHOTOS = ("gps_nikon.jpg", "orientation_6.jpg", "small_orientation_6.jpg", "cmyk.jpg")


def normalised(uuid: str) -> str:
    """A UUID as the server may store it (with or without dashes) in one comparable form."""
    return str(uuid).replace("-", "").lower()


# --------------------------------------------------------------------------------------------
# test data


def generate_photos(folder: Path, count: int, seed: int = 20261123) -> list[Path]:
    """``count`` small, distinct, real JPEG files (noise blocks and the photo's number)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    paths = []
    for number in range(count):
        image = Image.new("RGB", (480, 360), tuple(rng.randrange(256) for _ in range(3)))
        draw = ImageDraw.Draw(image)
        for _block in range(12):
            x, y = rng.randrange(440), rng.randrange(320)
            colour = tuple(rng.randrange(256) for _ in range(3))
            draw.rectangle((x, y, x + rng.randrange(10, 120), y + rng.randrange(10, 90)), colour)
        draw.text((12, 12), f"shelf photo {number}", fill=(255, 255, 255))
        path = folder / f"generated-{number:05d}.jpg"
        image.save(path, "JPEG", quality=80)
        paths.append(path)
    return paths


# --------------------------------------------------------------------------------------------
# phones


class FastClock:
    """A wall clock that runs ``speed`` times faster than real time from its creation."""

    def __init__(self, speed: float) -> None:
        self.speed = speed
        self._wall_start = time.time()
        self._start = time.monotonic()

    def __call__(self) -> float:
        return self._wall_start + (time.monotonic() - self._start) * self.speed

    def real_seconds(self, phone_seconds: float) -> float:
        return phone_seconds / self.speed


@dataclass
class Phone:
    """One simulated phone: its data directory, store and sync client."""

    name: str
    data_dir: Path
    store: Store
    client: SyncClient

    @classmethod
    def open(cls, name: str, data_dir: Path, clock: Callable[[], float], seed: int) -> Phone:
        store = Store(data_dir)
        client = SyncClient(
            store,
            timeout=30,
            wall_clock=clock,
            rng=random.Random(seed),
            # A fresh connection per request: the proxy's faults then hit single requests.
            transport=httpx.HTTPTransport(limits=httpx.Limits(max_keepalive_connections=0)),
        )
        return cls(name, data_dir, store, client)

    def close(self) -> None:
        self.client.close()
        self.store.close()

    def pending(self) -> list[str]:
        return [
            f"{e.kind} {e.uuid} ({e.state}, {e.attempts} attempts, {e.message!r})"
            for e in self.store.outbox()
            if e.state != SYNCED
        ]

    def failed(self) -> list[str]:
        return [f"{e.kind} {e.uuid}: {e.message}" for e in self.store.outbox() if e.state == FAILED]

    def synced_count(self) -> int:
        return sum(1 for entry in self.store.outbox() if entry.state == SYNCED)


def fill_audit(session: AuditSession, rng: random.Random, photos: list[Path]) -> None:
    """Valid answers for the every-kind template (varied, so scores differ), and the photos."""
    for entry in session.visible_items():
        item = entry.item
        if item.kind == "yes_no":
            session.answer(item.key, True)
        elif item.kind == "scale":
            session.answer(item.key, rng.randint(int(item.min or 0), int(item.max or 1)))
        elif item.kind in ("number", "timer"):
            session.answer(item.key, rng.randint(0, int(item.target or 1)))
        elif item.kind == "nps":
            session.answer(item.key, rng.randint(0, 10))
        elif item.kind == "choice":
            best = max(item.options, key=lambda option: option.points)  # no photo needed
            session.answer(item.key, best.key)
        elif item.kind == "multi":
            options = [option.key for option in item.options if not option.fail]
            session.answer(item.key, rng.sample(options, rng.randint(0, len(options))))
        elif item.kind == "text":
            session.answer(item.key, "Всё хорошо, kolejka krótka")
    for photo in photos:
        session.attach_photo(PHOTO_ITEM, photo)
    problems = session.problems()
    if problems:
        raise AssertionError(f"the fleet's audit cannot be submitted: {problems}")


def prepare_phone(
    phone: Phone, base_url: str, email: str, photo_pool: list[Path], first_photo: int
) -> int:
    """Log in, pull, then fill and submit one audit per assignment; return the photo count."""
    phone.client.login(base_url, email, AUDITOR_PASSWORD)
    phone.client.pull()
    rng = random.Random(first_photo)
    used = 0
    for audit_number, assignment in enumerate(phone.store.assignments()):
        photos = photo_pool[first_photo + used : first_photo + used + PHOTOS_PER_AUDIT]
        if audit_number == 0:  # a real phone photo in every phone's first audit
            real = REAL_PHOTOS[first_photo // PHOTOS_PER_AUDIT % len(REAL_PHOTOS)]
            photos = [Path(PHOTO_DIR) / real, *photos[1:]]
        used += PHOTOS_PER_AUDIT
        session = start_visit(phone.store, assignment["id"])
        fill_audit(session, rng, photos)
        session.submit()
    return used


@dataclass
class Fleet:
    """Every phone of the test, prepared once and copied for each run."""

    phones: list[Phone]
    clock: FastClock

    @classmethod
    def copy_of(cls, source_dirs: list[Path], target_root: Path, speed: float) -> Fleet:
        """Phones opened on copies of prepared data directories (the same audits and photos).

        Each phone's store names its photo files by absolute path; the copies keep reading the
        originals' photo files, which are never changed.
        """
        clock = FastClock(speed)
        phones = []
        for number, source in enumerate(source_dirs):
            target = target_root / source.name
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("photos"))
            phones.append(Phone.open(source.name, target, clock, seed=number))
        return cls(phones, clock)

    def point_at(self, base_url: str) -> None:
        for phone in self.phones:
            phone.store.set_settings(server=base_url)

    def close(self) -> None:
        for phone in self.phones:
            phone.close()

    def synced_count(self) -> int:
        return sum(phone.synced_count() for phone in self.phones)

    def entry_count(self) -> int:
        return sum(len(phone.store.outbox()) for phone in self.phones)

    def drain(
        self, timeout_s: float, while_draining: Callable[[Fleet], None] | None = None
    ) -> float:
        """Every phone pushes until its outbox is synced; return the wall-clock seconds."""
        started = time.monotonic()
        deadline = started + timeout_s
        errors: list[str] = []
        threads = [
            threading.Thread(
                target=self._drain_phone, args=(phone, deadline, errors), name=phone.name
            )
            for phone in self.phones
        ]
        for thread in threads:
            thread.start()
        if while_draining is not None:
            while_draining(self)
        for thread in threads:
            thread.join(max(1.0, deadline - time.monotonic() + 5))
        elapsed = time.monotonic() - started
        if errors:
            raise AssertionError("phones that did not drain:\n" + "\n".join(errors[:20]))
        return elapsed

    def _drain_phone(self, phone: Phone, deadline: float, errors: list[str]) -> None:
        try:
            while True:
                phone.client.push()
                if not phone.pending():
                    return
                failed = phone.failed()
                if failed:
                    errors.append(f"{phone.name}: failed {failed[:3]}")
                    return
                if time.monotonic() > deadline:
                    errors.append(f"{phone.name}: still pending {phone.pending()[:3]}")
                    return
                next_retry = phone.store.next_retry_at() or 0.0
                wait = self.clock.real_seconds(next_retry - self.clock())
                time.sleep(min(0.5, max(0.005, wait)))
        except Exception as error:  # reported by the test, with the phone's name
            errors.append(f"{phone.name}: {type(error).__name__}: {error}")

    def acknowledged(self) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
        """(audit uuid -> the server's receipt, photo uuid -> sha256) of all synced entries."""
        audits: dict[str, dict[str, Any]] = {}
        photos: dict[str, str] = {}
        for phone in self.phones:
            for entry in phone.store.outbox():
                if entry.state != SYNCED:
                    continue
                if entry.kind == "audit":
                    assert entry.server_response is not None
                    audits[normalised(entry.uuid)] = entry.server_response
                else:
                    photo = phone.store.photo(entry.uuid)
                    assert photo is not None
                    photos[normalised(entry.uuid)] = photo.sha256
        return audits, photos

    def audit_contents(self) -> dict[str, tuple[set[str], int]]:
        """audit uuid -> (its photo uuids, its answer count) as the phones hold them."""
        contents = {}
        for phone in self.phones:
            for record in phone.store.audits():
                assert record.body is not None
                photos = {normalised(p.uuid) for p in phone.store.photos(record.uuid)}
                contents[normalised(record.uuid)] = (photos, len(record.body["answers"]))
        return contents


# --------------------------------------------------------------------------------------------
# what the server holds


@dataclass
class ServerHoldings:
    """The audits, photos and media files of a stopped server, read from its files."""

    audit_rows: Counter[str] = field(default_factory=Counter)
    revisions: dict[str, int] = field(default_factory=dict)
    revision_rows: Counter[str] = field(default_factory=Counter)
    answer_rows: Counter[str] = field(default_factory=Counter)
    audit_photos: dict[str, set[str]] = field(default_factory=dict)
    photo_rows: Counter[str] = field(default_factory=Counter)
    photo_sha256: dict[str, str] = field(default_factory=dict)
    photo_keys: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    media_files: set[str] = field(default_factory=set)
    temporary_files: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, database: Path, media_root: Path) -> ServerHoldings:
        held = cls()
        with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
            ids = {}
            for audit_id, uuid, revision in db.execute("SELECT id, uuid, revision FROM audit"):
                key = normalised(uuid)
                ids[audit_id] = key
                held.audit_rows[key] += 1
                held.revisions[key] = int(revision)
            for (audit_id,) in db.execute("SELECT audit FROM audit_revision"):
                held.revision_rows[ids[audit_id]] += 1
            for (audit_id,) in db.execute("SELECT audit FROM audit_answer"):
                held.answer_rows[ids[audit_id]] += 1
            for audit_id, photo_uuid in db.execute("SELECT audit, photo_uuid FROM audit_photo"):
                held.audit_photos.setdefault(ids[audit_id], set()).add(normalised(photo_uuid))
            for uuid, sha256, *keys in db.execute(
                "SELECT uuid, sha256, original_key, display_key, thumbnail_key FROM photo"
            ):
                key = normalised(uuid)
                held.photo_rows[key] += 1
                held.photo_sha256[key] = sha256
                held.photo_keys[key] = (keys[0], keys[1], keys[2])
        held.media_files, held.temporary_files = cls.read_media(media_root)
        return held

    @staticmethod
    def read_media(media_root: Path) -> tuple[set[str], list[str]]:
        """(the stored objects' keys, the crash-left temporary files) under the media root."""
        objects: set[str] = set()
        temporary: list[str] = []
        for path in media_root.rglob("*"):
            if path.is_file():
                relative = path.relative_to(media_root).as_posix()
                if path.name.startswith(".tmp-"):
                    temporary.append(relative)
                else:
                    objects.add(relative)
        return objects, temporary

    def referenced_keys(self) -> set[str]:
        return {key for keys in self.photo_keys.values() for key in keys}

    def counts(self) -> str:
        return (
            f"{len(self.audit_rows)} audits, {sum(self.answer_rows.values())} answers,"
            f" {len(self.photo_rows)} photos, {len(self.media_files)} media files,"
            f" {len(self.temporary_files)} temporary files"
        )


def phone_dirs_prepared(
    root: Path,
    base_url: str,
    emails: list[str],
    photo_pool: list[Path],
    audits_per_phone: int,
) -> list[Path]:
    """Prepare one phone per auditor (in a few threads); return their closed data dirs."""
    clock = FastClock(1.0)
    dirs = [root / f"phone-{number:03d}" for number in range(len(emails))]

    def prepare(number: int) -> None:
        phone = Phone.open(dirs[number].name, dirs[number], clock, seed=number)
        try:
            first = number * audits_per_phone * PHOTOS_PER_AUDIT
            prepare_phone(phone, base_url, emails[number], photo_pool, first)
        finally:
            phone.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(prepare, range(len(emails))))
    return dirs


@contextmanager
def opened(fleet: Fleet) -> Iterator[Fleet]:
    try:
        yield fleet
    finally:
        fleet.close()
