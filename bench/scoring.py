"""Micro-benchmark of `shared.scoring.score` and `shared.validation.validate`, which the server
runs on every audit it receives and the phone on every answer.

Two audits: the one bench/ingest.py sends (50 yes/no items, all answered), and a richer one of
55 items of every kind (tests/shared/samples.py's `full_template` five times over: show_if,
N/A, photos, a critical item, a weight-0 section, and decimal points such as 0.5 in two
copies). The answers are `Answer` objects, as the server holds them.

The floor is the bare `Fraction` arithmetic that the total of the same audit needs: each
section's sum of earned points over its sum of possible points, and the weighted mean of those
ratios, from the points the score card reports. Exact scoring cannot be quicker than these sums,
and they run in the same interpreter, so the ratio says what the rules around them (visibility,
the points of each kind, failures, policy, rounding, the card) add, on any machine. It is the
larger part of the time: each `Fraction` addition is a few Python calls.

Rounds are interleaved and the median CPU time per call is kept, so other programs on a shared
machine skew the figures less. Exits 1 if scoring the 50-item audit takes more than 0.3 ms
(the richer audit is shown for information). Takes about 10 s.

    .venv/bin/python bench/scoring.py
"""

from __future__ import annotations

import copy
import os
import sys
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._timing import medians
from bench.ingest import ITEMS, audit_of, template_of
from shared.answers import Answer, as_answers
from shared.checklist import Template
from shared.scoring import ScoreCard, score, to_fraction
from shared.validation import validate
from tests.shared.samples import full_answers, full_template

ROUNDS = 15
CALLS_PER_ROUND = 100
SCORE_GOAL = 300e-6  # seconds, for the 50-item audit
COPIES = 5  # of the 11-item sample template


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


def fraction_floor(template: Template, card: ScoreCard) -> Callable[[], Fraction]:
    """The arithmetic of `card`'s total alone, over the points the card reports."""
    sections = [
        (
            to_fraction(section.weight),
            [card.earned[item.key] for item in section.items if item.key in card.earned],
            [card.possible[item.key] for item in section.items if item.key in card.possible],
        )
        for section in template.sections
        if section.key in card.sections
    ]

    def total() -> Fraction:
        weighted = weights = Fraction(0)
        for weight, earned, possible in sections:
            weighted += weight * sum(earned, Fraction(0)) / sum(possible, Fraction(0))
            weights += weight
        return 100 * weighted / weights

    if not card.critical_failures:  # else a policy changed the total: nothing to compare
        assert total() == card.total, "the floor must compute the card's own total"
    return total


def report(title: str, template: Template, answers: list[Answer]) -> float:
    """Print the figures for one audit; return the median seconds to score it."""
    floor = fraction_floor(template, score(template, answers))
    times = medians(
        {
            "floor": floor,
            "score": lambda: score(template, answers),
            "validate": lambda: validate(template, answers),
        },
        rounds=ROUNDS,
        calls_per_round=CALLS_PER_ROUND,
    )
    print(f"{title}:")
    print(f"  Fraction arithmetic alone: {times['floor'] * 1e6:7.1f} us  (the floor)")
    for name in ("score", "validate"):
        ratio = times[name] / times["floor"]
        print(f"  {name + ':':26} {times[name] * 1e6:7.1f} us  ratio {ratio:4.2f}")
    return times["score"]


def main() -> int:
    ingest_template = Template.from_dict(template_of(ITEMS))
    ingest_answers = as_answers(audit_of(1, ITEMS, 0)["answers"])
    assert not validate(ingest_template, ingest_answers), "the audit must be a valid one"
    title = f"bench/ingest.py's audit, {ITEMS} yes/no items (CPU time per call, median)"
    seconds = report(title, ingest_template, ingest_answers)
    template, answers = rich_case()
    count = len(list(template.items()))
    report(
        f"{COPIES} x the sample template, {count} items of every kind (no goal)", template, answers
    )
    verdict = "within" if seconds <= SCORE_GOAL else "OVER"
    print(f"scoring {ITEMS} items: {seconds * 1e6:.1f} us, {verdict} the goal of "
          f"{SCORE_GOAL * 1e6:.0f} us")  # fmt: skip
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"load average at the end: {load} on {os.cpu_count()} CPUs")
    return 0 if seconds <= SCORE_GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
