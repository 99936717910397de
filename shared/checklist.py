"""Checklist templates (docs/contract.md#templates): frozen dataclasses, strict JSON reader.

`Template.from_dict` is the only way in from JSON: it refuses anything the format does not allow
with a `TemplateError` whose `path` names the place (`sections[2].items[4].target`), so the rest
of the code can trust a `Template` completely. `Template.to_dict` writes the same JSON back
with every default filled in; `Template.from_dict(t.to_dict()) == t`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, TypeAlias

from shared.errors import TemplateError

__all__ = [
    "CHANNELS",
    "CRITICAL_POLICIES",
    "KINDS",
    "PHOTO_RULES",
    "SCORABLE_KINDS",
    "SECONDS_PER_TIME_UNIT",
    "Band",
    "Item",
    "Number",
    "Option",
    "Section",
    "ShowIf",
    "Template",
    "Texts",
    "is_number",
]

Number: TypeAlias = int | float
Texts: TypeAlias = dict[str, str]

CHANNELS: Final = ("in_store", "phone", "email", "chat", "web", "social")
KINDS: Final = ("yes_no", "scale", "choice", "multi", "number", "timer", "nps", "text", "photo")
SCORABLE_KINDS: Final = ("yes_no", "scale", "choice", "multi", "number", "timer", "nps")
NUMERIC_KINDS: Final = ("scale", "number", "timer", "nps")
LABELLED_KINDS: Final = ("scale", "nps")  # may name their two ends (min_label, max_label)
PHOTO_RULES: Final = ("none", "optional", "required", "on_fail")
CRITICAL_POLICIES: Final = ("zero_total", "zero_section", "cap")
REQUIRED_LANGUAGE: Final = "en"
MAX_EXPECTED_MINUTES: Final = 1440  # a visit's expected length is at most a day
# The units of time a timer may count in, and how many seconds each is: a timer's answer,
# target and limit are in its unit (seconds when it names none of these).
SECONDS_PER_TIME_UNIT: Final[Mapping[str, int]] = {"s": 1, "min": 60, "h": 3600}

CriticalPolicy: TypeAlias = Literal["zero_total", "zero_section", "cap"]


@dataclass(frozen=True)
class Option:
    """One option of a `choice` or `multi` item."""

    key: str
    text: Texts
    points: Number = 0
    fail: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "text": dict(self.text), "points": self.points, "fail": self.fail}


@dataclass(frozen=True)
class ShowIf:
    """Show an item only when the earlier item `item` is answered with one of `values`."""

    item: str
    values: tuple[Any, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item, "in": list(self.values)}


@dataclass(frozen=True)
class Item:
    """One question of a checklist; fields that do not apply to its kind keep their defaults."""

    key: str
    kind: str
    text: Texts = field(default_factory=dict)  # empty only when the template gave none
    points: Number = 0
    critical: bool = False
    na: bool = False
    required: bool = True
    photo: str = "none"
    hint: Texts | None = None
    show_if: ShowIf | None = None
    good: bool = True  # yes_no: the answer that earns the points
    min: Number | None = None  # scale
    max: Number | None = None  # scale
    # scale, nps: optional words at the two ends ("Rude" ... "Very friendly"), shown on the phone
    min_label: Texts | None = None
    max_label: Texts | None = None
    options: tuple[Option, ...] = ()  # choice, multi
    # number, timer: the unit a value is in, as texts by language; a template may write one
    # word for every language ("s"), kept as English; a timer counts in seconds unless its
    # English unit is "min" or "h" (SECONDS_PER_TIME_UNIT)
    unit: Texts | None = None
    target: Number | None = None  # number, timer
    limit: Number | None = None  # number, timer
    whole: bool = False  # number: a count, answered in whole numbers only (rings, people)

    @property
    def scored(self) -> bool:
        """True when the item can earn points (`points` > 0)."""
        return self.points > 0

    @property
    def unit_word(self) -> str | None:
        """The unit when the template gives it as one word for every language ("s")."""
        if self.unit is not None and self.unit.keys() == {REQUIRED_LANGUAGE}:
            return self.unit[REQUIRED_LANGUAGE]
        return None

    def timer_answer(self, seconds: int) -> int | float:
        """A stopwatch's whole `seconds` as this timer's answer, in the timer's unit (in which
        its target and limit are written): seconds as they are, minutes or hours to two
        decimals (95 s is 1.58 min)."""
        per_unit = self._seconds_per_unit()
        return seconds if per_unit == 1 else round(seconds / per_unit, 2)

    def timer_seconds(self, answer: float) -> int:
        """The whole seconds a timer's `answer` (in the timer's unit) stands for: 1.58 min is
        95 s. The inverse of `timer_answer` within its rounding."""
        return round(answer * self._seconds_per_unit())

    def _seconds_per_unit(self) -> int:
        english = None if self.unit is None else self.unit.get(REQUIRED_LANGUAGE)
        return SECONDS_PER_TIME_UNIT.get(english or "s", 1)

    def option(self, key: str) -> Option | None:
        """The option called `key`, or None when the item has no such option."""
        return next((option for option in self.options if option.key == key), None)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "key": self.key,
            "kind": self.kind,
            "points": self.points,
            "critical": self.critical,
            "na": self.na,
            "required": self.required,
            "photo": self.photo,
        }
        if self.text:
            data["text"] = dict(self.text)
        if self.hint is not None:
            data["hint"] = dict(self.hint)
        for name in ("min_label", "max_label"):
            label = getattr(self, name)
            if label is not None:
                data[name] = dict(label)
        if self.show_if is not None:
            data["show_if"] = self.show_if.to_dict()
        if self.kind == "yes_no":
            data["good"] = self.good
        elif self.kind == "scale":
            data["min"] = self.min
            data["max"] = self.max
        elif self.kind in ("choice", "multi"):
            data["options"] = [option.to_dict() for option in self.options]
        elif self.kind in ("number", "timer"):
            if self.unit is not None:
                data["unit"] = self.unit_word or dict(self.unit)
            for name in ("target", "limit"):
                if getattr(self, name) is not None:
                    data[name] = getattr(self, name)
            if self.whole:
                data["whole"] = True
        return data


@dataclass(frozen=True)
class Section:
    """A group of items; `weight` 0 keeps the section out of the total."""

    key: str
    title: Texts
    items: tuple[Item, ...]
    weight: Number = 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": dict(self.title),
            "weight": self.weight,
            "items": [item.to_dict() for item in self.items],
        }


@dataclass(frozen=True)
class Band:
    """A named score band: a percentage >= `min` falls in it (highest `min` first)."""

    min: Number
    key: str
    title: Texts | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"min": self.min, "key": self.key}
        if self.title is not None:
            data["title"] = dict(self.title)
        return data


@dataclass(frozen=True)
class Template:
    """A published checklist version. Build it with `from_dict`, which validates everything."""

    key: str
    version: int
    channel: str
    title: Texts
    sections: tuple[Section, ...]
    pass_mark: Number | None = None
    critical_policy: CriticalPolicy = "zero_total"
    critical_cap: Number | None = None  # the P of {"cap": P}; set only for the "cap" policy
    bands: tuple[Band, ...] = ()
    # How long a visit with this checklist should take, when the template says; the trust
    # score compares the visit's length with it (docs/contract.md#trust).
    expected_minutes: Number | None = None
    _items: dict[str, Item] = field(init=False, repr=False, compare=False)
    _sections_by_item: dict[str, Section] = field(init=False, repr=False, compare=False)
    _order: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        items = {item.key: item for section in self.sections for item in section.items}
        sections = {item.key: section for section in self.sections for item in section.items}
        object.__setattr__(self, "_items", items)
        object.__setattr__(self, "_sections_by_item", sections)
        object.__setattr__(self, "_order", {key: index for index, key in enumerate(items)})

    def __hash__(self) -> int:
        # Texts are dicts, so the generated hash would fail; a published version is immutable
        # and named by key and version, which is enough to hash on (equality stays full).
        return hash((self.key, self.version))

    def items(self) -> Iterator[Item]:
        """Every item, in template order."""
        for section in self.sections:
            yield from section.items

    def item(self, key: str) -> Item:
        """The item called `key`; KeyError when the template has none."""
        return self._items[key]

    def has_item(self, key: str) -> bool:
        return key in self._items

    def section_of(self, key: str) -> Section:
        """The section holding item `key`; KeyError when the template has no such item."""
        return self._sections_by_item[key]

    def position(self, key: str) -> int:
        """The item's 0-based index in template order; KeyError for an unknown item."""
        return self._order[key]

    @property
    def positions(self) -> Mapping[str, int]:
        """Every item key and its 0-based index in template order (read-only use)."""
        return self._order

    @classmethod
    def from_dict(cls, data: object) -> Template:
        """Read and validate a template's JSON; raise `TemplateError` naming the bad place."""
        return _read_template(data)

    def to_dict(self) -> dict[str, Any]:
        policy: str | dict[str, Number] = self.critical_policy
        if self.critical_policy == "cap":
            assert self.critical_cap is not None  # set together by the reader
            policy = {"cap": self.critical_cap}
        data: dict[str, Any] = {
            "key": self.key,
            "version": self.version,
            "channel": self.channel,
            "title": dict(self.title),
            "pass_mark": self.pass_mark,
            "critical_policy": policy,
            "bands": [band.to_dict() for band in self.bands],
            "sections": [section.to_dict() for section in self.sections],
        }
        # Written only when set: a template without it reads the same on a phone that does
        # not know the field.
        if self.expected_minutes is not None:
            data["expected_minutes"] = self.expected_minutes
        return data


