"""Every corpus file, and our own hostile files, through `forensics analyze` within time and memory bounds."""

import pytest

from forensics.evaluation.robustness import corpus_files, hostile_files, report, walk
from tests.helpers import CORPUS


@pytest.mark.corpus
@pytest.mark.slow
def test_whole_corpus_and_hostile_files_are_handled(tmp_path):
    files = hostile_files(tmp_path / "hostile", CORPUS) + corpus_files(CORPUS)
    outcomes = walk(files, timeout=60, jobs=2)
    text, failures = report(outcomes, memory_mb=2048, elapsed=0)
    assert len(outcomes) == len(files)
    assert failures == 0, text


def test_hostile_files_alone_are_handled(tmp_path):
    files = hostile_files(tmp_path / "hostile", tmp_path / "hostile")
    outcomes = walk(files, timeout=60, jobs=2)
    text, failures = report(outcomes, memory_mb=2048, elapsed=0)
    assert failures == 0, text
    codes = {outcome.path.rsplit("/", 1)[-1]: outcome.exit_code for outcome in outcomes}
    assert codes["empty.jpg"] == 3 and codes["png-declaring-100000x100000.png"] == 3
    assert codes["png-inflating-to-100MP.png"] == 0
