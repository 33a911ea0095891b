"""Writing images to files, and the rule that an existing file is never replaced.

Shared by :mod:`tutorial_lib.image_folder` and :mod:`tutorial_lib.saving`:

- :func:`check_png_batch`, :func:`check_names`, :func:`folder_path` check what
  is to be written before anything is;
- :func:`refuse_existing` fails, naming one of them, if any target file
  exists, so that nothing at all is written then;
- :func:`write_image` converts one image to 8 bits without stretching it
  (:func:`scales_by_255` says whether a batch holds 0..1 floats to be
  multiplied by 255) and creates the file exclusively (``open(..., "xb")``),
  so a file that appeared in the meantime is not truncated either;
- :func:`staged_folder` makes a whole write all-or-nothing: the files are
  written into a hidden temporary folder beside the target and moved into
  place only once all of them are written. If anything fails (the
  augmentation raises on image k, the disk fills up, a file appears in the
  way), every file and folder this call made is removed again and the
  target is as it was. Files it did not make are never touched: a move
  never replaces a file (a hard link, which fails if the name exists).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ._checks import check_batch, check_picture
from ._value_range import guess_value_range

__all__ = [
    "check_png_batch",
    "check_names",
    "folder_path",
    "refuse_existing",
    "scales_by_255",
    "to_8bit",
    "write_image",
    "staged_folder",
]

_BAD_NAME = re.compile(r"[/\\\x00]")


def check_png_batch(images, name: str = "images") -> np.ndarray:
    """Check a finite batch ``(N, H, W)`` or ``(N, H, W, C)``, C in 1, 3, 4 (what PNG stores)."""
    images = check_batch(images, name)
    if images.ndim == 4 and images.shape[-1] not in (1, 3, 4):
        raise ValueError(
            f"`{name}` must have 1, 3 or 4 channels to be saved, got shape {images.shape}."
        )
    if not np.all(np.isfinite(images)):
        raise ValueError(f"`{name}` holds NaN or infinite values; they have no pixel value.")
    return images


def check_names(names, name: str) -> list[str]:
    """Check names to be used as folder or file names: non-empty, unique, no path parts.

    Examples
    --------
    >>> check_names(["cat", "dog"], "class_names")
    ['cat', 'dog']
    >>> check_names(["a/b"], "class_names")
    Traceback (most recent call last):
    ...
    ValueError: `class_names` must be usable as folder/file names (no '/', no leading '.'), \
got ['a/b'].
    """
    if isinstance(names, str):
        raise ValueError(f"`{name}` must be a sequence of names, got a single string.")
    names = [str(c) for c in names]
    if not names:
        raise ValueError(f"`{name}` is empty.")
    bad = [c for c in names if not c or _BAD_NAME.search(c) or c.startswith(".")]
    if bad:
        raise ValueError(
            f"`{name}` must be usable as folder/file names (no '/', no leading '.'), got {bad}."
        )
    if len(set(names)) != len(names):
        dup = sorted({c for c in names if names.count(c) > 1})
        raise ValueError(f"`{name}` has duplicates: {dup}.")
    return names


def folder_path(value, name: str) -> Path:
    """``value`` as a Path, refusing an empty value and an existing non-folder."""
    if value is None or str(value) == "":
        raise ValueError(f"`{name}` must be a folder path, got an empty value.")
    path = Path(value)
    if path.exists() and not path.is_dir():
        raise ValueError(f"`{name}` {str(path)!r} exists and is not a folder.")
    return path


def refuse_existing(paths: list[Path], folder: Path, hint: str = "") -> None:
    """Raise FileExistsError if any of ``paths`` exists (a dangling link counts).

    The message says how many, names the first relative to ``folder``, and ends
    with ``hint``.
    """
    existing = [p for p in paths if p.exists() or p.is_symlink()]
    if existing:
        shown = existing[0].relative_to(folder).as_posix()
        raise FileExistsError(
            f"{len(existing)} of the {len(paths)} files to write already exist, e.g. {shown!r} "
            f"in {str(folder)!r}; nothing was written.{' ' + hint if hint else ''}"
        )


def scales_by_255(images: np.ndarray) -> bool:
    """True if ``images`` are 0..1 values (bool, or floats in [0, 1]) to be multiplied by 255.

    Examples
    --------
    >>> scales_by_255(np.array([0.0, 0.5])), scales_by_255(np.array([0, 1], np.uint8))
    (True, False)
    """
    return guess_value_range(images) == (0.0, 1.0)


def to_8bit(image: np.ndarray, scale_by_255: bool) -> np.ndarray:
    """One image as uint8 ``(H, W)`` or ``(H, W, 3|4)``: rounded and clipped, never stretched.

    Examples
    --------
    >>> to_8bit(np.array([[0.0, 0.5, 2.0]]), scale_by_255=True).tolist()
    [[0, 128, 255]]
    >>> to_8bit(np.array([[-3, 7, 300]]), scale_by_255=False).tolist()
    [[0, 7, 255]]
    """
    img = check_picture(image, "images", "to be saved")
    if img.dtype == np.uint8:
        return img
    if not np.all(np.isfinite(img)):
        raise ValueError("an image to save holds NaN or infinite values; they have no pixel value.")
    img = img.astype(np.float64)
    if scale_by_255:
        img = img * 255.0
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def write_image(image: np.ndarray, path: Path, scale_by_255: bool, fmt: str = "PNG") -> None:
    """Write one image to ``path`` in ``fmt``; FileExistsError rather than replace a file."""
    from PIL import Image

    img = to_8bit(image, scale_by_255)
    pil_image = Image.fromarray(np.ascontiguousarray(img))  # L, RGB or RGBA from the shape
    with open(path, "xb") as fh:  # "x": exclusive creation, never truncates an existing file
        pil_image.save(fh, format=fmt)


def _make_dirs(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return those created, outermost first."""
    missing = [p for p in [folder, *folder.parents] if not p.exists()][::-1]
    made = []
    try:
        for p in missing:
            p.mkdir()
            made.append(p)
    except BaseException:
        _remove_dirs(made)
        raise
    return made


