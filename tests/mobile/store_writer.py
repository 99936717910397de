"""A child process for the kill test: saves user actions and prints each one once it is saved.

``python -m tests.mobile.store_writer DATA_DIR`` prints one line per acknowledged action:
``answer KEY VALUE``, ``comment KEY TEXT``, ``photo UUID SHA256`` and finally ``submitted UUID``.
The test kills this process with SIGKILL at a random moment and checks every printed line.
"""

from __future__ import annotations

import hashlib
import sys

from mobile.store import Store
from tests.mobile.sample_data import sync_payload

ACTIONS = 120


def main(data_dir: str) -> None:
    store = Store(data_dir)
    store.apply_pull(sync_payload())
    audit_uuid = store.start_audit(1, "store-visit", 1, "2026-11-23T10:15:00+01:00", None)
    print("audit", audit_uuid, flush=True)
    photos = []
    for number in range(ACTIONS):
        key = f"item{number % 40}"
        store.save_answer(audit_uuid, key, value=number, set_value=True)
        print("answer", key, number, flush=True)
        if number % 7 == 3:
            store.save_answer(audit_uuid, key, comment=f"comment {number} ąę ёж")
            print("comment", key, f"comment {number} ąę ёж", flush=True)
        if number % 10 == 5:
            data = (f"photo {number} ".encode() * 4096)[: 30_000 + number]
            photo = store.add_photo(
                audit_uuid, key, data, hashlib.sha256(data).hexdigest(), "image/jpeg"
            )
            photos.append(photo.uuid)
            print("photo", photo.uuid, photo.sha256, flush=True)
    store.submit_audit(audit_uuid, "2026-11-23T10:41:30+01:00", {"answers": []}, photos)
    print("submitted", audit_uuid, flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
