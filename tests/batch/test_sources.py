"""Which files a batch takes in, and what it leaves out with why."""

from __future__ import annotations

import os

from forensics.batch.sources import walk_sources


def test_regular_files_are_found_recursively_in_order_and_the_rest_said(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.jpg").write_bytes(b"x")
    (tmp_path / "1.jpg").write_bytes(b"x")
    (tmp_path / "a.png").write_bytes(b"x")
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "b" / "up").symlink_to(tmp_path)  # a loop, if links to folders were followed
    (tmp_path / "link.jpg").symlink_to(tmp_path / "1.jpg")
    (tmp_path / "dangling").symlink_to(tmp_path / "gone")
    files, skipped = walk_sources([str(tmp_path), str(tmp_path / "1.jpg"), str(tmp_path / "missing")])
    assert files == [str(tmp_path / name) for name in ("1.jpg", "a.png", "b/2.jpg", "link.jpg")]
    reasons = dict(skipped)
    assert reasons[str(tmp_path / "pipe")] == "not a regular file (a FIFO, device or socket)"
    assert reasons[str(tmp_path / "b" / "up")] == "a symbolic link to a folder (not followed)"
    assert reasons[str(tmp_path / "dangling")] == "a symbolic link to nothing"
    assert reasons[str(tmp_path / "missing")] == "No such file or directory"


def test_relative_sources_are_recorded_as_absolute_paths(tmp_path, monkeypatch):
    (tmp_path / "p.jpg").write_bytes(b"x")
    monkeypatch.chdir(tmp_path)
    assert walk_sources(["."])[0] == [str(tmp_path / "p.jpg")]
