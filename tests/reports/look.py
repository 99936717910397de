"""`make look`: the demo's reports as page images, for people to look at.

Loads the demo into a temporary database (as `make demo` does, about ten seconds), issues the
outlet report of PM-001 (three visits, one under dispute, corrective actions open and done) and
the comparison report of Polmarket's latest wave with released visits, each in English,
Russian, Ukrainian and Polish, and writes every page as PNG (poppler's pdftoppm) to
out/look/reports/ (``outlet-PM-001-LANG-N.png``, ``comparison-LANG-N.png``), the PDFs beside
them. Prints any text cut short with "…" or page left mostly empty (the report tests' own
measures, tests/reports/pdf.py) and exits 1 then.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from server.core.database import Database
from server.core.settings import Argon2Parameters, Settings
from server.demo import load_demo
from server.reporting.batch import ReportJob, all_waves, outlets_of_wave, write_reports
from tests.reports.pdf import checklist_ellipses, cut_short, mostly_empty_pages, page_texts

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "out" / "look" / "reports"
OUTLET = "PM-001"
CLIENT = "Polmarket"
LANGUAGES = ("en", "ru", "uk", "pl")
RESOLUTION = "80"


async def _subjects(settings: Settings) -> tuple[int, int]:
    """(the wave, PM-001's id): Polmarket's latest wave with released visits."""
    database = Database(settings.database_url)
    await database.start()
    try:
        waves = [wave for wave in await all_waves() if wave.client == CLIENT and wave.released]
        wave = max(waves, key=lambda candidate: (candidate.starts_on, candidate.id))
        outlet = next(id_ for id_, code in await outlets_of_wave(wave.id) if code == OUTLET)
        return wave.id, outlet
    finally:
        await database.close()


def main() -> int:
    if shutil.which("pdftoppm") is None:
        sys.exit("make look needs poppler's pdftoppm (apt-get install poppler-utils)")
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="shopscore-look-") as work:
        settings = Settings(
            database_url=f"sqlite:///{Path(work) / 'shopscore.db'}",
            media_dir=Path(work) / "media",
            secret_key="look-at-the-reports-" + "x" * 32,
            argon2=Argon2Parameters.cheap_for_tests(),
        )
        asyncio.run(load_demo(settings))
        wave, outlet = asyncio.run(_subjects(settings))
        jobs = [
            job
            for lang in LANGUAGES
            for job in (
                ReportJob(OUTLET, outlet, wave, lang, OUT / f"outlet-{OUTLET}-{lang}.pdf"),
                ReportJob("comparison", None, wave, lang, OUT / f"comparison-{lang}.pdf"),
            )
        ]
        summary = write_reports(settings, jobs, jobs=2)
        problems += [f"{label}: {error}" for label, error in summary.failed]
    allowed = checklist_ellipses()
    for job in jobs:
        if not job.path.exists():
            continue
        pdf = job.path.read_bytes()
        problems += [f"{job.path.name}: cut short: {word}" for word in
                     cut_short(" ".join(page_texts(pdf)), allowed)]  # fmt: skip
        problems += [f"{job.path.name}: page {page} filled {filled:.0%}" for page, filled in
                     mostly_empty_pages(pdf)]  # fmt: skip
        subprocess.run(
            ["pdftoppm", "-r", RESOLUTION, "-png", str(job.path), str(job.path.with_suffix(""))],
            check=True,
        )
    for problem in problems:
        print(problem, file=sys.stderr)
    pages = sorted(OUT.glob("*.png"))
    print(f"{len(pages)} report pages in {OUT.relative_to(ROOT)}/")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
