"""Every folder of report templates ships in the package: a folder renamed without pyproject.toml following
broke `pip install -e .` (and so the quick start) once."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_template_folder_is_a_package_with_its_files_listed():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    root = ROOT / setuptools["package-dir"]["forensics.templates"]
    folders = {path.parent for path in root.rglob("*") if path.suffix in {".html", ".css", ".ttf"}}
    for folder in folders:
        package = ".".join(["forensics.templates", *folder.relative_to(root).parts])
        assert package in setuptools["packages"], package
        patterns = setuptools["package-data"][package]
        assert all(any(path.match(pattern) for pattern in patterns)
                   for path in folder.iterdir() if path.suffix in {".html", ".css", ".ttf"}), package
    for package in setuptools["packages"]:
        if package.startswith("forensics.templates"):
            assert (root.joinpath(*package.split(".")[2:])).is_dir(), f"{package} is listed but has no folder"
