"""One call that seeds every random number generator the book uses."""

from __future__ import annotations

import importlib.util
import os
import random

import numpy as np

from ._checks import check_nonnegative_int

__all__ = ["set_seed"]


def set_seed(seed: int = 0) -> np.random.Generator:
    """Seed Python's ``random``, NumPy's global state and TensorFlow/Keras.

    ``ImageDataGenerator`` draws from NumPy's *global* generator, Keras layers
    from Keras' seed generator and TensorFlow ops from TensorFlow's global
    seed; calling this once at the top of a notebook makes all of them repeat
    on every run. TensorFlow is seeded only if it is installed (it is not
    imported otherwise).

    Parameters
    ----------
    seed : int
        A non-negative integer.

    Returns
    -------
    numpy.random.Generator
        A fresh ``Generator`` seeded with ``seed``, for code that takes an
        explicit generator (all of :mod:`tutorial_lib` does).

    Examples
    --------
    >>> rng = set_seed(42)
    >>> a = np.random.rand()
    >>> _ = set_seed(42)
    >>> a == np.random.rand()
    True
    >>> rng.integers(0, 10, 3).tolist() == set_seed(42).integers(0, 10, 3).tolist()
    True
    """
    seed = check_nonnegative_int(seed, "seed")
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    if importlib.util.find_spec("tensorflow") is not None:
        from .compat import quiet_tensorflow

        tf = quiet_tensorflow()
        tf.random.set_seed(seed)
        try:
            import keras

            keras.utils.set_random_seed(seed)
        except (ImportError, AttributeError):  # pragma: no cover - very old Keras
            pass
    return np.random.default_rng(seed)
