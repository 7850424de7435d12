"""forensics: examine photos and videos for signs of manipulation, with a chain-of-custody report."""

__version__ = "0.1.0"
