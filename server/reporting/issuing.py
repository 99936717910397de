"""Issuing a report PDF: the one path of every PDF the server hands out (docs/contract.md#reports).

The API routes, the dashboard's outlet report, `shopscore report` and the demo all go through
here, so every issued PDF

1. carries a new verification code (80 random bits) and a QR code of its verification page,
2. is signed with the server's key (`reports.signing`, PAdES),
3. is recorded in `issued_report` (code, what it is about, the score shown, when, for whom, the
   SHA-256 of the signed file), in a write transaction of its own, before it is handed out.

`signed_report` is the CPU-bound part (build, sign, digest): the server runs it on its one PDF
thread, a report process of `shopscore report wave` in itself. `record` is the database part.
`ReportIssuer.issue` is both, for a request.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import hashlib
import secrets
from concurrent.futures import ThreadPoolExecutor
from typing import Final

from reports import (
    ComparisonReportData,
    OutletReportData,
    Verification,
    build_comparison_report,
    build_outlet_report,
)
from reports.signing import ReportSigner, new_signing_key, self_signed_certificate, sign_pdf
from server.core.clock import utc_now
from server.core.database import Database
from server.core.settings import Settings

OUTLET: Final = "outlet"
COMPARISON: Final = "comparison"
# Crockford's base 32: no I, L, O or U, so a code read aloud or typed from paper is not misread.
CODE_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH: Final = 16  # 80 random bits: see docs/contract.md#reports on guessing
CODE_GROUP: Final = 4
VERIFY_PATH: Final = "/verify"

ReportData = OutletReportData | ComparisonReportData

# ReportLab is not meant to build two documents at once in one process, and building is
# CPU-bound: the server builds and signs its PDFs one at a time on this thread, off the loop.
_pdf_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pdf")


@dataclasses.dataclass(frozen=True, slots=True)
class ReportSubject:
    """What a report is about, by id, for its record (the report data carries the names)."""

    kind: str
    client_id: int
    wave_id: int
    outlet_id: int | None = None
    region_id: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class SignedReport:
    """A built and signed PDF with its verification code (as stored) and SHA-256."""

    code: str
    pdf: bytes
    sha256: str


def new_code() -> str:
    """A new verification code: 16 characters of Crockford's base 32 (80 random bits)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def shown_code(code: str) -> str:
    """A stored code as people read it: "7KQ2-M9XD-4TPA-H3WZ"."""
    return "-".join(code[start : start + CODE_GROUP] for start in range(0, len(code), CODE_GROUP))


def normalised_code(text: str) -> str | None:
    """The stored form of a code as someone typed it (any case, with or without hyphens or
    spaces; O read as 0, I and L as 1, as Crockford's base 32 says); None when it cannot be
    one."""
    code = "".join(text.split()).replace("-", "").upper()
    code = code.translate(str.maketrans("OIL", "011"))
    if len(code) != CODE_LENGTH or any(character not in CODE_ALPHABET for character in code):
        return None
    return code


def verification_of(code: str, public_url: str) -> Verification:
    """What the report shows of its code: the code, the page to enter it on, its own page."""
    address = public_url + VERIFY_PATH
    return Verification(code=shown_code(code), address=address, url=f"{address}/{code}")


def signed_report(
    data: ReportData, lang: str, signer: ReportSigner, public_url: str
) -> SignedReport:
    """Build the report with a new verification code and sign it (CPU-bound: off the loop)."""
    code = new_code()
    verified = dataclasses.replace(data, verification=verification_of(code, public_url))
    if isinstance(verified, OutletReportData):
        pdf = build_outlet_report(verified, lang)
    else:
        pdf = build_comparison_report(verified, lang)
    signed = sign_pdf(pdf, signer)
    return SignedReport(code, signed, hashlib.sha256(signed).hexdigest())


async def record(
    database: Database,
    report: SignedReport,
    data: ReportData,
    subject: ReportSubject,
    lang: str,
    issued_to: int | None,
) -> None:
    """Record an issued report, in a write transaction of its own."""
    if isinstance(data, OutletReportData):
        names = {
            "outlet_name": data.outlet.name,
            "outlet_code": data.outlet.code,
            "region_name": data.outlet.region,
        }
        score = data.percent
    else:
        names = {"outlet_name": "", "outlet_code": "", "region_name": data.region or ""}
        score = data.network_percent
    async with database.transaction() as connection:
        await connection.insert(
            "issued_report",
            {
                "code": report.code,
                "kind": subject.kind,
                "lang": lang,
                "client": subject.client_id,
                "wave": subject.wave_id,
                "outlet": subject.outlet_id,
                "region": subject.region_id,
                "client_name": data.client,
                "wave_name": data.wave,
                **names,
                "score": score,
                "issued_at": utc_now(),
                "issued_to": issued_to,
                "sha256": report.sha256,
                "size": len(report.pdf),
            },
        )


class ReportIssuer:
    """Issues the server's PDFs: its database, its signing key and its public address."""

    def __init__(self, database: Database, signer: ReportSigner, public_url: str) -> None:
        self.database = database
        self.signer = signer
        self.public_url = public_url

    async def issue(
        self, data: ReportData, subject: ReportSubject, lang: str, issued_to: int | None
    ) -> bytes:
        """The signed PDF of `data`, recorded as issued to the user `issued_to`."""
        build = functools.partial(signed_report, data, lang, self.signer, self.public_url)
        report = await asyncio.get_running_loop().run_in_executor(_pdf_thread, build)
        await record(self.database, report, data, subject, lang, issued_to)
        return report.pdf


@functools.cache
def _process_identity(organisation: str) -> ReportSigner:
    key = new_signing_key()
    return ReportSigner.from_pem(self_signed_certificate(key, organisation), key)


def load_signer(settings: Settings) -> ReportSigner:
    """The signer of the settings' key and certificate files.

    `Settings.from_env` always names files (configured, or generated once into ./var); a
    Settings made in code without them (tests) gets an identity made once for the process.
    """
    if settings.signing_cert_file is None or settings.signing_key_file is None:
        return _process_identity(settings.signing_organisation)
    return ReportSigner.from_pem(
        settings.signing_cert_file.read_bytes(), settings.signing_key_file.read_bytes()
    )
