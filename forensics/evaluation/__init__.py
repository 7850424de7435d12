"""Evaluation: agreement with reference parsers, error rates and benchmarks on the shared corpus."""

from pathlib import Path

DEFAULT_CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
