"""The README's table of analysers names every analyser with the version the code runs."""

from __future__ import annotations

import re
from pathlib import Path

from forensics.analysers import discover

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_analysers_table_gives_each_analysers_current_version():
    rows = dict(re.findall(r"^\| `(\w+)` \| ([0-9.]+) \|", README.read_text(), flags=re.M))
    assert rows == {cls.name: cls.version for cls in discover()}
