"""Write an augmented copy of a dataset to disk: N copies per image, reproducibly.

``flow(..., save_to_dir=...)`` writes files only as batches are drawn, with a
random number in each name (two draws can pick the same name and the second
silently replaces the first), and stretches each image to its own min..max
before saving. :func:`save_augmented` is the offline alternative: exactly
``copies`` files per source image, names that say which source and which copy
and sort in that order, the same bytes for the same ``seed``, no existing
file ever replaced, and all the files or none (a failure half-way leaves the
folder as it was).
"""

from __future__ import annotations

import inspect
import random
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ._checks import check_nonnegative_int, check_positive_int
from ._image_files import (
    check_names,
    check_png_batch,
    folder_path,
    refuse_existing,
    scales_by_255,
    staged_folder,
    write_image,
)
from ._progress import progress_bar

__all__ = ["save_augmented", "augmented_filename"]

_FORMATS = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "bmp": "BMP"}


def augmented_filename(source: str, copy: int, prefix: str = "aug", ext: str = "png") -> str:
    """The file name :func:`save_augmented` gives copy ``copy`` of ``source``.

    Examples
    --------
    >>> augmented_filename("src0007", 3)
    'aug_src0007_copy03.png'
    """
    head = f"{prefix}_" if prefix else ""
    return f"{head}{source}_copy{copy:02d}.{ext}"


def _copy_seed(base: int, source: int, copy: int) -> int:
    """A 32-bit seed for one (source, copy) pair, independent of how many there are."""
    seq = np.random.SeedSequence(entropy=base, spawn_key=(source, copy))
    return int(seq.generate_state(1, dtype=np.uint32)[0])


def _make_applier(augment) -> Callable[[np.ndarray, int], np.ndarray]:
    """Turn an ImageDataGenerator or a callable into ``f(image, seed) -> image``."""
    if hasattr(augment, "random_transform") and callable(augment.random_transform):
        preprocess = getattr(augment, "preprocessing_function", None)

        def apply(x, seed):
            out = augment.random_transform(x, seed=seed)
            if preprocess is not None:
                out = preprocess(out)
            return out

        return apply
    if not callable(augment):
        raise ValueError(
            "`augment` must be an ImageDataGenerator (anything with random_transform(x, seed=...)) "
            f"or a callable image -> image, got {type(augment).__name__}."
        )
    try:
        params = inspect.signature(augment).parameters
    except (TypeError, ValueError):  # builtins without a signature
        params = {}

    def apply(x, seed):
        if "rng" in params:
            return augment(x, rng=np.random.default_rng(seed))
        if "seed" in params:  # e.g. functools.partial(tl.gaussian_noise, sigma=0.1)
            return augment(x, seed=seed)
        # functions that draw from the global generators, like most
        # ``preprocessing_function``s, repeat because both are seeded here
        np.random.seed(seed)
        random.seed(seed)
        return augment(x)

    return apply


