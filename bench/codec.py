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
from tests.shared.reference_codec import reference_canonical_json

ROUNDS = 15
CALLS_PER_ROUND = 200
# Canonicalising does strictly more than json.dumps (a normalised copy, the answer order),
# so about 2-3x is what pure Python can reach; the first version took about 10x.
RATIO_GOAL = 4.0
SPEED_UP_GOAL = 2.5


def report(title: str, audit: dict[str, Any], template: Template, goals: bool = True) -> bool:
    if canonical_json(audit, template) != reference_canonical_json(audit, template):
        print(f"{title}: the canonical bytes differ from the first version's")
        return False
    times = medians(
        {
            "json.dumps": lambda: json.dumps(audit, sort_keys=True),
            "canonical_json": lambda: canonical_json(audit, template),
            "first version": lambda: reference_canonical_json(audit, template),
        },
        rounds=ROUNDS,
        calls_per_round=CALLS_PER_ROUND,
    )
    floor, current, first = times["json.dumps"], times["canonical_json"], times["first version"]
    print(f"{title}:")
    print(f"  json.dumps(sort_keys=True):  {floor * 1e6:8.1f} us  (the floor)")
    ratio_goal = f"  (goal <= {RATIO_GOAL})" if goals else ""
    speed_up_goal = f" (goal >= {SPEED_UP_GOAL})" if goals else ""
    speed_up = first / current
    print(f"  canonical_json:              {current * 1e6:8.1f} us  "
          f"ratio {current / floor:5.2f}{ratio_goal}")  # fmt: skip
    print(f"  first version (reference):   {first * 1e6:8.1f} us  "
          f"ratio {first / floor:5.2f}  speed-up {speed_up:4.1f}x{speed_up_goal}")  # fmt: skip
    return not goals or (current / floor <= RATIO_GOAL and speed_up >= SPEED_UP_GOAL)


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
