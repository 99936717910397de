"""Every PDF the server issues is signed, carries its verification code and is recorded; the
public page `/verify` shows the record and checks files against it (docs/contract.md#reports).

Signatures are checked with poppler's pdfsig (tests/reports/pdfsig.py says what it checks). The
paths: the API's outlet and comparison reports, the dashboard's outlet report, and
`shopscore report outlet|wave` (the demo's reports: tests/server/test_demo.py).
"""

# asserts are written as `expected == actual`

from __future__ import annotations

import asyncio
import hashlib
import re
from pathlib import Path
from typing import Any

import pytest

from server.cli import main
from server.core.settings import Settings
from server.dashboard.web import CSRF_COOKIE, CSRF_FIELD, SESSION_COOKIE
from server.reporting.issuing import CODE_ALPHABET, CODE_LENGTH, normalised_code, shown_code
from server.reporting.verification import MAX_REPORT_BYTES, MISSES_PER_WINDOW
from tests.reports.pdf import page_texts
from tests.reports.pdfsig import MISMATCH, VALID, one_byte_changed, pdfsig, signature_lines
from tests.server.api import Api
from tests.server.reporting.seed import OUTLET_NAME_RU, ReportWorld
from tests.server.workflow.helpers import SENTINEL_EMAIL, SENTINEL_NAME, sql

CODE_ON_PAGE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")
CSRF = "verify-csrf-token-" + "x" * 24


def code_of(pdf: bytes) -> str:
    """The verification code a PDF shows (the same on every page)."""
    codes = {code for page in page_texts(pdf) for code in CODE_ON_PAGE.findall(page)}
    assert 1 == len(codes), codes
    return codes.pop()


def assert_signed(pdf: bytes) -> None:
    """pdfsig finds the signature valid, and invalid once one signed byte changed."""
    report = pdfsig(pdf)
    assert [VALID] == signature_lines(report), report
    assert [MISMATCH] == signature_lines(pdfsig(one_byte_changed(pdf, report)))


async def record_of(settings: Settings, pdf: bytes) -> dict[str, Any]:
    code = normalised_code(code_of(pdf))
    rows = await sql(settings.database_url, "SELECT * FROM issued_report WHERE code = ?", code)
    assert 1 == len(rows)
    return rows[0]


async def user_id(api: Api, headers: dict[str, str]) -> int:
    me = await api.ok("GET", "/api/v1/me", headers)
    return int(me["id"])


async def test_the_api_outlet_report_is_signed_recorded_and_verifiable(
    reader: Api, programme: ReportWorld, seeded_settings: Settings
) -> None:
    head_office = programme.headers["head_office"]
    response = await reader.client.get(
        f"/api/v1/outlets/{programme.ids['outlet_own']}/report.pdf"
        f"?wave={programme.ids['wave_a2']}&lang=ru",
        headers=head_office,
    )
    assert 200 == response.status_code, response.text
    pdf = response.content
    assert_signed(pdf)
    record = await record_of(seeded_settings, pdf)
    assert hashlib.sha256(pdf).hexdigest() == record["sha256"]
    assert len(pdf) == record["size"]
    assert ("outlet", "ru") == (record["kind"], record["lang"])
    assert programme.ids["outlet_own"] == record["outlet"]
    assert programme.ids["wave_a2"] == record["wave"]
    assert programme.visit("own", "a2").percent == pytest.approx(record["score"])
    assert OUTLET_NAME_RU == record["outlet_name"]
    assert await user_id(reader, head_office) == record["issued_to"]
    # The code is 16 characters of Crockford's base 32, shown in groups of four.
    assert CODE_LENGTH == len(record["code"])
    assert set(record["code"]) <= set(CODE_ALPHABET)
    # The QR code's address and the one printed are the server's public address.
    assert f"{seeded_settings.public_url}/verify" in " ".join(page_texts(pdf))


