"""The custody log's hash chain: how an event is hashed and how a sequence of events is checked.

Each event's hash is the SHA-256 of a canonical JSON encoding of its content *and* of the previous event's
hash, so editing, deleting or reordering any event breaks every later link. These functions are pure:
the case store supplies the rows.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class Event:
    seq: int
    utc: str
    actor: str
    action: str
    details: dict[str, Any]
    prev_hash: str
    hash: str


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def event_hash(seq: int, utc: str, actor: str, action: str, details: dict[str, Any], prev_hash: str) -> str:
    content = {"seq": seq, "utc": utc, "actor": actor, "action": action, "details": details, "prev_hash": prev_hash}
    return hashlib.sha256(canonical_json(content)).hexdigest()


def chain_problems(events: list[Event]) -> list[str]:
    """Describe every break in the chain, naming the event where it shows; an empty list means intact."""
    problems: list[str] = []
    expected_seq = 1
    previous_hash = GENESIS_HASH
    for event in events:
        if event.seq != expected_seq:
            missing = f"#{expected_seq}" if event.seq == expected_seq + 1 else f"#{expected_seq}-#{event.seq - 1}"
            problems.append(f"event {missing} is missing from the custody log (deleted)")
        recomputed = event_hash(event.seq, event.utc, event.actor, event.action, event.details, event.prev_hash)
        if recomputed != event.hash:
            problems.append(f"event #{event.seq} ({event.action}) was altered: its content no longer matches its hash")
        if event.prev_hash != previous_hash:
            problems.append(
                f"event #{event.seq} ({event.action}) does not follow the event before it "
                "(events were removed, inserted or reordered)"
            )
        expected_seq = event.seq + 1
        previous_hash = event.hash
    return problems
