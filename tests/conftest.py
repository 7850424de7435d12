"""Fixtures built in code: small images and videos whose true properties are known."""

from __future__ import annotations

import hashlib
import http.server
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from forensics.cli import main

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


def textured_rgb(height: int, width: int, seed: int = 0) -> np.ndarray:
    """A smooth scene plus mild noise: compresses like a photo rather than like noise or a flat card."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([
        128 + 60 * np.sin(x / 37.0) * np.cos(y / 53.0),
        128 + 50 * np.cos((x + y) / 41.0),
        128 + 40 * np.sin(y / 29.0),
    ], axis=-1)
    return np.clip(base + rng.normal(0, 4, base.shape), 0, 255).astype(np.uint8)


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


def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def written(name: str, content: bytes):
    """A parametrisable maker of a file with the given content in a test's folder."""

    def make(folder: Path) -> Path:
        (folder / name).write_bytes(content)
        return folder / name

    return make


@pytest.fixture
def run_cli(capsys):
    """Run the CLI in-process; return (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


class RecordingHandler(http.server.BaseHTTPRequestHandler):
    """Records every request: the report renderer must never make one."""

    requests: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's naming
        RecordingHandler.requests.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"body { background: red }")

    def log_message(self, *args):
        pass


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
