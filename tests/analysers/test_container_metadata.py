"""Video container metadata: tags listed in full, software named in them turned into a finding."""

from __future__ import annotations

import pytest

from forensics.analysers import AnalysisContext, discover
from forensics.analysers.container_metadata import ContainerMetadataAnalyser
from forensics.media import load_media
from tests.helpers import CORPUS

CONTEXT = AnalysisContext("E001", "clip.avi", received_utc="2026-11-23T10:00:00.000000Z")


def test_video_container_encoder_is_reported(video_file):
    output = ContainerMetadataAnalyser().analyse(load_media(video_file), CONTEXT)
    findings = {f.key: f for f in output.findings}
    assert findings["container_metadata.summary"].strength.value == "none"
    # OpenCV writes AVI through FFmpeg's libavformat, which names itself "Lavf..." in the container.
    software = findings["container_metadata.editing_software"]
    assert software.strength.value == "moderate" and software.proposition.value == "processing"
    assert any(m.value.startswith("Lavf") for m in software.measurements)
    assert any(e.group == "Container: General" for e in output.appendix)
    assert not any(e.name == "complete_name" for e in output.appendix)  # the case's own path is not evidence


def test_images_go_to_the_metadata_analyser_and_videos_to_this_one():
    kinds = {cls.name: cls.kinds for cls in discover()}
    assert kinds["container_metadata"] == {"video"} and kinds["metadata"] == {"image"}


def test_long_tags_are_cut_for_the_appendix():
    from forensics.results import AppendixEntry

    entry = AppendixEntry.shortened("Container: General", "comment", "x" * 1000 + "\x00", 300)
    assert entry.value == "x" * 300 + "... (1001 characters)"
    assert AppendixEntry.shortened("g", "n", "a\x07b", 300).value == "a?b"


@pytest.mark.corpus
def test_an_iphone_recording_is_not_called_edited_for_its_platform_writer():
    # MediaInfo names the writer "Apple QuickTime" from the vendor code Apple's media framework writes, the
    # iPhone's camera included (issue 21: this iPhone 6 video was rated moderate).
    path = CORPUS / "video" / "metadata-extractor" / "mov" / "with-gps.mov"
    output = ContainerMetadataAnalyser().analyse(load_media(path), CONTEXT)
    findings = {f.key: f for f in output.findings}
    assert "container_metadata.editing_software" not in findings
    summary = {m.name: m.value for m in findings["container_metadata.summary"].measurements}
    assert summary["writing library"] == "Apple QuickTime" and summary["model"] == "iPhone 6"
