"""`shopscore report outlet|wave` on the seeded programme, through the real `main()`.

`report wave` runs with a pool of two processes; one outlet is broken on purpose (its photo
thumbnail replaced by bytes that are not a JPEG, in a copy of the media folder) and the other
outlets and the comparison report must still be written.
"""

# asserts are written as `expected == actual`

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from server.cli import main
from server.core.settings import Settings
from server.reporting.demo import write_demo_reports
from tests.reports.pdf import page_texts
from tests.server.reporting.conftest import SECRET_KEY
from tests.server.reporting.seed import OUTLET_NAME_RU, ReportWorld
from tests.server.workflow.helpers import sql


@pytest.fixture
def cli_environment(
    seeded_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """The CLI's environment pointing at the seeded database and a copy of its media."""
    media = tmp_path / "media"
    shutil.copytree(seeded_settings.media_dir, media)
    monkeypatch.setenv("DATABASE_URL", seeded_settings.database_url)
    monkeypatch.setenv("MEDIA_DIR", str(media))
    monkeypatch.setenv("SECRET_KEY", SECRET_KEY)
    return media


def test_report_outlet_writes_one_pdf_in_russian(
    cli_environment: Path,
    programme: ReportWorld,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    output = tmp_path / "own.pdf"
    status = main(
        ["report", "outlet", "OWN", "--wave", str(programme.ids["wave_a2"]), "--lang", "ru",
         "-o", str(output)]
    )  # fmt: skip
    assert 0 == status
    assert OUTLET_NAME_RU in " ".join(page_texts(output.read_bytes()))
    assert str(output) in capsys.readouterr().out


def test_report_wave_with_two_processes_survives_a_broken_outlet(
    cli_environment: Path,
    seeded_settings: Settings,
    programme: ReportWorld,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = asyncio.run(sql(seeded_settings.database_url, "SELECT thumbnail_key FROM photo"))
    assert 1 == len(rows)
    (cli_environment / rows[0]["thumbnail_key"]).write_bytes(b"this is not a JPEG")
    out = tmp_path / "wave"
    status = main(["report", "wave", str(programme.ids["wave_a2"]), "--out", str(out),
                   "--jobs", "2"])  # fmt: skip
    captured = capsys.readouterr()
    assert 1 == status
    assert ["OTHER_OUTLET.en.pdf", "OTHER_REGION.en.pdf", "comparison.pdf"] == sorted(
        path.name for path in out.iterdir()
    )
    assert "FAILED OWN" in captured.err
    assert "4/4" in captured.err  # three outlets and the comparison: the bar reached the end
    assert "wrote 2 outlet report(s) and the comparison report" in captured.out
    assert "2 process(es)" in captured.out
    comparison = " ".join(page_texts((out / "comparison.pdf").read_bytes()))
    assert "OWN" in comparison


def test_report_wave_writes_every_outlet(
    cli_environment: Path,
    programme: ReportWorld,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "wave"
    status = main(["report", "wave", str(programme.ids["wave_a1"]), "--out", str(out),
                   "--jobs", "1", "--lang", "pl"])  # fmt: skip
    assert 0 == status
    assert ["OTHER_OUTLET.pl.pdf", "OTHER_REGION.pl.pdf", "OWN.pl.pdf", "comparison.pdf"] == sorted(
        path.name for path in out.iterdir()
    )
    assert "wrote 3 outlet report(s)" in capsys.readouterr().out


def test_report_of_an_unknown_wave_is_an_error(
    cli_environment: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert 1 == main(["report", "wave", "999999", "--out", str(tmp_path / "none")])
    assert "error:" in capsys.readouterr().err


def test_report_wave_skips_outlets_with_nothing_released(
    cli_environment: Path,
    programme: ReportWorld,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "wave"
    status = main(
        ["report", "wave", str(programme.ids["wave_b"]), "--out", str(out), "--jobs", "1"]
    )
    assert 0 == status
    assert [] == list(out.iterdir())
    assert "skipped (nothing released): OTHER_CLIENT" in capsys.readouterr().out


def test_demo_writes_the_latest_released_wave(
    seeded_settings: Settings,
    programme: ReportWorld,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    write_demo_reports(seeded_settings, tmp_path / "out")
    folder = tmp_path / "out" / f"wave-{programme.ids['wave_a2']}"
    assert 4 == len(list(folder.glob("*.pdf")))
    assert str(folder.resolve()) in capsys.readouterr().out


def test_demo_without_released_audits_skips_the_reports(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_demo_reports(settings, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert "no released audit" in capsys.readouterr().out
