"""The manager discovers analysers, applies them by media kind, and isolates failures."""

import json
import time
from pathlib import Path

import pytest

from forensics.analysers import Analyser, AnalyserOutput, AnalysisContext, NotApplicable, discover, run_analysers
from forensics.media import load_media
from forensics.results import Finding, Proposition, Status, Strength

CONTEXT = AnalysisContext(exhibit_id="E001", original_name="photo.jpg")


class Exploding(Analyser):
    name, version, kinds, description = "exploding", "0.1", frozenset({"image"}), "always raises"

    def analyse(self, media, context):
        raise RuntimeError("boom")


class Vandal(Analyser):
    name, version, kinds, description = "vandal", "0.1", frozenset({"image"}), "tries to write the shared pixels"

    def analyse(self, media, context):
        media.pixels[0, 0] = 0
        return AnalyserOutput([])


class Declining(Analyser):
    name, version, kinds, description = "declining", "0.1", frozenset({"image"}), "decides it cannot apply"

    def analyse(self, media, context):
        raise NotApplicable("no faces found")


class Counting(Analyser):
    name, version, kinds, description = "counting", "0.1", frozenset({"image"}), "reports the pixel count"

    def analyse(self, media, context):
        return AnalyserOutput([Finding(key="counting.pixels", proposition=Proposition.PROCESSING, title="Pixels",
                                       explanation="count", strength=Strength.NONE, score=0.0, method="count",
                                       reference="none")])


class VideoOnly(Analyser):
    name, version, kinds, description = "video_only", "0.1", frozenset({"video"}), "videos only"


def test_discover_finds_the_file_identity_analyser():
    names = [cls.name for cls in discover()]
    assert "file_identity" in names
    assert names == sorted(names)


def test_one_failing_analyser_does_not_lose_the_others(jpeg_file):
    media = load_media(jpeg_file)
    results = run_analysers(media, CONTEXT, [Exploding, Vandal, Declining, Counting, VideoOnly])
    by_name = {r.name: r for r in results}
    assert by_name["exploding"].status is Status.FAILED and "boom" in by_name["exploding"].reason
    assert by_name["vandal"].status is Status.FAILED and "read-only" in by_name["vandal"].reason
    assert by_name["declining"].status is Status.NOT_APPLICABLE and by_name["declining"].reason == "no faces found"
    assert by_name["video_only"].status is Status.NOT_APPLICABLE
    assert by_name["counting"].status is Status.RAN and len(by_name["counting"].findings) == 1


def test_results_are_identical_for_identical_input(jpeg_file):
    first = run_analysers(load_media(jpeg_file), CONTEXT)
    second = run_analysers(load_media(jpeg_file), CONTEXT)
    from dataclasses import asdict

    assert json.dumps([asdict(r) for r in first], default=str) == json.dumps([asdict(r) for r in second], default=str)


class Tamperer(Analyser):
    name, version, kinds, description = "tamperer", "0.1", frozenset({"image"}), "writes to the evidence file"

    def analyse(self, media, context):
        with open(media.path, "r+b") as handle:  # root ignores the read-only mode, so only a check can catch this
            handle.seek(100)
            handle.write(b"\x00")
        return AnalyserOutput([])


def test_an_analyser_that_writes_to_the_evidence_file_is_caught(tmp_path, jpeg_file):
    import shutil

    import pytest

    from forensics.analysers.base import EvidenceModified

    copy = tmp_path / "copy.jpg"
    shutil.copy(jpeg_file, copy)
    media = load_media(copy)
    with pytest.raises(EvidenceModified, match="tamperer"):
        run_analysers(media, CONTEXT, [Counting, Tamperer, Exploding])


class QuietTamperer(Tamperer):
    name = "quiet-tamperer"

    def analyse(self, media, context):
        import os

        before = os.stat(media.path)
        super().analyse(media, context)
        os.utime(media.path, ns=(before.st_atime_ns, before.st_mtime_ns))  # as a write within one clock tick would
        return AnalyserOutput([])


