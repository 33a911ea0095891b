"""Class-per-folder image datasets on disk: write them, and check them before training.

``flow_from_directory`` and ``keras.utils.image_dataset_from_directory`` both
read the same layout, one sub-folder per class::

    root/
        class_a/0000.png  0003.png ...
        class_b/0001.png  0002.png ...

- :func:`write_image_folder` writes arrays into that layout as PNG files
  (lossless, so what is read back is exactly what was written), never
  overwriting or deleting a file that is already there.
- :func:`verify_image_folder` lists every file a loader would fail on
  (empty, truncated or corrupt images, non-images with an image extension)
  and every class folder without a readable image, each with the reason,
  so a broken file stops you before training rather than in epoch 7.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ._image_files import (
    check_names,
    check_png_batch,
    folder_path,
    refuse_existing,
    scales_by_255,
    write_image,
)

__all__ = [
    "FolderReport",
    "Problem",
    "IMAGE_EXTENSIONS",
    "write_image_folder",
    "verify_image_folder",
]

#: Extensions (lower case, no dot) that ``flow_from_directory`` or
#: ``image_dataset_from_directory`` pick up as images.
IMAGE_EXTENSIONS = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff", "gif")


def write_image_folder(images, labels, root, class_names, *, exist_ok: bool = False) -> list[Path]:
    """Write images into one sub-folder per class, as PNG files.

    Image ``i`` goes to ``root/<class_names[labels[i]]>/<i>.png`` with ``i``
    zero-padded, so the sorted file names (the order Keras lists them in)
    follow the order of ``images`` within each class, and a file name leads
    back to its row in ``images``. A folder is made for every class name,
    even one without images.

    Parameters
    ----------
    images : array_like
        ``(N, H, W)`` or ``(N, H, W, C)`` with C in 1, 3, 4. Integers are
        written as 0..255 (clipped); floats in [0, 1] are multiplied by 255,
        other floats are rounded and clipped to 0..255 (never stretched).
    labels : array_like
        ``(N,)`` integer class indices into ``class_names``.
    root : str or os.PathLike
        Folder to write into; created (with its parents) if missing.
    class_names : sequence of str
        Folder name of each class index. Note that Keras numbers classes
        by the *sorted* folder names unless you pass ``classes=``.
    exist_ok : bool
        By default a ``root`` that already holds anything is refused. With
        ``exist_ok=True`` the files are added to it, but an existing file is
        still never replaced (nothing is written if any target exists).

    Returns
    -------
    list of pathlib.Path
        The files written, ``paths[i]`` holding ``images[i]``.

    Raises
    ------
    ValueError
        For bad ``images``, ``labels`` or ``class_names``.
    FileExistsError
        If ``root`` is not empty (and ``exist_ok`` is False), or a file to be
        written already exists; nothing is written then.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp()) / "data"
    >>> x = np.zeros((3, 8, 8), dtype=np.uint8)
    >>> paths = write_image_folder(x, [1, 0, 1], root, ["cat", "dog"])
    >>> [p.relative_to(root).as_posix() for p in paths]
    ['dog/0.png', 'cat/1.png', 'dog/2.png']
    >>> verify_image_folder(root).counts
    {'cat': 1, 'dog': 2}
    """
    images = check_png_batch(images, "images")
    labels_arr = _check_labels(labels, len(images))
    names = check_names(class_names, "class_names")
    if labels_arr.min() < 0 or labels_arr.max() >= len(names):
        raise ValueError(
            f"`labels` must be in [0, {len(names) - 1}] for {len(names)} `class_names`, "
            f"got values {int(labels_arr.min())}..{int(labels_arr.max())}."
        )
    root = folder_path(root, "root")
    if root.is_dir() and any(root.iterdir()) and not exist_ok:
        raise FileExistsError(
            f"`root` {str(root)!r} is not empty; choose an empty or new folder, "
            "or pass exist_ok=True to add files to it (existing files are never replaced)."
        )

    width = len(str(len(images) - 1))
    paths = [root / names[int(c)] / f"{i:0{width}d}.png" for i, c in enumerate(labels_arr)]
    refuse_existing(paths, root)
    blocked = [root / c for c in names if (root / c).exists() and not (root / c).is_dir()]
    if blocked:
        raise FileExistsError(
            f"class folder {str(blocked[0])!r} exists and is not a folder; nothing was written."
        )

    scale = scales_by_255(images)
    for c in names:
        (root / c).mkdir(parents=True, exist_ok=True)
    for img, path in zip(images, paths):
        write_image(img, path, scale)
    return paths


def _check_labels(labels, n: int) -> np.ndarray:
    """``labels`` as an ``(n,)`` integer array (whole-number floats accepted)."""
    labels_arr = np.asarray(labels)
    if labels_arr.shape != (n,):
        raise ValueError(
            f"`labels` must have shape ({n},) to match the {n} `images`, got {labels_arr.shape}."
        )
    if not np.issubdtype(labels_arr.dtype, np.integer):
        if labels_arr.dtype.kind == "f" and np.all(labels_arr == np.round(labels_arr)):
            return labels_arr.astype(np.int64)
        raise ValueError(f"`labels` must be integer class indices, got dtype {labels_arr.dtype}.")
    return labels_arr


class Problem(NamedTuple):
    """One thing a loader would fail on: the path and why."""

    path: Path
    reason: str


@dataclass
class FolderReport:
    """What :func:`verify_image_folder` found.

    Attributes
    ----------
    root : pathlib.Path
        The folder checked.
    classes : list of str
        Class folders in the order Keras numbers them (sorted names).
    counts : dict
        ``{class: number of readable images}``.
    problems : list of Problem
        ``(path, reason)`` for each bad file or folder; empty if all is well.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> _ = write_image_folder(np.zeros((3, 4, 4), np.uint8), [0, 1, 1], root, ["cat", "dog"])
    >>> report = verify_image_folder(root)
    >>> report.ok, report.classes, report.n_images
    (True, ['cat', 'dog'], 3)
    """

    root: Path
    classes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True if no problem was found."""
        return not self.problems

    @property
    def n_images(self) -> int:
        """Readable images in all class folders."""
        return sum(self.counts.values())

    def __str__(self) -> str:
        lines = [
            f"{self.root}: {len(self.classes)} classes, {self.n_images} readable images ("
            + ", ".join(f"{c}: {n}" for c, n in self.counts.items())
            + ")"
        ]
        if self.ok:
            lines.append("no problems found")
        else:
            lines.append(f"{len(self.problems)} problem(s):")
            for p in self.problems:
                try:
                    shown = p.path.relative_to(self.root).as_posix()
                except ValueError:
                    shown = str(p.path)
                lines.append(f"  {shown}: {p.reason}")
        return "\n".join(lines)


