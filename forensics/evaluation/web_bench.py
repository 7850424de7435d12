"""How the web page performs: upload to conclusions, page weight, and pages served under load.

    python -m forensics.evaluation.web_bench [--clients 20] [--requests 30] [--uploads 5]

Starts ``forensics serve`` in its own process on 127.0.0.1 (a fresh data folder), as a user would, and measures
from outside it over HTTP: the time from sending the example photo to its exhibit page showing the conclusions
(the first upload after the server's start, then the median of ``--uploads`` more, each into a new case); the
exhibit page's weight (the page, its style sheet and script, the picture and the map the viewer opens with, which
is what the first view loads; the findings' own figures load when a finding is opened); and the exhibit page
served to ``--clients`` clients at once, each asking ``--requests`` times (a bounded load that ends by itself),
with the requests per second, the latency and the number of errors. Printed as one table.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "portrait.jpg"


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _token(session, url: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', session.get(url).text).group(1)


def upload_to_conclusions(session, base: str, photo: Path) -> tuple[float, str]:
    """Seconds from sending ``photo`` into a new case to its exhibit page showing both conclusions; the page's URL."""
    case = session.post(base + "/cases", data={"csrf": _token(session, base + "/cases"), "case_number": "BENCH"},
                        allow_redirects=False).headers["location"]
    token = _token(session, base + case)
    started = time.perf_counter()
    answer = session.post(base + case + "/evidence", data=photo.read_bytes(),
                          headers={"X-CSRF-Token": token, "X-File-Name": photo.name}).json()
    url = base + answer["url"]
    while session.get(url + "/progress").json()["state"] in ("queued", "running"):
        time.sleep(0.05)
    page = session.get(url).text
    elapsed = time.perf_counter() - started
    if "Processing:" not in page or "Content:" not in page:
        raise RuntimeError(f"{url}: the exhibit page shows no conclusions")
    return elapsed, url


def page_weight(session, url: str) -> dict[str, int]:
    """Bytes of what the exhibit page's first view loads, and of all the findings' figures."""
    html = session.get(url).text
    base = url.split("/cases/")[0]
    first = [base + "/static/forensics.css", base + "/static/forensics.js", url + "/preview.jpg"]
    chosen = re.search(r'<option value="([^"]+)"[^>]* selected>', html)
    if chosen:
        first.append(base + chosen.group(1))
    figures = set(re.findall(r'src="(/cases/[^"]+/figures/[0-9a-f]{64})"', html))
    return {"html": len(html.encode()), "first view": len(html.encode()) + sum(len(session.get(u).content) for u in first),
            "all figures": sum(len(session.get(base + f).content) for f in figures)}


def load(url: str, clients: int, requests_each: int) -> dict:
    import requests

    def client(_: int) -> tuple[list[float], int]:
        session, latencies, errors = requests.Session(), [], 0
        for _ in range(requests_each):
            started = time.perf_counter()
            try:
                ok = session.get(url, timeout=60).status_code == 200
            except requests.RequestException:
                ok = False
            latencies.append(time.perf_counter() - started)
            errors += not ok
        return latencies, errors

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        outcomes = list(pool.map(client, range(clients)))
    elapsed = time.perf_counter() - started
    latencies = sorted(t for times, _ in outcomes for t in times)
    return {"requests": len(latencies), "errors": sum(e for _, e in outcomes), "per_second": len(latencies) / elapsed,
            "median_ms": 1000 * statistics.median(latencies), "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))]}


def run(clients: int, requests_each: int, uploads: int) -> int:
    import requests

    with tempfile.TemporaryDirectory() as folder:
        port = _free_port()
        server = subprocess.Popen([sys.executable, "-m", "forensics", "-q", "serve", "--data", str(Path(folder) / "data"),
                                   "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        base = f"http://127.0.0.1:{port}"
        try:
            session = requests.Session()
            deadline = time.monotonic() + 60
            while True:
                try:
                    session.get(base + "/cases", timeout=2)
                    break
                except requests.ConnectionError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise RuntimeError(f"the server did not start: {server.stderr.read().decode()[-500:]}") from None
                    time.sleep(0.1)
            first, url = upload_to_conclusions(session, base, EXAMPLE)
            warm = [upload_to_conclusions(session, base, EXAMPLE)[0] for _ in range(uploads)]
            weight = page_weight(session, url)
            served = load(url, clients, requests_each)
        finally:
            server.terminate()
            server.wait(30)
    rows = [
        ("upload to conclusions, example photo (512 x 512 JPEG), first after the server's start", f"{first:.2f} s"),
        (f"upload to conclusions, the same photo, median of {uploads} more (each in a new case)",
         f"{statistics.median(warm):.2f} s (range {min(warm):.2f}-{max(warm):.2f})"),
        ("exhibit page: HTML", f"{weight['html'] / 1024:.0f} KiB"),
        ("exhibit page, first view (HTML, style, script, picture, the map shown)", f"{weight['first view'] / 1024:.0f} KiB"),
        ("the findings' figures (each loads when its finding is opened)", f"{weight['all figures'] / 1024:.0f} KiB"),
        (f"exhibit page under load: {clients} clients x {requests_each} requests",
         f"{served['per_second']:.1f} pages/s; median {served['median_ms']:.0f} ms, 95th percentile "
         f"{served['p95_ms']:.0f} ms; {served['errors']} errors of {served['requests']}"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"| {'what':<{width}} | measured |\n|{'-' * (width + 2)}|---|")
    for name, value in rows:
        print(f"| {name:<{width}} | {value} |")
    return 0 if served["errors"] == 0 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20, help="clients at once in the load test")
    parser.add_argument("--requests", type=int, default=30, help="requests per client in the load test")
    parser.add_argument("--uploads", type=int, default=5, help="uploads timed after the first")
    args = parser.parse_args(argv)
    return run(args.clients, args.requests, args.uploads)


if __name__ == "__main__":
    sys.exit(main())
