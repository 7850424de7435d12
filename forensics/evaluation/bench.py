"""Time every stage on standard inputs; print medians, the ratio to one decode, peak memory and throughput.

    forensics bench [--repeats 5] [--batch 100] [--quick]

Inputs: a 12-megapixel camera JPEG (the largest camera original of ``metadata/metadata-extractor/jpg`` in the
corpus, or a generated 4000 x 3000 JPEG without it), a 12-megapixel JPEG with four faces (the bundled
``examples/portrait.jpg`` tiled and enlarged, when the source checkout has it), a 1-megapixel PNG (generated) and a
10-second 1080p H.264 video at 30 fps panning over the four faces (generated with PyAV's x264). Stages: intake
hashing, decode, each analyser, report rendering. The ratio of the total to one decode is the number to watch:
decoding is the floor no analysis can beat. Peak RSS is read after each stage in a fresh process per input, so it
shows which stage raised the peak.

Then the goals of issue 22, each measured on whole processes as a user runs them (imports, intake, custody,
JSON, signed PDF), medians, against a plain Pillow decode of the same file in its own process in the same run:
the 12 MP photo examined and reported; a 50 MP JPEG (the photo enlarged) with its peak memory; the 1080p video
against real time; report rendering; and the throughput of a batch of camera JPEGs of mixed sizes from the corpus
on one process and on one process per core.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from forensics.analysers import AnalysisContext, discover, run_analysers
from forensics.analysers.base import available_cores
from forensics.case.hashing import digest_file
from forensics.evaluation.video_clips import encode, panned_frames
from forensics.media import load_media
from forensics.models.faces import default_face_model

VIDEO_FPS = 30
# Issue 22's targets, which `goals` compares its measurements with (memory in MiB, as the kernel counts it).
GOAL_PHOTO_SECONDS, GOAL_PHOTO_DECODES = 2.0, 15.0
GOAL_LARGE_SECONDS, GOAL_LARGE_MB = 8.0, 1024.0
GOAL_VIDEO_REAL_TIME = 2.0
GOAL_REPORT_SECONDS = 0.7
GOAL_BATCH_SCALING = 1.8
LARGE_SIZE = (8660, 5774)  # 50 MP, the size issue 22 measured
PILLOW_DECODE = "import sys; from PIL import Image; Image.open(sys.argv[1]).load()"
PORTRAIT = Path(__file__).resolve().parents[2] / "examples" / "portrait.jpg"  # present in a source checkout


def make_inputs(folder: Path, corpus: Path, quick: bool) -> dict[str, Path]:
    rng = np.random.default_rng(0)
    inputs = {}
    camera = _largest_camera_jpeg(corpus) if not quick else None
    if camera is not None:
        inputs[f"camera JPEG {_megapixels(camera):.0f} MP ({camera.name})"] = camera
    else:
        size = (800, 600) if quick else (4000, 3000)
        path = folder / "generated.jpg"
        Image.fromarray(_scene(size[1], size[0], rng)).save(path, quality=92)
        inputs[f"generated JPEG {size[0] * size[1] / 1e6:.1f} MP"] = path
    if PORTRAIT.is_file():
        # Four faces at about 300 px (1/3 of that with --quick): the face and lighting analysers' per-face work.
        tile = np.asarray(Image.open(PORTRAIT).convert("RGB"))
        side = 1200 if quick else 3464
        group = cv2.resize(np.vstack([np.hstack([tile, tile])] * 2),
                           (side, side), interpolation=cv2.INTER_CUBIC)
        path = folder / "faces.jpg"
        Image.fromarray(group).save(path, quality=92)
        inputs[f"four faces, {side * side / 1e6:.0f} MP (examples/portrait.jpg tiled 2x2, enlarged)"] = path
    png = folder / "picture.png"
    Image.fromarray(_scene(333 if quick else 1000, 333 if quick else 1000, rng)).save(png)
    inputs["PNG 1 MP" if not quick else "PNG 0.1 MP"] = png
    # A pan over four faces (or a generated scene), encoded by x264 at its defaults: the portrait's top 16:9
    # (where the face is) tiled 2x2 and enlarged to twice the frame size, so the pan keeps faces undistorted.
    width, height, seconds = (320, 180, 1) if quick else (1920, 1080, 10)
    if PORTRAIT.is_file():
        top = tile[: tile.shape[1] * 9 // 16]
        source = cv2.resize(np.vstack([np.hstack([top, top])] * 2), (2 * width, 2 * height), interpolation=cv2.INTER_CUBIC)
    else:
        source = _scene(2 * height, 2 * width, rng)
    video = encode(panned_frames(source, VIDEO_FPS * seconds, (width, height), seed=0, window=0.9),
                   folder / "clip.mp4", VIDEO_FPS)
    inputs[f"video {width}x{height} {seconds} s at {VIDEO_FPS} fps (H.264{', four faces' if PORTRAIT.is_file() else ''})"] = video
    return inputs


def plain_decoding(path: Path) -> tuple[float, int]:
    """Seconds to decode every frame of a video with PyAV (threads on, no conversion), and the frame count:
    the floor for any analysis that looks at the pictures."""
    import av

    started = time.perf_counter()
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        frames = sum(1 for _ in container.decode(stream))
    return time.perf_counter() - started, frames


def time_stages(path: Path, repeats: int) -> list[tuple[str, float, float]]:
    """(stage, median seconds, peak RSS in MB after the stage) for one input, in this process."""
    rows = []

    def measure(name, function, runs=repeats):
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            value = function()
            times.append(time.perf_counter() - started)
        rows.append((name, statistics.median(times), _peak_memory_mb()))
        return value

    measure("intake hashing (MD5+SHA-1+SHA-256)", lambda: digest_file(str(path)))
    media = measure("decode", lambda: load_media(path))  # video: open the container and decode the first frame
    context = AnalysisContext("BENCH", path.name, received_utc="2026-01-01T00:00:00.000000Z")
    # Timed once: later calls return the loaded model. (The landmark model loads at the first face.)
    measure("face detector load (once per process)", default_face_model, runs=1)
    if media.file_type.format == "JPEG":
        def read_again():
            media.__dict__.pop("jpeg_coefficients", None)
            return media.jpeg_coefficients

        measure("JPEG coefficients (read once, shared)", read_again)
    def analyse(analysers, *shared_caches):
        for name in ("upright_pixels", *shared_caches):  # a new image object: the face model detects again
            media.__dict__.pop(name, None)
        return run_analysers(media, context, analysers)

    for analyser in discover():
        measure(f"analyser: {analyser.name}", lambda a=analyser: analyse([a]))
    measure("all analysers, side by side", lambda: analyse(None, "jpeg_coefficients"))
    if media.file_type.format == "JPEG":
        for name, method in _compression_methods(media):
            measure(f"  compression: {name}", method)
    results = run_analysers(media, context)  # computed once, outside the timed rendering
    measure("report rendering", lambda: _render(path, media, results))
    return rows


def _compression_methods(media) -> list[tuple[str, object]]:
    """The compression analyser's methods one by one, for the per-method breakdown (same functions, same inputs)."""
    from forensics.algorithms.dct import luminance
    from forensics.algorithms.double_jpeg import analyse_double_jpeg
    from forensics.algorithms.jpeg_ghost import ghost_curve
    from forensics.algorithms.jpeg_grid import central_window, detect_grid
    from forensics.algorithms.jpeg_structure import parse_jpeg
    from forensics.algorithms.nonaligned_jpeg import detect_nonaligned
    from forensics.analysers.compression import ela_finding
    from forensics.figures import reduce
    from forensics.media.jpeg_coefficients import read_coefficients

    shape = media.pixels.shape[:2]
    blocks = read_coefficients(media.path, shape).luma_blocks
    table = parse_jpeg(media.data).quantisation_tables[0]
    window = luminance(central_window(media.pixels))
    return [
        ("aligned double compression", lambda: analyse_double_jpeg(blocks, media.pixels, table)),
        ("non-aligned (1024-px window)", lambda: detect_nonaligned(window)),
        ("JPEG ghost curve", lambda: ghost_curve(blocks, table, None)),
        ("grid origin (1024-px window)", lambda: detect_grid(window + 128.0)),
        ("error-level map", lambda: ela_finding(media, blocks, table, reduce(media.pixels))),
    ]


