"""Tests: analysers."""
