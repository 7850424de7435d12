"""`forensics verify`: check a report on its own, without the case it came from.

Checks, each with a one-line verdict: the PDF signature (intact, covering the whole file, who signed, trusted
when a certificate is given); the attached results and custody log; the custody hash chain inside the
attachment and its agreement with the results' evidence hashes; and, given the evidence files, their SHA-256
against the exhibits the report describes.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

from forensics.case.custody import Event, chain_problems
from forensics.case.hashing import sha256_file


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None  # None: not applicable (e.g. an unsigned report's signature)
    detail: str


def verify_report(pdf: bytes, evidence: list[Path] | None = None, trust: Path | None = None,
                  require_signature: bool = False) -> list[Check]:
    checks = [_signature(pdf, trust, require_signature)]
    try:
        from pypdf import PdfReader

        attachments = PdfReader(io.BytesIO(pdf)).attachments  # lazy: decoding happens on access, below
        results_raw, custody_raw = attachments.get("results.json"), attachments.get("custody-log.json")
    except Exception as error:  # a damaged file: nothing else can be checked
        return checks + [Check("document", False, f"the file cannot be read as a PDF ({str(error)[:120]})")]
    if not results_raw or not custody_raw:
        return checks + [Check("attachments", False, "the report does not carry results.json and custody-log.json")]
    try:
        results = json.loads(results_raw[0])
        events = [Event(**row) for row in json.loads(custody_raw[0])]
        evidence_rows = [(e["exhibit_id"], e["sha256"], e["file_name"]) for e in results["evidence"]]
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        return checks + [Check("attachments", False, f"the attached JSON is not a forensics results document ({str(error)[:120]})")]
    checks.append(Check("attachments", True, f"results for {len(evidence_rows)} exhibit(s) and {len(events)} custody events"))
    problems = chain_problems(events)
    checks.append(Check("custody chain", not problems,
                        "; ".join(problems) if problems else f"{len(events)} events link correctly; head {events[-1].hash}"))
    intakes = {e.details.get("exhibit_id"): e.details.get("sha256") for e in events if e.action == "intake"}
    mismatched = [exhibit for exhibit, sha256, _ in evidence_rows if intakes.get(exhibit) != sha256]
    checks.append(Check("results vs custody", not mismatched,
                        f"exhibits {', '.join(mismatched)} differ from their intake records" if mismatched
                        else "every exhibit's SHA-256 equals the one recorded at intake"))
    known = {sha256: (exhibit, name) for exhibit, sha256, name in evidence_rows}
    for path in evidence or []:
        digest = sha256_file(path)
        match = known.get(digest)
        checks.append(Check(f"evidence {path.name}", match is not None,
                            f"SHA-256 {digest} is exhibit {match[0]} ({match[1]})" if match
                            else f"SHA-256 {digest} matches no exhibit in this report"))
    return checks


def _signature(pdf: bytes, trust: Path | None, required: bool) -> Check:
    try:
        from pyhanko.keys import load_cert_from_pemder
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign.validation import validate_pdf_signature
        from pyhanko.sign.validation.status import SignatureCoverageLevel
        from pyhanko_certvalidator import ValidationContext
    except ImportError:  # pragma: no cover - pyhanko is a dependency
        return Check("signature", False, "pyHanko is not installed")
    try:
        signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    except Exception as error:
        return Check("signature", False, f"the PDF structure is damaged ({str(error)[:120]})")
    if not signatures:
        # A damaged signature dictionary (e.g. /FT /Sig altered) hides the signature from the PDF reader; a
        # signed file must not pass as merely "unsigned", so look for what signing leaves in the bytes.
        if re.search(rb"/ByteRange\s*\[|/SigFlags|ETSI\.CAdES|adbe\.pkcs7", pdf):
            return Check("signature", False, "the report carries a signature that can no longer be recognised: "
                                             "its signature dictionary was altered")
        return Check("signature", False if required else None,
                     "the report is not signed: its integrity cannot be shown by a signature")
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(trust))] if trust else [], allow_fetching=False)
    try:
        status = validate_pdf_signature(signatures[-1], context)
    except Exception as error:
        return Check("signature", False, f"the signature cannot be validated ({str(error)[:160]})")
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    padding_clean = _padding_untouched(signatures[-1]) and _contents_canonical(pdf, signatures[-1])
    ok = bool(status.intact and status.valid and whole and padding_clean and (status.trusted or trust is None))
    signer = status.signing_cert.subject.human_friendly
    parts = [f"signed by {signer}" + (f" at {status.signer_reported_dt:%Y-%m-%d %H:%M:%S %Z}" if status.signer_reported_dt else "")]
    parts.append("intact" if status.intact else "BROKEN: the document changed after signing")
    parts.append("covers the whole file" if whole else "does NOT cover the whole file (content was added after signing)")
    if not padding_clean:
        parts.append("the signature field was altered after signing (bytes after the signature value)")
    if trust is not None:
        parts.append("signer trusted" if status.trusted else "signer NOT trusted by the given certificate")
    else:
        parts.append("signer identity not checked (give --trust CERT)")
    return Check("signature", ok, "; ".join(parts))


def _contents_canonical(pdf: bytes, signature) -> bool:
    """The signature slot as written: upper-case hex between angle brackets, as pyHanko writes it.

    Hex decoding ignores letter case, so without this check turning an "A" into an "a" inside the slot (which
    lies outside the signed byte ranges) would change the file without changing the decoded signature."""
    start, first_length, second_start, _ = (int(v) for v in signature.sig_object["/ByteRange"])
    raw = pdf[start + first_length : second_start]
    if raw[:1] != b"<" or raw[-1:] != b">":
        return False
    return raw[1:-1] == bytes(signature.sig_object["/Contents"]).hex().upper().encode("ascii")


def _padding_untouched(signature) -> bool:
    """The signature's /Contents is a fixed-size slot: the DER-encoded CMS value, then zero padding. The slot is
    excluded from the signed byte ranges and CMS parsers ignore what follows the DER value, so without this
    check a changed padding byte would go unnoticed."""
    contents = bytes(signature.sig_object["/Contents"])
    if len(contents) < 4 or contents[0] != 0x30:
        return False
    if contents[1] < 0x80:
        length = 2 + contents[1]
    else:
        size = contents[1] & 0x7F
        length = 2 + size + int.from_bytes(contents[2 : 2 + size], "big")
    return not any(contents[length:])
