"""Fault injection on sync: a fleet of phones through a dropping proxy, the server killed twice.

The phones (each its own store and the app's own ``SyncClient``) first fill and submit their
audits offline. Copies of the same prepared phones then sync twice: once straight to the
seeding server with no faults (the baseline drain time), and once to a fresh copy of the
seeded database through ``FaultProxy`` (about 10% of connections dropped before forwarding,
mid-request or mid-response) while that ``shopscore serve`` process is killed with SIGKILL
twice, at a third and at two thirds of the acknowledgements, and restarted on the same port.

Afterwards the server's SQLite file and media folder are read: every audit and photo any phone
saw acknowledged is stored exactly once, every audit has all its answers and photos, there are
no photo rows without files and no files without rows, and every outbox is drained. A SIGKILL
in the middle of a media write may leave a ``.tmp-`` file: those are not objects, and the
media store's own sweep (``remove_temporary_files``) must remove exactly them.
"""

from __future__ import annotations

import signal
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

from server.storage.local import LocalMediaStore
from tests.fleet.fault_proxy import FaultProxy
from tests.fleet.fleet import (
    AUDITOR_PASSWORD,
    PHOTOS_PER_AUDIT,
    Fleet,
    ServerHoldings,
    generate_photos,
    opened,
    phone_dirs_prepared,
)
from tests.fleet.programme import seed_programme
from tests.mobile.live_server import (
    RunningServer,
    free_port,
    needs_sync_server,
    server_environment,
)

CLOCK_SPEED = 50.0  # the phones' backoff runs 50 times faster than on a real phone


@dataclass(frozen=True)
class FleetForm:
    phones: int
    audits_per_phone: int
    kills: int
    drop_rate: float
    timeout_s: float

    @property
    def audits(self) -> int:
        return self.phones * self.audits_per_phone

    @property
    def photos(self) -> int:
        return self.audits * PHOTOS_PER_AUDIT


FORMS = [
    pytest.param(FleetForm(10, 10, kills=2, drop_rate=0.1, timeout_s=120), id="10-phones"),
    pytest.param(
        FleetForm(50, 20, kills=2, drop_rate=0.1, timeout_s=900),
        id="50-phones",
        marks=[pytest.mark.slow, pytest.mark.timeout(1800)],  # about 5 minutes on 2 busy cores
    ),
]


def serve_copy(workdir: Path, database: Path) -> RunningServer:
    """``shopscore serve`` on a free port over a copy of ``database`` (no media yet)."""
    workdir.mkdir(parents=True)
    server = RunningServer(workdir, server_environment(workdir), free_port())
    with (
        closing(sqlite3.connect(database)) as source,
        closing(sqlite3.connect(server.database)) as copy,
    ):
        source.backup(copy)
    server.start()
    return server


def kill_and_restart(server: RunningServer, down_s: float) -> None:
    assert server.process is not None
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(10)
    server.process = None
    time.sleep(down_s)
    server.start()  # the same port, the same database and media folder


class Killer:
    """Kills the server each time another equal share of the outbox entries is acknowledged."""

    def __init__(self, server: RunningServer, kills: int, timeout_s: float) -> None:
        self.server = server
        self.kills = kills
        self.timeout_s = timeout_s
        self.done = 0
        self.down_s = 0.0  # from each SIGKILL until the restarted server answered

    def __call__(self, fleet: Fleet) -> None:
        total = fleet.entry_count()
        give_up_at = time.monotonic() + self.timeout_s
        while self.done < self.kills and time.monotonic() < give_up_at:
            threshold = total * (self.done + 1) / (self.kills + 1)
            if fleet.synced_count() >= threshold:
                killed_at = time.monotonic()
                kill_and_restart(self.server, down_s=0.5)
                self.down_s += time.monotonic() - killed_at
                self.done += 1
            elif fleet.synced_count() >= total:
                return
            else:
                time.sleep(0.05)


