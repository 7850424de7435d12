"""Generate the example of trust features: a picture with Content Credentials, and a signed, timestamped report of
it with an examiner's annotation (``examples/example-report-credentials.pdf``).

    python examples/make_trust_example.py     # needs the test extras and openssl (scripts/test.sh installs both)

Everything is made here with test certificates, and none of it vouches for anything outside this example:
- ``portrait-credentials.jpg``: ``portrait.jpg`` with its colours adjusted (brighter by 6 levels), saved at quality
  90 and signed with Content Credentials (C2PA) by "Example Newsroom (test certificate)", whose chain ends in a
  test root made for this run, declaring the edit and naming ``portrait.jpg`` as its parent ingredient;
- the analysis trusts that root (``--c2pa-trust``), as a newsroom would trust its own;
- the examiner accepts the Content Credentials finding with ``forensics annotate``;
- the report is signed with a key made by ``forensics keygen`` and timestamped by OpenSSL's timestamp authority
  run on 127.0.0.1 with a test PKI (``tests/pki.py``); ``forensics verify`` is run on it and its output printed.
"""

from __future__ import annotations

import io
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
from cryptography.x509.oid import ExtendedKeyUsageOID
from PIL import Image

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))  # tests.pki: the test PKI and timestamp authority

from forensics.cli import main  # noqa: E402
from tests.pki import TimestampAuthority, certificate_authority, leaf, sign_content_credentials  # noqa: E402


def credentials_picture(root, signer) -> bytes:
    original = (HERE / "portrait.jpg").read_bytes()
    pixels = np.asarray(Image.open(io.BytesIO(original)).convert("RGB")).astype(np.int16)
    edited = io.BytesIO()
    Image.fromarray(np.clip(pixels + 6, 0, 255).astype(np.uint8)).save(edited, "JPEG", quality=90)
    return sign_content_credentials(edited.getvalue(), "image/jpeg", signer, root, parent=original,
                                    editor="make_trust_example.py 1.0", generator="make_trust_example.py 1.0")


def run(*arguments: str) -> None:
    code = main([str(a) for a in arguments])
    if code != 0:
        raise SystemExit(f"forensics {arguments[0]} failed with exit code {code}")


def build() -> None:
    work = Path(tempfile.mkdtemp(prefix="trust-example-"))
    try:
        root = certificate_authority("Example Newsroom Root (test certificate)")
        signer = leaf(root, "Example Newsroom (test certificate)", ExtendedKeyUsageOID.EMAIL_PROTECTION)
        picture = HERE / "portrait-credentials.jpg"
        picture.write_bytes(credentials_picture(root, signer))
        (work / "newsroom-root.pem").write_bytes(root.cert_pem)
        case, report = work / "case", HERE / "example-report-credentials.pdf"
        run("keygen", work / "keys", "--name", "Example Examiner", "--organisation", "Example Lab", "-q")
        run("analyze", picture, "--case", case, "--case-number", "EXAMPLE-002", "--agency", "Example Lab",
            "--examiner", "Example Examiner", "--received-from", "bundled examples", "--question",
            "Do the Content Credentials show the photo is unchanged since the newsroom signed it?",
            "--c2pa-trust", work / "newsroom-root.pem", "--no-report", "-q")
        run("annotate", case, "E001", "metadata.c2pa", "--status", "accepted", "--comment",
            "The signer's root certificate was compared with the one the newsroom publishes (example).", "-q")
        with TimestampAuthority("Example Timestamp Authority (test certificate)") as tsa:
            run("report", case, "-o", report, "--sign", work / "keys" / "examiner-key.pem", "--sign-cert",
                work / "keys" / "examiner-cert.pem", "--tsa", tsa.url, "-q")
            main(["verify", str(report), "--evidence", str(picture), "--trust", str(work / "keys" / "examiner-cert.pem"),
                  "--tsa-trust", str(tsa.root_pem), "--require-signature", "--require-timestamp"])
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    build()
