"""The hash chain detects every edit, deletion and reordering of events."""

from dataclasses import replace

from forensics.case.custody import GENESIS_HASH, Event, chain_problems, event_hash


def build_chain(n: int) -> list[Event]:
    events, previous = [], GENESIS_HASH
    for seq in range(1, n + 1):
        details = {"n": seq}
        digest = event_hash(seq, f"2026-01-01T00:00:{seq:02d}.000000Z", "alice", "note", details, previous)
        events.append(Event(seq, f"2026-01-01T00:00:{seq:02d}.000000Z", "alice", "note", details, previous, digest))
        previous = digest
    return events


def test_intact_chain_has_no_problems():
    assert chain_problems(build_chain(5)) == []


def test_edited_event_is_named():
    events = build_chain(5)
    events[2] = replace(events[2], actor="mallory")
    problems = chain_problems(events)
    assert any("event #3" in p and "altered" in p for p in problems)


def test_deleted_event_is_named():
    events = build_chain(5)
    del events[1]
    problems = chain_problems(events)
    assert any("#2" in p and "missing" in p for p in problems)


def test_reordered_events_are_detected():
    events = build_chain(5)
    events[1], events[2] = replace(events[2], seq=2), replace(events[1], seq=3)
    assert chain_problems(events)


def test_consistent_rewrite_of_whole_chain_is_only_detectable_against_a_cited_head():
    # A forger who recomputes every hash produces an internally valid chain; that is why reports print the head.
    original = build_chain(3)
    rewritten, previous = [], GENESIS_HASH
    for e in original:
        digest = event_hash(e.seq, e.utc, "mallory", e.action, e.details, previous)
        rewritten.append(Event(e.seq, e.utc, "mallory", e.action, e.details, previous, digest))
        previous = digest
    assert chain_problems(rewritten) == []
    assert rewritten[-1].hash != original[-1].hash
