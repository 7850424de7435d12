"""Trained models that ship inside registry packages, loaded from disk once per process (never downloaded)."""