def test_a_write_that_keeps_the_modification_time_is_caught_by_the_bytes(tmp_path, jpeg_file):
    import shutil

    import pytest

    from forensics.analysers.base import EvidenceModified

    copy = tmp_path / "copy.jpg"
    shutil.copy(jpeg_file, copy)
    # The tamperer first, on one thread: every check after an analyser then comes after the restored time (a check
    # between the write and the restore would catch the write by its time instead: also right, but not this test).
    with pytest.raises(EvidenceModified, match="quiet-tamperer or counting .*no longer match those decoded"):
        run_analysers(load_media(copy), CONTEXT, [QuietTamperer, Counting], threads=1)


def test_tampering_analyser_stops_the_case_run_and_is_logged(tmp_path, jpeg_file, monkeypatch):
    import pytest

    import forensics.workflow as workflow
    from forensics.case import Case
    from forensics.errors import CaseError

    monkeypatch.setattr(workflow, "discover", lambda: [Counting, Tamperer])
    with Case.init(tmp_path / "case", "1", "a", "b") as case:
        record, _ = case.add_evidence(jpeg_file, "a")
        with pytest.raises(CaseError, match="modified the evidence"):
            workflow.analyse_exhibit(case, record, "a", "test")
        assert case.events()[-1].action == "analysis.failed"
        assert any("changed since intake" in p for p in case.verify().problems)


@pytest.mark.parametrize("fixture", ["jpeg_file", "png_file", "video_file"])
def test_every_finding_has_a_unique_key_under_its_analyser_and_a_proposition(fixture, request):
    media = load_media(request.getfixturevalue(fixture))
    for result in run_analysers(media, CONTEXT):
        keys = [f.key for f in result.findings]
        assert len(keys) == len(set(keys)), result.name
        assert all(key.startswith(result.name + ".") for key in keys), (result.name, keys)
        assert all(f.proposition.value in ("processing", "content") for f in result.findings)


def test_every_analyser_records_json_serialisable_parameters():
    import json

    for cls in discover():
        json.dumps(cls().parameters())


@pytest.mark.parametrize("cls", discover(), ids=lambda cls: cls.name)
def test_every_numeric_constant_of_an_analyser_module_is_in_its_recorded_parameters(cls, monkeypatch):
    # A court needs the parameters that ran: every number an analyser module defines (its thresholds, window
    # sizes, levels' inputs) must show in parameters(), so changing one must change what is recorded.
    import sys

    module = sys.modules[cls.__module__]
    recorded = json.dumps(cls().parameters(), sort_keys=True, default=str)
    constants = [name for name, value in vars(module).items()
                 if name.isupper() and isinstance(value, (int, float)) and not isinstance(value, bool)]
    for name in constants:
        with monkeypatch.context() as patch:
            patch.setattr(module, name, getattr(module, name) * 2 + 1)
            assert json.dumps(cls().parameters(), sort_keys=True, default=str) != recorded, f"{cls.name}: {name}"


@pytest.mark.parametrize("cls", discover(), ids=lambda cls: cls.name)
def test_numeric_constants_of_the_algorithms_and_models_an_analyser_runs_are_recorded(cls, monkeypatch):
    # The same for the numbers that live in the algorithm and model modules the analyser uses: recorded as
    # "module.NAME", read at recording time.
    import sys

    from forensics.analysers.base import code_modules, numeric_constants, recorded_parameters

    recorded = json.dumps(recorded_parameters(cls), sort_keys=True, default=str)
    for module in code_modules(sys.modules[cls.__module__]):
        for key, value in numeric_constants(module).items():
            name = key.split(".", 1)[1]
            with monkeypatch.context() as patch:
                patch.setattr(module, name, value * 2 + 1 if not isinstance(value, list) else (*value, 0))
                assert json.dumps(recorded_parameters(cls), sort_keys=True, default=str) != recorded, f"{cls.name}: {key}"


def test_the_modules_an_analyser_runs_are_found_through_its_imports():
    import sys

    from forensics.analysers.base import code_modules, recorded_parameters

    by_name = {cls.name: cls for cls in discover()}
    compression = {m.__name__ for m in code_modules(sys.modules[by_name["compression"].__module__])}
    assert {"forensics.algorithms.nonaligned_jpeg", "forensics.algorithms.double_jpeg", "forensics.algorithms.dct"} <= compression
    metadata = recorded_parameters(by_name["metadata"])
    assert metadata["exif.MAX_VALUE_CHARS"] and metadata["xmp.MAX_PACKET_BYTES"]  # through the metadata reader
    assert recorded_parameters(by_name["face"])["faces.MIN_DETECTOR_SCORE"] == 0.05


