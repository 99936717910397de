"""Generated waves of visits with a known truth, for the estimates' tests and benchmark.

`demo_shaped` is shaped like the demo's programme (server/demo/programme.py): 27 outlets in
two regions, each visited twice in store and called once, every fourth also e-mailed, by 12
auditors (never the same auditor twice at one outlet), one checklist per channel. The truth
(outlet levels, auditor biases, channel effects) is returned beside the visits.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from server.analytics.estimates import Key, Visit

CHANNEL_EFFECTS = {"in_store": 0.0, "phone": -6.0, "email": -3.0}


@dataclasses.dataclass(frozen=True)
class Truth:
    visits: list[Visit]
    levels: dict[Key, float]  # outlet -> true level (its visits' expected percent in store)
    biases: dict[Key, float]  # auditor -> true leniency
    regions: dict[Key, Key]


def demo_shaped(
    seed: int,
    *,
    outlets: int = 27,
    auditors: int = 12,
    mean: float = 76.0,
    outlet_sd: float = 8.0,
    auditor_sd: float = 5.0,
    visit_sd: float = 10.0,
    levels: np.ndarray | None = None,
    clip: bool = True,
) -> Truth:
    rng = np.random.default_rng(seed)
    true_levels = (
        mean + rng.normal(0.0, outlet_sd, outlets) if levels is None else np.asarray(levels)
    )
    biases = rng.normal(0.0, auditor_sd, auditors)
    visits = []
    for outlet in range(outlets):
        channels = ["in_store", "in_store", "phone"] + (["email"] if outlet % 4 == 0 else [])
        shoppers = rng.choice(auditors, size=len(channels), replace=False)
        for channel, auditor in zip(channels, shoppers, strict=True):
            percent = (
                true_levels[outlet]
                + CHANNEL_EFFECTS[channel]
                + biases[auditor]
                + rng.normal(0.0, visit_sd)
            )
            if clip:
                percent = min(100.0, max(0.0, percent))
            visits.append(
                Visit(
                    outlet=1000 + outlet,
                    auditor=500 + int(auditor),
                    percent=float(percent),
                    channel=channel,
                    template=f"{channel}-checklist",
                )
            )
    return Truth(
        visits=visits,
        levels={1000 + o: float(true_levels[o]) for o in range(outlets)},
        biases={500 + a: float(biases[a]) for a in range(auditors)},
        regions={1000 + o: 1 + (o % 2) for o in range(outlets)},
    )


def large(
    seed: int,
    *,
    outlets: int = 2000,
    auditors: int = 100,
    visits_per_outlet: int = 50,
    regions: int = 16,
) -> Truth:
    """A large network: each visit by a random auditor, a third of visits by phone."""
    rng = np.random.default_rng(seed)
    levels = 75.0 + rng.normal(0.0, 8.0, outlets)
    biases = rng.normal(0.0, 4.0, auditors)
    outlet = np.repeat(np.arange(outlets), visits_per_outlet)
    auditor = rng.integers(0, auditors, outlet.size)
    phone = rng.random(outlet.size) < 1 / 3
    percent = np.clip(
        levels[outlet] + biases[auditor] - 5.0 * phone + rng.normal(0.0, 10.0, outlet.size),
        0.0,
        100.0,
    )
    visits = [
        Visit(int(o), int(a), float(p), "phone" if f else "in_store", "phone" if f else "store")
        for o, a, p, f in zip(outlet, auditor, percent, phone, strict=True)
    ]
    return Truth(
        visits=visits,
        levels={o: float(levels[o]) for o in range(outlets)},
        biases={a: float(biases[a]) for a in range(auditors)},
        regions={o: o % regions for o in range(outlets)},
    )
