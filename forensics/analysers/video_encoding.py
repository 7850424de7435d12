"""Video encoding history: container layout, groups of pictures, and periodic traces of an earlier encoding."""

from __future__ import annotations

import numpy as np

from forensics.algorithms.video_gop import MIN_P_FRAMES, display_order, first_encoding_periodicity, frame_kinds, group_lengths
from forensics.analysers.base import Analyser, AnalyserOutput, AnalysisContext, NotApplicable, register
from forensics.data import read_table, shipped_file
from forensics.figures import time_plot_figure
from forensics.media import Media
from forensics.media.video import PacketTrace, StreamFacts, VideoUnreadable, packet_trace, stream_facts, top_level_boxes
from forensics.results import Finding, Measurement, Proposition, Strength

MAX_PACKETS = 2_000_000  # four numbers each: 64 MB at most, about 18 hours at 30 frames per second
REFERENCE_FILE = shipped_file("video_encoding_reference.json")

GOP_REFERENCES = ("Wang & Farid, 'Exposing digital forgeries in video by detecting double MPEG compression', ACM MM&Sec 2006; "
                  "Vázquez-Padín, Fontani, Bianchi, Comesaña, Piva & Barni, 'Detection of video double encoding with GOP "
                  "size estimation', WIFS 2012; Fisher, 'Tests of significance in harmonic analysis', Proc. R. Soc. A 125, 1929")
CONTAINER_REFERENCE = "Gloe, Fischer & Kirchner, 'Forensic analysis of video file formats', Digital Investigation 11, 2014"
# Track handler names as their writers leave them (the handler box is written by the muxer, not the encoder,
# so it survives when encoder tags are stripped); seen in the corpus's phone, camera and converted videos.
HANDLER_WRITERS = {
    "Core Media Video": "Apple",  # iPhone/iPad camera and Apple's own exports
    "Apple Video Media Handler": "Apple",  # older QuickTime
    "VideoHandle": "Android",  # Android's MediaMuxer (phone cameras)
    "VideoHandler": "FFmpeg",  # libavformat's default
}
ENCODER_TAGS = ("encoder", "software", "handler_name", "vendor_id", "major_brand", "compatible_brands", "creation_time")


def load_reference() -> dict | None:
    return read_table(REFERENCE_FILE)


@register
class VideoEncodingAnalyser(Analyser):
    name = "video_encoding"
    title = "Video encoding history"
    version = "0.1.1"
    kinds = frozenset({"video"})
    description = "Container layout and encoder tags; frame types and groups of pictures; periodic traces of an earlier encoding."

    def parameters(self) -> dict:
        reference = load_reference()
        return {"max_packets": MAX_PACKETS, "min_p_frames": MIN_P_FRAMES,
                "levels": reference["levels"] if reference else None}

    def analyse(self, media: Media, context: AnalysisContext) -> AnalyserOutput:
        try:
            facts = stream_facts(media.path)
            trace = packet_trace(media.path, MAX_PACKETS)
        except VideoUnreadable as error:
            raise NotApplicable(str(error)) from None
        if len(trace.sizes) == 0:
            raise NotApplicable("the video stream holds no packets")
        warnings = ["packet trace stopped early (damaged stream or over the packet limit): figures cover the part read"] if trace.truncated else []
        findings = [_container(media, facts, trace), _groups(trace)]
        mismatch = _claimed_device_mismatch(facts)
        if mismatch:
            findings.append(mismatch)
        periodicity = _periodicity(trace, load_reference())
        if periodicity:
            findings.append(periodicity)
        return AnalyserOutput(findings=findings, warnings=warnings)


