"""`make demo`'s reports: the latest demo wave with released audits, written into ./out/.

`shopscore demo` calls `write_demo_reports` once the demo audits are loaded. Before any audit
is released there is nothing to report: it says so and skips.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from server.core.database import Database
from server.core.settings import Settings
from server.reporting.batch import report_wave
from server.workflow.tables import ScoreRollup

DEFAULT_OUT = Path("out")


async def latest_released_wave(settings: Settings) -> tuple[int, str] | None:
    """(id, name) of the most recent wave holding a released audit, if any."""
    database = Database(settings.database_url)
    await database.start()
    try:
        rows: list[dict[str, object]] = await ScoreRollup.raw(
            "SELECT w.id, w.name FROM wave w WHERE w.id IN (SELECT r.wave FROM score_rollup r) "
            "ORDER BY w.starts_on DESC, w.id DESC LIMIT 1"
        )
    finally:
        await database.close()
    if not rows:
        return None
    return int(str(rows[0]["id"])), str(rows[0]["name"])


def write_demo_reports(settings: Settings, out_dir: Path = DEFAULT_OUT, lang: str = "en") -> None:
    """Write the latest released wave's reports under `out_dir` and print where they are."""
    wave = asyncio.run(latest_released_wave(settings))
    if wave is None:
        print("reports: no released audit in the demo yet, so no PDF was written")
        return
    wave_id, name = wave
    folder = out_dir / f"wave-{wave_id}"
    summary = report_wave(settings, wave_id, folder, lang)
    for line in summary.lines(folder):
        print(f"reports ({name}): {line}")
    print(f"reports: open {folder.resolve()}")
