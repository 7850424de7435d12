"""Tests: analyzers."""
