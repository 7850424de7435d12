"""Analysers: one module each, registered with ``@register``; ``discover()`` finds them all."""

from forensics.analysers.base import (
    Analyser,
    AnalyserOutput,
    AnalysisContext,
    NotApplicable,
    discover,
    register,
    run_analysers,
)

__all__ = ["AnalysisContext", "Analyser", "AnalyserOutput", "NotApplicable", "discover", "register", "run_analysers"]
