"""Realistic report data for the report tests and bench/reports.py.

Outlets of a Polish/Ukrainian/Russian-speaking retail network, checklist texts in the report's
language, and thumbnails made from the real phone photos in tests/fixtures/photos/
the way the server makes them (upright, 400 px, JPEG).
"""

from __future__ import annotations

import io
import math
from datetime import date
from functools import cache

import pillow_heif
from PIL import Image, ImageOps

from reports.model import (
    ChannelRow,
    ComparisonReportData,
    CorrectiveAction,
    CriticalFailures,
    DisputeOutcome,
    FailedItem,
    Heatmap,
    ItemCount,
    ItemGap,
    LeagueRow,
    NetworkResult,
    Outlet,
    OutletReportData,
    OverdueActions,
    OverdueOutlet,
    Priority,
    Rank,
    RegionRow,
    SectionScore,
    Standing,
    Strength,
    TrendPoint,
    Versus,
    Visit,
    WaveResult,
)
from server.analytics.stats import difference_interval
from tests.fixtures import PHOTOS

# Visits behind the sample's best-vs-rest pass rates (top quartile, rest).
GAP_VISITS = (100, 300)


def gap_interval(top: float, rest: float) -> tuple[float, float]:
    """The 95% interval of a sample gap, as the analytics compute it from the visits."""
    interval = difference_interval(
        round(top * GAP_VISITS[0]), GAP_VISITS[0], round(rest * GAP_VISITS[1]), GAP_VISITS[1]
    )
    assert interval is not None
    return round(interval.low, 4), round(interval.high, 4)


PHOTO_FILES = ("gps_nikon.jpg", "orientation_6.jpg", "cmyk.jpg", "flower.webp", "iphone11.heic")
LANGUAGES = ("en", "ru", "uk", "pl")
# Planted in every free-text field an auditor could have touched; must never reach a PDF.
AUDITOR_SENTINEL = "Zenobia Auditorska-Q7"

CLIENT = "Sieć Słoneczna / Сонячна мережа"
OUTLETS = (
    Outlet("Żabka Kraków Główny", "PL-KRK-014", "ul. Pawia 5, 31-154 Kraków", "Małopolska"),
    Outlet("Сільпо Київ, Хрещатик", "UA-KYI-003", "вул. Хрещатик, 22, Київ", "Київщина"),
    Outlet("Пятёрочка Москва, Тверская", "RU-MOW-101", "ул. Тверская, 9, Москва", "Москва"),
    Outlet("Łódź Piotrkowska", "PL-LDZ-007", "ul. Piotrkowska 120, Łódź", "Łódzkie"),
    Outlet("Львів, площа Ринок", "UA-LWO-011", "пл. Ринок, 14, Львів", "Львівщина"),
    Outlet("Gdańsk Długa", "PL-GDN-002", "ul. Długa 47, Gdańsk", "Pomorskie"),
)

