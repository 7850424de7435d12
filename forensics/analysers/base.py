"""What an analyser is, how it registers itself, and the manager that runs the applicable ones.

Modelled on plaso's parser registry: each analyser class declares a ``name``, a ``version`` and the
media ``kinds`` it applies to, and registers itself with ``@register`` in its own module. The manager
imports every module of ``forensics.analysers`` (so adding an analyser is adding a module), runs the
applicable analysers on one shared ``Media``, and isolates failures: an analyser that raises yields a
``failed`` result with the reason, and the others still run.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import numbers
import os
import pkgutil
import queue
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from types import ModuleType
from typing import Any, Callable, ClassVar

from forensics.errors import NotApplicable  # noqa: F401  (part of the analyser contract)
from forensics.media import Media
from forensics.results import AnalyserResult, AppendixEntry, Finding, Status, TrainedComponent


@dataclass(frozen=True)
class AnalysisContext:
    """What an analyser may know besides the pixels: the evidence's identity and the run's parameters."""

    exhibit_id: str
    original_name: str
    received_utc: str | None = None  # intake time: the reference for "dated in the future" checks
    parameters: dict[str, Any] = field(default_factory=dict)
    # Told the share done (0-1) by analysers of long inputs (videos); the command line draws it on a terminal.
    progress: Callable[[float], None] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class AnalyserOutput:
    findings: list[Finding]
    warnings: list[str] = field(default_factory=list)
    appendix: list[AppendixEntry] = field(default_factory=list)
    # Every trained model whose output this result depends on (detectors, landmark models, calibrations).
    trained_components: list[TrainedComponent] = field(default_factory=list)


class Analyser:
    """One method, in its own module under ``forensics/analysers/``, registered with ``@register``.

    The contract every analyser keeps:
    - ``analyse`` looks at the shared, read-only ``Media`` and returns an ``AnalyserOutput``; it never writes to
      the media, the evidence file or anything else (the manager checks the file and stops the run if it changed);
    - for input it cannot test (no pixels, a format or a face it was not validated on) it raises
      ``NotApplicable`` with a reason a reader understands, rather than guessing;
    - the same media, version and parameters give the same output (no clock, no randomness without a fixed seed);
    - every finding has a stable ``key`` starting with the analyser's ``name`` and names its ``proposition``;
      every trained model whose output the findings depend on is listed in ``trained_components``;
    - ``parameters()`` lists every value that changes the output, as the code uses it.
    Algorithms (``forensics/algorithms``) trust their input; the analyser checks it and raises ``NotApplicable``.
    """

    name: ClassVar[str]
    version: ClassVar[str]  # bumped whenever the findings can change for the same input
    kinds: ClassVar[frozenset[str]]  # subset of {"image", "video"}
    description: ClassVar[str]
    title: ClassVar[str] = ""  # what a reader calls it in the report's summary ("Compression history")
    # Needs several hundred MB of working memory on a large picture (whole-image coefficient arrays, a scale
    # space): two such analysers never run at the same time on pictures over ONE_HEAVY_ABOVE_MEGAPIXELS.
    memory_heavy: ClassVar[bool] = False

    def parameters(self) -> dict[str, Any]:
        """The parameters that change this analyser's output, JSON-serialisable (recorded in results and the
        custody log, so that a second examiner can reproduce the run)."""
        return {}

    def analyse(self, media: Media, context: AnalysisContext) -> AnalyserOutput:
        """The findings for ``media`` (see the class docstring for what an analyser may and must do).

        Raises NotApplicable(reason) when the media is outside what the method was designed and validated for."""
        raise NotImplementedError


_REGISTRY: dict[str, type[Analyser]] = {}


def register(cls: type[Analyser]) -> type[Analyser]:
    """Class decorator: make ``cls`` one of the analysers every run uses (its ``name`` must be unique)."""
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"two analysers are named {cls.name!r}")
    _REGISTRY[cls.name] = cls
    return cls


def discover() -> list[type[Analyser]]:
    """Import every analyser module in this package and return the registered classes, sorted by name."""
    package = importlib.import_module("forensics.analysers")
    for module in pkgutil.iter_modules(package.__path__):
        if module.name != "base":
            importlib.import_module(f"forensics.analysers.{module.name}")
    return [_REGISTRY[name] for name in sorted(_REGISTRY)]


# Modules whose numeric constants change an analyser's output without being its own: its algorithms, its models
# and the image metadata reader.
_CODE_PACKAGES = ("forensics.algorithms.", "forensics.models.", "forensics.media.metadata")
MAX_RECORDED_TUPLE = 16  # longer tables of numbers (zig-zag orders, grid offsets) are code, not settings


def code_modules(module: ModuleType) -> list[ModuleType]:
    """The algorithm and model modules ``module`` uses, directly or through one another, sorted by name."""
    found: dict[str, ModuleType] = {}
    pending = [module]
    while pending:
        for value in vars(pending.pop()).values():
            used = value if isinstance(value, ModuleType) else sys.modules.get(str(getattr(value, "__module__", "") or ""))
            if used is not None and used.__name__.startswith(_CODE_PACKAGES) and used.__name__ not in found:
                found[used.__name__] = used
                pending.append(used)
    return [found[name] for name in sorted(found)]


def numeric_constants(module: ModuleType) -> dict[str, Any]:
    """A module's public upper-case constants that are numbers or short tuples of numbers, as "module.NAME"."""
    short = module.__name__.rsplit(".", 1)[-1]
    constants: dict[str, Any] = {}
    for name, value in vars(module).items():
        if not name.isupper() or name.startswith("_") or isinstance(value, bool):
            continue
        if isinstance(value, numbers.Number):
            constants[f"{short}.{name}"] = value.item() if hasattr(value, "item") else value
        elif (isinstance(value, tuple) and 0 < len(value) <= MAX_RECORDED_TUPLE
              and all(isinstance(v, numbers.Number) and not isinstance(v, bool) for v in value)):
            constants[f"{short}.{name}"] = [v.item() if hasattr(v, "item") else v for v in value]
    return constants


