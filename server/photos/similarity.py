"""Telling a near-duplicate photo from its 64-bit perceptual hash (`pipeline.perceptual_hash`).

Two photos are near-duplicates when their hashes differ in at most `NEAR_DUPLICATE_BITS` bits
(Hamming distance): a copy re-saved, resized or cropped by a few per cent stays within it, two
different photos differ in about half of their 64 bits (docs/contract.md#trust).

Finding them among every stored photo uses an index on each of four 16-bit bands of the hash
(bits 63-48, 47-32, 31-16, 15-0). Two hashes within 11 bits of each other have at least one
band within 2 bits of the other's (if all four bands differed in 3 bits or more, the hashes
would differ in 12 or more): so the candidates are the photos whose band 0, 1, 2 or 3 is one of
the 137 values within 2 bits of ours (`band_neighbours`), each looked up in its band's index,
and the Hamming distance of the whole hash then confirms or drops each candidate.
"""

from __future__ import annotations

import itertools
from typing import Final

# Copies of the test photos stay within 8; two hashes differ in an even number of bits (32 of
# each are set), and the closest different photos of the demo differ in 10.
NEAR_DUPLICATE_BITS: Final = 8
BANDS: Final = 4
BAND_BITS: Final = 16
BAND_RADIUS: Final = 2  # (BAND_RADIUS + 1) * BANDS - 1 = 11 >= NEAR_DUPLICATE_BITS
_BAND_MASK: Final = (1 << BAND_BITS) - 1


def hamming(first: int, second: int) -> int:
    """How many of the 64 bits differ."""
    return (first ^ second).bit_count()


def is_near_duplicate(first: int, second: int) -> bool:
    return hamming(first, second) <= NEAR_DUPLICATE_BITS


def bands(phash: int) -> tuple[int, int, int, int]:
    """The four 16-bit bands of a hash, most significant first."""
    band_0, band_1, band_2, band_3 = (
        phash >> (BAND_BITS * (BANDS - 1 - index)) & _BAND_MASK for index in range(BANDS)
    )
    return band_0, band_1, band_2, band_3


def band_neighbours(band: int) -> list[int]:
    """Every 16-bit value within `BAND_RADIUS` bits of `band`, itself first (137 values)."""
    values = [band]
    for flipped in range(1, BAND_RADIUS + 1):
        for positions in itertools.combinations(range(BAND_BITS), flipped):
            mask = 0
            for position in positions:
                mask |= 1 << position
            values.append(band ^ mask)
    return values


def to_text(phash: int) -> str:
    """The hash as stored: 16 lower-case hex digits."""
    return f"{phash:016x}"


def from_text(text: str) -> int:
    return int(text, 16)