# (section, item) texts per language; the server picks the report language from the template.
SECTIONS = {
    "en": ("Welcome", "Product knowledge", "Checkout", "Store condition", "Farewell"),
    "ru": ("Приветствие", "Знание товара", "Касса", "Состояние магазина", "Прощание"),
    "uk": ("Привітання", "Знання товару", "Каса", "Стан магазину", "Прощання"),
    "pl": ("Powitanie", "Znajomość produktu", "Kasa", "Stan sklepu", "Pożegnanie"),
}
ITEMS = {
    "en": (
        "Greeted within 30 seconds?",
        "Offered help without being asked?",
        "Explained the difference between two products?",
        "Queue at the checkout shorter than 3 people?",
        "Receipt handed over without asking?",
        "Shelves fully stocked and price tags correct?",
        "Floor clean and dry?",
        "Thanked the customer and said goodbye?",
    ),
    "ru": (
        "Поприветствовали в течение 30 секунд?",
        "Предложили помощь без просьбы?",
        "Объяснили разницу между двумя товарами?",
        "Очередь на кассе короче 3 человек?",
        "Чек выдали без напоминания?",
        "Полки заполнены, ценники верны?",
        "Пол чистый и сухой?",
        "Поблагодарили и попрощались?",
    ),
    "uk": (
        "Привіталися протягом 30 секунд?",
        "Запропонували допомогу без прохання?",
        "Пояснили різницю між двома товарами?",
        "Черга на касі коротша за 3 людей?",
        "Чек видали без нагадування?",
        "Полиці заповнені, цінники правильні?",
        "Підлога чиста й суха?",
        "Подякували й попрощалися?",
    ),
    "pl": (
        "Powitanie w ciągu 30 sekund?",
        "Zaproponowano pomoc bez proszenia?",
        "Wyjaśniono różnicę między dwoma produktami?",
        "Kolejka do kasy krótsza niż 3 osoby?",
        "Paragon wydany bez przypominania?",
        "Półki pełne, ceny na etykietach poprawne?",
        "Podłoga czysta i sucha?",
        "Podziękowano i pożegnano klienta?",
    ),
}
COMMENTS = {
    "en": "Nobody came over for 4 minutes; two staff members were talking at the till.",
    "ru": "Никто не подошёл 4 минуты; двое сотрудников разговаривали у кассы.",
    "uk": "Ніхто не підійшов 4 хвилини; двоє працівників розмовляли біля каси.",
    "pl": "Przez 4 minuty nikt nie podszedł; dwóch pracowników rozmawiało przy kasie.",
}
WAVES = ("2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3")


@cache
def thumbnails() -> tuple[bytes, ...]:
    """One upright 400 px JPEG thumbnail per real test photo."""
    pillow_heif.register_heif_opener()
    made = []
    for name in PHOTO_FILES:
        with Image.open(PHOTOS / name) as image:
            image.draft("RGB", (400, 400))
            image.thumbnail((400, 400))
            upright = ImageOps.exif_transpose(image).convert("RGB")
            buffer = io.BytesIO()
            upright.save(buffer, "JPEG", quality=80)
            made.append(buffer.getvalue())
    return tuple(made)


def _sections(lang: str, percents: tuple[float | None, ...]) -> tuple[SectionScore, ...]:
    return tuple(
        SectionScore(title, percent, network, top)
        for title, percent, network, top in zip(
            SECTIONS[lang],
            percents,
            (74.2, 70.1, 80.0, 81.3, 88.0),
            (90.0, 88.5, 93.0, 97.5, 100.0),
            strict=True,
        )
    )


