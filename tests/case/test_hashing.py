"""Intake hashes must equal hashlib's and coreutils' for any content and any chunking."""

import hashlib
import io
import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forensics.case.hashing import digest_file, digest_stream


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=5000), chunk=st.integers(min_value=1, max_value=700))
def test_digests_equal_hashlib_for_any_chunking(data, chunk):
    copy = io.BytesIO()
    digests = digest_stream(io.BytesIO(data), copy_to=copy, chunk_bytes=chunk)
    assert digests.md5 == hashlib.md5(data).hexdigest()
    assert digests.sha1 == hashlib.sha1(data).hexdigest()
    assert digests.sha256 == hashlib.sha256(data).hexdigest()
    assert digests.size == len(data)
    assert copy.getvalue() == data


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="coreutils not installed")
def test_digests_equal_coreutils(tmp_path):
    path = tmp_path / "blob.bin"
    path.write_bytes(bytes(range(256)) * 40_000)  # 10 MB: several default-size chunks
    digests = digest_file(str(path))
    for tool, value in (("sha256sum", digests.sha256), ("sha1sum", digests.sha1), ("md5sum", digests.md5)):
        assert subprocess.run([tool, str(path)], capture_output=True, text=True, check=True).stdout.split()[0] == value
