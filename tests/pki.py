"""A test PKI built in code, and a real RFC 3161 timestamp authority on 127.0.0.1 made from it.

The timestamp authority is OpenSSL's own (``openssl ts -reply``) behind a small HTTP handler, so the tokens the
tests verify come from an implementation independent of pyHanko, which requests and checks them. Certificates
follow what validators demand: a CA with basicConstraints and keyCertSign; a timestamping leaf with the critical
extended key usage id-kp-timeStamping (RFC 3161 section 2.3); a C2PA signing leaf with emailProtection, an
authority key identifier and digitalSignature (the C2PA trust model; dependency probe, section 7).
"""

from __future__ import annotations

import contextlib
import http.server
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class Credential:
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())

    @property
    def cert_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def write(self, folder: Path, stem: str) -> tuple[Path, Path]:
        key, cert = folder / f"{stem}.key", folder / f"{stem}.pem"
        key.write_bytes(self.key_pem)
        cert.write_bytes(self.cert_pem)
        return key, cert


def _usage(**granted: bool) -> x509.KeyUsage:
    names = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
             "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(**{name: granted.get(name, False) for name in names})


def certificate_authority(name: str) -> Credential:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test PKI")])
    now = datetime.now(timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Credential(key, certificate)


def leaf(issuer: Credential, name: str, purpose: x509.ObjectIdentifier) -> Credential:
    """A certificate for one purpose (timestamping or C2PA signing), issued by ``issuer``."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(timezone.utc)
    usage = _usage(digital_signature=True, content_commitment=purpose == ExtendedKeyUsageOID.TIME_STAMPING)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name),
                                 x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test PKI")]))
        .issuer_name(issuer.certificate.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=90))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        # RFC 3161 requires the timestamping purpose to be the only one, and critical.
        .add_extension(x509.ExtendedKeyUsage([purpose]), critical=purpose == ExtendedKeyUsageOID.TIME_STAMPING)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False)
        .sign(issuer.key, hashes.SHA256())
    )
    return Credential(key, certificate)


_OPENSSL_TSA_CONFIG = """\
[ tsa ]
default_tsa = test_tsa
[ test_tsa ]
serial = {folder}/serial
crypto_device = builtin
signer_cert = {folder}/tsa.pem
certs = {folder}/ca.pem
signer_key = {folder}/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = yes
ess_cert_id_alg = sha256
"""


class TimestampAuthority:
    """An RFC 3161 TSA over HTTP on 127.0.0.1: POSTed timestamp queries are answered by ``openssl ts -reply``."""

    def __init__(self, name: str = "Test Timestamp Authority"):
        if shutil.which("openssl") is None:
            raise RuntimeError("openssl is not installed (scripts/system-deps.sh test installs it)")
        self.root = certificate_authority(f"{name} Root")
        self.signer = leaf(self.root, name, ExtendedKeyUsageOID.TIME_STAMPING)
        self._folder = Path(tempfile.mkdtemp(prefix="test-tsa-"))
        self.signer.write(self._folder, "tsa")
        self.root_pem = self._folder / "ca.pem"
        self.root_pem.write_bytes(self.root.cert_pem)
        (self._folder / "serial").write_text("01\n")
        (self._folder / "tsa.cnf").write_text(_OPENSSL_TSA_CONFIG.format(folder=self._folder))
        self.requests = 0
        self._lock = threading.Lock()
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/tsa"

    def _reply(self, query: bytes) -> bytes:
        with self._lock:  # one serial file: answer one query at a time
            self.requests += 1
            (self._folder / "query.tsq").write_bytes(query)
            subprocess.run(["openssl", "ts", "-reply", "-config", str(self._folder / "tsa.cnf"),
                            "-queryfile", str(self._folder / "query.tsq"), "-out", str(self._folder / "reply.tsr")],
                           check=True, capture_output=True)
            return (self._folder / "reply.tsr").read_bytes()

    def _handler(self):
        authority = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                query = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Type") != "application/timestamp-query":
                    self.send_error(415)
                    return
                reply = authority._reply(query)
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        return Handler

    def __enter__(self) -> TimestampAuthority:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        shutil.rmtree(self._folder, ignore_errors=True)


def sign_content_credentials(picture: bytes, mime: str, signer: Credential, issuer: Credential,
                             parent: bytes | None = None, editor: str = "Test Editor 2.0",
                             generator: str = "forensics-tests 1.0") -> bytes:
    """``picture`` with a C2PA manifest signed by ``signer`` (certificate chain: signer, then ``issuer``), made with
    the C2PA SDK's own signing API: a claim generator ("name version") and, with ``parent``, two actions (opened the parent, adjusted
    colours with ``editor``: "name version") and that picture as the parent ingredient; without, one action
    (created by a digital capture)."""
    import io

    import c2pa

    manifest = {
        "claim_generator_info": [dict(zip(("name", "version"), generator.rsplit(" ", 1)))],
        "title": "picture",
        "assertions": [{"label": "c2pa.actions", "data": {"actions": [
            {"action": "c2pa.opened", "parameters": {"ingredientIds": ["parent-ingredient"]}},
            {"action": "c2pa.color_adjustments", "softwareAgent": dict(zip(("name", "version"), editor.rsplit(" ", 1)))},
        ] if parent else [{"action": "c2pa.created", "digitalSourceType":
                           "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"}]}}],
    }
    info = c2pa.C2paSignerInfo(alg=b"es256", sign_cert=signer.cert_pem + issuer.cert_pem, private_key=signer.key_pem,
                               ta_url=None)
    signed = io.BytesIO()
    # Closed here rather than by garbage collection, whose finalisers run at random moments in later tests.
    with contextlib.closing(c2pa.Builder(manifest)) as builder, contextlib.closing(c2pa.Signer.from_info(info)) as key:
        if parent:
            builder.add_ingredient({"title": "parent.jpg", "relationship": "parentOf", "label": "parent-ingredient"},
                                   "image/jpeg", io.BytesIO(parent))
        builder.sign(key, mime, io.BytesIO(picture), signed)
    return signed.getvalue()
