"""Many files at once: intake of folders, analysis on a Dask cluster (local or running), resume, triage.

The client (the ``forensics batch`` process) is the only writer to the case: it takes every file in, logs each
analysis as it submits it, and records each outcome as it comes back. Workers only read the case's evidence
objects and return results, so SQLite sees one writer however many machines analyse.
"""
