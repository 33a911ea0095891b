"""One call that seeds every random number generator the book uses."""

from __future__ import annotations

import importlib.util
import os
import random

import numpy as np

from ._checks import check_seed, fold_seed

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
        Any non-negative integer, however large. Python's ``random`` and the
        returned ``Generator`` take it as it is. NumPy's legacy global seed
        (``np.random.seed``, which Keras' ``set_random_seed`` also calls) and
        ``PYTHONHASHSEED`` take 32 bits and TensorFlow 63: a seed that does not
        fit is replaced, for them only, by a fixed function of it
        (``numpy.random.SeedSequence``), so ``set_seed(2**40)`` repeats like
        any other seed. Seeds below ``2**32`` are used unchanged everywhere.

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
    >>> _ = set_seed(2**40); b = np.random.rand(); _ = set_seed(2**40)
    >>> b == np.random.rand()
    True
    """
    seed = check_seed(seed, "seed")
    seed32 = fold_seed(seed, 32)
    # PYTHONHASHSEED is read by Python processes started from here (workers): 32 bits only.
    os.environ["PYTHONHASHSEED"] = str(seed32)
    if importlib.util.find_spec("tensorflow") is not None:
        from .compat import quiet_tensorflow

        tf = quiet_tensorflow()
        try:
            import keras

            keras.utils.set_random_seed(seed32)  # also seeds random, np.random and TensorFlow
        except (ImportError, AttributeError):  # pragma: no cover - very old Keras
            pass
        tf.random.set_seed(fold_seed(seed, 63))
    random.seed(seed)
    np.random.seed(seed32)
    return np.random.default_rng(seed)
