"""Fixtures built in code: small images and videos whose true properties are known."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import cv2
import pytest
from PIL import Image

from forensics.cli import main
from tests.helpers import CORPUS, RecordingHandler, textured_rgb


@pytest.fixture
def jpeg_file(tmp_path: Path) -> Path:
    path = tmp_path / "photo.jpg"
    Image.fromarray(textured_rgb(240, 320)).save(path, quality=90)
    return path


@pytest.fixture
def png_file(tmp_path: Path) -> Path:
    path = tmp_path / "picture.png"
    Image.fromarray(textured_rgb(120, 160, seed=1)).save(path)
    return path


@pytest.fixture
def video_file(tmp_path: Path) -> Path:
    """25 frames at 12.5 fps (2.0 s) of 160x120 Motion-JPEG in an AVI container."""
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 12.5, (160, 120))
    for index in range(25):
        frame = textured_rgb(120, 160, seed=index)
        writer.write(frame)
    writer.release()
    return path


@pytest.fixture(scope="session")
def analysed_photo_case(tmp_path_factory) -> Path:
    """A case with one photo (no EXIF) analysed once, without a report; tests that change it work on a copy."""
    folder = tmp_path_factory.mktemp("analysed-photo")
    Image.fromarray(textured_rgb(240, 320)).save(folder / "photo.jpg", quality=90)
    assert main(["analyze", str(folder / "photo.jpg"), "--case", str(folder / "case"), "--no-report", "-q"]) == 0
    return folder / "case"


@pytest.fixture
def run_cli(capsys):
    """Run the CLI in-process; return (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
def http_server():
    server = http.server.HTTPServer(("127.0.0.1", 0), RecordingHandler)
    RecordingHandler.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def pytest_collection_modifyitems(config, items):
    if CORPUS.is_dir():
        return
    skip = pytest.mark.skip(reason=f"shared corpus not found at {CORPUS}")
    for item in items:
        if "corpus" in item.keywords:
            item.add_marker(skip)