def _remove_dirs(made: list[Path]) -> None:
    """Remove the folders in ``made`` (innermost first) that are empty; leave the others."""
    for p in reversed(made):
        with contextlib.suppress(OSError):
            p.rmdir()


def _move_no_replace(src: Path, dst: Path) -> None:
    """Move the file ``src`` to ``dst``; FileExistsError, and nothing done, if ``dst`` exists."""
    try:
        os.link(src, dst)  # atomic, and fails rather than replace; src goes with the stage
    except FileExistsError:
        raise FileExistsError(
            f"{str(dst)!r} appeared while the files were written; nothing was written."
        ) from None
    except OSError:  # a file system without hard links
        if dst.exists() or dst.is_symlink():
            raise FileExistsError(f"{str(dst)!r} exists; nothing was written.") from None
        os.rename(src, dst)


def _publish(stage: Path, target: Path) -> list[Path]:
    """Move everything in ``stage`` into ``target``; all of it or, on failure, none of it.

    Returns the folders created (the caller removes them if it fails later).
    """
    made: list[Path] = []
    moved: list[tuple[Path, tuple[int, int]]] = []
    try:
        made += _make_dirs(target)
        for src in sorted(stage.rglob("*")):  # a folder sorts before its contents
            dst = target / src.relative_to(stage)
            if src.is_dir():
                if not dst.is_dir():
                    dst.mkdir()  # FileExistsError if a file is in the way
                    made.append(dst)
                continue
            _move_no_replace(src, dst)
            info = dst.stat()
            moved.append((dst, (info.st_dev, info.st_ino)))
    except BaseException:
        for dst, identity in reversed(moved):  # only the very files this call moved there
            with contextlib.suppress(OSError):
                info = dst.lstat()
                if (info.st_dev, info.st_ino) == identity:
                    dst.unlink()
        _remove_dirs(made)
        raise
    return made


@contextlib.contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """Yield an empty temporary folder; on success, move its contents into ``target``.

    The temporary folder is a hidden sibling of ``target``
    (``.<name>.partial-<random>``, inside ``target`` if its parent is not
    writable) and is always removed. If the ``with`` body raises, or a file
    to move exists in ``target`` by then, nothing is moved (or everything
    moved is taken back), the folders this call created are removed and the
    exception propagates.

    Examples
    --------
    >>> root = Path(tempfile.mkdtemp())
    >>> with staged_folder(root / "out") as stage:
    ...     _ = (stage / "a.txt").write_text("a")
    >>> sorted(p.name for p in root.iterdir()), (root / "out" / "a.txt").read_text()
    (['out'], 'a')
    >>> try:
    ...     with staged_folder(root / "new") as stage:
    ...         _ = (stage / "b.txt").write_text("b")
    ...         raise RuntimeError("failed half-way")
    ... except RuntimeError:
    ...     pass
    >>> sorted(p.name for p in root.iterdir())
    ['out']
    """
    made = _make_dirs(target.parent)
    try:
        try:
            stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
        except PermissionError:  # e.g. a writable folder in a read-only one
            made += _make_dirs(target)
            stage = Path(tempfile.mkdtemp(prefix=".partial-", dir=target))
        try:
            yield stage
            made += _publish(stage, target)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
    except BaseException:
        _remove_dirs(made)
        raise
