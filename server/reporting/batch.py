"""`shopscore report ...` and `shopscore waves`: report PDFs from the command line.

Every PDF is issued like the server's (`server.reporting.issuing`: verification code,
signature, record). `report outlet CODE --wave W` writes one outlet's report.
`report wave W --out DIR` writes the report of every outlet assigned in the wave plus the
comparison report with a pool of processes, each assembling (database reads, thumbnails),
rendering and signing whole reports, with a progress bar on stderr and a summary at the end.
An outlet that fails is reported and the others carry on; an outlet with nothing released is
skipped. A wave is named by its name (as `shopscore waves` lists them) or its id; an unknown
one is answered with the list of waves.

The command runs as the operator (agency admin scope): it is a server-side tool.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import multiprocessing
import os
import re
import sys
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import TextIO

from reports import ComparisonReportData, OutletReportData
from server.access.caller import ADMIN, Caller
from server.cli import shopscore_command, table
from server.core.database import Database
from server.core.errors import NotFound
from server.core.i18n import _
from server.core.settings import Settings
from server.reporting.issuing import ReportSubject, load_signer, record, signed_report
from server.reporting.render import write_report
from server.reporting.service import ReportService, check_language
from server.storage import media_store_from_settings
from server.waves.tables import Wave
from server.workflow.tables import ScoreRollup
from shared.i18n import LANGUAGES

OPERATOR = Caller(user_id=0, role=ADMIN)
COMPARISON = "comparison"
WRITTEN, SKIPPED, FAILED = "written", "skipped", "failed"
Outcome = tuple[str, str]
BAR_WIDTH = 30
# How many outlet codes an unknown code's error message shows.
CODES_SHOWN = 8


class ReportCommandError(Exception):
    """A wave or outlet the command line names that is not there, said with what is."""


@dataclasses.dataclass(frozen=True, slots=True)
class WaveInfo:
    """A wave as the command line shows it."""

    id: int
    name: str
    client_id: int
    client: str
    starts_on: str
    ends_on: str
    released: int  # released audits: what the reports are made of


@dataclasses.dataclass(frozen=True, slots=True)
class ReportJob:
    """One PDF to write: an outlet's report, or the wave's comparison when outlet_id is None."""

    label: str
    outlet_id: int | None
    wave_id: int
    lang: str
    path: Path


@dataclasses.dataclass
class WaveReportSummary:
    """What `report wave` did: files written, outlets skipped or failed, and how long it took."""

    written: list[Path] = dataclasses.field(default_factory=list)
    skipped: list[str] = dataclasses.field(default_factory=list)
    failed: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    seconds: float = 0.0
    processes: int = 1

    def lines(self, out_dir: Path) -> list[str]:
        outlet_reports = sum(1 for path in self.written if path.name != f"{COMPARISON}.pdf")
        lines = [
            f"wrote {outlet_reports} outlet report(s)"
            + (" and the comparison report" if any(
                path.name == f"{COMPARISON}.pdf" for path in self.written) else "")
            + f" to {out_dir} in {self.seconds:.1f} s with {self.processes} process(es)"
        ]  # fmt: skip
        if self.skipped:
            lines.append("skipped (nothing released): " + ", ".join(self.skipped))
        lines.extend(f"FAILED {code}: {error}" for code, error in self.failed)
        return lines


class ProgressBar:
    """`[#####-----] done/total  last` on one line of `stream`, redrawn in place."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = max(total, 1)
        self.done = 0
        self.stream = stream

    def advance(self, label: str) -> None:
        self.done += 1
        filled = BAR_WIDTH * self.done // self.total
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        self.stream.write(f"\r[{bar}] {self.done}/{self.total} {label[:30]:<30}")
        if self.done >= self.total:
            self.stream.write("\n")
        self.stream.flush()


