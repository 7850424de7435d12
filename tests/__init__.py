"""Tests: the test suite."""
