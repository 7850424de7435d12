"""Tests: evaluation."""
