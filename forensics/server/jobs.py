"""Analyses and report renderings for the web server, run in worker processes outside the requests.

A request only queues the work and returns; the page then polls the exhibit's progress, which the worker writes
to a small JSON file in the data folder (``jobs/``) after each analyser. Workers are started with ``spawn`` (a
fresh interpreter, no copy of the server's threads or sockets). Everything a worker does to a case goes through
the same workflow as the command line, so it is recorded in the case's custody log the same way; a server
stopped mid-analysis leaves the analysis unfinished in the log, and the progress file says so at the next start.
"""

from __future__ import annotations

import functools
import json
import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from forensics.errors import ForensicsError

PROGRESS_WRITE_INTERVAL_S = 0.25  # how often a running analysis rewrites its progress file at most


@dataclass(frozen=True)
class ReportSigning:
    """The server's signing key (given to ``forensics serve``); paths, so that a worker process can load it."""

    key: str
    cert: str | None = None
    password: str | None = None


class Jobs:
    def __init__(self, data: Path, workers: int = 1):
        self.folder = data / "jobs"
        self.folder.mkdir(parents=True, exist_ok=True)
        for path in self.folder.glob("*.json"):  # left by a server that stopped while they ran
            progress = _read(path)
            if progress and progress.get("state") in ("queued", "running"):
                _write(path, {**progress, "state": "interrupted",
                              "message": "the server stopped before this analysis finished; analyse it again"})
        self.workers = workers
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        pool.submit(_warm_up)  # imports the analysers once, before the first upload waits for them
        return pool

    def _submit(self, function, *args) -> Future:
        try:
            return self._pool.submit(function, *args)
        except BrokenProcessPool:  # a worker process died (killed, out of memory): start afresh
            self._pool = self._new_pool()
            return self._pool.submit(function, *args)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def progress_path(self, case_id: str, exhibit_id: str) -> Path:
        return self.folder / f"{case_id}-{exhibit_id}.json"

    def progress(self, case_id: str, exhibit_id: str) -> dict | None:
        return _read(self.progress_path(case_id, exhibit_id))

    def analyse(self, case_folder: str, case_id: str, exhibit_id: str, actor: str, command: str) -> None:
        path = self.progress_path(case_id, exhibit_id)
        _write(path, {"state": "queued", "analysers": {}, "fraction": 0.0, "message": ""})
        future = self._submit(analyse_in_worker, case_folder, exhibit_id, actor, command, str(path))
        future.add_done_callback(functools.partial(_record_death, case_folder, exhibit_id, actor, path))

    def render(self, case_folder: str, output: str, actor: str, signing: ReportSigning | None,
               tsa_url: str | None = None) -> Future:
        return self._submit(render_in_worker, case_folder, output, actor, signing, tsa_url)


def _record_death(case_folder: str, exhibit_id: str, actor: str, path: Path, future: Future) -> None:
    """When the process analysing an exhibit died (its own errors are recorded by the workflow), say so on the
    page and close the analysis it began in the custody log, as the batch engine does."""
    if future.cancelled() or future.exception() is None:
        return
    from forensics.case import Case

    reason = (f"the worker process analysing it ended unexpectedly ({type(future.exception()).__name__}: killed, or "
              "out of memory); analyse it again")
    with Case.open(case_folder) as case:
        events = case.events()
        closed = {e.details.get("started_seq") for e in events if e.action in ("analysis.finished", "analysis.failed")}
        begun = [e for e in events if e.action == "analysis.started" and e.details.get("exhibit_id") == exhibit_id
                 and e.seq not in closed]
        if begun:
            case.log("analysis.failed", actor, {"exhibit_id": exhibit_id, "reason": reason, "started_seq": begun[-1].seq})
    _write(path, {**(_read(path) or {}), "state": "failed", "message": reason})


def _warm_up() -> None:
    import forensics.analysers  # noqa: F401  the registry and its analysers' libraries
    import forensics.workflow  # noqa: F401


def analyse_in_worker(case_folder: str, exhibit_id: str, actor: str, command: str, progress_path: str) -> None:
    """Analyse one exhibit of the case (in a worker process), writing its progress as it goes."""
    from forensics.case import Case
    from forensics.workflow import analyse_exhibit

    path = Path(progress_path)
    state = {"state": "running", "analysers": {}, "fraction": 0.0, "message": "", "started": time.time()}
    last_write = [0.0]

    def save(force: bool = False) -> None:
        if force or time.monotonic() - last_write[0] >= PROGRESS_WRITE_INTERVAL_S:
            _write(path, state)
            last_write[0] = time.monotonic()

    def on_timing(timing) -> None:
        state["analysers"][timing.name] = round(timing.seconds, 2)
        save(force=True)

    def on_progress(fraction: float) -> None:
        state["fraction"] = round(float(fraction), 3)
        save()

    def on_warning(message: str) -> None:
        state["message"] = message

    save(force=True)
    try:
        with Case.open(case_folder) as case:
            record = next(r for r in case.evidence() if r.exhibit_id == exhibit_id)
            analyse_exhibit(case, record, actor, command, on_timing=on_timing, on_progress=on_progress,
                            on_warning=on_warning)
        state.update(state="finished", fraction=1.0)
    except ForensicsError as error:  # recorded in the custody log as analysis.failed by the workflow
        state.update(state="failed", message=str(error))
    except Exception as error:  # a bug: the page says so in one line rather than waiting for ever
        state.update(state="failed", message=f"internal error: {type(error).__name__}: {str(error)[:300]}")
    save(force=True)


def render_in_worker(case_folder: str, output: str, actor: str, signing: ReportSigning | None,
                     tsa_url: str | None) -> tuple[str, str]:
    """Render the case's report (signed with the server's key, timestamped by ``tsa_url``, when given); return
    (report id, SHA-256)."""
    from forensics.case import Case
    from forensics.report.signing import load_signing
    from forensics.workflow import render_case_report

    key = load_signing(signing.key, signing.cert, signing.password) if signing else None
    with Case.open(case_folder) as case:
        return render_case_report(case, output, actor, key, tsa_url)


def _read(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _write(path: Path, progress: dict) -> None:
    partial = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.part")  # the server and a worker may both write
    partial.write_text(json.dumps(progress))
    os.replace(partial, path)