def _container(media: Media, facts: StreamFacts, trace: PacketTrace) -> Finding:
    boxes = top_level_boxes(media.path)
    tags = {**{f"container {k}": v for k, v in facts.container_tags.items() if k in ENCODER_TAGS},
            **{f"stream {k}": v for k, v in facts.stream_tags.items() if k in ENCODER_TAGS}}
    layout = None
    if boxes and "moov" in boxes and "mdat" in boxes:
        layout = "index (moov) before the media data (mdat)" if boxes.index("moov") < boxes.index("mdat") else \
            "media data (mdat) before the index (moov)"
    return Finding(
        key="video_encoding.container", proposition=Proposition.PROCESSING, title="Container and stream", strength=Strength.NONE, score=0.0,
        explanation=("How the file is laid out and what its encoder wrote. " + (
            f"The {layout}: recorders that write while filming usually put the index last; FFmpeg's 'faststart', "
            "editors and streaming services usually move it to the front. Either order is compatible with an "
            "original from some devices, so this is context, not a finding." if layout else
            "The container is not an ISO/QuickTime file, so its box order is not recorded.")),
        method="Container and stream read with PyAV (FFmpeg); top-level box headers walked in file order",
        reference=CONTAINER_REFERENCE,
        measurements=[
            Measurement("container", facts.container_format),
            Measurement("top-level boxes in file order", " ".join(boxes) if boxes else None),
            Measurement("codec, profile, level", [facts.codec, facts.profile, facts.level]),
            Measurement("frame size", [facts.width, facts.height], "pixels"),
            Measurement("frame rate", round(facts.frame_rate, 3) if facts.frame_rate else None, "frames per second"),
            Measurement("frames declared / packets read", [facts.declared_frames, int(len(trace.sizes))],
                        note="a difference means a damaged, cut or oddly muxed stream"),
            Measurement("duration", round(facts.duration_s, 3) if facts.duration_s else None, "seconds"),
        ] + [Measurement(key, value[:200]) for key, value in sorted(tags.items())],
        limitations=["Every field here can be rewritten by re-muxing without touching the pictures; a missing or "
                     "generic encoder tag says nothing either way."],
    )


def claimed_maker(tags: dict[str, str]) -> str | None:
    """The device maker the container claims: Apple's QuickTime make tag, or Android's version tag."""
    make = tags.get("com.apple.quicktime.make", "").strip()
    if make:
        return "Apple" if make.lower().startswith("apple") else make
    return "Android" if "com.android.version" in tags else None


def _claimed_device_mismatch(facts: StreamFacts) -> Finding | None:
    maker = claimed_maker(facts.container_tags)
    handler = facts.stream_tags.get("handler_name", "").strip()
    writer = HANDLER_WRITERS.get(handler)
    if maker not in ("Apple", "Android") or writer is None or writer == maker:
        return None
    return Finding(
        key="video_encoding.handler", proposition=Proposition.PROCESSING,
        title="Track written by other software than the device the container names", strength=Strength.MODERATE,
        score=0.6,
        explanation=(f"The container names an {maker} device, but its video track's handler is '{handler}', which "
                     f"{writer} writes; {maker} devices write "
                     f"{' or '.join(repr(h) for h, w in HANDLER_WRITERS.items() if w == maker)}. The file was re-muxed "
                     f"or re-encoded by {writer} after recording, keeping the device's tags. This does not show what, "
                     "if anything, was changed in the pictures."),
        method="Track handler name compared with the maker the container's tags claim",
        reference=CONTAINER_REFERENCE,
        measurements=[Measurement("claimed maker", maker), Measurement("track handler", handler),
                      Measurement("handler written by", writer)],
        limitations=["Only Apple and Android claims are checked, against the handler names seen in our corpus; "
                     "other writers and future firmware may use other names."],
    )


def _groups(trace: PacketTrace) -> Finding:
    kinds = frame_kinds(trace.times_s, trace.keyframe)
    lengths = group_lengths(trace.keyframe)
    counts = {kind: int((kinds == kind).sum()) for kind in "IPB"}
    fixed = len(lengths) >= 2 and lengths.min() == lengths.max()
    order = display_order(trace.times_s)
    times = trace.times_s[order]
    times = np.where(np.isfinite(times), times, np.arange(len(times)))
    kilobytes = trace.sizes[order] / 1000
    top = float(np.percentile(kilobytes, 99)) if len(kilobytes) else 1.0
    shown = kinds[order]
    series = [(f"{kind} frames", np.where(shown == kind, kilobytes, np.nan), colour)
              for kind, colour in (("I", (200, 40, 40)), ("P", (40, 90, 200)), ("B", (30, 150, 60))) if counts[kind]]
    figure = time_plot_figure(
        "Frame sizes over time", f"Size of each compressed frame in kilobytes (0 to {top:.0f}, the 99th percentile), by "
        "frame type; grey lines mark keyframes.", times, series, 0.0, max(top, 1e-3), "frame size (kB)",
        marks_s=times[shown == "I"] if counts["I"] <= 200 else None, dots=True)
    if len(lengths) == 0:
        pattern = "The stream has a single keyframe at the start: one open group."
    elif counts["I"] == len(kinds):
        pattern = "Every frame is a keyframe (intra-only coding, as in Motion-JPEG and some camera formats)."
    else:
        pattern = (f"Keyframes every {int(lengths[0])} frames throughout: a fixed group length, typical of "
                   "cameras and of re-encoders set to a fixed group." if fixed else
                   f"Group lengths vary from {int(lengths.min())} to {int(lengths.max())} frames: the encoder places keyframes "
                   "adaptively (at scene cuts), typical of software encoders such as x264.")
    return Finding(
        key="video_encoding.frame_types", proposition=Proposition.PROCESSING,
        title="Frame types and groups of pictures", strength=Strength.NONE, score=0.0,
        explanation=pattern + " Shown as context for the periodicity test below.",
        method="Packets read without decoding; I from the keyframe flag, B where a frame is shown before a frame "
               "decoded earlier, P otherwise",
        reference=GOP_REFERENCES,
        measurements=[Measurement("I / P / B frames", [counts["I"], counts["P"], counts["B"]]),
                      Measurement("group length, min / median / max",
                                  [int(lengths.min()), float(np.median(lengths)), int(lengths.max())] if len(lengths) else None,
                                  "frames")],
        figures=[figure],
        limitations=["Frame types are inferred from packet flags and display order; reference B-frames in a "
                     "hierarchical structure count as B."],
    )


