"""Record ids as the API accepts them: positive and within PostgreSQL's 32-bit `serial` keys.

A body naming an id no record can have is then refused by validation (a 400 problem detail
listing the field) on both engines, instead of overflowing in the database driver.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

LARGEST_ID = 2**31 - 1

Id = Annotated[int, msgspec.Meta(ge=1, le=LARGEST_ID)]
