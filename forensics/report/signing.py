"""Examiner signatures on reports (PAdES with pyHanko), trusted timestamps (RFC 3161), and self-signed examiner
keys for labs without a PKI.

A signature proves who vouches for the report; its date is the signer's own claim. A timestamp token from a
timestamp authority (TSA) proves when: the TSA signs the hash of the signature (PAdES B-T) or, for an unsigned
report, of the whole document (a document timestamp, /DocTimeStamp).

RSA keys and an invisible signature field keep the PDF/A-3 file conformant: with ECDSA keys pyHanko declares
PDF 2.0 in the catalogue, and its visible stamp uses a non-embedded Courier font (dependency probe, section 3).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from forensics.errors import ForensicsError

FIELD_NAME = "ExaminerSignature"


class SigningError(ForensicsError):
    exit_code = 2  # a usage problem: the key, certificate, password or timestamp authority given cannot be used


TIMESTAMP_FIELD_NAME = "DocumentTimestamp"
TSA_TIMEOUT_S = 20


def check_tsa_url(url: str) -> str:
    """The TSA address, if it is an http(s) URL with a host; a SigningError otherwise."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SigningError(f"--tsa {url!r}: give the timestamp authority's http:// or https:// address")
    return url


def _timestamper(url: str):
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(check_tsa_url(url), timeout=TSA_TIMEOUT_S)


def _timestamp_failure(url: str, error: Exception) -> SigningError:
    reason = " ".join(str(error).split())[:200] or type(error).__name__
    return SigningError(f"the timestamp authority at {url} gave no valid timestamp ({reason}); the report was not written")


def timestamp_document(pdf: bytes, tsa_url: str) -> bytes:
    """``pdf`` with a document timestamp from the TSA at ``tsa_url`` appended (an incremental update)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    stamper = signers.PdfTimeStamper(_timestamper(tsa_url), field_name=TIMESTAMP_FIELD_NAME)
    try:
        return stamper.timestamp_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), md_algorithm="sha256").getvalue()
    except Exception as error:  # network, HTTP or token errors alike: the user needs the TSA named, not a traceback
        raise _timestamp_failure(tsa_url, error) from error


def token_time(pdf: bytes) -> datetime | None:
    """The time in the timestamp token of the PDF's last signature or document timestamp, unverified (None if none).

    For the custody log: what the TSA answered. ``forensics verify`` is what checks the token."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.general import find_unique_cms_attribute

    signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    if not signatures:
        return None
    last = signatures[-1]
    if last.sig_object_type == "/DocTimeStamp":
        token = last.signed_data
    else:
        try:
            token = find_unique_cms_attribute(last.signer_info["unsigned_attrs"], "signature_time_stamp_token")["content"]
        except Exception:  # no token attached
            return None
    return token["encap_content_info"]["content"].parsed["gen_time"].native


@dataclass
class Signing:
    signer: object  # pyhanko.sign.signers.SimpleSigner

    def describe(self) -> dict:
        certificate = self.signer.signing_cert
        return {
            "subject": certificate.subject.human_friendly,
            "self_signed": certificate.self_signed in ("yes", "maybe"),
            "fingerprint": hashlib.sha256(certificate.dump()).hexdigest(),
        }

    def sign(self, pdf: bytes, reason: str, tsa_url: str | None = None) -> bytes:
        """``pdf`` signed; with ``tsa_url``, the signature carries a timestamp token from that TSA (PAdES B-T)."""
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers

        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        metadata = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES, reason=reason,
        )
        timestamper = _timestamper(tsa_url) if tsa_url else None
        try:
            output = signers.sign_pdf(writer, metadata, signer=self.signer, timestamper=timestamper,
                                      new_field_spec=fields.SigFieldSpec(FIELD_NAME))
        except Exception as error:
            if timestamper is None:
                raise
            raise _timestamp_failure(tsa_url, error) from error
        return output.getvalue()


def load_signing(key_path: str, cert_path: str | None = None, password: str | None = None) -> Signing:
    """A signer from a PKCS#12 file (.p12/.pfx) or from a PEM key plus its PEM certificate."""
    from pyhanko.sign import signers

    secret = password.encode("utf-8") if password else None
    if not Path(key_path).is_file():
        raise SigningError(f"{key_path}: no such key file")
    if key_path.lower().endswith((".p12", ".pfx")):
        signer = signers.SimpleSigner.load_pkcs12(key_path, passphrase=secret)
    else:
        if not cert_path or not Path(cert_path).is_file():
            raise SigningError(f"{key_path}: a PEM key needs its certificate (--sign-cert CERT.pem)")
        signer = signers.SimpleSigner.load(key_path, cert_path, key_passphrase=secret)
    if signer is None:
        raise SigningError(f"{key_path}: the key or certificate cannot be loaded (wrong password or format?)")
    return Signing(signer)


def keygen(directory: Path, name: str, organisation: str = "", password: str | None = None) -> tuple[Path, Path, str]:
    """Write a new RSA-3072 key and a self-signed certificate valid 5 years; return their paths and its fingerprint."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key_path, cert_path = directory / "examiner-key.pem", directory / "examiner-cert.pem"
    for path in (key_path, cert_path):
        if path.exists():
            raise SigningError(f"{path}: already exists; keys are never overwritten")
    directory.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, name)]
    if organisation:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    subject = x509.Name(attributes)
    now = datetime.now(timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=5 * 365))
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )
    encryption = (serialization.BestAvailableEncryption(password.encode("utf-8")) if password
                  else serialization.NoEncryption())
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption))
    key_path.chmod(0o600)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    fingerprint = hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()
    return key_path, cert_path, fingerprint
