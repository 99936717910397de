"""Micro-benchmark of the trust score's work on each audit at ingest (docs/contract.md#trust).

What `AuditIngest` computes per audit beyond what it did before the trust score: the reasons of
the visit (flags, GPS fix, duration), of its photos, of its phone and answer patterns (the
uniform-answers check over every answer), the answers' fingerprint for the copy search, and
the JSON stored. The audit is the one bench/ingest.py sends (50 yes/no items, a GPS fix at the
outlet, a phone clock months off: one reason), with a comment so that the fingerprint is taken,
and three received photos with their facts (one edited). The database look-ups (device, answer
copies, near-duplicates) are index seeks timed by bench/ingest.py with the rest of the request.

The yardstick is `shared.scoring.score` of the same audit, which ingest runs anyway: the ratio
says what the trust score adds to the domain work of an audit, on any machine, and the time per
audit is printed in microseconds. Rounds are interleaved and the median CPU time per call kept.
Exits 1 if the trust work takes more than half the time of scoring. Takes about 5 s.

    .venv/bin/python bench/trust.py
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._timing import medians
from bench.ingest import ITEMS, audit_of, template_of
from server.audits import flags, trust
from server.audits.wire import read_audit
from shared.checklist import Template
from shared.scoring import score

ROUNDS = 15
CALLS_PER_ROUND = 500
GOAL = 0.5  # of the time scoring the same audit takes


def main() -> int:
    load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load}")
    template = Template.from_dict(template_of(ITEMS))
    body = audit_of(1, ITEMS, seed=3)
    body["answers"][4]["comment"] = "Till 3 closed."
    body["device_id"] = "bench-phone"
    incoming, problems = read_audit(body)
    assert incoming is not None, problems
    location = incoming.location
    assert location is not None
    visit = flags.Visit(
        channel="in_store",
        started_at=incoming.started_at,
        finished_at=incoming.finished_at,
        sent_at=incoming.sent_at,
        received_at=datetime(2026, 12, 6, 12, 0, tzinfo=UTC),
        lat=location.lat,
        lon=location.lon,
        accuracy_m=location.accuracy_m,
        outlet_lat=52.2297,
        outlet_lon=21.0122,
        outlet_timezone="Europe/Warsaw",
        expected_minutes=template.expected_minutes,
    )
    photos = [
        flags.PhotoFacts(
            uuid=f"photo-{number}",
            captured_at=datetime(2026, 1, 6, 10, 20 + number),
            metadata_read=True,
            camera_make="Apple",
            camera_model="iPhone 15",
            software="GIMP 2.10" if number == 2 else "17.1.2",
        )
        for number in range(3)
    ]
    patterns = trust.Patterns()

    def assess() -> object:
        of_visit = flags.visit_flags(visit)
        of_photos = flags.photo_flags(visit, photos)
        reasons = trust.ordered(
            [
                *trust.visit_reasons(visit, flags.DEFAULT_RULES, of_visit),
                *trust.photo_reasons(of_photos, photos, flags.DEFAULT_RULES),
                *trust.pattern_reasons(template, incoming.answers, patterns),
            ]
        )
        trust.answers_fingerprint(incoming.template_key, incoming.answers)
        return trust.score_of(reasons), trust.to_json(reasons)

    found = assess()
    print(f"audit: {ITEMS} yes/no answers, 3 photos; trust and reasons {found}")
    times = medians(
        {"trust": assess, "score": lambda: score(template, incoming.answers)},
        rounds=ROUNDS,
        calls_per_round=CALLS_PER_ROUND,
    )
    print(f"median CPU per audit over {ROUNDS} interleaved rounds of {CALLS_PER_ROUND}:")
    print(f"  shared.scoring.score (ingest's own)  {times['score'] * 1e6:7.1f} us")
    print(f"  the trust score's work               {times['trust'] * 1e6:7.1f} us")
    ratio = times["trust"] / times["score"]
    met = ratio <= GOAL
    print(
        f"trust / score = {ratio:.2f} (goal <= {GOAL}); the trust score adds "
        f"{times['trust'] * 1e6:.0f} us of CPU per audit  {'OK' if met else 'MISSED'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