async def test_the_api_comparison_report_is_signed_and_recorded(
    reader: Api, programme: ReportWorld, seeded_settings: Settings
) -> None:
    headers = programme.headers["regional_manager"]
    response = await reader.client.get(
        f"/api/v1/waves/{programme.ids['wave_a2']}/comparison.pdf?lang=pl", headers=headers
    )
    assert 200 == response.status_code, response.text
    assert_signed(response.content)
    record = await record_of(seeded_settings, response.content)
    assert ("comparison", None) == (record["kind"], record["outlet"])
    assert programme.ids["wave_a2"] == record["wave"]
    assert await user_id(reader, headers) == record["issued_to"]


async def test_the_dashboard_outlet_report_is_signed_and_recorded(
    reader: Api, programme: ReportWorld, seeded_settings: Settings
) -> None:
    headers = programme.headers["outlet_manager"]
    token = headers["Authorization"].removeprefix("Bearer ")
    response = await reader.client.get(
        f"/outlets/{programme.ids['outlet_own']}/report.pdf",
        headers={"Cookie": f"{SESSION_COOKIE}={token}"},
    )
    assert 200 == response.status_code, response.text
    assert_signed(response.content)
    record = await record_of(seeded_settings, response.content)
    assert await user_id(reader, headers) == record["issued_to"]


@pytest.fixture
def signing_files(tmp_path: Path) -> tuple[Path, Path]:
    """A configured key and certificate (not the generated ones), naming another organisation."""
    from reports.signing import new_signing_key, self_signed_certificate

    key = new_signing_key()
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(self_signed_certificate(key, "Configured Agency"))
    key_file.write_bytes(key)
    return cert_file, key_file


