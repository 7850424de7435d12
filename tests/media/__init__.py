"""Tests: media."""
