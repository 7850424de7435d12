"""forensics: examine photos and videos for signs of manipulation, with a chain-of-custody report."""

import os

__version__ = "0.1.0"

# OpenCV and its bundled FFmpeg log decoder complaints straight to stderr, which would break the CLI's
# one-line errors; what matters is reported through our own results. Set before any module imports cv2.
os.environ.setdefault("OPENCV_LOG_LEVEL", "OFF")
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET
# The analysers run side by side on threads (one per core); numpy's OpenBLAS would start its own thread per core
# as well, and its threads spin while they wait, taking cores from the analysers: one thread each is 10 % faster on
# a 12 MP photo and gives the same results. Read once, when numpy is first imported; a value set by the user stays.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
