"""Evaluation: agreement with reference parsers, error rates and benchmarks on the shared corpus."""
