"""Micro-benchmark of `shared.codec.canonical_json`, which runs on every audit PUT.

The audit is the one bench/ingest.py sends (50 yes/no answers, three timestamps with an
offset, a location), canonicalised against its template. It is timed against
`json.dumps(audit, sort_keys=True)` of the same dict, the floor: canonicalising must at least
serialise with sorted keys, on top of which it normalises numbers and timestamps and orders
the answers. The frozen first version of the codec (tests/shared/reference_codec.py) is timed
in the same rounds, to show the speed-up. A second audit repeats every item, which takes the
slow path (each answer is serialised to break ties); it is shown for information only, since
a well-formed audit answers each item once, and it has no goal.

Rounds are interleaved and the median CPU time per call is kept, so other programs on a shared
machine skew the figures less. Exits 1 if the goals are missed. Takes about 10 s.

    .venv/bin/python bench/codec.py
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._timing import medians
from bench.ingest import ITEMS, audit_of, template_of
from shared.checklist import Template
from shared.codec import canonical_json

ROUNDS = 15
CALLS_PER_ROUND = 200
# A walk over every value in Python costs 5-6x the C encoder's pass. The goal leaves room
# for noise and catches what costs more: serialising every answer to order them (the first
# version of the codec did, at 10x), or work that grows faster than the body.
RATIO_GOAL = 8.0


def report(title: str, audit: dict[str, Any], template: Template, goals: bool = True) -> bool:
    times = medians(
        {
            "json.dumps": lambda: json.dumps(audit, sort_keys=True),
            "canonical_json": lambda: canonical_json(audit, template),
        },
        rounds=ROUNDS,
        calls_per_round=CALLS_PER_ROUND,
    )
    floor, current = times["json.dumps"], times["canonical_json"]
    print(f"{title}:")
    print(f"  json.dumps(sort_keys=True):  {floor * 1e6:8.1f} us  (the floor)")
    ratio_goal = f"  (goal <= {RATIO_GOAL})" if goals else ""
    print(f"  canonical_json:              {current * 1e6:8.1f} us  "
          f"ratio {current / floor:5.2f}{ratio_goal}")  # fmt: skip
    return not goals or current / floor <= RATIO_GOAL


def main() -> int:
    template = Template.from_dict(template_of(ITEMS))
    audit = audit_of(1, ITEMS, 0)
    repeated = audit_of(1, ITEMS, 1)
    repeated["answers"] += audit_of(1, ITEMS, 2)["answers"]
    ok = report(f"audit of {ITEMS} answers (CPU time per call, median)", audit, template)
    title = f"every item answered twice ({2 * ITEMS} answers; slow path, no goal)"
    ok &= report(title, repeated, template, goals=False)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"load average at the end: {load} on {os.cpu_count()} CPUs")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
