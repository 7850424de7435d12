"""`forensics verify`: check a report on its own, without the case it came from.

Checks, each with a one-line verdict: the PDF signature (intact, covering the whole file, who signed, trusted
when a certificate is given); the RFC 3161 timestamp of the signature or of the document (intact, the time it
proves, the timestamp authority, trusted when a certificate is given); the attached results and custody log; the custody hash chain inside the
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
from forensics.errors import UsageError


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None  # None: not applicable (e.g. an unsigned report's signature)
    detail: str


def verify_report(pdf: bytes, evidence: list[Path] | None = None, trust: Path | None = None,
                  require_signature: bool = False, tsa_trust: Path | None = None,
                  require_timestamp: bool = False) -> list[Check]:
    checks = _signature_and_timestamp(pdf, trust, require_signature, tsa_trust, require_timestamp)
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


def _signature_and_timestamp(pdf: bytes, trust: Path | None, signature_required: bool, tsa_trust: Path | None,
                             timestamp_required: bool) -> list[Check]:
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        embedded = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    except Exception as error:
        return [Check("signature", False, f"the PDF structure is damaged ({str(error)[:120]})")]
    signatures = [s for s in embedded if s.sig_object_type != "/DocTimeStamp"]
    stamps = [s for s in embedded if s.sig_object_type == "/DocTimeStamp"]
    if not embedded and re.search(rb"/ByteRange\s*\[|/SigFlags|ETSI\.CAdES|ETSI\.RFC3161|adbe\.pkcs7", pdf):
        # A damaged signature dictionary (e.g. /FT /Sig altered) hides the signature from the PDF reader; a
        # signed file must not pass as merely "unsigned", so look for what signing leaves in the bytes.
        return [Check("signature", False, "the report carries a signature that can no longer be recognised: "
                                          "its signature dictionary was altered")]
    signature, token = _signature(pdf, signatures, trust, signature_required, tsa_trust)
    if stamps:
        return [signature, _document_timestamp(pdf, stamps[-1], tsa_trust)]
    if token is not None:
        return [signature, token]
    return [signature, Check("timestamp", False if timestamp_required else None,
                             "the report carries no trusted timestamp: when it was made rests on the custody log "
                             "and on the signer's own claim")]


def _context(trust: Path | None):
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko_certvalidator import ValidationContext

    try:
        roots = [load_cert_from_pemder(str(trust))] if trust else []
    except Exception as error:
        raise UsageError(f"{trust}: cannot be read as a PEM or DER certificate ({str(error)[:80]})") from error
    return ValidationContext(trust_roots=roots, allow_fetching=False)


def _signature(pdf: bytes, signatures: list, trust: Path | None, required: bool,
               tsa_trust: Path | None) -> tuple[Check, Check | None]:
    """The check of the last signature, and of the timestamp token it carries (None when it carries none)."""
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    if not signatures:
        return Check("signature", False if required else None,
                     "the report is not signed: its integrity cannot be shown by a signature"), None
    last = signatures[-1]
    try:
        status = validate_pdf_signature(last, _context(trust), ts_validation_context=_context(tsa_trust))
    except UsageError:
        raise
    except Exception as error:
        return Check("signature", False, f"the signature cannot be validated ({str(error)[:160]})"), None
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    padding_clean = _padding_untouched(last) and _contents_canonical(pdf, last)
    ok = bool(status.intact and status.valid and whole and padding_clean and (status.trusted or trust is None))
    signer = status.signing_cert.subject.human_friendly
    parts = [f"signed by {signer}" + (f" at {status.signer_reported_dt:%Y-%m-%d %H:%M:%S %Z} (the signer's claim)"
                                      if status.signer_reported_dt else "")]
    parts.append("intact" if status.intact else "BROKEN: the document changed after signing")
    parts.append("covers the whole file" if whole else "does NOT cover the whole file (content was added after signing)")
    if not padding_clean:
        parts.append("the signature field was altered after signing (bytes after the signature value)")
    if trust is not None:
        parts.append("signer trusted" if status.trusted else "signer NOT trusted by the given certificate")
    else:
        parts.append("signer identity not checked (give --trust CERT)")
    token = None
    if status.timestamp_validity is not None:
        token = _timestamp_check(status.timestamp_validity, tsa_trust, "the signature", True)
    elif _carries_token(last):
        token = Check("timestamp", False, "the signature carries a timestamp token that cannot be read or validated")
    return Check("signature", ok, "; ".join(parts)), token


def _carries_token(signature) -> bool:
    unsigned = signature.signer_info["unsigned_attrs"]
    return bool(unsigned.native) and any(a["type"].native == "signature_time_stamp_token" for a in unsigned)


def _document_timestamp(pdf: bytes, stamp, tsa_trust: Path | None) -> Check:
    from pyhanko.sign.validation import validate_pdf_timestamp
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    try:
        status = validate_pdf_timestamp(stamp, _context(tsa_trust))
    except UsageError:
        raise
    except Exception as error:
        return Check("timestamp", False, f"the document timestamp cannot be validated ({str(error)[:160]})")
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE and _padding_untouched(stamp) \
        and _contents_canonical(pdf, stamp)
    return _timestamp_check(status, tsa_trust, "the report", whole)


def _timestamp_check(status, tsa_trust: Path | None, subject: str, covers_whole_file: bool) -> Check:
    """One verdict on a validated RFC 3161 token: the time it proves only counts when the token is intact."""
    authority = status.signing_cert.subject.human_friendly
    intact = bool(status.intact and status.valid)
    if intact:
        parts = [f"{subject} existed at {status.timestamp:%Y-%m-%d %H:%M:%S %Z}, as timestamp authority {authority} "
                 "attests (RFC 3161 token intact)"]
    else:
        parts = [f"BROKEN: the timestamp token from {authority} was altered or does not match {subject}; the time it "
                 f"states ({status.timestamp:%Y-%m-%d %H:%M:%S %Z}) proves nothing"]
    if not covers_whole_file:
        parts.append("does NOT cover the whole file (content was added after timestamping, or the field was altered)")
    if intact and tsa_trust is not None:  # whether a broken token's signer is trusted does not matter
        parts.append("authority trusted" if status.trusted else "authority NOT trusted by the given certificate")
    elif intact:
        parts.append("authority's identity not checked (give --tsa-trust CERT)")
    ok = intact and covers_whole_file and (bool(status.trusted) or tsa_trust is None)
    return Check("timestamp", ok, "; ".join(parts))


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
