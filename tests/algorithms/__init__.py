"""Tests: algorithms."""
