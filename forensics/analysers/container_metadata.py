"""Video container metadata: every tag the container records about itself (MP4/MOV/3GP/AVI/MTS), listed in full,
and the editing or conversion software it names.

Read with MediaInfo (pymediainfo): its wheel bundles libmediainfo, it parses a container in about 20 ms without
decoding, and it exposes vendor tags (QuickTime make/model/software, ISO 6709 location, encoder strings). File
system fields (names, times on this machine) are left out: they describe the copy, not the evidence.
"""

from __future__ import annotations

from forensics.algorithms.software_signatures import match_editor
from forensics.analysers.base import Analyser, AnalyserOutput, AnalysisContext, register
from forensics.media import Media
from forensics.results import AppendixEntry, Finding, Measurement, Proposition, Strength

MAX_APPENDIX_VALUE = 300  # characters of one tag shown in the appendix (tags can be megabytes long)
# Writer names MediaInfo derives from the vendor code every program of a platform writes, the phone's own camera
# included: "Apple QuickTime" is the 'appl' vendor of Apple's media framework, in iPhone recordings as in iMovie
# exports (the corpus's iPhone 6 video carries it), so it cannot tell a recording from an edit.
PLATFORM_WRITERS = {("writing_library", "Apple QuickTime")}
_FILE_SYSTEM_FIELDS = {"complete_name", "folder_name", "file_name", "file_extension", "file_name_extension",
                       "file_last_modification_date", "file_last_modification_date__local", "file_creation_date",
                       "file_creation_date__local"}


@register
class ContainerMetadataAnalyser(Analyser):
    name = "container_metadata"
    title = "Video container tags"
    version = "1.1.0"
    kinds = frozenset({"video"})
    description = "Video container tags (MediaInfo), with the editing or conversion software they name."

    def parameters(self) -> dict:
        return {"max_appendix_value_chars": MAX_APPENDIX_VALUE,
                "platform_writers": [f"{key} = {value}" for key, value in sorted(PLATFORM_WRITERS)]}

    def analyse(self, media: Media, context: AnalysisContext) -> AnalyserOutput:
        try:
            from pymediainfo import MediaInfo

            info = MediaInfo.parse(media.path)
        except Exception as error:  # a container that MediaInfo cannot read still gets its other analyses
            return AnalyserOutput(findings=[], warnings=[f"container metadata could not be read ({str(error)[:160]})"])
        entries, general = [], {}
        for track in info.tracks:
            data = track.to_data()
            if track.track_type == "General":
                general = data
            for key, value in sorted(data.items()):
                if key.startswith("other_") or key in _FILE_SYSTEM_FIELDS or key in ("track_type", "count", "kind_of_stream"):
                    continue
                entries.append(AppendixEntry.shortened(f"Container: {track.track_type}", key, str(value), MAX_APPENDIX_VALUE))
        summary = Finding(
            key="container_metadata.summary", proposition=Proposition.PROCESSING, title="Container metadata summary",
            strength=Strength.NONE, score=0.0,
            explanation="What the video container records about itself. Every field read is listed in the appendix.",
            method="Container parsed with MediaInfo (pymediainfo)", reference="ISO/IEC 14496-12 and 14496-14 (MP4); QuickTime File Format; RIFF AVI",
            measurements=[Measurement(label, general.get(key)) for label, key in (
                ("container format", "format"), ("writing application", "writing_application"),
                ("writing library", "writing_library"), ("encoded date", "encoded_date"), ("tagged date", "tagged_date"),
                ("recorded date", "recorded_date"), ("make", "comapplequicktimemake"), ("model", "comapplequicktimemodel"),
                ("software", "comapplequicktimesoftware"), ("location (ISO 6709)", "comapplequicktimelocationiso6709"),
                ("duration", "duration"), ("frame rate", "frame_rate"))],
            limitations=["Container tags are easy to edit; consistent tags do not show that a video is authentic.",
                         "A writer named by the platform's vendor code (such as 'Apple QuickTime', written by iPhones as by "
                         "Apple's editing programs) is listed but not counted as editing software."],
        )
        findings = [summary]
        hits = [(key, str(general[key]), name) for key in ("writing_application", "writing_library", "encoded_library",
                                                           "comapplequicktimesoftware", "encoder")
                if general.get(key) and (key, str(general[key])) not in PLATFORM_WRITERS
                and (name := match_editor(str(general[key])))]
        if hits:
            findings.append(Finding(
                key="container_metadata.editing_software", proposition=Proposition.PROCESSING,
                title="Editing or conversion software named in the container",
                explanation=(
                    f"The container names {', '.join(sorted({h[2] for h in hits}))}. Cameras and phones write their own "
                    "names here; these tags show the file was written (re-encoded or re-packaged) by that software "
                    "after recording. They do not show what, if anything, was changed in the pictures."),
                strength=Strength.MODERATE, score=0.6, method="Search of container tags for the names of editing and conversion software",
                reference="Gloe, Fischer & Kirchner, 'Forensic analysis of video file formats', Digital Investigation 11, 2014",
                measurements=[Measurement(key, text, note=name) for key, text, name in hits],
                limitations=["Platforms re-encode every upload with such software; it is the rule, not the exception, for shared videos."],
            ))
        return AnalyserOutput(findings=findings, appendix=entries)
