"""Examiners' annotations on findings (accepted, to check, disputed, with a comment), kept in the custody log.

An annotation is a custody event, hash-chained with every other: who said what about which finding, and when,
cannot be changed afterwards without ``case verify`` noticing. A finding's latest annotation is its current one;
the earlier ones stay in the log. An annotation records the finding as it read when it was made (analyser
version, level, score), so that a report can say when the finding has changed since. Annotations are the
examiner's opinion: they never change a finding or a conclusion.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from forensics.case.custody import Event

ANNOTATION_ACTION = "annotation"
MAX_COMMENT_CHARACTERS = 2000


class ReviewStatus(str, Enum):
    ACCEPTED = "accepted"  # the examiner has reviewed the finding and agrees with it
    TO_CHECK = "to-check"  # the examiner means to check it further before relying on it
    DISPUTED = "disputed"  # the examiner disagrees with it (e.g. an explained false alarm); a comment says why


REVIEW_WORDS = {
    ReviewStatus.ACCEPTED: "accepted",
    ReviewStatus.TO_CHECK: "to be checked",
    ReviewStatus.DISPUTED: "disputed",
}


@dataclass(frozen=True)
class Annotation:
    exhibit_id: str
    finding: str  # the finding's key, e.g. "metadata.software"
    status: ReviewStatus
    comment: str
    actor: str
    utc: str
    seq: int  # the custody event that records it
    analyser_version: str
    strength: str  # the finding's level when it was annotated
    score: float

    @property
    def words(self) -> str:
        return REVIEW_WORDS[self.status]

    def describes(self, version: str, strength: str, score: float) -> bool:
        """Whether the finding still reads as it did when annotated (same analyser version, level and score)."""
        return (self.analyser_version, self.strength, round(self.score, 6)) == (version, strength, round(score, 6))


def annotation_details(exhibit_id: str, finding: str, status: ReviewStatus, comment: str, analyser: str,
                       analyser_version: str, strength: str, score: float) -> dict:
    """The custody event's details for one annotation."""
    return {"exhibit_id": exhibit_id, "finding": finding, "status": status.value, "comment": comment,
            "analyser": analyser, "analyser_version": analyser_version, "strength": strength, "score": score}


def current_annotations(events: list[Event]) -> dict[tuple[str, str], Annotation]:
    """Each annotated finding's latest annotation, by (exhibit id, finding key)."""
    current: dict[tuple[str, str], Annotation] = {}
    for event in events:
        if event.action != ANNOTATION_ACTION:
            continue
        details = event.details
        current[(details["exhibit_id"], details["finding"])] = Annotation(
            exhibit_id=details["exhibit_id"], finding=details["finding"], status=ReviewStatus(details["status"]),
            comment=details.get("comment", ""), actor=event.actor, utc=event.utc, seq=event.seq,
            analyser_version=details.get("analyser_version", ""), strength=details.get("strength", ""),
            score=float(details.get("score", 0.0)),
        )
    return current
