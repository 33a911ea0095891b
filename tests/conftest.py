"""Shared test set-up: no display, quiet TensorFlow, matplotlib figures closed after each test."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="session")
def ImageDataGenerator():
    """The installed Keras' ImageDataGenerator class (imports TensorFlow once)."""
    from tutorial_lib import get_image_data_generator

    return get_image_data_generator()