def assert_everything_stored_exactly_once(
    fleet: Fleet, held: ServerHoldings, form: FleetForm
) -> None:
    pending = [entry for phone in fleet.phones for entry in phone.pending()]
    assert [] == pending  # every outbox drained
    receipts, photos = fleet.acknowledged()
    contents = fleet.audit_contents()
    assert (form.audits, form.photos) == (len(receipts), len(photos))
    assert set(contents) == set(receipts)
    # each acknowledged audit: exactly one row, revision 1, one revision row, all its answers
    assert dict.fromkeys(receipts, 1) == dict(held.audit_rows)
    assert dict.fromkeys(receipts, 1) == held.revisions
    assert dict.fromkeys(receipts, 1) == dict(held.revision_rows)
    assert {uuid: answers for uuid, (_, answers) in contents.items()} == dict(held.answer_rows)
    assert {(1, ())} == {
        (receipt["revision"], tuple(receipt["missing_photos"])) for receipt in receipts.values()
    }
    # each acknowledged photo: exactly one row, the phone's bytes; each audit complete
    assert dict.fromkeys(photos, 1) == dict(held.photo_rows)
    assert photos == held.photo_sha256
    assert {uuid: photo_uuids for uuid, (photo_uuids, _) in contents.items()} == held.audit_photos
    referenced = {uuid for photo_uuids in held.audit_photos.values() for uuid in photo_uuids}
    assert set() == referenced - set(held.photo_rows)  # no audit misses a photo
    assert set() == set(held.photo_rows) - referenced  # no photo belongs to no audit
    # no orphans: every row's files exist, every file belongs to a row
    assert set() == held.referenced_keys() - held.media_files
    assert set() == held.media_files - held.referenced_keys()


def assert_only_crash_leftovers_remain(held: ServerHoldings, media_root: Path) -> None:
    """A SIGKILL mid-write leaves a temporary file; the media store's own sweep removes it."""
    assert len(held.temporary_files) == LocalMediaStore(media_root).remove_temporary_files(0)
    assert [] == ServerHoldings.read_media(media_root)[1]


@needs_sync_server
@pytest.mark.parametrize("form", FORMS)
def test_the_fleet_syncs_everything_exactly_once_despite_drops_and_kills(
    form: FleetForm,
    tmp_path: Path,
    fleet_blueprint: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    started = time.monotonic()
    photo_pool = generate_photos(tmp_path / "camera", form.photos)
    seeder = serve_copy(tmp_path / "seed-server", fleet_blueprint)
    try:
        emails = seed_programme(
            seeder.base_url,
            auditors=form.phones,
            visits_per_auditor=form.audits_per_phone,
            email_pattern="fleet.auditor{:03d}@example.com",
            password=AUDITOR_PASSWORD,
            template_key="fleet-visit",
        )
        seeded_s = time.monotonic() - started
        phone_dirs = phone_dirs_prepared(
            tmp_path / "phones", seeder.base_url, emails, photo_pool, form.audits_per_phone
        )
        prepared_s = time.monotonic() - started
        seeded_copy = tmp_path / "seeded.db"
        with (
            closing(sqlite3.connect(seeder.database)) as source,
            closing(sqlite3.connect(seeded_copy)) as copy,
        ):
            source.backup(copy)
        # The baseline: the same data straight to the seeding server, no faults, no kills.
        with opened(Fleet.copy_of(phone_dirs, tmp_path / "baseline", CLOCK_SPEED)) as fleet:
            fleet.point_at(seeder.base_url)
            baseline_s = fleet.drain(form.timeout_s)
    finally:
        seeder.stop()

    server = serve_copy(tmp_path / "faulty-server", seeded_copy)
    killer = Killer(server, form.kills, form.timeout_s)
    try:
        with (
            FaultProxy(server.port, drop_rate=form.drop_rate, seed=8) as proxy,
            opened(Fleet.copy_of(phone_dirs, tmp_path / "faulty", CLOCK_SPEED)) as fleet,
        ):
            fleet.point_at(f"http://127.0.0.1:{proxy.port}")
            faulty_s = fleet.drain(form.timeout_s, while_draining=killer)
            server.stop()
            held = ServerHoldings.read(server.database, server.workdir / "media")
            with capsys.disabled():
                print(
                    f"\nfleet {form.phones} phones, {form.audits} audits, {form.photos} photos"
                    f" (server seeded in {seeded_s:.1f} s, phones ready at {prepared_s:.1f} s)"
                    f"\n  no faults: drained in {baseline_s:.1f} s"
                    f"\n  faults:    drained in {faulty_s:.1f} s with {killer.done} SIGKILLs"
                    f" (server down {killer.down_s:.1f} s in all),"
                    f" proxy {proxy.counts.summary()}"
                    f"\n  server holds {held.counts()}"
                )
            assert form.kills == killer.done
            assert proxy.counts.faults  # faults were injected
            assert_everything_stored_exactly_once(fleet, held, form)
            assert_only_crash_leftovers_remain(held, server.workdir / "media")
    finally:
        server.stop()