def _periodicity(trace: PacketTrace, reference: dict | None) -> Finding | None:
    title = "Periodic traces of an earlier encoding"
    result = first_encoding_periodicity(trace.times_s, trace.sizes, trace.keyframe)
    if result is None:
        return Finding(
            key="video_encoding.periodicity", proposition=Proposition.PROCESSING, title=title, strength=Strength.NONE, score=0.0,
            explanation=f"Not tested: the stream has fewer than {MIN_P_FRAMES} predicted (P) frames, or none that vary.",
            method="Fisher's g test on P-frame sizes", reference=GOP_REFERENCES,
            limitations=["Intra-only streams (Motion-JPEG) and very short clips cannot be tested this way."])
    evidence = -np.log10(max(result.p_value, 1e-300))
    levels = reference["levels"] if reference else []
    strength = next((Strength(level) for threshold, level in levels if evidence >= threshold), Strength.NONE)
    if strength is Strength.NONE:
        explanation = (f"The sizes of the predicted frames show no periodic pattern beyond what single encodings in "
                       f"our reference set show (strongest candidate: every {result.period_frames} frames, "
                       f"-log10 p = {evidence:.1f}). This does not show the video was encoded only once: a second "
                       "encoding at a much lower quality, or with the same group length, erases the trace.")
    else:
        explanation = (f"The predicted frames cost periodically more bits every {result.period_frames} frames, unlike the "
                       f"current encoding's own groups: the trace a first encoding with groups of {result.period_frames} "
                       "frames leaves when the video is decoded and encoded again (or when frames were removed "
                       "before the second encoding). Re-encoding is what every sharing platform and editor does; "
                       "it contradicts a claim that this file is a camera original, and it does not by itself show "
                       "that the pictures were changed.")
    return Finding(
        key="video_encoding.periodicity", proposition=Proposition.PROCESSING, title=title, strength=strength,
        score=float(min(evidence / 50, 1.0)), explanation=explanation,
        method="P-frame sizes relative to their running median and to the same place in the current groups; share of "
               "the periodogram at each candidate period (4-60 frames) and its harmonics; Fisher-type tail "
               "probability under white noise, corrected for the periods tried, used as a statistic",
        reference=GOP_REFERENCES,
        measurements=[Measurement("candidate period of an earlier encoding", result.period_frames, "frames"),
                      Measurement("variance share at that period and its harmonics",
                                  [round(result.energy_share, 3), round(result.expected_share, 3)],
                                  note="observed, and expected without periodicity"),
                      Measurement("-log10 p (white-noise null)", round(evidence, 1),
                                  note="a statistic: scene content is not white noise; the levels come from single "
                                       "encodings measured" + (f" ({reference['null']})" if reference else "")),
                      Measurement("P-frames tested", result.p_frames)],
        limitations=[
            "Deleting frames and re-encoding leave the same trace: this test cannot tell them apart.",
            "A second encoding with the same group length as the first, or at a much lower quality, hides the trace.",
            "Scenes with periodic motion (a blinking light, a rotating object) can make frame sizes periodic too.",
        ] + (reference.get("limitations", []) if reference else ["No reference set of single encodings is shipped: no strength is claimed."]),
    )