def test_the_command_line_signs_and_records_with_the_configured_key(
    seeded_settings: Settings,
    programme: ReportWorld,
    signing_files: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    environment = {
        "DATABASE_URL": seeded_settings.database_url,
        "MEDIA_DIR": str(seeded_settings.media_dir),
        "SECRET_KEY": seeded_settings.secret_key,
        "SIGNING_CERT_FILE": str(signing_files[0]),
        "SIGNING_KEY_FILE": str(signing_files[1]),
        "PUBLIC_URL": "https://audits.example.test",
    }
    one = tmp_path / "own.pdf"
    assert 0 == main(["report", "outlet", "OWN", "--wave", str(programme.ids["wave_a2"]),
                      "-o", str(one)], environment)  # fmt: skip
    wave = tmp_path / "wave"
    assert 0 == main(["report", "wave", str(programme.ids["wave_a1"]), "--out", str(wave),
                      "--jobs", "2"], environment)  # fmt: skip
    files = [one, *sorted(wave.iterdir())]
    assert 5 == len(files)  # one outlet, then three outlets and the comparison
    for path in files:
        pdf = path.read_bytes()
        assert_signed(pdf)
        assert "CN=Configured Agency reports,O=Configured Agency" in pdfsig(pdf)
        assert "https://audits.example.test/verify" in " ".join(page_texts(pdf))
        record = asyncio.run(record_of(seeded_settings, pdf))
        assert hashlib.sha256(pdf).hexdigest() == record["sha256"]
        assert record["issued_to"] is None  # the command line runs as the operator


# --- the verification page --------------------------------------------------------------------


async def issued_outlet_report(api: Api, programme: ReportWorld) -> bytes:
    response = await api.client.get(
        f"/api/v1/outlets/{programme.ids['outlet_own']}/report.pdf"
        f"?wave={programme.ids['wave_a2']}&lang=en",
        headers=programme.headers["head_office"],
    )
    assert 200 == response.status_code, response.text
    return response.content


async def check_file(api: Api, code: str, pdf: bytes, language: str = "en") -> Any:
    response = await api.client.post(
        f"/verify/{code}",
        files={"file": ("report.pdf", pdf, "application/pdf")},
        data={CSRF_FIELD: CSRF},
        headers={"Cookie": f"{CSRF_COOKIE}={CSRF}", "Accept-Language": language},
    )
    api.client.cookies.clear()
    return response


async def test_the_verify_page_shows_the_record_to_anyone_and_nothing_of_the_auditor(
    reader: Api, programme: ReportWorld
) -> None:
    pdf = await issued_outlet_report(reader, programme)
    code = code_of(pdf)
    # As printed, as the QR code has it, and as someone might type it.
    for typed in (code, normalised_code(code), code.lower().replace("-", " ")):
        response = await reader.client.get(f"/verify/{typed}")  # no login, no cookie
        assert 200 == response.status_code, typed
        page = response.text
        assert code in page
        assert OUTLET_NAME_RU in page
        assert "Q1 a, second" in page
        assert hashlib.sha256(pdf).hexdigest() in page
        for sentinel in (SENTINEL_NAME, SENTINEL_EMAIL, SENTINEL_NAME.split()[-1]):
            assert sentinel not in page
    form = await reader.client.get(f"/verify?code={code}", follow_redirects=False)
    assert 303 == form.status_code
    assert f"/verify/{normalised_code(code)}" == form.headers["location"]


async def test_a_file_is_said_to_match_or_not_in_the_pages_language(
    reader: Api, programme: ReportWorld
) -> None:
    pdf = await issued_outlet_report(reader, programme)
    code = normalised_code(code_of(pdf))
    assert code is not None
    same = await check_file(reader, code, pdf)
    assert 200 == same.status_code, same.text
    assert "This file is the report issued under this code." in same.text
    changed = await check_file(reader, code, one_byte_changed(pdf, pdfsig(pdf)))
    assert "This file is not the report issued under this code." in changed.text
    other = await issued_outlet_report(reader, programme)  # same content, another issue
    assert (
        "This file is not the report issued under this code."
        in (await check_file(reader, code, other)).text
    )
    polish = await check_file(reader, code, pdf, "pl")
    assert "Ten plik jest raportem wydanym pod tym kodem." in polish.text


async def test_unknown_codes_are_404_and_limited_per_address(
    reader: Api, programme: ReportWorld
) -> None:
    pdf = await issued_outlet_report(reader, programme)
    known = code_of(pdf)
    for _lookup in range(3):  # known codes do not count
        assert 200 == (await reader.client.get(f"/verify/{known}")).status_code
    assert 404 == (await reader.client.get("/verify/not-a-code")).status_code
    for number in range(MISSES_PER_WINDOW - 1):
        unknown = shown_code(f"{number:016d}")
        response = await reader.client.get(f"/verify/{unknown}")
        assert 404 == response.status_code
        assert "No report was issued under the code" in response.text
    limited = await reader.client.get(f"/verify/{shown_code('Z' * 16)}")
    assert 429 == limited.status_code
    assert int(limited.headers["retry-after"]) > 0
    # Once limited, an address gets no answer for any code: it cannot go on probing.
    assert 429 == (await reader.client.get(f"/verify/{known}")).status_code


async def test_checking_files_stores_nothing_and_refuses_what_cannot_be_a_report(
    reader: Api, programme: ReportWorld, seeded_settings: Settings
) -> None:
    pdf = await issued_outlet_report(reader, programme)
    code = normalised_code(code_of(pdf))
    assert code is not None
    count = "SELECT COUNT(*) AS n FROM issued_report"
    before = await sql(seeded_settings.database_url, count)
    assert 200 == (await check_file(reader, code, pdf)).status_code
    assert 200 == (await check_file(reader, code, b"not a PDF at all")).status_code
    too_large = await check_file(reader, code, b"%PDF" + b"\0" * (MAX_REPORT_BYTES + 1))
    assert 413 == too_large.status_code
    no_file = await reader.client.post(
        f"/verify/{code}",
        data={CSRF_FIELD: CSRF},
        headers={"Cookie": f"{CSRF_COOKIE}={CSRF}"},
    )
    assert 200 == no_file.status_code  # the record again, with its form: nothing to say yet
    assert "This file is" not in no_file.text
    assert before == await sql(seeded_settings.database_url, count)
