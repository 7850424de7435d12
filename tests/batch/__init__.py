"""Tests of forensics batch: intake of folders, a real Dask cluster, resume, triage, the summary table."""
