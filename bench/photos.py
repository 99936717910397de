"""Benchmark of the photo pipeline (its speed goals): run `.venv/bin/python bench/photos.py`.

1. A 12-megapixel phone-like JPEG (4032 x 3024, EXIF orientation 6, GPS, capture time) is built
   from the shared iPhone test photo with some sensor grain added.
2. `derive()` (display JPEG + thumbnail, upright, EXIF stripped, SHA-256) is timed against a bare
   JPEG draft-mode decode of the same file; goal: derive / decode <= 2.0.
3. The perceptual hash `derive()` computes of the upright thumbnail (`perceptual_hash`, for the
   near-duplicate search of the trust score) timed alone against `derive()`; goal: the hash adds
   at most 0.1 of derive's time.
4. Throughput of `derive()` with two worker processes against one; goal: >= 1.8x.

The derive/decode ratio is judged by CPU time (medians of interleaved runs), which other
programs on a shared machine cannot inflate; wall times are printed beside it. Throughput is
wall-clock by nature: the best of alternating attempts is kept, and the load average printed,
because two workers cannot scale on two cores that other programs keep busy.
Exits 1 if a goal is missed. Takes about 20-40 s.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PIL import ExifTags, Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.photos.pipeline import derive, perceptual_hash

SOURCE_PHOTO = Path(Path(__file__).resolve().parent.parent / "tests/fixtures/photos/iphone11.heic")
WIDTH, HEIGHT = 4032, 3024
RATIO_GOAL = 2.0
HASH_SHARE_GOAL = 0.1
SCALING_GOAL = 1.8
TIMING_ROUNDS = 15
THROUGHPUT_TASKS = 24
THROUGHPUT_ATTEMPTS = 3

_worker_photo = b""


def phone_jpeg() -> bytes:
    """A 12 MP JPEG stored sideways with Orientation 6, as a phone held upright writes it."""
    with Image.open(SOURCE_PHOTO) as source:
        upright = source.convert("RGB")
    sideways = upright.transpose(Image.Transpose.ROTATE_90).resize((WIDTH, HEIGHT))
    grain = Image.effect_noise((WIDTH, HEIGHT), 6).convert("RGB")
    photo = Image.blend(sideways, grain, 0.06)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Benchphone"
    exif[ExifTags.Base.Orientation] = 6
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2026:03:14 09:26:53"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (50.0, 27.0, 1.5)
    output = io.BytesIO()
    photo.save(output, "JPEG", quality=90, exif=exif.tobytes())
    return output.getvalue()


def draft_decode(data: bytes) -> None:
    """The reference: what decoding the photo for a 1600 px display costs at the least."""
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (1600, 1600))
        image.load()


def run_derive(data: bytes) -> None:
    derive(data)


def median_times(
    actions: dict[str, Callable[[], None]], rounds: int
) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) seconds of each action, the actions interleaved round after round.

    CPU time of this single-threaded process is what the work itself costs; wall time also
    counts the waits for a core when other programs share the machine.
    """
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in actions}
    for _ in range(rounds):
        for name, action in actions.items():
            wall, cpu = time.perf_counter(), time.process_time()
            action()
            samples[name].append((time.perf_counter() - wall, time.process_time() - cpu))
    return {
        name: (
            statistics.median(wall for wall, _ in times),
            statistics.median(cpu for _, cpu in times),
        )
        for name, times in samples.items()
    }


def _load_photo(data: bytes) -> None:
    global _worker_photo  # each worker process keeps one copy of the photo, sent once
    _worker_photo = data


def _derive_in_worker(_: int) -> float:
    """Derive the worker's photo once; return the CPU seconds it took."""
    started = time.process_time()
    derive(_worker_photo)
    return time.process_time() - started


@dataclass(frozen=True)
class Throughput:
    photos_per_second: float
    cpu_busy: float  # CPU seconds of the workers per wall second: 2.0 = both cores all along