def _render(path: Path, media, results) -> None:
    from forensics.case.custody import GENESIS_HASH, Event, event_hash
    from forensics.data import shipped_error_rates
    from forensics.report.render import ReportInput, render_pdf
    from forensics.results import CaseInfo, EvidenceResult, ResultsDocument, RunInfo, conclude

    digests = digest_file(str(path))
    document = ResultsDocument(
        tool_version="bench", run=RunInfo("2026-01-01T00:00:00.000000Z", "2026-01-01T00:00:01.000000Z", "bench"),
        case=CaseInfo("bench", "BENCH", "bench", "bench"),
        evidence=[EvidenceResult("E001", path.name, digests.size, media.file_type.mime, digests.md5, digests.sha1,
                                 digests.sha256, results, conclude(results))],
        environment={},
    )
    details = {"note": "bench"}
    head = Event(1, "2026-01-01T00:00:00.000000Z", "bench", "case.created", details, GENESIS_HASH,
                 event_hash(1, "2026-01-01T00:00:00.000000Z", "bench", "case.created", details, GENESIS_HASH))
    render_pdf(ReportInput(document, [head], True, [], "2026-01-01T00:00:02.000000Z", shipped_error_rates()))


def _peak_memory_mb() -> float:
    """This process's peak resident memory: Linux's VmHWM (of this program only; the peak ``getrusage`` gives
    includes the process it was started from), elsewhere ``getrusage``'s."""
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _analyse_one(path: str) -> None:
    media = load_media(path)
    # One analyser thread per process: the processes already share out the cores.
    run_analysers(media, AnalysisContext("BENCH", Path(path).name), threads=1)


