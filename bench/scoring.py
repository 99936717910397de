"""Micro-benchmark of `shared.scoring.score` and `shared.validation.validate`, which the server
runs on every audit PUT, against the frozen first versions of both.

Two templates: the one bench/ingest.py sends (50 yes/no items, its answers), and a richer one
of 50 items with every kind (tests/shared/samples.py's `full_template` five times over: show_if,
N/A, photos, a critical item, a weight-0 section, and float points such as 0.5 in two copies).
The answers are `Answer` objects, as the server holds them. The first versions
(tests/shared/reference_scoring.py, tests/shared/reference_validation.py) are timed in the same
rounds, and each result is checked equal to theirs first.

Rounds are interleaved and the median CPU time per call is kept, so other programs on a shared
machine skew the figures less. Exits 1 if the speed-up goals for the ingest template are
missed (the rich template has none: it is shown for information). Takes about 15 s.

    .venv/bin/python bench/scoring.py
"""

from __future__ import annotations

import copy
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._timing import medians
from bench.ingest import ITEMS, audit_of, template_of
from shared.answers import Answer, as_answers
from shared.checklist import Template
from shared.scoring import score
from shared.validation import validate
from tests.shared import reference_scoring, reference_validation
from tests.shared.samples import full_answers, full_template

ROUNDS = 15
CALLS_PER_ROUND = 100
# The first score took about 420 us for the ingest template and the goal is 100 us or less.
SCORE_SPEED_UP_GOAL = 4.0
VALIDATE_SPEED_UP_GOAL = 1.5
COPIES = 5  # of the 10-item sample template: 50 items


def rich_case() -> tuple[Template, list[Answer]]:
    """`full_template` COPIES times with renamed keys, and its answers (greeted varies)."""
    sample = full_template()
    sections: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    for number in range(COPIES):
        float_points = number % 2 == 1
        for section in copy.deepcopy(sample["sections"]):
            section["key"] += f"_{number}"
            for item in section["items"]:
                item["key"] += f"_{number}"
                if "show_if" in item:
                    item["show_if"]["item"] += f"_{number}"
                if float_points and "points" in item:
                    item["points"] /= 10
                    for option in item.get("options", []):
                        option["points"] /= 10
            sections.append(section)
        for answer in full_answers():
            answer["item"] += f"_{number}"
            if answer["item"].startswith("greeted") and number > 2:
                answer["value"] = False  # phone_use shows, and is answered below
            answers.append(answer)
        if number > 2:
            answers.append({"item": f"phone_use_{number}", "value": number == 3})
    template = Template.from_dict({**sample, "sections": sections})
    return template, as_answers(answers)


def same_results(template: Template, answers: list[Answer]) -> bool:
    card, first = score(template, answers), reference_scoring.score(template, answers)
    problems = validate(template, answers)
    first_problems = reference_validation.validate(template, answers)
    same_problems = [problem.to_dict() for problem in problems] == [
        problem.to_dict() for problem in first_problems
    ]
    return card.to_dict() == first.to_dict() and same_problems


def report(title: str, template: Template, answers: list[Answer], goals: bool) -> bool:
    if not same_results(template, answers):
        print(f"{title}: the results differ from the first version's")
        return False
    times = medians(
        {
            "score": lambda: score(template, answers),
            "first score": lambda: reference_scoring.score(template, answers),
            "validate": lambda: validate(template, answers),
            "first validate": lambda: reference_validation.validate(template, answers),
        },
        rounds=ROUNDS,
        calls_per_round=CALLS_PER_ROUND,
    )
    score_speed_up = times["first score"] / times["score"]
    validate_speed_up = times["first validate"] / times["validate"]
    score_goal = f" (goal >= {SCORE_SPEED_UP_GOAL})" if goals else ""
    validate_goal = f" (goal >= {VALIDATE_SPEED_UP_GOAL})" if goals else ""
    print(f"{title}:")
    for name, speed_up, goal in [
        ("score", score_speed_up, score_goal),
        ("validate", validate_speed_up, validate_goal),
    ]:
        first = times["first " + name]
        print(f"  {name + ':':10} {times[name] * 1e6:7.1f} us   first version "
              f"{first * 1e6:7.1f} us   speed-up {speed_up:4.1f}x{goal}")  # fmt: skip
    return not goals or (
        score_speed_up >= SCORE_SPEED_UP_GOAL and validate_speed_up >= VALIDATE_SPEED_UP_GOAL
    )


def main() -> int:
    ingest_template = Template.from_dict(template_of(ITEMS))
    ingest_answers = as_answers(audit_of(1, ITEMS, 0)["answers"])
    title = f"bench/ingest.py's template, {ITEMS} yes/no items (CPU time per call, median)"
    ok = report(title, ingest_template, ingest_answers, goals=True)
    template, answers = rich_case()
    title = f"{COPIES} x the sample template, {len(list(template.items()))} items of every kind"
    ok &= report(title + " (no goal)", template, answers, goals=False)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"load average at the end: {load} on {os.cpu_count()} CPUs")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