def throughput(data: bytes, workers: int, tasks: int) -> Throughput:
    """Photos derived per second by `workers` processes, after every worker has warmed up."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, context, initializer=_load_photo, initargs=(data,)) as pool:
        list(pool.map(_derive_in_worker, range(workers * 2)))
        started = time.perf_counter()
        cpu_seconds = sum(pool.map(_derive_in_worker, range(tasks)))
        elapsed = time.perf_counter() - started
    return Throughput(tasks / elapsed, cpu_seconds / elapsed)


def main() -> int:
    load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load} (other work skews the ratios)")
    data = phone_jpeg()
    with Image.open(io.BytesIO(data)) as image:
        print(f"test photo: {image.width} x {image.height} JPEG, {len(data) / 1e6:.1f} MB")
    derived = derive(data)
    print(
        f"derived: display {derived.display_width} x {derived.display_height} "
        f"({len(derived.display) / 1e3:.0f} kB), thumbnail {derived.thumbnail_width} x "
        f"{derived.thumbnail_height} ({len(derived.thumbnail) / 1e3:.0f} kB)"
    )

    with Image.open(io.BytesIO(derived.thumbnail)) as thumbnail:
        upright_thumbnail = thumbnail.convert("RGB")  # decoded, as derive() holds it
    medians = median_times(
        {
            "decode": lambda: draft_decode(data),
            "derive": lambda: run_derive(data),
            "hash": lambda: perceptual_hash(upright_thumbnail),
        },
        TIMING_ROUNDS,
    )
    (decode_wall, decode_cpu), (derive_wall, derive_cpu) = medians["decode"], medians["derive"]
    hash_wall, hash_cpu = medians["hash"]
    print(f"medians of {TIMING_ROUNDS} interleaved runs:        wall        CPU")
    print(
        f"  bare draft-mode decode       {decode_wall * 1000:8.1f} ms {decode_cpu * 1000:8.1f} ms"
    )
    print(
        f"  derive()                     {derive_wall * 1000:8.1f} ms {derive_cpu * 1000:8.1f} ms"
    )
    ratio = derive_cpu / decode_cpu
    ratio_met = ratio <= RATIO_GOAL
    print(f"  perceptual hash of the thumb {hash_wall * 1000:8.2f} ms {hash_cpu * 1000:8.2f} ms")
    print(
        f"derive / decode = {ratio:.2f} by CPU time, {derive_wall / decode_wall:.2f} by wall time "
        f"(goal <= {RATIO_GOAL}, judged by CPU time)  {'OK' if ratio_met else 'MISSED'}"
    )
    share = hash_cpu / derive_cpu
    share_met = share <= HASH_SHARE_GOAL
    print(
        f"hash / derive = {share:.3f} by CPU time (goal <= {HASH_SHARE_GOAL}: the hash adds at "
        f"most a tenth of derive's time)  {'OK' if share_met else 'MISSED'}"
    )

    # Best of alternating attempts: a burst of other work on the machine only ever slows a run.
    one = two = Throughput(0.0, 0.0)
    for _ in range(THROUGHPUT_ATTEMPTS):
        one = max(one, throughput(data, 1, THROUGHPUT_TASKS), key=lambda t: t.photos_per_second)
        two = max(two, throughput(data, 2, THROUGHPUT_TASKS), key=lambda t: t.photos_per_second)
    for workers, result in ((1, one), (2, two)):
        print(
            f"throughput, {workers} worker{'s' if workers > 1 else ' '}: "
            f"{result.photos_per_second:6.1f} photos/s (best of {THROUGHPUT_ATTEMPTS}), "
            f"CPU busy {result.cpu_busy:.2f} of {workers}"
        )
    scaling = two.photos_per_second / one.photos_per_second
    scaling_met = scaling >= SCALING_GOAL
    print(
        f"2 workers / 1 worker = {scaling:.2f}  (goal >= {SCALING_GOAL})  "
        f"{'OK' if scaling_met else 'MISSED'}"
    )
    if not scaling_met and two.cpu_busy < 1.8:
        print(
            f"  the 2 workers were on a CPU only {two.cpu_busy:.2f} of 2 core-seconds per second: "
            "other programs held the cores"
        )
    return 0 if ratio_met and share_met and scaling_met else 1


if __name__ == "__main__":
    sys.exit(main())
