"""A batch: take every file in, analyse on Dask workers what has not been analysed the same way before, record
each outcome as it returns, and write the summary table.

Resumable and idempotent: an exhibit whose analysis finished with the same analysers (names, versions and
parameters), limits and trust anchors is not analysed again, so a batch stopped by a crash or Ctrl-C continues where
it stopped when run again. A file that cannot be taken in, or whose analysis fails or outlives its limits, is
logged in the custody log and listed in the summary; the batch goes on.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator

from forensics.analysers import discover
from forensics.batch.sources import walk_sources
from forensics.case import Case, EvidenceRecord
from forensics.case.custody import Event
from forensics.errors import BadInputError, CaseError, ForensicsError, UsageError
from forensics.media import Limits
from forensics.results import Strength
from forensics.workflow import AnalysisRequest, Examination, examine, finish_analysis, start_analysis

# The fast analyses of a triage: what the file says about itself and how it is built. They read metadata and
# structure (and decode the picture once, for its preview and thumbnail comparison); they skip the pixel analyses.
TRIAGE_ANALYSERS = ("file_identity", "metadata", "container_metadata")
IN_FLIGHT_PER_WORKER = 4  # tasks queued per worker: keeps every worker busy, and the client's memory bounded
WORKER_TIMEOUT_EXIT = 75  # a worker's exit status when a file outlives --timeout
WORKER_MEMORY_EXIT = 76  # ... and when its memory outgrows --memory-mb
WATCH_INTERVAL_S = 0.05  # how often a worker's watchdog looks at the clock and the process's resident memory
LIMIT_EVENTS = "forensics-limit"  # the Dask event topic on which a worker says which limit a file reached


@dataclass(frozen=True)
class BatchOptions:
    workers: int = os.cpu_count() or 1  # a local cluster of this many single-threaded worker processes
    scheduler: str | None = None  # or a running cluster's scheduler, "tcp://host:8786"
    triage: bool = False
    full_from: Strength | None = None  # with triage: analyse fully the exhibits whose triage reaches this level
    exhibits: tuple[str, ...] = ()  # analyse these exhibits fully (chosen after a triage)
    limits: Limits = Limits()
    timeout_s: float = 600.0  # per file
    memory_mb: float = 4096.0  # a worker process's resident memory while it analyses one file (imports included)
    c2pa_trust_anchors: str = ""


@dataclass
class BatchOutcome:
    files: int = 0
    taken_in: int = 0
    duplicates: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # paths not taken in, with why
    analysed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # analysed the same way before: not analysed again
    failed: list[tuple[str, str]] = field(default_factory=list)  # (exhibit, reason)
    partial: list[str] = field(default_factory=list)  # "E001: what could not be decoded"
    seconds: float = 0.0
    intake_s: float = 0.0  # taking files in (hashing, copying into the case)
    cluster_s: float = 0.0  # starting the local cluster (or connecting to a running one) and readying its workers
    analysis_s: float = 0.0
    worker_peak_rss_mb: float = 0.0  # the largest of the workers' peak resident memory


Progress = Callable[[int, int, int], None]  # (done, total, failed)


def run_batch(case: Case, sources: list[str], options: BatchOptions, actor: str, command: str,
              on_progress: Progress | None = None) -> BatchOutcome:
    """Take ``sources`` (files and folders) into ``case`` and analyse them as ``options`` say. One batch at a time
    per case: a second one would be a second writer, and could analyse the same exhibits at the same time."""
    with _only_batch(case):
        return _run_batch(case, sources, options, actor, command, on_progress)


@contextmanager
def _only_batch(case: Case) -> Iterator[None]:
    import fcntl

    with open(case.directory / "batch.lock", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CaseError(f"{case.directory}: another forensics batch is working on this case; wait for it to end "
                            "(or stop it: a batch resumes where it stopped)") from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _run_batch(case: Case, sources: list[str], options: BatchOptions, actor: str, command: str,
               on_progress: Progress | None) -> BatchOutcome:
    began = time.perf_counter()
    outcome = BatchOutcome()
    held = {record.exhibit_id: record for record in case.evidence()}
    unknown = [exhibit for exhibit in options.exhibits if exhibit not in held]
    if unknown:
        raise UsageError(f"--exhibits: {', '.join(unknown)}: no exhibit of that id in {case.directory}")
    started = case.log("batch.started", actor, {
        "sources": sources, "triage": options.triage, "full_from": options.full_from.value if options.full_from else None,
        "exhibits": list(options.exhibits), "scheduler": options.scheduler or f"local cluster of {options.workers} workers",
        "timeout_s": options.timeout_s, "memory_mb": options.memory_mb})
    try:
        _work(case, sources, options, actor, command, on_progress, outcome, held)
    except ForensicsError as error:  # the cluster cannot be reached, the case cannot be written ...
        case.log("batch.failed", actor, {"started_seq": started.seq, "reason": str(error)[:500]})
        raise
    outcome.seconds = time.perf_counter() - began
    case.log("batch.finished", actor, {
        "started_seq": started.seq, "files": outcome.files, "taken_in": outcome.taken_in,
        "duplicates": outcome.duplicates, "skipped": len(outcome.skipped), "analysed": len(outcome.analysed),
        "unchanged": len(outcome.unchanged), "failed": len(outcome.failed), "seconds": round(outcome.seconds, 1),
        "worker_peak_rss_mb": round(outcome.worker_peak_rss_mb)})
    return outcome


def _work(case: Case, sources: list[str], options: BatchOptions, actor: str, command: str,
          on_progress: Progress | None, outcome: BatchOutcome, held: dict[str, EvidenceRecord]) -> None:
    connecting = time.perf_counter()
    with _dask_client(options) as client:  # first: a cluster that cannot be reached stops the batch before intake
        client.run(_prepare_worker)
        taking_in = time.perf_counter()
        outcome.cluster_s = taking_in - connecting
        records = _take_in(case, sources, actor, outcome)
        analysing = time.perf_counter()
        outcome.intake_s = analysing - taking_in
        everything = [a.name for a in discover()]
        rounds = [(records, TRIAGE_ANALYSERS if options.triage else everything)]
        if options.exhibits:
            rounds.append(([held[exhibit] for exhibit in options.exhibits], everything))
        for chosen, analysers in rounds:
            _analyse(case, client, chosen, analysers, options, actor, command, outcome, on_progress)
        if options.triage and options.full_from is not None:
            flagged = _reaching(case, records, options.full_from)
            _analyse(case, client, flagged, everything, options, actor, command, outcome, on_progress)
        outcome.analysis_s = time.perf_counter() - analysing
        outcome.worker_peak_rss_mb = max(client.run(_peak_rss_mb).values(), default=0.0)


def _take_in(case: Case, sources: list[str], actor: str, outcome: BatchOutcome) -> list[EvidenceRecord]:
    files, skipped = walk_sources(sources)
    outcome.files = len(files)
    for path, reason in skipped:
        case.log("intake.rejected", actor, {"path": path, "reason": reason})
    outcome.skipped += skipped
    records: dict[str, EvidenceRecord] = {}
    for path in files:
        try:
            record, new = case.add_evidence(path, actor)
        except BadInputError as error:
            outcome.skipped.append((path, error.reason))
            continue
        outcome.taken_in += new
        outcome.duplicates += not new
        records.setdefault(record.exhibit_id, record)
    return list(records.values())


def _analyse(case: Case, client, records: list[EvidenceRecord], analysers, options: BatchOptions, actor: str,
             command: str, outcome: BatchOutcome, on_progress: Progress | None) -> None:
    from distributed import as_completed

    done_before = finished_analyses(case.events())
    requests = []
    for record in records:
        quick = set(analysers) <= set(TRIAGE_ANALYSERS)  # no pixel analysis: a reduced decode serves
        request = AnalysisRequest.for_record(case, record, options.limits, list(analysers), options.c2pa_trust_anchors,
                                             quick)
        if covered(request.started_details(), done_before.get(record.exhibit_id, [])):
            outcome.unchanged.append(record.exhibit_id)
        else:
            requests.append((record, request))
    total, failed_before = len(requests), len(outcome.failed)
    # The largest files first: the long analyses start while there is other work to run beside them, instead of
    # one worker finishing a long video alone at the end (longest-processing-time-first scheduling, Graham 1969).
    pending = iter(sorted(requests, key=lambda item: -item[0].size))
    in_flight: dict[str, tuple[EvidenceRecord, AnalysisRequest, Event, bool]] = {}  # ..., whether tried again
    completed = as_completed()

    def submit(record: EvidenceRecord, request: AnalysisRequest, started: Event, again: bool = False) -> None:
        future = client.submit(examine_on_worker, request, options.timeout_s, options.memory_mb, pure=False,
                               key=f"examine-{record.exhibit_id}-{started.seq}{'-again' if again else ''}")
        in_flight[future.key] = (record, request, started, again)
        completed.add(future)

    def submit_next() -> None:
        item = next(pending, None)
        if item is not None:
            record, request = item
            submit(record, request, start_analysis(case, request, actor))

    for _ in range(max(1, _worker_count(client, options)) * IN_FLIGHT_PER_WORKER):
        submit_next()
    done = 0
    for future in completed:
        record, request, started, again = in_flight.pop(future.key)
        try:
            examination = future.result()
        except Exception as error:  # the worker died on it every time it was tried, or raised
            future.release()
            killed = type(error).__name__ == "KilledWorker"
            limit = _limit_reached(client, future.key) if killed else None
            if killed and limit is None and not again:
                # Dask counts a death against every file its worker had been given, the one that ended it and the
                # next in line alike: a file that reached no limit is tried once more, as a new task.
                submit(record, request, started, again=True)
                continue
            reason = (f"the worker process analysing it was ended on every try: {limit}" if limit else
                      "the worker process analysing it ended on every try, with no limit of this batch reached "
                      "(a crash)" if killed else f"{type(error).__name__}: {error}"[:500])
            case.log("analysis.failed", actor, {"exhibit_id": record.exhibit_id, "reason": reason,
                                                "started_seq": started.seq})
            outcome.failed.append((record.exhibit_id, reason))
        else:
            future.release()
            _record(case, record, examination, started, actor, command, outcome)
        done += 1
        if on_progress:
            on_progress(done, total, len(outcome.failed) - failed_before)
        submit_next()


def _record(case: Case, record: EvidenceRecord, examination: Examination, started: Event, actor: str, command: str,
            outcome: BatchOutcome) -> None:
    try:
        finish_analysis(case, record, examination, started, actor, command)
    except (BadInputError, CaseError) as error:
        outcome.failed.append((record.exhibit_id, getattr(error, "reason", None) or str(error)))
        return
    outcome.analysed.append(record.exhibit_id)
    if examination.decoding_note:
        outcome.partial.append(f"{record.exhibit_id} ({record.original_name}): {examination.decoding_note}")


def _limit_reached(client, key: str) -> str | None:
    """The limit a worker said task ``key`` reached before it ended the worker, if it said one."""
    reached = [message["reason"] for _, message in client.get_events(LIMIT_EVENTS) if message.get("key") == key]
    return reached[-1] if reached else None


def examine_on_worker(request: AnalysisRequest, timeout_s: float, memory_mb: float) -> Examination:
    """What a worker runs for one file: the examination, on one thread, within ``timeout_s`` and ``memory_mb``. A
    file that outlives either ends the worker process (its Dask nanny starts a new one): a thread cannot be stopped
    from outside, and the decoders and analysers are native code."""
    import cv2
    from distributed import get_worker
    from distributed.worker import thread_state

    cv2.setNumThreads(1)  # one worker per core: OpenCV's own threads would compete with the other workers
    watchdog = _Watchdog.of_this_process()
    watchdog.watch(_Watched(get_worker(), thread_state.key, time.monotonic(), timeout_s, memory_mb * 2**20))
    try:
        return examine(request, threads=1)
    finally:
        watchdog.watch(None)


@dataclass(frozen=True)
class _Watched:
    worker: object  # the Dask worker, through which the watchdog says which limit a file reached
    key: str
    start: float  # time.monotonic()
    timeout_s: float
    memory_bytes: float


class _Watchdog:
    """One thread per worker process that watches the file being analysed: past its time or memory limit, it says
    which limit was reached (a Dask event the client reads) and ends the process. Memory is the process's resident
    set, looked at every ``WATCH_INTERVAL_S``: a spike shorter than that can pass unseen."""

    _instance: _Watchdog | None = None
    _creating = threading.Lock()

    @classmethod
    def of_this_process(cls) -> _Watchdog:
        with cls._creating:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def __init__(self) -> None:
        import psutil  # a dependency of Dask distributed

        self._process = psutil.Process()
        self._watched: _Watched | None = None
        threading.Thread(target=self._run, name="forensics-watchdog", daemon=True).start()

    def watch(self, watched: _Watched | None) -> None:
        self._watched = watched

    def _run(self) -> None:
        while True:
            time.sleep(WATCH_INTERVAL_S)
            watched = self._watched
            if watched is None:
                continue
            resident = self._process.memory_info().rss
            if time.monotonic() - watched.start > watched.timeout_s:
                self._end(watched, f"it outlived the time limit ({watched.timeout_s:g} s)", WORKER_TIMEOUT_EXIT)
            elif resident > watched.memory_bytes:
                self._end(watched, f"its memory outgrew the limit ({watched.memory_bytes / 2**20:g} MB; the worker "
                                   f"process held {resident / 2**20:.0f} MB)", WORKER_MEMORY_EXIT)

    @staticmethod
    def _end(watched: _Watched, reason: str, status: int) -> None:
        watched.worker.log_event(LIMIT_EVENTS, {"key": watched.key, "reason": reason})
        time.sleep(0.5)  # the worker sends its events in batches, every few milliseconds
        os._exit(status)


def finished_analyses(events: list[Event]) -> dict[str, list[dict]]:
    """For each exhibit, the ``analysis.started`` details of every analysis that finished."""
    started = {event.seq: event.details for event in events if event.action == "analysis.started"}
    finished: dict[str, list[dict]] = {}
    for event in events:
        if event.action == "analysis.finished" and event.details.get("started_seq") in started:
            finished.setdefault(event.details["exhibit_id"], []).append(started[event.details["started_seq"]])
    return finished


def covered(requested: dict, done: list[dict]) -> bool:
    """Whether an analysis that finished already ran every analyser ``requested`` (same version and parameters)
    under the same limits and trust anchors: analysing again would give the same results."""
    wanted = {_key(entry) for entry in requested["analysers"]}
    return any(previous.get("limits") == requested["limits"]
               and previous.get("c2pa_trust_anchors_sha256") == requested["c2pa_trust_anchors_sha256"]
               and wanted <= {_key(entry) for entry in previous.get("analysers", [])} for previous in done)


def _key(entry: dict) -> str:
    return json.dumps(entry, sort_keys=True)


def _reaching(case: Case, records: list[EvidenceRecord], level: Strength) -> list[EvidenceRecord]:
    """The exhibits whose latest conclusion on either proposition is at ``level`` or stronger."""
    from forensics.workflow import case_results

    order = list(Strength)
    analysed = {e.exhibit_id: e for e in case_results(case).evidence} if case.latest_results_by_exhibit() else {}
    return [record for record in records if record.exhibit_id in analysed
            and any(order.index(c.strength) >= order.index(level) for c in analysed[record.exhibit_id].conclusions)]


def _prepare_worker() -> None:
    """Import the analysers on every worker before the first file (about a second each): counted with the
    cluster's start, which a batch pays once, not with the first files' analysis."""
    discover()


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports kilobytes


def _worker_count(client, options: BatchOptions) -> int:
    return len(client.scheduler_info().get("workers", {})) or options.workers


@contextmanager
def _dask_client(options: BatchOptions) -> Iterator:
    import dask
    from distributed import Client, LocalCluster

    # Dask reports a worker that died or restarted as warnings on stderr; the batch states each outcome itself.
    for name in ("distributed", "tornado"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    if options.scheduler:
        try:
            client = Client(options.scheduler, timeout="20s")
        except OSError as error:
            raise UsageError(f"--scheduler {options.scheduler}: cannot connect ({error})") from None
        try:
            yield client
        finally:
            client.close()
        return
    # A file that ends its worker is tried once more, on another worker, then recorded as failed. The workers'
    # memory is watched per file by the batch itself, which can say which file reached the limit: Dask's own
    # thresholds (made for data held between tasks, which a batch does not keep) would pause or end a worker
    # without saying why.
    no_thresholds = {f"distributed.worker.memory.{level}": False for level in ("target", "spill", "pause", "terminate")}
    with dask.config.set({"distributed.scheduler.allowed-failures": 1, **no_thresholds}):
        with LocalCluster(n_workers=options.workers, threads_per_worker=1, processes=True,
                          memory_limit=f"{int(options.memory_mb)}MiB", dashboard_address=None,
                          silence_logs=logging.CRITICAL) as cluster, Client(cluster) as client:
            yield client