def recorded_parameters(cls: type[Analyser]) -> dict[str, Any]:
    """What results and the custody log record for an analyser: its ``parameters()`` and every numeric constant of
    the algorithm and model modules it runs, named "module.NAME" (read now, so a changed constant shows)."""
    constants: dict[str, Any] = {}
    for module in code_modules(sys.modules[cls.__module__]):
        constants.update(numeric_constants(module))
    return {**cls().parameters(), **dict(sorted(constants.items()))}


@dataclass(frozen=True)
class Timing:
    name: str
    seconds: float


class EvidenceModified(Exception):
    """An analyser changed the evidence file it was given (a bug; the run must stop)."""


def _fingerprint(path: str) -> tuple:
    # Size and modification time catch a write as soon as the analyser that made it ends, at the cost of a stat;
    # a write within the clock tick of the last one can keep the time, so the bytes are compared once at the end.
    try:
        info = os.stat(path)
    except OSError:
        return ("missing",)
    return info.st_size, info.st_mtime_ns


def _file_digest(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").digest()
    except OSError:
        return None


# On pictures larger than this, memory-heavy analysers run one at a time (the others still run beside them): two
# at once (SIFT's scale space, about 0.4 GB whatever the picture's size; the JPEG coefficient read, 0.4 GB at
# 50 MP) would take the process over 1 GB.
ONE_HEAVY_ABOVE_MEGAPIXELS = 24


def available_cores() -> int:
    """The cores this process may run on (a container's or a batch job's share, not the machine's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run_analysers(
    media: Media,
    context: AnalysisContext,
    analysers: list[type[Analyser]] | None = None,
    on_timing: Callable[[Timing], None] | None = None,
    threads: int | None = None,
) -> list[AnalyserResult]:
    """Run ``analysers`` (default: every registered one, by name) on one decoded ``media``; results in that order.

    The analysers run side by side on ``threads`` threads (default: one per available core): much of their work
    is in numpy and OpenCV, which release Python's lock, and they share the decoded media read-only. The results
    do not depend on the number of threads. On pictures over ONE_HEAVY_ABOVE_MEGAPIXELS, ``memory_heavy``
    analysers take turns. An analyser whose ``kinds`` exclude the media, or that raises NotApplicable, gives a
    ``not_applicable`` result with the reason; one that raises anything else gives a ``failed`` result, and the
    others still run. The evidence file is checked after each analyser ends, and its bytes against those decoded
    at the end; raises EvidenceModified if it changed (a bug: the run must stop), naming the analysers that were
    running."""
    chosen = analysers if analysers is not None else discover()
    expected = _fingerprint(media.path)  # what the file must still be after every analyser
    results: dict[str, AnalyserResult] = {}
    applicable = []
    for cls in chosen:
        if media.kind in cls.kinds:
            applicable.append(cls)
        else:
            results[cls.name] = AnalyserResult(
                cls.name, cls.version, Status.NOT_APPLICABLE, reason=f"applies to {', '.join(sorted(cls.kinds))} only",
                parameters=recorded_parameters(cls))
    running: set[str] = set()  # started and not yet found to have left the file as it was
    lock = threading.Lock()
    megapixels = (media.width or 0) * (media.height or 0) / 1e6  # of one frame, for a video
    heavy_turn = threading.Lock() if megapixels > ONE_HEAVY_ABOVE_MEGAPIXELS else contextlib.nullcontext()

    def run_one(cls: type[Analyser]) -> tuple[AnalyserResult, float]:
        with heavy_turn if cls.memory_heavy else contextlib.nullcontext():
            with lock:
                running.add(cls.name)
            started = time.perf_counter()
            return _analyse(cls, media, context), time.perf_counter() - started

    # The first heavy analyser, then the light ones, then the other heavy ones: while a heavy one waits for its
    # turn, the light ones keep the other threads busy.
    heavy = [cls for cls in applicable if cls.memory_heavy]
    waiting: queue.SimpleQueue = queue.SimpleQueue()
    for cls in heavy[:1] + [cls for cls in applicable if not cls.memory_heavy] + heavy[1:]:
        waiting.put(cls)
    ended: queue.SimpleQueue = queue.SimpleQueue()

    def work() -> None:
        while True:
            try:
                cls = waiting.get_nowait()
            except queue.Empty:
                return
            try:
                ended.put((cls, *run_one(cls), None))
            except BaseException as error:  # a bug outside the analyser's own isolation: raised in the caller
                ended.put((cls, None, 0.0, error))

    # Daemon threads, not a pool that is joined on the way out: Ctrl-C stops the command at once, as it did when
    # the analysers ran one after another, instead of waiting for the running analysers (minutes on a long video).
    for number in range(max(1, min(threads or available_cores(), len(applicable)))):
        threading.Thread(target=work, name=f"analyser-{number}", daemon=True).start()
    try:
        for _ in applicable:
            cls, result, seconds, error = _next(ended)
            if error is not None:
                raise error
            if on_timing:
                on_timing(Timing(cls.name, seconds))
            with lock:
                if _fingerprint(media.path) != expected:
                    raise EvidenceModified(f"analyser {' or '.join(sorted(running))} modified the evidence file "
                                           f"{media.path} ({cls.name} {cls.version} had just ended)")
                running.discard(cls.name)
            results[cls.name] = result
    finally:  # on an error or an interruption the analysers not yet started are not started
        with contextlib.suppress(queue.Empty):
            while True:
                waiting.get_nowait()
    whole_file = media.data is not None and expected[0] == len(media.data)  # a video's data is its first bytes
    if whole_file and _file_digest(media.path) not in (None, hashlib.sha256(media.data).digest()):
        raise EvidenceModified(f"analyser {' or '.join(cls.name for cls in applicable)} modified the evidence file "
                               f"{media.path} (its bytes no longer match those decoded)")
    return [results[cls.name] for cls in chosen]


def _next(ended: queue.SimpleQueue):
    """The next item, waiting in short steps: a wait without end is not interrupted by Ctrl-C."""
    while True:
        with contextlib.suppress(queue.Empty):
            return ended.get(timeout=0.2)


def _analyse(cls: type[Analyser], media: Media, context: AnalysisContext) -> AnalyserResult:
    parameters = recorded_parameters(cls)
    try:
        output = cls().analyse(media, context)
        findings = output.findings
        if media.decoding_note:  # every finding says it stands on part of the file
            note = f"{media.decoding_note[0].upper()}{media.decoding_note[1:]}."
            findings = [replace(finding, limitations=[*finding.limitations, note]) for finding in findings]
        return AnalyserResult(cls.name, cls.version, Status.RAN, parameters=parameters,
                              findings=findings, warnings=output.warnings,
                              appendix=output.appendix, trained_components=output.trained_components)
    except NotApplicable as reason:
        return AnalyserResult(cls.name, cls.version, Status.NOT_APPLICABLE, reason=str(reason), parameters=parameters)
    except Exception as error:  # isolation: one analyser's bug must not lose the others' results
        return AnalyserResult(cls.name, cls.version, Status.FAILED,
                              reason=f"{type(error).__name__}: {error}"[:500], parameters=parameters)