def _check_image_file(path: Path) -> str | None:
    """Return why ``path`` cannot be loaded as an image, or None if it can."""
    from PIL import Image, UnidentifiedImageError

    try:
        size = path.stat().st_size
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if size == 0:
        return "empty file (0 bytes)"
    fmt = None
    try:
        with Image.open(path) as im:
            fmt = im.format
            im.verify()  # checks structure and checksums without decoding
        with Image.open(path) as im:
            im.load()  # decodes every pixel: finds truncated data
    except UnidentifiedImageError:
        with open(path, "rb") as fh:
            head = fh.read(64)
        kind = "text" if head and all(32 <= b < 127 or b in (9, 10, 13) for b in head) else "data"
        return (
            f"not an image: its contents are {kind}, not any image format "
            f"(only the name says {path.suffix})"
        )
    except PermissionError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    except (OSError, SyntaxError, ValueError) as exc:
        # PIL reports truncation and bad checksums as OSError / SyntaxError
        msg = str(exc) or type(exc).__name__
        what = "truncated" if "truncat" in msg.lower() else "corrupt"
        return f"{what} {fmt} image: {msg}" if fmt else f"{what} image: {msg}"
    return None


def verify_image_folder(root) -> FolderReport:
    """Find every file and class folder a directory loader would fail on.

    Looks at the folders and files exactly as ``flow_from_directory`` does
    (every sub-folder of ``root`` is a class; image files are found by
    extension, case-insensitively, also in nested folders) and opens and fully
    decodes each image file.

    Reported, each with its reason:

    - empty (0-byte) files with an image extension;
    - files with an image extension that are not images (a text file called
      ``.png``), truncated images and corrupt ones (bad checksums);
    - class folders without a single readable image;
    - hidden sub-folders (``.ipynb_checkpoints``...), which Keras would
      silently turn into an extra class;
    - image files lying directly in ``root``, which no class will ever see.

    Parameters
    ----------
    root : str or os.PathLike
        The dataset folder, holding one sub-folder per class.

    Returns
    -------
    FolderReport
        ``.ok``, ``.problems`` (list of ``(path, reason)``), ``.classes``
        (sorted, as Keras numbers them), ``.counts`` (readable images per class).
        ``print(report)`` gives a readable summary.

    Raises
    ------
    ValueError
        If ``root`` does not exist, is not a folder, or has no class folders.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> _ = write_image_folder(np.zeros((2, 4, 4), np.uint8), [0, 1], root, ["a", "b"])
    >>> _ = (root / "b" / "notes.png").write_text("not a picture")
    >>> report = verify_image_folder(root)
    >>> report.ok, report.counts
    (False, {'a': 1, 'b': 1})
    >>> [(p.path.name, p.reason.split(":")[0]) for p in report.problems]
    [('notes.png', 'not an image')]
    """
    root = folder_path(root, "root")
    if not root.exists():
        raise ValueError(f"`root` {str(root)!r} does not exist.")
    subdirs = sorted(p.name for p in root.iterdir() if p.is_dir())
    if not subdirs:
        raise ValueError(
            f"`root` {str(root)!r} has no class folders; put each class's images in its own "
            "sub-folder (root/<class>/<image>)."
        )
    report = FolderReport(root=root, classes=subdirs)
    for entry in sorted(root.iterdir()):
        if entry.is_file() and entry.suffix.lower().lstrip(".") in IMAGE_EXTENSIONS:
            report.problems.append(
                Problem(entry, "image file outside any class folder: loaders ignore it")
            )
    for cls in subdirs:
        folder = root / cls
        if cls.startswith("."):
            report.problems.append(
                Problem(
                    folder, "hidden folder: flow_from_directory would read it as an extra class"
                )
            )
        n_ok = 0
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames.sort()
            for fname in sorted(filenames):
                if fname.lower().rsplit(".", 1)[-1] not in IMAGE_EXTENSIONS or "." not in fname:
                    continue
                path = Path(dirpath) / fname
                reason = _check_image_file(path)
                if reason is None:
                    n_ok += 1
                else:
                    report.problems.append(Problem(path, reason))
        report.counts[cls] = n_ok
        if n_ok == 0 and not cls.startswith("."):
            report.problems.append(Problem(folder, "empty class folder: no readable image in it"))
    return report
