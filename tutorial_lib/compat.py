"""Find Keras' ``ImageDataGenerator`` wherever this TensorFlow/Keras keeps it.

Keras 3 removed ``ImageDataGenerator`` from the public ``keras.preprocessing.image``
module. TensorFlow 2.16+ still exposes it, as a deprecated legacy class, at
``tensorflow.keras.preprocessing.image``. :func:`get_image_data_generator`
looks in the known places, in order, and fails with one clear message that
names the installed versions when none has it.

Importing :mod:`tutorial_lib` never imports TensorFlow; this module does so
only when asked for the class.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import importlib.util
import os
import platform
import sys

__all__ = ["get_image_data_generator", "quiet_tensorflow", "versions"]

#: Where ``ImageDataGenerator`` has lived, most preferred first.
IMAGE_DATA_GENERATOR_LOCATIONS = (
    "tensorflow.keras.preprocessing.image",  # TF 2.16+ (Keras 3 legacy API), TF 2.x
    "tf_keras.preprocessing.image",  # the Keras 2 package for TF 2.16+
    "keras.preprocessing.image",  # Keras 2.x standalone
    "keras.src.legacy.preprocessing.image",  # Keras 3 private location
)

_PACKAGES = (
    "tensorflow",
    "keras",
    "tf_keras",
    "numpy",
    "scipy",
    "scikit-image",
    "scikit-learn",
    "matplotlib",
)


def versions() -> dict[str, str | None]:
    """Versions of Python and of the packages this book relies on.

    Returns
    -------
    dict
        ``{"python": ..., "tensorflow": ..., ...}``; a package that is not
        installed maps to ``None``. Reading versions imports nothing.

    Examples
    --------
    >>> v = versions()
    >>> v["python"].count(".")
    2
    >>> "numpy" in v
    True
    """
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


@contextlib.contextmanager
def _stderr_silenced():
    """Send file descriptor 2 to /dev/null (C++ start-up logs bypass Python)."""
    fd = 2  # the process's stderr, whatever Python's sys.stderr has become (ipykernel replaces it)
    try:
        saved = os.dup(fd)
    except OSError:  # no real stderr: nothing to silence
        yield
        return
    try:
        sys.stderr.flush()
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), fd)
        yield
    finally:
        try:
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        os.dup2(saved, fd)
        os.close(saved)


def quiet_tensorflow():
    """Import TensorFlow without its start-up log lines and return the module.

    TensorFlow's C++ core prints CUDA and CPU-feature notices straight to the
    process's standard error before any Python setting can stop it; in a
    notebook they appear as red boxes under the first cell. This sets
    ``TF_CPP_MIN_LOG_LEVEL=3`` (unless already set), silences file
    descriptor 2 while TensorFlow is imported, and lowers TensorFlow's Python
    logger to errors only.

    Returns
    -------
    module
        The ``tensorflow`` module.

    Raises
    ------
    ImportError
        If TensorFlow is not installed.

    Examples
    --------
    >>> tf = quiet_tensorflow()
    >>> int(tf.constant(2) + 1)
    3
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" not in sys.modules:
        with _stderr_silenced():
            tf = importlib.import_module("tensorflow")
    else:
        tf = sys.modules["tensorflow"]
    tf.get_logger().setLevel("ERROR")
    try:
        import absl.logging

        absl.logging.set_verbosity(absl.logging.ERROR)
    except ImportError:  # pragma: no cover - absl ships with TensorFlow
        pass
    return tf


def get_image_data_generator():
    """Return the ``ImageDataGenerator`` class of the installed Keras.

    Returns
    -------
    type
        The class, e.g. ``keras.src.legacy.preprocessing.image.ImageDataGenerator``
        under TensorFlow 2.16+ with Keras 3.

    Raises
    ------
    ImportError
        If no known location has it; the message lists the installed
        versions and the places searched.

    Examples
    --------
    >>> ImageDataGenerator = get_image_data_generator()
    >>> ImageDataGenerator(rotation_range=10).rotation_range
    10
    """
    if importlib.util.find_spec("tensorflow") is not None:
        quiet_tensorflow()
    errors = []
    for module_name in IMAGE_DATA_GENERATOR_LOCATIONS:
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            errors.append(f"{module_name}: {exc}")
            continue
        cls = getattr(module, "ImageDataGenerator", None)
        if cls is not None:
            return cls
        errors.append(f"{module_name}: has no ImageDataGenerator")
    installed = ", ".join(f"{k}={v}" for k, v in versions().items())
    raise ImportError(
        "ImageDataGenerator was not found in this environment. Install TensorFlow "
        "2.16 or newer (`pip install 'tensorflow>=2.16'`), which still ships it as a "
        f"legacy class. Installed: {installed}. Searched: " + "; ".join(errors)
    )


def __getattr__(name: str):
    # ``from tutorial_lib.compat import ImageDataGenerator`` resolves lazily.
    if name == "ImageDataGenerator":
        return get_image_data_generator()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
