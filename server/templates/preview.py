"""The preview of a checklist: its sections and questions as the phone shows them, in one
language, for the dashboard to render before a version is published.

Texts are picked as the phone picks them (`shared.i18n.text`: the language's text, else the
English one), and every text that falls back to English is named, so that missing translations
show before the checklist reaches auditors. Pure: a `Template` in, a `TemplatePreview` out.
"""

from __future__ import annotations

from typing import Any

from server.templates.schemas import (
    PreviewBand,
    PreviewCondition,
    PreviewItem,
    PreviewOption,
    PreviewSection,
    TemplateDetail,
    TemplatePreview,
)
from shared.checklist import Item, Template, Texts
from shared.i18n import DEFAULT_LANGUAGE, text, translation, unit_text


def _untranslated(texts: Texts | None, lang: str) -> bool:
    return bool(texts) and lang != DEFAULT_LANGUAGE and not (texts or {}).get(lang)


def _answer_words(source: Item, value: Any, lang: str) -> str:
    """An answer of `source` in words: Yes / No, an option's text, or the number."""
    if source.kind == "yes_no":
        gettext = translation(lang).gettext
        return gettext("Yes") if value else gettext("No")
    option = source.option(value) if isinstance(value, str) else None
    if option is not None:
        return text(option.text, lang)
    return str(value)


def _options(item: Item, lang: str) -> list[PreviewOption]:
    if item.kind == "yes_no":
        gettext = translation(lang).gettext
        return [
            PreviewOption(
                key=key,
                text=gettext(word),
                points=item.points if answer == item.good else 0,
                fail=item.scored and answer != item.good,
            )
            for key, word, answer in (("yes", "Yes", True), ("no", "No", False))
        ]
    return [
        PreviewOption(key=o.key, text=text(o.text, lang), points=o.points, fail=o.fail)
        for o in item.options
    ]


def _item(template: Template, item: Item, lang: str) -> PreviewItem:
    # Read through the JSON form, which also carries texts a newer format may add.
    data = item.to_dict()
    labels = {name: data.get(name) for name in ("min_label", "max_label")}
    untranslated = [
        name
        for name, texts in (("text", item.text), ("hint", item.hint), *labels.items())
        if _untranslated(texts, lang)
    ]
    untranslated += [
        f"options.{option.key}" for option in item.options if _untranslated(option.text, lang)
    ]
    condition = None
    if item.show_if is not None:
        source = template.item(item.show_if.item)
        condition = PreviewCondition(
            item=source.key,
            item_text=text(source.text, lang),
            answers=[_answer_words(source, value, lang) for value in item.show_if.values],
        )
    low, high = (0, 10) if item.kind == "nps" else (item.min, item.max)
    return PreviewItem(
        key=item.key,
        kind=item.kind,
        text=text(item.text, lang),
        hint=text(item.hint, lang) if item.hint else None,
        points=item.points,
        critical=item.critical,
        na=item.na,
        required=item.required,
        photo=item.photo,
        options=_options(item, lang),
        min=low,
        max=high,
        min_label=text(labels["min_label"], lang) if labels["min_label"] else None,
        max_label=text(labels["max_label"], lang) if labels["max_label"] else None,
        unit=unit_text(item, lang) or None,
        target=item.target,
        limit=item.limit,
        show_if=condition,
        untranslated=untranslated,
    )


def preview(detail: TemplateDetail, template: Template, lang: str) -> TemplatePreview:
    """The checklist `template` (stored as `detail`) as the phone shows it in `lang`."""
    sections = [
        PreviewSection(
            key=section.key,
            title=text(section.title, lang),
            weight=section.weight,
            points=sum(item.points for item in section.items),
            items=[_item(template, item, lang) for item in section.items],
        )
        for section in template.sections
    ]
    untranslated = sum(len(item.untranslated) for s in sections for item in s.items)
    untranslated += sum(_untranslated(s.title, lang) for s in template.sections)
    untranslated += _untranslated(template.title, lang)
    return TemplatePreview(
        id=detail.id,
        key=template.key,
        version=detail.version,
        status=detail.status,
        channel=template.channel,
        lang=lang,
        title=text(template.title, lang),
        pass_mark=template.pass_mark,
        critical_policy=template.critical_policy,
        critical_cap=template.critical_cap,
        bands=[
            PreviewBand(
                key=band.key,
                min=band.min,
                title=text(band.title, lang) if band.title else band.key,
            )
            for band in template.bands
        ],
        sections=sections,
        untranslated=untranslated,
    )
