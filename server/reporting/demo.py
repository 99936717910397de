"""`make demo`'s reports: every client's latest wave with released audits, written into ./out/.

`shopscore demo` calls `write_demo_reports` once the demo audits are loaded. For each client it
takes the most recent wave holding a released audit and writes, into `out/<wave name>/`, every
outlet's report in the language of the manager who reads it (the outlet's own manager, else its
region's, else head office's; English when nobody is) and the comparison report in head
office's language. One pool of processes writes them all. A newer wave with nothing released
yet (still in the field or in review) is named, not reported; before any audit is released
there is nothing to report: it says so and skips.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import os
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

from server.access.caller import HEAD_OFFICE, OUTLET_MANAGER, REGIONAL_MANAGER
from server.cli import shopscore_command, shown, table
from server.core.database import Database
from server.core.settings import Settings
from server.organisation.tables import Outlet
from server.reporting.batch import (
    COMPARISON,
    ReportJob,
    WaveInfo,
    all_waves,
    outlets_of_wave,
    safe_name,
    write_reports,
)
from server.users.tables import User, UserOutlet, UserRegion
from shared.i18n import LANGUAGES

DEFAULT_OUT = Path("out")
FALLBACK_LANGUAGE = "en"


@dataclasses.dataclass
class WavePlan:
    """What the demo reports of one client: its wave, where the PDFs go, in which languages."""

    wave: WaveInfo
    folder: Path
    jobs: list[ReportJob]
    newer: list[WaveInfo]  # the client's later waves, with nothing released yet


def wave_folder(out_dir: Path, wave: WaveInfo) -> Path:
    """`out/polmarket-q2-2026`: the wave's name as a folder (its id when the name has no letter)."""
    slug = re.sub(r"\W+", "-", wave.name.casefold()).strip("-_")
    return out_dir / (slug or f"wave-{wave.id}")


async def _languages_of_managers() -> tuple[
    dict[int, set[str]], dict[int, set[str]], dict[int, set[str]]
]:
    """The languages of the active outlet managers by outlet, regional by region, HQ by client."""
    by_outlet: dict[int, set[str]] = defaultdict(set)
    by_region: dict[int, set[str]] = defaultdict(set)
    by_client: dict[int, set[str]] = defaultdict(set)
    # `== True` builds Piccolo's SQL condition; it is not a Python comparison.
    outlet_managers = UserOutlet.select(UserOutlet.outlet, UserOutlet.user.language).where(
        UserOutlet.user.role == OUTLET_MANAGER,
        UserOutlet.user.active == True,  # noqa: E712
    )
    regional_managers = UserRegion.select(UserRegion.region, UserRegion.user.language).where(
        UserRegion.user.role == REGIONAL_MANAGER,
        UserRegion.user.active == True,  # noqa: E712
    )
    head_offices = User.select(User.client, User.language).where(
        User.role == HEAD_OFFICE,
        User.active == True,  # noqa: E712
    )
    for row in await outlet_managers:
        by_outlet[row["outlet"]].add(row["user.language"])
    for row in await regional_managers:
        by_region[row["region"]].add(row["user.language"])
    for row in await head_offices:
        by_client[row["client"]].add(row["language"])
    return by_outlet, by_region, by_client


def _supported(languages: set[str]) -> list[str]:
    return sorted(language for language in languages if language in LANGUAGES) or [
        FALLBACK_LANGUAGE
    ]


async def plan_demo_reports(out_dir: Path) -> list[WavePlan]:
    """For every client with a released audit, the reports of its latest such wave."""
    waves_by_client: dict[int, list[WaveInfo]] = defaultdict(list)
    for wave in await all_waves():
        waves_by_client[wave.client_id].append(wave)
    by_outlet, by_region, by_client = await _languages_of_managers()
    plans = []
    for waves in waves_by_client.values():
        released = [wave for wave in waves if wave.released]
        if not released:
            continue
        wave = max(released, key=lambda candidate: (candidate.starts_on, candidate.id))
        newer = [
            other
            for other in waves
            if (other.starts_on, other.id) > (wave.starts_on, wave.id) and not other.released
        ]
        folder = wave_folder(out_dir, wave)
        outlets = await outlets_of_wave(wave.id)
        regions = {
            row["id"]: row["region"]
            for row in await Outlet.select(Outlet.id, Outlet.region).where(
                Outlet.id.is_in([outlet_id for outlet_id, _code in outlets] or [0])
            )
        }
        head_office = by_client.get(wave.client_id, set())
        jobs = [
            ReportJob(
                code, outlet_id, wave.id, language, folder / f"{safe_name(code)}.{language}.pdf"
            )
            for outlet_id, code in outlets
            for language in _supported(
                by_outlet.get(outlet_id) or by_region.get(regions.get(outlet_id, 0)) or head_office
            )
        ]
        comparison_language = _supported(head_office)[0]
        jobs.append(
            ReportJob(COMPARISON, None, wave.id, comparison_language, folder / f"{COMPARISON}.pdf")
        )
        plans.append(WavePlan(wave, folder, jobs, newer))
    return sorted(plans, key=lambda plan: (plan.wave.client, plan.wave.name))


async def _plan(settings: Settings, out_dir: Path) -> list[WavePlan]:
    database = Database(settings.database_url)
    await database.start()
    try:
        return await plan_demo_reports(out_dir)
    finally:
        await database.close()


def write_demo_reports(
    settings: Settings, out_dir: Path = DEFAULT_OUT, jobs: int | None = None
) -> list[WavePlan]:
    """Write the reports of every client's latest released wave and print where they are."""
    plans = asyncio.run(_plan(settings, out_dir))
    if not plans:
        print("reports: no released audit in the demo yet, so no PDF was written")
        return []
    work = [job for plan in plans for job in plan.jobs]
    # The progress bar redraws one line: in a log file it would only be noise.
    progress = sys.stderr if sys.stderr.isatty() else io.StringIO()
    summary = write_reports(settings, work, jobs, progress)
    written = set(summary.written)
    print(
        f"\nReports (PDF), {len(written)} written in {summary.seconds:.1f} s with "
        f"{summary.processes} process(es); each outlet's in its manager's language:"
    )
    rows = []
    for plan in plans:
        outlet_files = [
            job for job in plan.jobs if job.outlet_id is not None and job.path in written
        ]
        languages = Counter(job.lang for job in outlet_files)
        comparison = next(job for job in plan.jobs if job.outlet_id is None)
        rows.append(
            (
                shown(plan.folder) + os.sep,
                plan.wave.name,
                f"{len(outlet_files)} outlet reports ("
                + ", ".join(f"{count} {language}" for language, count in sorted(languages.items()))
                + ")",
                f"{COMPARISON}.pdf ({comparison.lang})" if comparison.path in written else "",
            )
        )
    for line in table(("folder", "wave", "outlets", "comparison"), rows):
        print(line)
    for plan in plans:
        for newer in plan.newer:
            print(f"  {newer.name}: nothing released yet (in the field, in review), so no report")
    if summary.skipped:
        print("  skipped (nothing released): " + ", ".join(summary.skipped))
    for label, error in summary.failed:
        print(f"  FAILED {label}: {error}")
    example = plans[0]
    command = shopscore_command()
    print(
        f'  Another language: {command} report wave "{example.wave.name}" --lang en '
        f"--out {shown(out_dir / 'en')}\n  Other waves: {command} waves"
    )
    return plans
