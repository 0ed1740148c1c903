"""Process-wide TensorFlow settings, applied before TensorFlow is imported."""

from __future__ import annotations

import os


def configure() -> None:
    # Quiet C++ logging; oneDNN stays on (it is what users' Keras runs with by default).
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
