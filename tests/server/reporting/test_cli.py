"""`shopscore report outlet|wave` and `shopscore waves` on the seeded programme, via `main()`.

`report wave` runs with a pool of two processes; one outlet is broken on purpose (its photo
thumbnail replaced by bytes that are not a JPEG, in a copy of the media folder) and the other
outlets and the comparison report must still be written. Waves are named by name or id; an
unknown wave or outlet is answered with what there is.
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
def cli_environment(seeded_settings: Settings, tmp_path: Path) -> dict[str, str]:
    """The CLI's environment pointing at the seeded database and a copy of its media."""
    media = tmp_path / "media"
    shutil.copytree(seeded_settings.media_dir, media)
    return {
        "DATABASE_URL": seeded_settings.database_url,
        "MEDIA_DIR": str(media),
        "SECRET_KEY": SECRET_KEY,
    }


def test_report_outlet_writes_one_pdf_in_russian(
    cli_environment: dict[str, str],
    programme: ReportWorld,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    output = tmp_path / "own.pdf"
    status = main(
        ["report", "outlet", "OWN", "--wave", str(programme.ids["wave_a2"]), "--lang", "ru",
         "-o", str(output)], cli_environment
    )  # fmt: skip
    assert 0 == status
    assert OUTLET_NAME_RU in " ".join(page_texts(output.read_bytes()))
    assert str(output) in capsys.readouterr().out


def test_report_wave_with_two_processes_survives_a_broken_outlet(
    cli_environment: dict[str, str],
    seeded_settings: Settings,
    programme: ReportWorld,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = asyncio.run(sql(seeded_settings.database_url, "SELECT thumbnail_key FROM photo"))
    assert 1 == len(rows)
    (Path(cli_environment["MEDIA_DIR"]) / rows[0]["thumbnail_key"]).write_bytes(
        b"this is not a JPEG"
    )
    out = tmp_path / "wave"
    status = main(["report", "wave", str(programme.ids["wave_a2"]), "--out", str(out),
                   "--jobs", "2"], cli_environment)  # fmt: skip
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
    cli_environment: dict[str, str],
    programme: ReportWorld,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "wave"
    status = main(["report", "wave", str(programme.ids["wave_a1"]), "--out", str(out),
                   "--jobs", "1", "--lang", "pl"], cli_environment)  # fmt: skip
    assert 0 == status
    assert ["OTHER_OUTLET.pl.pdf", "OTHER_REGION.pl.pdf", "OWN.pl.pdf", "comparison.pdf"] == sorted(
        path.name for path in out.iterdir()
    )
    assert "wrote 3 outlet report(s)" in capsys.readouterr().out


def test_report_of_an_unknown_wave_is_an_error(
    cli_environment: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert 1 == main(["report", "wave", "999999", "--out", str(tmp_path / "none")], cli_environment)
    assert 'error: there is no wave "999999"' in capsys.readouterr().err
    assert not (tmp_path / "none").exists()


def test_a_wave_is_named_by_its_name_in_any_case_or_by_its_id(
    cli_environment: dict[str, str],
    programme: ReportWorld,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    by_name = tmp_path / "by-name.pdf"
    by_id = tmp_path / "by-id.pdf"
    assert 0 == main(
        ["report", "outlet", "OWN", "--wave", "Q1 a, second", "-o", str(by_name)], cli_environment
    )
    wave_id = str(programme.ids["wave_a2"])
    assert 0 == main(
        ["report", "outlet", "OWN", "--wave", wave_id, "-o", str(by_id)], cli_environment
    )
    for output in (by_name, by_id):
        assert OUTLET_NAME_RU in " ".join(page_texts(output.read_bytes()))
    out = tmp_path / "wave"
    assert 0 == main(["report", "wave", "q1 A", "--out", str(out), "--jobs", "1"], cli_environment)
    assert "OWN.en.pdf" in {path.name for path in out.iterdir()}
    capsys.readouterr()


def test_an_unknown_wave_lists_the_waves_there_are(
    cli_environment: dict[str, str],
    programme: ReportWorld,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    output = tmp_path / "none.pdf"
    assert 1 == main(
        ["report", "outlet", "OWN", "--wave", "Q9 nowhere", "-o", str(output)], cli_environment
    )
    error = capsys.readouterr().err
    assert 'there is no wave "Q9 nowhere"' in error
    assert "outlet with this code" not in error
    listed = {line.split()[0]: line for line in error.splitlines()[2:]}
    for key, name in (("wave_a1", "Q1 a"), ("wave_a2", "Q1 a, second"), ("wave_b", "Q1 b")):
        assert name in listed[str(programme.ids[key])]
    assert not output.exists()


def test_an_unknown_outlet_names_the_client_and_its_outlets(
    cli_environment: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "none.pdf"
    assert 1 == main(
        ["report", "outlet", "NOPE", "--wave", "Q1 a", "-o", str(output)], cli_environment
    )
    error = capsys.readouterr().err
    assert 'has no outlet "NOPE"' in error
    assert "OWN" in error.split("its outlets:")[1]
    assert not output.exists()


def test_waves_lists_every_wave_with_its_id_and_released_audits(
    cli_environment: dict[str, str], programme: ReportWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    assert 0 == main(["waves"], cli_environment)
    lines = capsys.readouterr().out.splitlines()
    assert ["id", "wave", "client"] == lines[0].split()[:3]
    rows = {line.split()[0]: line for line in lines[1:] if line.strip()[:1].isdigit()}
    second = rows[str(programme.ids["wave_a2"])]
    assert "Q1 a, second" in second
    assert "0" != second.split()[-1]  # it holds released audits
    assert 'shopscore report wave "' in "\n".join(lines)


def test_report_wave_skips_outlets_with_nothing_released(
    cli_environment: dict[str, str],
    programme: ReportWorld,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "wave"
    status = main(
        ["report", "wave", str(programme.ids["wave_b"]), "--out", str(out), "--jobs", "1"],
        cli_environment,
    )
    assert 0 == status
    assert [] == list(out.iterdir())
    assert "skipped (nothing released): OTHER_CLIENT" in capsys.readouterr().out


def test_demo_writes_each_clients_latest_released_wave(
    seeded_settings: Settings,
    programme: ReportWorld,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    write_demo_reports(seeded_settings, tmp_path / "out", jobs=1)
    # Client a: its second wave (the later one); client b has released nothing.
    assert ["q1-a-second"] == [path.name for path in (tmp_path / "out").iterdir()]
    folder = tmp_path / "out" / "q1-a-second"
    assert 4 == len(list(folder.glob("*.pdf")))
    printed = capsys.readouterr().out
    assert str(folder.resolve()) in printed
    assert "Q1 a, second" in printed


def test_demo_without_released_audits_skips_the_reports(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_demo_reports(settings, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert "no released audit" in capsys.readouterr().out