def outlet_report_data(
    lang: str = "pl", *, failed_items: int | None = None, photos: int | None = None
) -> OutletReportData:
    """The outlet report of Żabka Kraków Główny for wave 2026-Q3 in `lang`: three visits (one
    capped by a critical failure, one under dispute), their details, corrective actions.

    `failed_items` repeats the item list to make a long table on the first visit; `photos` caps
    how many thumbnails are attached in total (default: every photo once on the first two
    items).
    """
    sections, items = SECTIONS[lang], ITEMS[lang]
    pictures = thumbnails()
    count = failed_items if failed_items is not None else 4
    # By default the first item carries three photos and the second two (every photo once).
    per_item = (3, 2) if photos is None else (2,) * ((photos + 1) // 2)
    remaining = len(pictures) if photos is None else photos
    failures = []
    used = 0
    for index in range(count):
        take = min(per_item[index], remaining) if index < len(per_item) else 0
        remaining -= take
        attached = tuple(pictures[(used + offset) % len(pictures)] for offset in range(take))
        used += take
        failures.append(
            FailedItem(
                section=sections[index % len(sections)],
                text=items[index % len(items)] + (f" #{index + 1}" if count > len(items) else ""),
                points_lost=float(5 + index % 3 * 2.5),
                critical=index % 5 == 1,
                comment=COMMENTS[lang] if index % 2 == 0 else "",
                thumbnails=attached,
            )
        )
    visits = (
        Visit(
            number=1,
            day=date(2026, 9, 3),
            channel="in_store",
            percent=50.0,
            band="poor",
            passed=False,
            pass_mark=80.0,
            critical_items=tuple(item.text for item in failures if item.critical),
            critical_policy="cap",
            critical_cap=50.0,
            sections=_sections(lang, (60.0, 85.0, 71.4, 92.5, None)),
            failed_items=tuple(failures),
        ),
        Visit(
            number=2,
            day=date(2026, 9, 17),
            channel="phone",
            percent=81.5,
            band="good",
            passed=True,
            pass_mark=80.0,
            dispute="open",
            sections=_sections(lang, (100.0, 75.0, 80.0, 70.0, 82.0)),
            failed_items=(
                FailedItem(sections[2], items[3], 5.0, False, COMMENTS[lang]),
                FailedItem(sections[4], items[7], 2.5, False),
            ),
            disputes=(DisputeOutcome(items[3], "pending", COMMENTS[lang][:40]),),
        ),
        Visit(
            number=3,
            day=date(2026, 9, 24),
            channel="in_store",
            percent=86.0,
            band="good",
            passed=True,
            pass_mark=80.0,
            dispute="upheld",
            sections=_sections(lang, (90.0, 80.0, 85.0, 88.0, 90.0)),
            failed_items=(FailedItem(sections[3], items[5], 5.0, False),),
            disputes=(
                DisputeOutcome(items[4], "upheld", COMMENTS[lang][:40], date(2026, 9, 29)),
                DisputeOutcome(items[6], "rejected", "", date(2026, 9, 30)),
            ),
        ),
    )
    return OutletReportData(
        client=CLIENT,
        outlet=OUTLETS[0],
        wave=WAVES[-1],
        generated_on=date(2026, 10, 2),
        result=WaveResult(
            percent=72.5,
            band="fair",
            pass_mark=80.0,
            passed=False,
            visits=3,
            under_dispute=1,
            ci_low=58.9,
            ci_high=86.1,
            previous_percent=68.3,
            previous_wave=WAVES[-2],
            change=4.2,
            change_beyond_chance=False,
        ),
        standing=Standing(
            rank=Rank(41, 140),
            region_rank=Rank(3, 12),
            region=OUTLETS[0].region,
            third="top",
            alike=10,
            versus_network="level",
            network_percent=78.4,
        ),
        visits=visits,
        trend=tuple(
            TrendPoint(wave, percent, network)
            for wave, percent, network in zip(
                WAVES, (64.0, None, 68.3, 72.5), (75.0, 76.2, 77.9, 78.4), strict=True
            )
        ),
        fix_first=(
            Priority(sections[1], items[1], 20.0, 1, 2, 0.95, critical=True),
            Priority(sections[2], items[3], 15.0, 2, 3, 0.88),
            Priority(sections[0], items[0], 10.0, 1, 2, 0.62),
        ),
        strengths=(
            Strength(sections[3], items[6], 0.38, 3),
            Strength(sections[1], items[2], 0.45, 2),
        ),
        corrective_actions=(
            CorrectiveAction(
                items[1], "Olena Kowalczyk", date(2026, 10, 15), "open", date(2026, 9, 3), 1
            ),
            CorrectiveAction(
                items[0], "", date(2026, 9, 30), "open", date(2026, 6, 12), None, WAVES[-2]
            ),
            CorrectiveAction(
                items[5], "Marek Nowak", date(2026, 10, 1), "done", date(2026, 9, 24), 3
            ),
            CorrectiveAction(
                items[2], "Marek Nowak", date(2026, 9, 20), "verified", date(2026, 9, 3), 1
            ),
        ),
    )


def comparison_report_data(lang: str = "pl", *, outlets: int = 6) -> ComparisonReportData:
    """The head-office comparison report of wave 2026-Q3 over `outlets` outlets."""
    sections, items = SECTIONS[lang], ITEMS[lang]
    league = []
    for index in range(outlets):
        outlet = OUTLETS[index % len(OUTLETS)]
        suffix = f" {index // len(OUTLETS) + 1}" if outlets > len(OUTLETS) else ""
        percent = round(94.0 - index * 37.0 / max(outlets, 1), 1)
        visits = 2 + index % 4
        ranked = index % 6 != 5
        versus: Versus = "above" if percent > 88 else "below" if percent < 65 else "level"
        change = round((index % 7 - 3) * 1.7, 1) if index % 9 else None
        # Told apart from the previous wave's result, both with this wave's margin.
        moved = (
            None if change is None or not ranked else abs(change) > math.hypot(*[18 / visits] * 2)
        )
        league.append(
            LeagueRow(
                rank=index + 1 if ranked else None,
                outlet=outlet.name + suffix,
                code=f"{outlet.code}{suffix.strip()}",
                region=outlet.region,
                percent=percent,
                change=change,
                change_beyond_chance=moved,
                visits=visits if ranked else 1,
                ci_low=round(percent - 18 / visits, 1) if ranked else None,
                ci_high=round(min(100.0, percent + 18 / visits), 1) if ranked else None,
                few_visits=not ranked,
                versus_network=versus if ranked else None,
                provisional=index == 2,
            )
        )
    regions = sorted({outlet.region for outlet in OUTLETS})
    return ComparisonReportData(
        client=CLIENT,
        wave=WAVES[-1],
        generated_on=date(2026, 10, 2),
        network=NetworkResult(
            percent=78.4,
            outlets=len(league),
            visits=sum(row.visits for row in league),
            ci_low=74.1,
            ci_high=82.7,
            previous_percent=76.2,
            previous_wave=WAVES[-2],
            change=2.2,
            provisional_outlets=1,
            change_beyond_chance=True,
        ),
        league=tuple(league),
        regions=tuple(
            RegionRow(
                region,
                round(70 + index * 3.3, 1),
                round(index - 2.5, 1),
                2 + index,
                5 + index,
                change_beyond_chance=index == 0,
            )
            for index, region in enumerate(regions)
        ),
        heatmap_by_outlet=Heatmap(
            rows=sections,
            columns=tuple(row.outlet for row in league),
            values=tuple(
                tuple(
                    None
                    if (row + column) % 11 == 10
                    else round(40 + (row * 17 + column * 23) % 60, 1)
                    for column in range(len(league))
                )
                for row in range(len(sections))
            ),
            visits=tuple(
                tuple(
                    0 if (row + column) % 11 == 10 else 1 if (row + 2 * column) % 7 == 3 else 3
                    for column in range(len(league))
                )
                for row in range(len(sections))
            ),
        ),
        heatmap_by_region=Heatmap(
            rows=sections,
            columns=tuple(regions),
            values=tuple(
                tuple(round(55 + (row * 13 + column * 7) % 45, 1) for column in range(len(regions)))
                for row in range(len(sections))
            ),
        ),
        best_vs_rest=tuple(
            ItemGap(sections[index % len(sections)], item, top, rest, *gap_interval(top, rest))
            for index, (item, top, rest) in enumerate(
                zip(
                    items,
                    (0.91, 0.97, 0.80, 0.88, 0.99, 0.75, 0.93, 0.70),
                    (0.62, 0.41, 0.78, 0.50, 0.97, 0.30, 0.66, 0.74),
                    strict=True,
                )
            )
        ),
        channels=(
            ChannelRow("in_store", 78.4, None, 140, 75.1, 81.7),
            ChannelRow("phone", 71.2, 0.64, 60, 66.0, 76.4),
            ChannelRow("email", 66.0, 0.51, 40, 58.9, 73.1),
            ChannelRow("chat", 82.3, 0.77, 35, 76.0, 88.6),
        ),
        critical_failures=CriticalFailures(
            visits=9,
            outlets=min(6, len(league)),
            top_items=(
                ItemCount(sections[2], items[4], 5),
                ItemCount(sections[0], items[0], 3),
                ItemCount(sections[3], items[5], 1),
            ),
        ),
        overdue_actions=OverdueActions(
            actions=4,
            outlets=(
                OverdueOutlet(OUTLETS[1].name, OUTLETS[1].code, 3, date(2026, 8, 14)),
                OverdueOutlet(OUTLETS[4].name, OUTLETS[4].code, 1, date(2026, 9, 20)),
            ),
        ),
    )
