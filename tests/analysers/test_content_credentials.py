"""Content Credentials (C2PA): manifests signed here with the C2PA SDK and a test PKI, then read by the metadata
analysis; and the Content Authenticity Initiative's own test files, where the shared corpus is present."""

from __future__ import annotations

import csv
import io
from collections import Counter

import numpy as np
import pytest
from cryptography.x509.oid import ExtendedKeyUsageOID
from PIL import Image

from forensics.algorithms.content_credentials import CredentialState, credential_state
from forensics.analysers import AnalysisContext
from forensics.analysers.metadata import MetadataAnalyser
from forensics.errors import EXIT_OK, EXIT_USAGE
from forensics.media import load_media
from tests.helpers import CORPUS, assemble, segments_before_scan, textured_rgb
from tests.pki import certificate_authority, leaf, sign_content_credentials

C2PA_CORPUS = CORPUS / "provenance" / "c2pa"


@pytest.fixture(scope="module")
def pki():
    root = certificate_authority("Newsroom Test Root")
    stranger = certificate_authority("Unknown Test Root")
    return {
        "root": root,
        "signer": leaf(root, "Newsroom Desk Signer", ExtendedKeyUsageOID.EMAIL_PROTECTION),
        "stranger_root": stranger,
        "stranger": leaf(stranger, "Someone Else", ExtendedKeyUsageOID.EMAIL_PROTECTION),
    }


def _encoded(pixels: np.ndarray, kind: str = "JPEG") -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, kind, **({"quality": 90} if kind == "JPEG" else {}))
    return buffer.getvalue()


@pytest.fixture(scope="module")
def signed_jpeg(pki) -> bytes:
    return sign_content_credentials(_encoded(textured_rgb(480, 640)), "image/jpeg", pki["signer"], pki["root"],
                                    parent=_encoded(textured_rgb(480, 640, seed=3)))


def _with_manifest_of(signed: bytes, pixels: np.ndarray) -> bytes:
    """Another JPEG of ``pixels`` carrying the signed file's C2PA segments (APP11), as an editor that keeps unknown
    segments writes it, or as someone who moves a manifest onto another picture."""
    manifest = [(marker, payload) for marker, payload in segments_before_scan(signed)[0] if marker == 0xEB]
    segments, scan = segments_before_scan(_encoded(pixels))
    return assemble(segments[:1] + manifest + segments[1:], scan)


def _c2pa_finding(tmp_path, data: bytes, suffix: str = ".jpg", anchors: str = ""):
    path = tmp_path / f"picture{suffix}"
    path.write_bytes(data)
    context = AnalysisContext("E001", path.name, parameters={"c2pa_trust_anchors": anchors} if anchors else {})
    findings = {f.key: f for f in MetadataAnalyser().analyse(load_media(path), context).findings}
    return findings.get("metadata.c2pa"), findings["metadata.summary"]


def _values(finding) -> dict:
    return {m.name: m.value for m in finding.measurements}


def test_valid_manifest_of_a_trusted_signer_states_what_it_declares(tmp_path, pki, signed_jpeg):
    finding, _ = _c2pa_finding(tmp_path, signed_jpeg, anchors=pki["root"].cert_pem.decode())
    values = _values(finding)
    assert finding.title == "Content Credentials (C2PA): valid, trusted signer"
    assert (finding.strength.value, finding.proposition.value) == ("none", "processing")
    assert values["signer (certificate common name)"] == "Newsroom Desk Signer"
    assert values["certificate issuer"] == "Test PKI"
    assert values["claim generator"] == "forensics-tests 1.0"
    assert values["actions"] == ["opened", "color adjustments (Test Editor 2.0)"]
    assert values["ingredients"] == ["parent.jpg (parentOf, image/jpeg)"]
    assert values["trust anchors given"] == 1
    assert values["correlation with the thumbnail signed with the manifest"] > 0.95


def test_without_anchors_or_with_other_anchors_the_signer_is_not_trusted(tmp_path, pki, signed_jpeg):
    for anchors in ("", pki["stranger_root"].cert_pem.decode()):
        finding, _ = _c2pa_finding(tmp_path, signed_jpeg, anchors=anchors)
        assert finding.title == "Content Credentials (C2PA): valid, signer not trusted"
        assert "signingCredential.untrusted" in _values(finding)["status codes"]
        assert "anyone can make a certificate" in finding.explanation


def test_png_signed_by_an_unknown_chain_is_valid_but_untrusted(tmp_path, pki):
    signed = sign_content_credentials(_encoded(textured_rgb(240, 320, seed=1), "PNG"), "image/png", pki["stranger"],
                                      pki["stranger_root"])
    finding, _ = _c2pa_finding(tmp_path, signed, ".png", anchors=pki["root"].cert_pem.decode())
    assert finding.title == "Content Credentials (C2PA): valid, signer not trusted"
    assert _values(finding)["actions"] == ["created (source type digitalCapture)"]
    assert _values(finding)["signer (certificate common name)"] == "Someone Else"


def test_pixels_changed_after_signing_strongly_support_processing(tmp_path, pki, signed_jpeg):
    edited = textured_rgb(480, 640)
    edited[200:260, 300:380] = (20, 160, 40)  # a patch painted after signing
    finding, _ = _c2pa_finding(tmp_path, _with_manifest_of(signed_jpeg, edited), anchors=pki["root"].cert_pem.decode())
    assert finding.title == "Content Credentials (C2PA): changed after signing"
    assert (finding.strength.value, finding.proposition.value) == ("strong", "processing")
    assert "assertion.dataHash.mismatch" in _values(finding)["status codes"]
    assert "still resembles the one signed" in finding.explanation


