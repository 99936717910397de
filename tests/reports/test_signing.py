"""Report PDFs signed with `reports.signing`, checked by poppler's pdfsig (tests/reports/pdfsig.py
says what it checks and why the certificate line is not asserted), and the verification panel
each issued report shows (docs/contract.md#reports)."""

# asserts are written as `expected == actual`

from __future__ import annotations

import dataclasses
import io
import threading

import pytest
from cryptography import x509

from reports import Verification, build_comparison_report, build_outlet_report
from reports.signing import (
    ReportSigner,
    SigningIdentityError,
    new_signing_key,
    self_signed_certificate,
    sign_pdf,
)
from tests.reports.pdf import page_texts
from tests.reports.pdfsig import MISMATCH, VALID, one_byte_changed, pdfsig, signature_lines
from tests.reports.samples import comparison_report_data, outlet_report_data

VERIFICATION = Verification(
    code="7KQ2-M9XD-4TPA-H3WZ",
    address="https://audits.example.test/verify",
    url="https://audits.example.test/verify/7KQ2M9XD4TPAH3WZ",
)


@pytest.fixture(scope="module")
def signer() -> ReportSigner:
    key = new_signing_key()
    return ReportSigner.from_pem(self_signed_certificate(key, "Acme Audits"), key)


def test_a_signed_outlet_report_is_valid_and_one_changed_byte_breaks_it(
    signer: ReportSigner,
) -> None:
    data = dataclasses.replace(outlet_report_data("pl", photos=2), verification=VERIFICATION)
    signed = sign_pdf(build_outlet_report(data, "pl"), signer)
    report = pdfsig(signed)
    assert [VALID] == signature_lines(report)
    assert "Total document signed" in report
    assert "CN=Acme Audits reports,O=Acme Audits" in report
    assert "ETSI.CAdES.detached" in report  # PAdES, not the older adbe.pkcs7.detached
    assert [MISMATCH] == signature_lines(pdfsig(one_byte_changed(signed, report)))


def test_a_signed_comparison_report_is_valid(signer: ReportSigner) -> None:
    data = dataclasses.replace(comparison_report_data("uk"), verification=VERIFICATION)
    signed = sign_pdf(build_comparison_report(data, "uk"), signer)
    report = pdfsig(signed)
    assert [VALID] == signature_lines(report)
    assert [MISMATCH] == signature_lines(pdfsig(one_byte_changed(signed, report)))


def test_signing_keeps_the_built_bytes_and_appends_the_signature(signer: ReportSigner) -> None:
    pdf = build_outlet_report(outlet_report_data("en"), "en", invariant=True)
    signed = sign_pdf(pdf, signer)
    assert signed.startswith(pdf)  # an incremental update: the report itself is untouched
    assert page_texts(pdf) == page_texts(signed)


def test_signing_from_a_thread_running_an_event_loop(signer: ReportSigner) -> None:
    """pyHanko signs on an event loop of its own: a caller's running loop is no obstacle."""
    import asyncio

    pdf = build_outlet_report(outlet_report_data("en"), "en", invariant=True)

    async def inside_a_loop() -> bytes:
        return sign_pdf(pdf, signer)

    results: list[bytes] = []
    thread = threading.Thread(target=lambda: results.append(asyncio.run(inside_a_loop())))
    thread.start()
    thread.join()
    assert [VALID] == signature_lines(pdfsig(results[0]))


def test_the_report_shows_its_code_on_every_page_and_where_to_check_it() -> None:
    data = dataclasses.replace(outlet_report_data("en", failed_items=30), verification=VERIFICATION)
    pages = page_texts(build_outlet_report(data, "en"))
    assert len(pages) > 1
    assert all(VERIFICATION.code in page for page in pages)
    assert "Verify this report" in pages[0]
    assert VERIFICATION.address in pages[0]


def test_a_report_without_verification_shows_no_code() -> None:
    pages = page_texts(build_outlet_report(outlet_report_data("en"), "en"))
    assert not any("Verify this report" in page for page in pages)


def test_a_generated_certificate_names_the_organisation() -> None:
    key = new_signing_key()
    certificate = x509.load_pem_x509_certificate(self_signed_certificate(key, "Acme Audits"))
    assert "CN=Acme Audits reports,O=Acme Audits" == certificate.subject.rfc4514_string()
    assert certificate.issuer == certificate.subject


def test_a_key_of_another_certificate_is_refused() -> None:
    certificate = self_signed_certificate(new_signing_key(), "Acme Audits")
    with pytest.raises(SigningIdentityError):
        ReportSigner.from_pem(certificate, new_signing_key())
    with pytest.raises(SigningIdentityError):
        ReportSigner.from_pem(b"not a certificate", new_signing_key())


def test_a_reader_that_trusts_the_certificate_finds_the_whole_file_signed(
    signer: ReportSigner,
) -> None:
    """What a client who added the server's certificate to its trust store sees (pyHanko's own
    validator, with the certificate as its trust root)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    signed = sign_pdf(build_outlet_report(outlet_report_data("ru"), "ru"), signer)
    signature = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[signer.certificate]))
    assert (True, True, True) == (status.intact, status.valid, status.trusted)
    assert SignatureCoverageLevel.ENTIRE_FILE == status.coverage
