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


class WorkbookProblem(msgspec.Struct, kw_only=True):
    """One place of a workbook (`survey!C7`) and what is wrong with it, or was left out."""

    item: str | None
    code: str
    message: str


class TemplateImport(msgspec.Struct, kw_only=True):
    """The draft a workbook became, and what a partial import left out of it."""

    template: TemplateDetail
    left_out: list[WorkbookProblem]


# --- the preview: the checklist as the phone shows it, in one language ---------------------
# Points, weights and bounds are JSON numbers: whole ones are written as integers.


class PreviewOption(msgspec.Struct, kw_only=True):
    # An option's key; for a yes_no question "yes" or "no".
    key: str
    text: str
    points: float
    fail: bool


class PreviewCondition(msgspec.Struct, kw_only=True):
    """Shown only when the question `item` is answered with one of `answers`."""

    item: str
    item_text: str
    answers: list[str]


class PreviewItem(msgspec.Struct, kw_only=True):
    key: str
    kind: str
    text: str
    hint: str | None
    points: float
    critical: bool
    na: bool
    required: bool
    photo: str
    options: list[PreviewOption]
    # scale: its range; nps: 0-10.
    min: float | None
    max: float | None
    min_label: str | None
    max_label: str | None
    unit: str | None
    target: float | None
    limit: float | None
    show_if: PreviewCondition | None
    # The texts of this question shown in English for want of a translation.
    untranslated: list[str]


class PreviewSection(msgspec.Struct, kw_only=True):
    key: str
    title: str
    weight: float
    points: float
    items: list[PreviewItem]


class PreviewBand(msgspec.Struct, kw_only=True):
    key: str
    min: float
    title: str


class TemplatePreview(msgspec.Struct, kw_only=True):
    id: int
    key: str
    version: int
    status: str
    channel: str
    lang: str
    title: str
    pass_mark: float | None
    critical_policy: str
    critical_cap: float | None
    bands: list[PreviewBand]
    sections: list[PreviewSection]
    # How many texts fall back to English in this language.
    untranslated: int
