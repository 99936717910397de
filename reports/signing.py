"""PAdES signatures of report PDFs (docs/contract.md#reports), made with pyHanko.

`ReportSigner` is one signing identity: a private key and its certificate (with the
certificates of its issuers, when it has any). `sign_pdf(pdf, signer)` returns the PDF with an
invisible PAdES baseline (B-B) signature over the whole file, appended as an incremental update:
the builder's bytes stay as they were, and any change to them afterwards breaks the signature.
`new_signing_key` and `self_signed_certificate` make the identity of a server that was given
no certificate of its own: a new key and a self-signed certificate naming the organisation.

    signer = ReportSigner.from_pem(cert_pem, key_pem)
    signed = sign_pdf(build_outlet_report(data, "pl"), signer)

pyHanko's signing API is asynchronous; `sign_pdf` runs it on an event loop of its own and is
meant for the threads and processes that build reports, not for an event loop's thread.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import warnings
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from asn1crypto import cms as asn1_cms
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import NameOID

with warnings.catch_warnings():
    # pyHanko imports cryptography's DSA key type, which cryptography deprecates; no DSA key is
    # ever used here, and the warning would otherwise show in every process that signs.
    warnings.simplefilter("ignore", CryptographyDeprecationWarning)
    from pyhanko.keys import load_certs_from_pemder_data
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.attributes import CMSAttributeProvider, SignedAttributeProviderSpec
    from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute
    from pyhanko_certvalidator.registry import SimpleCertificateStore

T = TypeVar("T")
SIGNATURE_FIELD = "Signature"
# A generated certificate's lifetime: reports stay verifiable for years after they were issued.
CERTIFICATE_YEARS = 10


class SigningIdentityError(ValueError):
    """The key or certificate cannot sign reports (unreadable, or not a matching pair)."""


class ReportSigner:
    """One key and certificate that sign reports; made once, used for every report."""

    def __init__(
        self,
        certificate: asn1_x509.Certificate,
        key: asn1_keys.PrivateKeyInfo,
        issuers: tuple[asn1_x509.Certificate, ...] = (),
    ) -> None:
        self.certificate = certificate
        self._signer = signers.SimpleSigner(
            signing_cert=certificate,
            signing_key=key,
            cert_registry=SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
                [certificate, *issuers]
            ),
        )
        # The one signed attribute besides the digest, the ESS signing-certificate-v2 naming
        # this certificate, made once: pyHanko would hash the certificate and rebuild its
        # issuer's name for every signature, two thirds of the time signing takes (measured).
        self._signer.signed_attr_prov_spec = _SigningCertificateOnly(certificate)
        self._metadata = signers.PdfSignatureMetadata(
            field_name=SIGNATURE_FIELD,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
        )
        # pyHanko otherwise makes a whole throw-away signature per document to learn how much
        # room to leave for the real one: measured once, at the first signature (it needs an
        # event loop of its own, which the thread that builds the signer may be running).
        self._room: int | None = None

    @classmethod
    def from_pem(cls, certificate_pem: bytes, key_pem: bytes) -> ReportSigner:
        """A signer from PEM (or DER) data: the signing certificate first, then its issuers."""
        try:
            certificates = tuple(load_certs_from_pemder_data(certificate_pem))
            key = serialization.load_pem_private_key(key_pem, password=None)
        except (ValueError, TypeError) as error:
            raise SigningIdentityError(f"cannot read the signing identity: {error}") from error
        if not certificates:
            raise SigningIdentityError("the certificate file holds no certificate")
        certificate, *issuers = certificates
        public_key = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        if public_key != certificate.public_key.dump():
            raise SigningIdentityError("the private key does not belong to the certificate")
        private_key = asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return cls(certificate, private_key, tuple(issuers))

    @property
    def subject(self) -> str:
        """Who signs, as the certificate names them (e.g. "Common Name: Shopscore reports, ...")."""
        return str(self.certificate.subject.human_friendly)

    def _signature_room(self) -> int:
        empty_digest = hashes.Hash(hashes.SHA256()).finalize()
        trial = _run(
            lambda: self._signer.async_sign(empty_digest, "sha256", dry_run=True, use_pades=True)
        )
        # Counted in hexadecimal digits, as the signature is written into the PDF. ECDSA and
        # RSA-PSS signatures vary by a few bytes: half as much again, as pyHanko's own estimate.
        digits = 2 * len(trial.dump())
        return digits + 2 * (digits // 4)

    def sign(self, pdf: bytes) -> bytes:
        """`pdf` with this identity's PAdES signature over the whole file."""
        if self._room is None:
            self._room = self._signature_room()
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        output = io.BytesIO()
        pdf_signer = signers.PdfSigner(self._metadata, signer=self._signer)
        room = self._room
        _run(lambda: pdf_signer.async_sign_pdf(writer, output=output, bytes_reserved=room))
        return output.getvalue()


class _SigningCertificateOnly(SignedAttributeProviderSpec):
    """The signed attributes of a PAdES baseline signature (besides content type and message
    digest, which pyHanko adds): the signing certificate, as `CAdESSignedAttributeProviderSpec`
    makes it for PAdES, encoded once."""

    def __init__(self, certificate: asn1_x509.Certificate) -> None:
        attribute = simple_cms_attribute(  # type: ignore[no-untyped-call]
            "signing_certificate_v2", as_signing_certificate_v2(certificate)
        )
        self._encoded: bytes = attribute.dump()

    def signed_attr_providers(
        self, data_digest: bytes, digest_algorithm: str
    ) -> Iterator[CMSAttributeProvider]:
        yield _Encoded(self._encoded)


class _Encoded(CMSAttributeProvider):
    attribute_type = "signing_certificate_v2"

    def __init__(self, encoded: bytes) -> None:
        self._encoded = encoded

    async def get_attribute(self, dry_run: bool = False) -> asn1_cms.CMSAttribute:
        # Parsed from its bytes, the attribute is written back as they are, not re-encoded.
        return asn1_cms.CMSAttribute.load(self._encoded)


def _run(coroutine: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run one of pyHanko's coroutines to its end from synchronous code: on an event loop of
    its own, in a thread of its own when this thread already runs one (signing is CPU-bound
    and waits for nothing, so nothing is gained by sharing a loop)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine())
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(lambda: asyncio.run(coroutine())).result()


def sign_pdf(pdf: bytes, signer: ReportSigner) -> bytes:
    """The PDF `pdf` signed by `signer` (PAdES B-B, invisible, covering the whole file)."""
    return signer.sign(pdf)


def new_signing_key() -> bytes:
    """A new private key for signing reports, PEM (PKCS #8, unencrypted).

    An elliptic-curve key (P-256): signing costs a fraction of a millisecond, and every PDF
    reader checks it.
    """
    return ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def self_signed_certificate(key_pem: bytes, organisation: str) -> bytes:
    """A self-signed certificate (PEM) of the key `key_pem`, naming `organisation`."""
    key = serialization.load_pem_private_key(key_pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise SigningIdentityError("reports are signed with an EC or RSA key")
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{organisation} reports"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * CERTIFICATE_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)