def _single_threaded_worker(core: int | None) -> None:
    """A batch worker: one thread for OpenCV too (the processes share out the cores), pinned to ``core`` if given."""
    cv2.setNumThreads(1)
    if core is not None:
        os.sched_setaffinity(0, {core})


def _ready(_: int) -> None:
    discover()
    default_face_model()
    time.sleep(0.2)  # holds this process, so the next call starts another


def throughput(paths: list[Path], workers: int) -> float:
    """Files analysed per second by ``workers`` single-threaded processes (one process pinned to one core when
    ``workers`` is 1; the processes are started before the clock, as a batch run keeps them)."""
    core = sorted(os.sched_getaffinity(0))[0] if workers == 1 else None
    # Fresh processes, so that numpy's OpenBLAS starts with one thread too (its threads spin, and two of them on
    # one core halve its speed); the variable is read when numpy is imported.
    saved = os.environ.get("OPENBLAS_NUM_THREADS")
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=_single_threaded_worker, initargs=(core,)) as pool:
            list(pool.map(_ready, range(workers)))  # each process started, its imports and face model loaded
            started = time.perf_counter()
            list(pool.map(_analyse_one, map(str, paths), chunksize=1))
            return len(paths) / (time.perf_counter() - started)
    finally:
        if saved is None:
            os.environ.pop("OPENBLAS_NUM_THREADS")
        else:
            os.environ["OPENBLAS_NUM_THREADS"] = saved


# Runs a command as its child and prints the child's wall seconds and peak memory. Linux carries a process's
# peak memory over fork and exec, so a command started straight from this (large) process would report this
# process's peak as its own; started from this small launcher, it reports its own.
_LAUNCHER = ("import os, subprocess, sys, time; started = time.perf_counter(); "
             "child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL); _, status, usage = os.wait4(child.pid, 0); "
             "print(time.perf_counter() - started, usage.ru_maxrss); sys.exit(os.waitstatus_to_exitcode(status))")