@pytest.mark.parametrize("cls", discover(), ids=lambda cls: cls.name)
def test_an_analyser_passes_every_numeric_setting_of_the_algorithms_it_calls(cls):
    # A default left to the algorithm would run without being recorded: every numeric keyword an analyser's
    # module leaves at its default when calling a function of forensics.algorithms is a defect.
    import ast
    import inspect
    import sys

    module = sys.modules[cls.__module__]
    defaulted = []
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        function = vars(module).get(node.func.id)
        if not (inspect.isfunction(function) and function.__module__.startswith("forensics.algorithms.")):
            continue
        passed = {keyword.arg for keyword in node.keywords}
        for index, parameter in enumerate(inspect.signature(function).parameters.values()):
            if (index >= len(node.args) and parameter.name not in passed and isinstance(parameter.default, (int, float))
                    and not isinstance(parameter.default, bool)):
                defaulted.append(f"{node.func.id}({parameter.name}) at line {node.lineno}")
    assert not defaulted, f"{cls.name}: " + "; ".join(defaulted)


def test_every_analyser_has_a_title_a_reader_understands():
    for cls in discover():
        assert cls.title and "_" not in cls.title and cls.title[0].isupper(), cls.name


def test_results_do_not_depend_on_how_many_analysers_run_side_by_side(tmp_path):
    """Face and lighting share one face detection, compression and copy-move run beside them: one thread or four,
    the same results, in the registry's order."""
    from dataclasses import asdict

    from PIL import Image

    portrait = Path(__file__).resolve().parents[2] / "examples" / "portrait.jpg"
    path = tmp_path / "portrait.jpg"
    Image.open(portrait).save(path, quality=85)  # re-saved, so the compression analyser has something to find
    one = run_analysers(load_media(path), CONTEXT, threads=1)
    four = run_analysers(load_media(path), CONTEXT, threads=4)
    assert [r.name for r in four] == [r.name for r in one] == sorted(r.name for r in one)
    assert any(f.strength.value != "none" for r in one for f in r.findings)
    assert json.dumps([asdict(r) for r in one], default=str) == json.dumps([asdict(r) for r in four], default=str)


class Slow(Analyser):
    name, version, kinds, description = "slow", "0.1", frozenset({"image"}), "takes half a minute"

    def analyse(self, media, context):
        time.sleep(30)
        return AnalyserOutput([])


def test_an_interruption_stops_the_run_at_once_while_an_analyser_is_still_running(jpeg_file):
    """Ctrl-C during a long analyser ends the command now, not when the analyser ends (the analysers run on
    threads of their own; the caller is the one interrupted). In a process of its own, with Python's Ctrl-C
    handler as a terminal gives it: a test run started as a background job inherits SIGINT ignored, and Python
    then installs no handler, so the simulated Ctrl-C would be lost."""
    import subprocess
    import sys

    script = ("import _thread, signal, sys, threading, time\n"
              "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
              "from forensics.analysers import run_analysers\n"
              "from forensics.media import load_media\n"
              "from tests.analysers.test_registry import CONTEXT, Counting, Slow\n"
              "threading.Timer(0.5, _thread.interrupt_main).start()\n"
              "started = time.perf_counter()\n"
              "try:\n"
              "    run_analysers(load_media(sys.argv[1]), CONTEXT, [Counting, Slow])\n"
              "except KeyboardInterrupt:\n"
              "    print(round(time.perf_counter() - started, 1))\n")
    result = subprocess.run([sys.executable, "-c", script, str(jpeg_file)], capture_output=True, text=True, timeout=60,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 0 and result.stdout.strip(), result.stderr[-500:]
    assert float(result.stdout) < 5


class BrokenParameters(Analyser):
    name, version, kinds, description = "broken_parameters", "0.1", frozenset({"image"}), "cannot say its parameters"

    def parameters(self):
        raise RuntimeError("no parameters")

    def analyse(self, media, context):
        return AnalyserOutput([])


def test_a_bug_outside_an_analysers_own_isolation_is_raised_not_waited_for(jpeg_file):
    with pytest.raises(RuntimeError, match="no parameters"):
        run_analysers(load_media(jpeg_file), CONTEXT, [Counting, BrokenParameters])
