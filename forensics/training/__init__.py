"""Reproducible training of our learned components (see the README's "Learned face-blend detector").

Nothing here runs when a file is examined: the runtime loads the exported ONNX files through
``forensics.models``. What needs torch (``blend_net``, ``train_blend``) is installed with the optional
``train`` extra (``pip install -e ".[train]"``); the data preparation and the self-blend generator need only
numpy and OpenCV, so the evaluation can reuse them.
"""