def whole_process(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of ``command`` run in its own process; raises if it fails."""
    with tempfile.TemporaryFile() as errors:
        finished = subprocess.run([sys.executable, "-c", _LAUNCHER, *command], stdout=subprocess.PIPE, stderr=errors)
        if finished.returncode != 0:
            errors.seek(0)
            raise RuntimeError(f"{' '.join(command[:4])} ... exited {finished.returncode}: {errors.read()[-300:]!r}")
    seconds, peak_kb = finished.stdout.split()
    return float(seconds), int(peak_kb) / 1024


def _median_run(command: list[str], repeats: int, before=None) -> tuple[float, float]:
    runs = []
    for _ in range(repeats):
        if before:
            before()
        runs.append(whole_process(command))
    return statistics.median(s for s, _ in runs), max(mb for _, mb in runs)


def goals(folder: Path, photo: Path, video: Path | None, batch: list[Path], repeats: int,
          large_size: tuple[int, int] = LARGE_SIZE) -> list[tuple[str, str, str, bool]]:
    """Issue 22's goals measured on whole processes: (goal, measured, target, met)."""
    forensics = [sys.executable, "-m", "forensics", "-q"]
    key = folder / "key"
    whole_process(forensics + ["keygen", str(key), "--name", "Bench Examiner"])
    signing = ["--sign", str(key / "examiner-key.pem"), "--sign-cert", str(key / "examiner-cert.pem")]
    case = folder / "goal-case"

    def analyse(path: Path, *options: str) -> list[str]:
        return forensics + ["analyze", str(path), "--case", str(case), "--case-number", "BENCH", "--agency", "bench",
                            "--examiner", "bench", *options]

    def fresh_case():
        shutil.rmtree(case, ignore_errors=True)

    rows = []
    decode, _ = _median_run([sys.executable, "-c", PILLOW_DECODE, str(photo)], repeats)
    seconds, peak = _median_run(analyse(photo, "--report", str(folder / "r.pdf"), "--json", str(folder / "r.json"),
                                        *signing), repeats, fresh_case)
    rows.append((f"{_megapixels(photo):.1f} MP photo ({photo.name}): analyze + JSON + signed PDF, whole process",
                 f"{seconds:.2f} s = {seconds / decode:.0f}x one decode ({decode:.2f} s); {peak:.0f} MB",
                 f"<= {GOAL_PHOTO_SECONDS:g} s and <= {GOAL_PHOTO_DECODES:g}x",
                 seconds <= GOAL_PHOTO_SECONDS and seconds / decode <= GOAL_PHOTO_DECODES))
    report_seconds, _ = _median_run(forensics + ["report", str(case), "-o", str(folder / "again.pdf"), *signing], repeats)
    rendering = _render_seconds(case, repeats)
    rows.append(("report of that one-photo case: rendering (in process) / `forensics report` (whole process)",
                 f"{rendering:.2f} s / {report_seconds:.2f} s", f"<= {GOAL_REPORT_SECONDS:g} s",
                 rendering <= GOAL_REPORT_SECONDS))
    large = folder / "large.jpg"
    with Image.open(photo) as image:
        image.convert("RGB").resize(large_size, Image.LANCZOS).save(large, quality=92, exif=image.info.get("exif", b""))
    seconds, peak = _median_run(analyse(large, "--report", str(folder / "r.pdf"), "--json", str(folder / "r.json"),
                                        *signing), repeats, fresh_case)
    rows.append((f"{large_size[0] * large_size[1] / 1e6:.0f} MP JPEG (the photo enlarged, quality 92): the same, peak memory",
                 f"{seconds:.2f} s, {peak:.0f} MB", f"<= {GOAL_LARGE_SECONDS:g} s, <= {GOAL_LARGE_MB:.0f} MB",
                 seconds <= GOAL_LARGE_SECONDS and peak <= GOAL_LARGE_MB))
    if video is not None:
        _, frames = plain_decoding(video)
        seconds, peak = _median_run(analyse(video, "--no-report", "--json", str(folder / "r.json")), repeats, fresh_case)
        rows.append((f"the video ({frames} frames at {VIDEO_FPS} fps): analyze + JSON, whole process", f"{seconds:.2f} s = "
                     f"{frames / VIDEO_FPS / seconds:.2f}x real time; {peak:.0f} MB", f">= {GOAL_VIDEO_REAL_TIME:g}x",
                     frames / VIDEO_FPS / seconds >= GOAL_VIDEO_REAL_TIME))
    cores = available_cores()
    single, parallel = throughput(batch, 1), throughput(batch, cores)
    rows.append((f"batch of {len(batch)} corpus camera JPEGs (mixed sizes): 1 process vs {cores}",
                 f"{single:.2f} vs {parallel:.2f} files/s = {parallel / single:.2f}x", f">= {GOAL_BATCH_SCALING:g}x",
                 parallel / single >= GOAL_BATCH_SCALING))
    return rows


def _render_seconds(case_dir: Path, repeats: int) -> float:
    """Median seconds to render the case's report in this process (imports and template compilation done)."""
    from forensics.case import Case
    from forensics.data import shipped_error_rates
    from forensics.report.render import ReportInput, render_pdf
    from forensics.workflow import case_results, report_facts

    with Case.open(case_dir) as case:
        meta, intakes = report_facts(case)
        verification = case.verify()
        report = ReportInput(case_results(case), case.events(), verification.ok, verification.problems,
                             "2026-01-01T00:00:00.000000Z", shipped_error_rates(), meta, intakes)
    render_pdf(report)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        render_pdf(report)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run(corpus: Path, repeats: int, batch: int, quick: bool) -> int:
    repeats = 1 if quick else repeats
    with tempfile.TemporaryDirectory(prefix="forensics-bench-") as folder:
        inputs = make_inputs(Path(folder), corpus, quick)
        print(f"machine: {available_cores()} cores available; {repeats} repeat(s) per stage; times are medians")
        for label, path in inputs.items():
            # A fresh process per input (not a fork of this one, whose memory it would inherit), so that the peak
            # resident memory read after each stage is this input's.
            with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
                rows = pool.submit(time_stages, path, repeats).result()
            decode = next(seconds for stage, seconds, _ in rows if stage == "decode")
            # The face model loads once per process, not per file: it is shown, not added to the per-file total.
            analysis = next(seconds for stage, seconds, _ in rows if stage == "all analysers, side by side")
            print(f"\n{label}: {path.stat().st_size / 1e6:.1f} MB")
            print(f"  {'stage':<38} {'median':>10} {'x decode':>9} {'peak RSS':>10}")
            for stage, seconds, rss in rows:
                print(f"  {stage:<38} {seconds * 1000:>8.0f} ms {seconds / decode:>8.1f}x {rss:>7.0f} MB")
            print(f"  {'decode + analysers side by side':<38} {(decode + analysis) * 1000:>8.0f} ms {(decode + analysis) / decode:>8.1f}x")
            if path.suffix == ".mp4":
                plain, frames = plain_decoding(path)
                duration = frames / VIDEO_FPS
                print(f"  video: {frames} frames ({duration:.0f} s) analysed in {analysis:.1f} s = {frames / analysis:.0f} frames/s, "
                      f"{duration / analysis:.1f}x real time; plain decoding of every frame {plain:.1f} s "
                      f"({frames / plain:.0f} frames/s), analysis / plain decoding {analysis / plain:.1f}x")
        photo = next(iter(inputs.values()))
        video = next((path for path in inputs.values() if path.suffix == ".mp4"), None)
        count = min(batch, 4) if quick else batch
        files = _camera_jpegs(corpus, count) or [photo] * count
        print("\ngoals (issue 22), whole processes, medians:")
        for goal, measured, target, met in goals(Path(folder), photo, video, files, repeats,
                                                 (1600, 1200) if quick else LARGE_SIZE):
            print(f"  {goal}\n      {measured}   goal {target}: {'met' if met else 'NOT MET'}")
    return 0


def _largest_camera_jpeg(corpus: Path) -> Path | None:
    folder = corpus / "metadata" / "metadata-extractor" / "jpg"
    best, best_pixels = None, 0
    for path in sorted(folder.glob("*.jpg")) if folder.is_dir() else []:
        try:
            with Image.open(path) as image:
                pixels = image.size[0] * image.size[1]
                image.load()
        except Exception:
            continue
        if pixels > best_pixels and pixels <= 13_000_000:
            best, best_pixels = path, pixels
    return best


def _camera_jpegs(corpus: Path, count: int) -> list[Path]:
    """Up to ``count`` JPEGs of the corpus's camera and metadata collections that decode, of at most 24 MP."""
    chosen = []
    for path in sorted((corpus / "metadata").rglob("*")) if (corpus / "metadata").is_dir() else []:
        if len(chosen) == count:
            break
        if path.suffix.lower() not in (".jpg", ".jpeg"):
            continue
        try:
            with Image.open(path) as image:
                if image.format == "JPEG" and image.size[0] * image.size[1] <= 24_000_000:
                    image.load()
                    chosen.append(path)
        except Exception:
            continue
    return chosen


def _megapixels(path: Path) -> float:
    with Image.open(path) as image:
        return image.size[0] * image.size[1] / 1e6


def _scene(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([128 + 60 * np.sin(x / 97.0), 128 + 50 * np.cos((x + y) / 61.0), 128 + 40 * np.sin(y / 49.0)], -1)
    return np.clip(base + rng.normal(0, 3, base.shape), 0, 255).astype(np.uint8)