def save_augmented(
    images,
    augment,
    directory,
    copies: int = 1,
    *,
    seed: int | None = 0,
    prefix: str = "aug",
    source_names: Sequence[str] | None = None,
    format: str = "png",
    progress: bool = False,
) -> list[Path]:
    """Write exactly ``copies`` augmented versions of every image to ``directory``.

    Parameters
    ----------
    images : array_like
        Source images ``(N, H, W)`` or ``(N, H, W, C)`` with C in 1, 3, 4.
        ``augment`` sees them in their own range. Integer images are written
        as 0..255; if all of ``images`` are floats in [0, 1] the augmented
        copies are multiplied by 255, other floats are taken as 0..255.
        Values are rounded and clipped to 0..255, never stretched per image
        (unlike ``save_to_dir``). ``images`` is not modified.
    augment : ImageDataGenerator or callable
        With an ``ImageDataGenerator``, each copy is
        ``augment.random_transform(x, seed=s)`` followed by its
        ``preprocessing_function`` if it has one; ``rescale`` and the
        standardization options are *not* applied (they belong to training
        time, so the files keep the source's pixel range). Any other callable
        gets one float32 ``(H, W, C)`` image and returns the augmented image
        (any size, 1, 3 or 4 channels). If it has an ``rng`` parameter it also
        gets ``rng=numpy.random.Generator``, else if it has a ``seed``
        parameter (like the :mod:`tutorial_lib.transforms`) it gets
        ``seed=<int>``; otherwise NumPy's and Python's global generators are
        seeded before each call.
    directory : str or os.PathLike
        Where to write; created with its parents if missing.
    copies : int
        Number of augmented files per source image, at least 1.
    seed : int or None
        Every (source, copy) pair gets its own seed derived from this one, so
        the same ``seed`` gives the same bytes, whatever the global random
        state, and copy ``k`` of image ``i`` does not depend on ``copies``
        or on the number of images. ``None`` draws a fresh seed. NumPy's
        and Python's global random state is restored afterwards.
    prefix : str
        Start of every file name (may be empty).
    source_names : sequence of str, optional
        One name per source image used in the file names (e.g. the original
        file stems); default ``src0000``, ``src0001``, ...
    format : {"png", "jpg", "jpeg", "bmp"}
        File format; PNG (default) is lossless.
    progress : bool
        Show a ``tqdm`` progress bar (on standard error) while writing.

    Returns
    -------
    list of pathlib.Path
        ``N * copies`` paths, source by source and copy by copy, which is
        also their sorted order: ``<prefix>_<source>_copy<k>.<format>``.

    Raises
    ------
    ValueError
        For bad arguments, naming the argument.
    FileExistsError
        If any file to be written already exists; the message names it and
        nothing is written. Whatever ``augment`` raises propagates, with a
        note naming the image and copy.

    Notes
    -----
    All or nothing: the copies are written into a hidden temporary folder
    beside ``directory`` and moved into it once all are written, never
    replacing a file. If anything fails (``augment`` raises on image k...),
    nothing is left behind, files already in ``directory`` are not touched,
    and the corrected call can simply be run again.

    Examples
    --------
    >>> import tempfile
    >>> def flip_some(x, rng):
    ...     return x[:, ::-1] if rng.random() < 0.5 else x
    >>> x = np.arange(2 * 4 * 4, dtype=np.uint8).reshape(2, 4, 4)
    >>> folder = Path(tempfile.mkdtemp()) / "aug"
    >>> paths = save_augmented(x, flip_some, folder, copies=3, seed=1)
    >>> [p.name for p in paths[2:4]]
    ['aug_src0000_copy02.png', 'aug_src0001_copy00.png']
    >>> try:  # a second run into the same folder is refused, nothing is replaced
    ...     save_augmented(x, flip_some, folder, copies=3, seed=1)
    ... except FileExistsError as err:
    ...     print(str(err).split(" in ")[0])
    6 of the 6 files to write already exist, e.g. 'aug_src0000_copy00.png'
    """
    images = check_png_batch(images, "images")
    copies = check_positive_int(copies, "copies")
    apply = _make_applier(augment)
    if seed is None:
        base = int(np.random.SeedSequence().generate_state(1, dtype=np.uint32)[0])
    else:
        base = check_nonnegative_int(seed, "seed")
    prefix = _check_prefix(prefix)
    if not isinstance(format, str) or format.lower() not in _FORMATS:
        raise ValueError(f"`format` must be one of {sorted(_FORMATS)}, got {format!r}.")
    ext = format.lower()
    sources = _source_names(source_names, len(images))
    directory = folder_path(directory, "directory")
    paths = [
        directory / augmented_filename(s, k, prefix, ext) for s in sources for k in range(copies)
    ]
    refuse_existing(paths, directory, "Choose a new folder or another `prefix`.")
    np_state, py_state = np.random.get_state(), random.getstate()
    try:
        with staged_folder(directory) as stage:  # all files or none
            _write_copies(images, apply, [stage / p.name for p in paths], base, ext, progress)
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
    return paths


def _write_copies(images, apply, paths: list[Path], base: int, ext: str, progress: bool) -> None:
    """Write copy ``k`` of image ``i`` to ``paths[i * copies + k]``."""
    scale = scales_by_255(images)
    copies = len(paths) // len(images)
    for n in progress_bar(range(len(paths)), len(paths), "save_augmented", progress, unit="file"):
        i, k = divmod(n, copies)
        if k == 0:
            src = images[i]
            x = (src[..., None] if src.ndim == 2 else src).astype(np.float32)  # a fresh copy
        try:
            out = apply(x.copy(), _copy_seed(base, i, k))
        except Exception as exc:
            exc.add_note(
                f"save_augmented: `augment` raised on image {i}, copy {k}; no file was written."
            )
            raise
        out = _checked_output(out, i, ext)
        write_image(out, paths[n], scale, _FORMATS[ext])


def _check_prefix(prefix) -> str:
    if not isinstance(prefix, str):
        raise ValueError(f"`prefix` must be a string, got {prefix!r}.")
    if prefix:
        check_names([prefix], "prefix")
    return prefix


def _source_names(source_names, n: int) -> list[str]:
    """The checked ``source_names``, or ``src0000``, ``src0001``, ... by default."""
    if source_names is None:
        width = max(4, len(str(n - 1)))
        return [f"src{i:0{width}d}" for i in range(n)]
    sources = check_names(source_names, "source_names")
    if len(sources) != n:
        raise ValueError(f"`source_names` has {len(sources)} names for {n} images.")
    return sources


def _checked_output(out, index: int, ext: str) -> np.ndarray:
    """What ``augment`` returned for image ``index``, if it can be saved as ``ext``."""
    out = np.asarray(out)
    if out.ndim not in (2, 3) or (out.ndim == 3 and out.shape[-1] not in (1, 3, 4)) or not out.size:
        raise ValueError(
            "`augment` must return an (H, W) or (H, W, C) image with C in 1, 3, 4; "
            f"it returned shape {out.shape} for image {index}."
        )
    if _FORMATS[ext] == "JPEG" and out.ndim == 3 and out.shape[-1] == 4:
        raise ValueError("`format` jpg cannot store 4-channel images; use png.")
    if out.dtype.kind not in "biuf":
        raise ValueError(f"`augment` returned dtype {out.dtype} for image {index}; need numbers.")
    if not np.all(np.isfinite(out)):
        raise ValueError(
            f"`augment` returned NaN or infinite values for image {index}; they have no pixel "
            "value, so no file was written."
        )
    return out
