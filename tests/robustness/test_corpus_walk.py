"""Every corpus file, and our own hostile files, through `forensics analyze` within time and memory bounds."""

import resource
from pathlib import Path

import pytest

from forensics.evaluation.robustness import corpus_files, hostile_files, report, walk
from tests.helpers import CORPUS


def memory_bound_mb(bound_mb: float = 2048) -> float:
    """The walk forks each file's process from this one, and a forked process counts the memory it shares with its
    parent as its own: late in a test session this process holds over a gigabyte that a real `forensics analyze`
    would not. The bound is on what the analysis adds (``python -m forensics.evaluation.robustness`` forks from a
    small process and reports whole figures)."""
    resident_pages = int(Path("/proc/self/statm").read_text().split()[1])
    return bound_mb + resident_pages * resource.getpagesize() / 2**20


@pytest.mark.corpus
@pytest.mark.slow
def test_whole_corpus_and_hostile_files_are_handled(tmp_path):
    files = hostile_files(tmp_path / "hostile", CORPUS) + corpus_files(CORPUS)
    outcomes = walk(files, timeout=60, jobs=2)
    text, failures = report(outcomes, memory_mb=memory_bound_mb(), elapsed=0)
    assert len(outcomes) == len(files)
    assert failures == 0, text


def test_hostile_files_alone_are_handled(tmp_path):
    files = hostile_files(tmp_path / "hostile", tmp_path / "hostile")
    outcomes = walk(files, timeout=60, jobs=2)
    text, failures = report(outcomes, memory_mb=memory_bound_mb(), elapsed=0)
    assert failures == 0, text
    codes = {outcome.path.rsplit("/", 1)[-1]: outcome.exit_code for outcome in outcomes}
    assert codes["empty.jpg"] == 3 and codes["png-declaring-100000x100000.png"] == 3
    assert codes["png-inflating-to-100MP.png"] == 0