def safe_name(code: str) -> str:
    """An outlet code as a file name (codes come from client CSV files)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", code).strip("._") or "outlet"


async def all_waves() -> list[WaveInfo]:
    """Every wave, by client and date, with its count of released audits."""
    rows: list[dict[str, object]] = await ScoreRollup.raw(
        "SELECT w.id, w.name, c.id AS client_id, c.name AS client, w.starts_on, w.ends_on, "
        "(SELECT COUNT(*) FROM score_rollup r WHERE r.wave = w.id) AS released "
        "FROM wave w JOIN client c ON c.id = w.client ORDER BY c.name, w.starts_on, w.id"
    )
    return [
        WaveInfo(
            id=int(str(row["id"])),
            name=str(row["name"]),
            client_id=int(str(row["client_id"])),
            client=str(row["client"]),
            starts_on=str(row["starts_on"]),
            ends_on=str(row["ends_on"]),
            released=int(str(row["released"])),
        )
        for row in rows
    ]


def waves_table(waves: Sequence[WaveInfo]) -> list[str]:
    """The waves as the lines of a table: id, name, client, dates, released audits."""
    return table(
        ("id", "wave", "client", "dates", "released audits"),
        [
            (wave.id, wave.name, wave.client, f"{wave.starts_on} to {wave.ends_on}", wave.released)
            for wave in waves
        ],
    )


def pick_wave(wanted: str, waves: Sequence[WaveInfo]) -> WaveInfo:
    """The wave called `wanted` (exactly, else ignoring case) or with that id."""
    text = wanted.strip()
    for matches in (
        [wave for wave in waves if wave.name == text],
        [wave for wave in waves if wave.name.casefold() == text.casefold()],
        [wave for wave in waves if text.isdigit() and wave.id == int(text)],
    ):
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise ReportCommandError(
                f'{len(matches)} waves are called "{text}": give the id of one of them\n'
                + "\n".join(waves_table(matches))
            )
    if not waves:
        raise ReportCommandError(
            f'there is no wave "{text}": the database has no wave yet (`make demo` loads some)'
        )
    raise ReportCommandError(
        f'there is no wave "{text}"; give the name or the id of one of these:\n'
        + "\n".join(waves_table(waves))
    )


async def _find_wave(database: Database, wanted: str) -> WaveInfo:
    await database.start()
    try:
        return pick_wave(wanted, await all_waves())
    finally:
        await database.close()


def find_wave(settings: Settings, wanted: str) -> WaveInfo:
    """The wave a command line names (by name or id); ReportCommandError lists the others."""
    return asyncio.run(_find_wave(Database(settings.database_url), wanted))


async def _list_waves(database: Database) -> list[WaveInfo]:
    await database.start()
    try:
        return await all_waves()
    finally:
        await database.close()


def print_waves(settings: Settings) -> None:
    """`shopscore waves`: every wave, and how to write its reports."""
    waves = asyncio.run(_list_waves(Database(settings.database_url)))
    if not waves:
        print("no wave yet (`make demo` loads a demo programme with four)")
        return
    print("\n".join(waves_table(waves)))
    example = max(waves, key=lambda wave: (wave.released > 0, wave.starts_on, wave.id))
    command = shopscore_command()
    print(
        f'\nreports of a wave: {command} report wave "{example.name}" --out DIR '
        f"[--lang {'|'.join(LANGUAGES)}]\n"
        f'one outlet\'s:      {command} report outlet CODE --wave "{example.name}" -o FILE.pdf'
    )


async def outlets_of_wave(wave_id: int) -> list[tuple[int, str]]:
    rows: list[dict[str, object]] = await ScoreRollup.raw(
        "SELECT DISTINCT o.id, o.code FROM outlet o WHERE o.id IN "
        "(SELECT a.outlet FROM assignment a WHERE a.wave = {} "
        "UNION SELECT r.outlet FROM score_rollup r WHERE r.wave = {}) ORDER BY o.code",
        wave_id,
        wave_id,
    )
    return [(int(str(row["id"])), str(row["code"])) for row in rows]


async def _outlet_by_code(wave: WaveInfo, code: str) -> int:
    rows: list[dict[str, object]] = await ScoreRollup.raw(
        "SELECT o.id, o.code FROM outlet o WHERE o.client = {} ORDER BY o.code", wave.client_id
    )
    for row in rows:
        if row["code"] == code:
            return int(str(row["id"]))
    codes = [str(row["code"]) for row in rows]
    shown = ", ".join(codes[:CODES_SHOWN]) + (
        f" ... {codes[-1]} ({len(codes)} outlets)" if len(codes) > CODES_SHOWN else ""
    )
    raise ReportCommandError(
        f'{wave.client} (the client of wave "{wave.name}") has no outlet "{code}"'
        + (f"; its outlets: {shown}" if codes else "; it has no outlet yet")
    )


async def report_outlet(
    settings: Settings, code: str, wave_id: int | str, lang: str, output: Path
) -> int:
    """Write the report of the outlet `code` in the wave (id or name) to `output`; its size."""
    check_language(lang)
    database = Database(settings.database_url)
    await database.start()
    try:
        service = ReportService(media_store_from_settings(settings))
        async with database.snapshot():
            wave = pick_wave(str(wave_id), await all_waves())
            outlet_id = await _outlet_by_code(wave, code)
            data, subject = await service.outlet_report_to_issue(OPERATOR, outlet_id, wave.id, lang)
        report = signed_report(data, lang, load_signer(settings), settings.public_url)
        await record(database, report, data, subject, lang, issued_to=None)
    finally:
        await database.close()
    output.parent.mkdir(parents=True, exist_ok=True)
    return write_report(report.pdf, output)


class _Worker:
    """One report process: its own event loop, database connection and network figures."""

    def __init__(self, settings: Settings) -> None:
        self.loop = asyncio.new_event_loop()
        self.database = Database(settings.database_url)
        self.loop.run_until_complete(self.database.start())
        self.service = ReportService(media_store_from_settings(settings))
        self.signer = load_signer(settings)
        self.public_url = settings.public_url

    def write(self, outlet_id: int | None, wave_id: int, lang: str, path: Path) -> Outcome:
        """Assemble, issue (sign and record) and write one report (the comparison when
        `outlet_id` is None)."""
        try:
            data, subject = self.loop.run_until_complete(self._assemble(outlet_id, wave_id, lang))
            report = signed_report(data, lang, self.signer, self.public_url)
            self.loop.run_until_complete(
                record(self.database, report, data, subject, lang, issued_to=None)
            )
            write_report(report.pdf, path)
        except NotFound:
            return SKIPPED, ""
        except Exception as error:  # one bad outlet must not stop the wave
            return FAILED, f"{type(error).__name__}: {error}"
        return WRITTEN, ""

    async def _assemble(
        self, outlet_id: int | None, wave_id: int, lang: str
    ) -> tuple[OutletReportData | ComparisonReportData, ReportSubject]:
        async with self.database.snapshot():
            if outlet_id is None:
                return await self.service.comparison_report_to_issue(OPERATOR, wave_id, lang)
            return await self.service.outlet_report_to_issue(OPERATOR, outlet_id, wave_id, lang)


# The worker of this process, when it is a report process of `report_wave`.
_WORKERS: dict[str, _Worker] = {}


def _start_worker(settings: Settings) -> None:
    _WORKERS["current"] = _Worker(settings)


def _write_in_worker(outlet_id: int | None, wave_id: int, lang: str, path: Path) -> Outcome:
    return _WORKERS["current"].write(outlet_id, wave_id, lang, path)


async def _wave_outlets(settings: Settings, wave_id: int) -> list[tuple[int, str]]:
    database = Database(settings.database_url)
    await database.start()
    try:
        if not await Wave.exists().where(Wave.id == wave_id):
            raise NotFound(_("There is no such wave."))
        return await outlets_of_wave(wave_id)
    finally:
        await database.close()


def report_wave(
    settings: Settings,
    wave_id: int,
    out_dir: Path,
    lang: str = "en",
    jobs: int | None = None,
    progress: TextIO | None = None,
) -> WaveReportSummary:
    """Every outlet report of the wave and its comparison report, made by `jobs` processes."""
    check_language(lang)
    outlets = asyncio.run(_wave_outlets(settings, wave_id))
    work = [
        ReportJob(code, outlet_id, wave_id, lang, out_dir / f"{safe_name(code)}.{lang}.pdf")
        for outlet_id, code in outlets
    ]
    work.append(ReportJob(COMPARISON, None, wave_id, lang, out_dir / f"{COMPARISON}.pdf"))
    return write_reports(settings, work, jobs, progress)


def write_reports(
    settings: Settings,
    work: Sequence[ReportJob],
    jobs: int | None = None,
    progress: TextIO | None = None,
) -> WaveReportSummary:
    """Write every report of `work` (of any waves, in any languages) with `jobs` processes.

    Each process assembles and renders whole reports: assembling (database reads, thumbnails)
    costs about as much as rendering, so both must run in parallel to scale with cores.
    """
    for job in work:
        check_language(job.lang)
    started = time.perf_counter()
    processes = max(1, min(jobs or os.cpu_count() or 1, len(work)))
    summary = WaveReportSummary(processes=processes)
    for folder in {job.path.parent for job in work}:
        folder.mkdir(parents=True, exist_ok=True)
    bar = ProgressBar(len(work), progress or sys.stderr)
    # spawn: the parent may hold database connections and threads that a fork would copy.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=processes,
        mp_context=context,
        initializer=_start_worker,
        initargs=(settings,),
    ) as pool:
        futures: dict[Future[Outcome], ReportJob] = {
            pool.submit(_write_in_worker, job.outlet_id, job.wave_id, job.lang, job.path): job
            for job in work
        }
        for future in as_completed(futures):
            job = futures[future]
            try:
                outcome, message = future.result()
            except Exception as error:  # a crashed process: reported, the others carry on
                outcome, message = FAILED, f"{type(error).__name__}: {error}"
            if outcome == WRITTEN:
                summary.written.append(job.path)
            elif outcome == SKIPPED:
                summary.skipped.append(job.label)
            else:
                summary.failed.append((job.label, message))
            bar.advance(job.label)
    summary.written.sort()
    summary.skipped.sort()
    summary.failed.sort()
    summary.seconds = time.perf_counter() - started
    return summary


def add_report_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `report` subcommand of `shopscore` (see `server.cli`)."""
    report_parser = commands.add_parser("report", help="write report PDFs")
    report_commands = report_parser.add_subparsers(dest="report_command", required=True)
    outlet_parser = report_commands.add_parser("outlet", help="one outlet's quality report")
    outlet_parser.add_argument("code", help="the outlet's code")
    outlet_parser.add_argument(
        "--wave", required=True, help='the wave\'s name (e.g. "Polmarket Q2 2026") or id'
    )
    outlet_parser.add_argument("--lang", default="en", choices=LANGUAGES)
    outlet_parser.add_argument("-o", "--output", type=Path, required=True, help="PDF file")
    wave_parser = report_commands.add_parser(
        "wave", help="every outlet report of a wave and its comparison report"
    )
    wave_parser.add_argument(
        "wave",
        help='the wave\'s name (e.g. "Polmarket Q2 2026") or id; `shopscore waves` lists them',
    )
    wave_parser.add_argument("--out", type=Path, required=True, help="folder for the PDFs")
    wave_parser.add_argument("--lang", default="en", choices=LANGUAGES)
    wave_parser.add_argument(
        "--jobs", type=int, default=None, help="processes (default: all cores)"
    )


def run_report_command(settings: Settings, args: argparse.Namespace) -> int:
    """Run a parsed `shopscore report ...` command; returns the exit status."""
    try:
        if args.report_command == "outlet":
            size = asyncio.run(
                report_outlet(settings, args.code, args.wave, args.lang, args.output)
            )
            print(f"wrote {args.output} ({size} bytes)")
            return 0
        wave = find_wave(settings, args.wave)
    except ReportCommandError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    summary = report_wave(settings, wave.id, args.out, args.lang, args.jobs)
    for line in summary.lines(args.out):
        print(line, file=sys.stderr if line.startswith("FAILED") else sys.stdout)
    return 1 if summary.failed else 0
