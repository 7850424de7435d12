"""Time every stage on standard inputs; print medians, the ratio to one decode, peak memory and throughput.

    forensics bench [--repeats 5] [--batch 16] [--quick]

Inputs: a 12-megapixel camera JPEG (the largest camera original of ``metadata/metadata-extractor/jpg`` in the
corpus, or a generated 4000 x 3000 JPEG without it), a 12-megapixel JPEG with four faces (the bundled
``examples/portrait.jpg`` tiled and enlarged, when the source checkout has it), a 1-megapixel PNG (generated) and a
10-second 1080p H.264 video at 30 fps panning over the four faces (generated with PyAV's x264). Stages: intake
hashing, decode, each analyser, report rendering. The ratio of the total to one decode is the number to watch:
decoding is the floor no analysis can beat. Peak RSS is read after each stage in a fresh process per input, so it
shows which stage raised the peak. Throughput is measured on a batch of JPEGs analysed by 1 process and by one
process per core.
"""

from __future__ import annotations

import os
import resource
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from forensics.analysers import AnalysisContext, discover, run_analysers
from forensics.case.hashing import digest_file
from forensics.evaluation.video_clips import encode, panned_frames
from forensics.media import load_media
from forensics.models.faces import default_face_model

VIDEO_FPS = 30
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

    def measure(name, function):
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            value = function()
            times.append(time.perf_counter() - started)
        rows.append((name, statistics.median(times), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
        return value

    measure("intake hashing (MD5+SHA-1+SHA-256)", lambda: digest_file(str(path)))
    media = measure("decode", lambda: load_media(path))  # video: open the container and decode the first frame
    context = AnalysisContext("BENCH", path.name, received_utc="2026-01-01T00:00:00.000000Z")
    measure("face model load (once per process)", default_face_model)
    if media.file_type.format == "JPEG":
        def read_again():
            media.__dict__.pop("jpeg_coefficients", None)
            return media.jpeg_coefficients

        measure("JPEG coefficients (read once, shared)", read_again)
    for analyser in discover():
        measure(f"analyser: {analyser.name}", lambda a=analyser: run_analysers(media, context, [a]))
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


def _analyse_one(path: str) -> None:
    media = load_media(path)
    run_analysers(media, AnalysisContext("BENCH", Path(path).name))


def throughput(paths: list[Path], workers: int) -> float:
    started = time.perf_counter()
    if workers == 1:
        for path in paths:
            _analyse_one(str(path))
    else:
        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(_analyse_one, map(str, paths)))
    return len(paths) / (time.perf_counter() - started)


def run(corpus: Path, repeats: int, batch: int, quick: bool) -> int:
    repeats = 1 if quick else repeats
    with tempfile.TemporaryDirectory(prefix="forensics-bench-") as folder:
        inputs = make_inputs(Path(folder), corpus, quick)
        print(f"machine: {os.cpu_count()} cores; {repeats} repeat(s) per stage; times are medians")
        for label, path in inputs.items():
            with ProcessPoolExecutor(1) as pool:  # a fresh process per input, so peak RSS is this input's
                rows = pool.submit(time_stages, path, repeats).result()
            decode = next(seconds for stage, seconds, _ in rows if stage == "decode")
            # The face model loads once per process, not per file: it is shown, not added to the per-file total.
            analysis = sum(seconds for stage, seconds, _ in rows if stage.startswith(("analyser:", "JPEG coefficients")))
            print(f"\n{label}: {path.stat().st_size / 1e6:.1f} MB")
            print(f"  {'stage':<38} {'median':>10} {'x decode':>9} {'peak RSS':>10}")
            for stage, seconds, rss in rows:
                print(f"  {stage:<38} {seconds * 1000:>8.0f} ms {seconds / decode:>8.1f}x {rss:>7.0f} MB")
            print(f"  {'decode + all analysers':<38} {(decode + analysis) * 1000:>8.0f} ms {(decode + analysis) / decode:>8.1f}x")
            if path.suffix == ".mp4":
                plain, frames = plain_decoding(path)
                duration = frames / VIDEO_FPS
                print(f"  video: {frames} frames ({duration:.0f} s) analysed in {analysis:.1f} s = {frames / analysis:.0f} frames/s, "
                      f"{duration / analysis:.1f}x real time; plain decoding of every frame {plain:.1f} s "
                      f"({frames / plain:.0f} frames/s), analysis / plain decoding {analysis / plain:.1f}x")
        jpeg = next(iter(inputs.values()))
        copies = [jpeg] * (max(2, batch // 4) if quick else batch)
        single = throughput(copies, 1)
        parallel = throughput(copies, os.cpu_count() or 1)
        print(f"\nbatch of {len(copies)} x {jpeg.name}: {single:.2f} files/s on 1 process, "
              f"{parallel:.2f} files/s on {os.cpu_count()} processes ({parallel / single:.2f}x)")
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


def _megapixels(path: Path) -> float:
    with Image.open(path) as image:
        return image.size[0] * image.size[1] / 1e6


def _scene(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([128 + 60 * np.sin(x / 97.0), 128 + 50 * np.cos((x + y) / 61.0), 128 + 40 * np.sin(y / 49.0)], -1)
    return np.clip(base + rng.normal(0, 3, base.shape), 0, 255).astype(np.uint8)