# --- reading JSON ---------------------------------------------------------------------------

_MISSING: Any = object()


def is_number(value: object) -> bool:
    """JSON numbers only: bools are ints in Python but never numbers here; no NaN/infinity."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return not (isinstance(value, float) and not math.isfinite(value))


class _Fields:
    """Reads the fields of one JSON object, remembering which were read to refuse the rest."""

    def __init__(self, data: object, path: str) -> None:
        if not isinstance(data, Mapping):
            raise TemplateError("must be an object", path)
        self.data: Mapping[Any, Any] = data
        self.path = path
        self.read: set[str] = set()

    def at(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def raw(self, name: str, default: Any = _MISSING) -> Any:
        self.read.add(name)
        if name in self.data:
            return self.data[name]
        if default is _MISSING:
            raise TemplateError("is required", self.at(name))
        return default

    def string(self, name: str) -> str:
        value = self.raw(name)
        if not isinstance(value, str) or not value.strip():
            raise TemplateError("must be a non-empty string", self.at(name))
        return value

    def choice(self, name: str, allowed: tuple[str, ...], default: Any = _MISSING) -> str:
        value = self.raw(name, default)
        if value not in allowed or not isinstance(value, str):
            raise TemplateError(f"must be one of {', '.join(allowed)}", self.at(name))
        return value

    def boolean(self, name: str, default: bool) -> bool:
        value = self.raw(name, default)
        if not isinstance(value, bool):
            raise TemplateError("must be true or false", self.at(name))
        return value

    def number(
        self,
        name: str,
        default: Any = _MISSING,
        *,
        non_negative: bool = False,
        high: Number | None = None,
    ) -> Any:
        value = self.raw(name, default)
        if value is None and default is None:
            return None
        if not is_number(value):
            raise TemplateError("must be a number", self.at(name))
        if non_negative and value < 0:
            raise TemplateError("must not be negative", self.at(name))
        if high is not None and value > high:
            raise TemplateError(f"must be <= {high}", self.at(name))
        return value

    def texts(self, name: str, default: Any = _MISSING) -> Any:
        value = self.raw(name, default)
        if value is default and default is not _MISSING:
            return default
        return _read_texts(value, self.at(name))

    def array(self, name: str, default: Any = _MISSING) -> list[Any]:
        value = self.raw(name, default)
        if not isinstance(value, list):
            raise TemplateError("must be a list", self.at(name))
        return value

    def refuse_unread(self, whose: str) -> None:
        for name in self.data:
            if name not in self.read:
                raise TemplateError(f"is not a field of {whose}", self.at(str(name)))


def _read_texts(value: object, path: str) -> Texts:
    if not isinstance(value, Mapping):
        raise TemplateError("must be an object of texts by language", path)
    texts: Texts = {}
    for language, text in value.items():
        if not isinstance(language, str) or not isinstance(text, str):
            raise TemplateError("must be a string", f"{path}.{language}")
        texts[language] = text
    if not texts.get(REQUIRED_LANGUAGE, "").strip():
        raise TemplateError("is required", f"{path}.{REQUIRED_LANGUAGE}")
    return texts


def _read_template(data: object) -> Template:
    fields = _Fields(data, "")
    key = fields.string("key")
    version = fields.raw("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise TemplateError("must be a whole number >= 1", "version")
    channel = fields.choice("channel", CHANNELS)
    title = fields.texts("title")
    pass_mark = fields.number("pass_mark", None, non_negative=True, high=100)
    expected_minutes = fields.number("expected_minutes", None, high=MAX_EXPECTED_MINUTES)
    if expected_minutes is not None and expected_minutes <= 0:
        raise TemplateError("must be more than 0", "expected_minutes")
    policy, cap = _read_critical_policy(fields.raw("critical_policy", "zero_total"))
    bands = _read_bands(fields.array("bands", []))
    sections = _read_sections(fields.array("sections"))
    fields.refuse_unread("a template")
    return Template(
        key=key,
        version=version,
        channel=channel,
        title=title,
        sections=sections,
        pass_mark=pass_mark,
        critical_policy=policy,
        critical_cap=cap,
        bands=bands,
        expected_minutes=expected_minutes,
    )


def _read_critical_policy(value: object) -> tuple[CriticalPolicy, Number | None]:
    if value == "zero_total":
        return "zero_total", None
    if value == "zero_section":
        return "zero_section", None
    if isinstance(value, Mapping):
        fields = _Fields(value, "critical_policy")
        cap = fields.number("cap", non_negative=True, high=100)
        fields.refuse_unread("a critical policy")
        return "cap", cap
    raise TemplateError('must be "zero_total", "zero_section" or {"cap": P}', "critical_policy")


def _read_bands(values: list[Any]) -> tuple[Band, ...]:
    bands: list[Band] = []
    for index, value in enumerate(values):
        fields = _Fields(value, f"bands[{index}]")
        low = fields.number("min", non_negative=True, high=100)
        key = fields.string("key")
        title = fields.texts("title", None)
        fields.refuse_unread("a band")
        if bands and low >= bands[-1].min:
            raise TemplateError("must be lower than the previous band's min", fields.at("min"))
        if any(band.key == key for band in bands):
            raise TemplateError(f"duplicate band key {key!r}", fields.at("key"))
        bands.append(Band(min=low, key=key, title=title))
    if bands and bands[-1].min != 0:
        raise TemplateError("the last band must start at 0", f"bands[{len(bands) - 1}].min")
    return tuple(bands)


def _read_sections(values: list[Any]) -> tuple[Section, ...]:
    if not values:
        raise TemplateError("must not be empty", "sections")
    sections: list[Section] = []
    earlier_items: dict[str, Item] = {}
    for index, value in enumerate(values):
        fields = _Fields(value, f"sections[{index}]")
        key = fields.string("key")
        if any(section.key == key for section in sections):
            raise TemplateError(f"duplicate section key {key!r}", fields.at("key"))
        title = fields.texts("title")
        weight = fields.number("weight", 1, non_negative=True)
        raw_items = fields.array("items")
        fields.refuse_unread("a section")
        if not raw_items:
            raise TemplateError("must not be empty", fields.at("items"))
        items = []
        for item_index, raw_item in enumerate(raw_items):
            item = _read_item(raw_item, fields.at(f"items[{item_index}]"), earlier_items)
            earlier_items[item.key] = item
            items.append(item)
        sections.append(Section(key=key, title=title, items=tuple(items), weight=weight))
    return tuple(sections)


def _read_item(value: object, path: str, earlier_items: dict[str, Item]) -> Item:
    fields = _Fields(value, path)
    key = fields.string("key")
    if key in earlier_items:
        raise TemplateError(f"duplicate item key {key!r}", fields.at("key"))
    kind = fields.choice("kind", KINDS)
    # `text` is optional (docs/contract.md#templates): an item may have none.
    text = fields.texts("text", {})
    points = fields.number("points", 0, non_negative=True)
    if points > 0 and kind not in SCORABLE_KINDS:
        raise TemplateError(f"a {kind} item is never scored: points must be 0", fields.at("points"))
    critical = fields.boolean("critical", False)
    if critical and not points > 0:
        raise TemplateError("a critical item needs points > 0", fields.at("critical"))
    na = fields.boolean("na", False)
    required = fields.boolean("required", True)
    photo = fields.choice("photo", PHOTO_RULES, "none")
    if photo == "on_fail" and not points > 0:
        raise TemplateError("on_fail needs an item with points > 0", fields.at("photo"))
    hint = fields.texts("hint", None)
    raw_show_if = fields.raw("show_if", None)
    show_if = None
    if raw_show_if is not None:
        show_if = _read_show_if(raw_show_if, fields.at("show_if"), key, earlier_items)
    extra: dict[str, Any] = {}
    if kind == "yes_no":
        extra["good"] = fields.boolean("good", True)
    elif kind == "scale":
        extra["min"] = fields.number("min")
        extra["max"] = fields.number("max")
        if extra["min"] >= extra["max"]:
            raise TemplateError("must be greater than min", fields.at("max"))
    elif kind in ("choice", "multi"):
        extra["options"] = _read_options(fields.array("options"), fields.at("options"), points)
    elif kind in ("number", "timer"):
        extra.update(_read_target_and_limit(fields, kind, points))
    if kind == "number":
        extra["whole"] = fields.boolean("whole", False)
    if kind in LABELLED_KINDS:
        extra["min_label"] = fields.texts("min_label", None)
        extra["max_label"] = fields.texts("max_label", None)
    fields.refuse_unread(f"a {kind} item")
    return Item(
        key=key,
        kind=kind,
        text=text,
        points=points,
        critical=critical,
        na=na,
        required=required,
        photo=photo,
        hint=hint,
        show_if=show_if,
        **extra,
    )


def _read_show_if(value: object, path: str, own_key: str, earlier_items: dict[str, Item]) -> ShowIf:
    fields = _Fields(value, path)
    source_key = fields.string("item")
    source = earlier_items.get(source_key)
    if source is None:
        problem = "names a later item" if source_key != own_key else "names the item itself"
        raise TemplateError(f"{problem}: {source_key!r}", fields.at("item"))
    if source.kind in ("text", "photo"):
        raise TemplateError(f"cannot depend on a {source.kind} item", fields.at("item"))
    values = fields.array("in")
    fields.refuse_unread("show_if")
    if not values:
        raise TemplateError("must not be empty", fields.at("in"))
    for index, expected in enumerate(values):
        if not _fits_kind(source, expected):
            raise TemplateError(
                f"is not a possible answer of {source_key!r}", fields.at(f"in[{index}]")
            )
    return ShowIf(item=source_key, values=tuple(values))


def _fits_kind(source: Item, value: object) -> bool:
    """Whether `value` could be a single answer value (or a picked option) of `source`."""
    if source.kind == "yes_no":
        return isinstance(value, bool)
    if source.kind in ("choice", "multi"):
        return isinstance(value, str) and source.option(value) is not None
    return is_number(value)


def _read_options(values: list[Any], path: str, item_points: Number) -> tuple[Option, ...]:
    if not values:
        raise TemplateError("must not be empty", path)
    options: list[Option] = []
    for index, value in enumerate(values):
        fields = _Fields(value, f"{path}[{index}]")
        key = fields.string("key")
        if any(option.key == key for option in options):
            raise TemplateError(f"duplicate option key {key!r}", fields.at("key"))
        text = fields.texts("text")
        points = fields.number("points", 0, non_negative=True)
        if points > item_points:
            raise TemplateError(
                f"worth more than the item ({item_points} points)", fields.at("points")
            )
        fail = fields.boolean("fail", False)
        fields.refuse_unread("an option")
        options.append(Option(key=key, text=text, points=points, fail=fail))
    return tuple(options)


def _read_target_and_limit(fields: _Fields, kind: str, points: Number) -> dict[str, Any]:
    unit = fields.raw("unit", None)
    if isinstance(unit, str):  # one word for every language
        unit = {REQUIRED_LANGUAGE: unit} if unit.strip() else None
    elif isinstance(unit, Mapping):
        unit = _read_texts(unit, fields.at("unit"))
    elif unit is not None:
        raise TemplateError("must be a string or an object of texts by language", fields.at("unit"))
    target = fields.number("target", None, non_negative=kind == "timer")
    limit = fields.number("limit", None, non_negative=kind == "timer")
    if points > 0:
        if target is None:
            raise TemplateError("a scored item needs a target", fields.at("target"))
        if limit is None:
            raise TemplateError("a scored item needs a limit", fields.at("limit"))
        if target == limit:
            raise TemplateError("must differ from target", fields.at("limit"))
    return {"unit": unit, "target": target, "limit": limit}
