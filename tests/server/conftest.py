"""A real server for the web page's tests: uvicorn on 127.0.0.1 (a free port), in a thread of the test process,
with the analyses in its worker processes as in production."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import uvicorn

from forensics.server.app import ServerConfig, create_app


@dataclass
class RunningServer:
    url: str
    config: ServerConfig
    app: object

    def client(self) -> requests.Session:
        return requests.Session()

    def csrf(self, session: requests.Session, path: str = "/cases") -> str:
        """The CSRF token of ``path`` as the page gives it to the browser."""
        page = session.get(self.url + path)
        return re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)


@contextmanager
def running_server(config: ServerConfig) -> Iterator[RunningServer]:
    app = create_app(config)
    server = uvicorn.Server(uvicorn.Config(app, host=config.host, port=config.port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield RunningServer(f"http://{config.host}:{config.port}", config, app)
    finally:
        server.should_exit = True
        thread.join(60)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server_config(tmp_path: Path) -> ServerConfig:
    return ServerConfig(data=tmp_path / "data", port=free_port(), max_upload_mib=8, max_report_mib=8)


def wait_for_analysis(session: requests.Session, url: str, timeout_s: float = 180) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        progress = session.get(url + "/progress").json()
        if progress["state"] not in ("queued", "running"):
            return progress
        time.sleep(0.3)
    raise AssertionError(f"the analysis did not end within {timeout_s} s")
