"""A case: a folder holding content-addressed evidence objects and an append-only custody log."""

from forensics.case.store import Case, EvidenceRecord, VerificationReport

__all__ = ["Case", "EvidenceRecord", "VerificationReport"]
