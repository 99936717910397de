"""Wire shapes of checklist templates; the body itself is the template JSON
(docs/contract.md#templates)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec


class TemplateSummary(msgspec.Struct, kw_only=True):
    id: int
    key: str
    version: int
    channel: str
    title: str
    status: str
    published_at: dt.datetime | None


class TemplateDetail(msgspec.Struct, kw_only=True):
    id: int
    key: str
    version: int
    channel: str
    title: str
    status: str
    published_at: dt.datetime | None
    body: dict[str, Any]


class TemplatePage(msgspec.Struct, kw_only=True):
    items: list[TemplateSummary]
    next_cursor: str | None