def test_manifest_moved_onto_another_picture_is_found_and_the_picture_differs(tmp_path, pki, signed_jpeg):
    y, x = np.mgrid[0:480, 0:640]
    other = np.stack([(x // 40 + y // 40) % 2 * 200 + 30] * 3, axis=-1).astype(np.uint8)  # a chessboard, not the photo
    finding, _ = _c2pa_finding(tmp_path, _with_manifest_of(signed_jpeg, other))
    assert finding.title == "Content Credentials (C2PA): changed after signing"
    assert _values(finding)["correlation with the thumbnail signed with the manifest"] < 0.4
    assert "shows another picture than the one signed" in finding.explanation


def test_stripped_manifest_leaves_no_credentials_finding(tmp_path, signed_jpeg):
    segments, scan = segments_before_scan(signed_jpeg)
    finding, summary = _c2pa_finding(tmp_path, assemble([s for s in segments if s[0] != 0xEB], scan))
    assert finding is None and _values(summary)["C2PA"] == "no C2PA manifest"


@pytest.mark.parametrize("state, codes, expected", [
    ("Trusted", [], CredentialState.VALID_TRUSTED),
    ("Valid", ["signingCredential.untrusted"], CredentialState.VALID_UNTRUSTED),
    ("Invalid", ["assertion.dataHash.mismatch", "signingCredential.untrusted"], CredentialState.CHANGED_AFTER_SIGNING),
    ("Invalid", ["assertion.bmffHash.mismatch"], CredentialState.CHANGED_AFTER_SIGNING),
    ("Invalid", ["claimSignature.mismatch", "signingCredential.untrusted"], CredentialState.MANIFEST_ALTERED),
    ("Invalid", ["assertion.hashedURI.mismatch", "ingredient.manifest.missing"], CredentialState.MANIFEST_ALTERED),
    ("Invalid", ["cawg.ica.invalid_issuer", "signingCredential.untrusted"], CredentialState.IDENTITY_UNVERIFIED),
    ("Invalid", ["assertion.required.missing", "signingCredential.untrusted"], CredentialState.MANIFEST_INVALID),
    ("Invalid", [], CredentialState.MANIFEST_INVALID),
])
def test_states_follow_the_specification_status_codes(state, codes, expected):
    # Codes as named in the C2PA 2.1 specification, section 15.2.
    assert credential_state(state, codes) is expected


def test_analyze_takes_trust_anchors_from_a_pem_file(tmp_path, run_cli, pki, signed_jpeg):
    import json

    (tmp_path / "photo.jpg").write_bytes(signed_jpeg)
    (tmp_path / "anchors.pem").write_bytes(pki["root"].cert_pem)
    code, _, stderr = run_cli("analyze", tmp_path / "photo.jpg", "--case", tmp_path / "case", "--no-report",
                              "--json", tmp_path / "r.json", "--c2pa-trust", tmp_path / "anchors.pem")
    assert code == EXIT_OK, stderr
    document = json.loads((tmp_path / "r.json").read_text())
    titles = [f["title"] for a in document["evidence"][0]["analysers"] for f in a["findings"] if f["key"] == "metadata.c2pa"]
    assert titles == ["Content Credentials (C2PA): valid, trusted signer"]
    (tmp_path / "not.pem").write_text("hello")
    code, _, stderr = run_cli("analyze", tmp_path / "photo.jpg", "--case", tmp_path / "case2", "--c2pa-trust", tmp_path / "not.pem")
    assert code == EXIT_USAGE and "holds no PEM certificate" in stderr and not (tmp_path / "case2").exists()


@pytest.mark.corpus
def test_the_initiatives_test_files_read_as_their_labels_say():
    """Every image in the corpus's C2PA folder, against the label its repository's own tests give it."""
    from forensics.media.metadata import read_image_metadata

    expected = {  # label -> what the analysis must say (a state, or that the manifest was not checked)
        "VALID": {CredentialState.VALID_UNTRUSTED.value},  # signed with test certificates, so never trusted
        "TAMPERED": {CredentialState.CHANGED_AFTER_SIGNING.value},
        "REMOTE": {"kept elsewhere"}, "REMOTE_INACCESSIBLE": {"kept elsewhere"},
        "INVALID_CAWG": {CredentialState.IDENTITY_UNVERIFIED.value, CredentialState.MANIFEST_INVALID.value},
    }
    seen = Counter()
    for row in csv.DictReader((C2PA_CORPUS / "labels.csv").open()):
        if row["label"] not in expected or not row["path"].lower().endswith((".jpg", ".jpeg", ".png")):
            continue
        data = (C2PA_CORPUS / row["path"]).read_bytes()
        meta = read_image_metadata(data, "PNG" if data[:4] == b"\x89PNG" else "JPEG")
        if meta.c2pa is not None:
            from forensics.algorithms.content_credentials import status_codes

            said = credential_state(meta.c2pa_validation or "", status_codes(meta.c2pa)).value
        else:
            said = "kept elsewhere" if meta.c2pa_remote_url else meta.c2pa_state
        assert said in expected[row["label"]], (row["path"], said)
        seen[row["label"]] += 1
    assert seen["VALID"] >= 15 and seen["TAMPERED"] == 1 and seen["INVALID_CAWG"] >= 25 and seen["REMOTE"] == 3
