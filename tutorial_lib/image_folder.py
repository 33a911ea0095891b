"""Class-per-folder image datasets on disk: write them, and check them before training.

``flow_from_directory`` and ``keras.utils.image_dataset_from_directory`` both
read the same layout, one sub-folder per class::

    root/
        class_a/0000.png  0003.png ...
        class_b/0001.png  0002.png ...

- :func:`write_image_folder` writes arrays into that layout as PNG files
  (lossless, so what is read back is exactly what was written) or JPEG
  files, never overwriting or deleting a file that is already there.
- :func:`verify_image_folder` reads and decodes every file a loader would
  read (for ``flow_from_directory``, ``image_dataset_from_directory`` or
  either) and lists each one it would fail on or silently skip (oversized,
  truncated, corrupt, wrong format for its extension, unreadable, empty,
  not an image, an extension the loader ignores), and every class folder
  without a readable image, each with the reason, so a broken file stops
  you before training rather than in epoch 7.
"""

from __future__ import annotations

import importlib.util
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ._checks import check_choice
from ._image_decoding import pil_problem, png_problem, tensorflow_problem
from ._image_files import (
    check_names,
    check_png_batch,
    folder_path,
    refuse_existing,
    scales_by_255,
    staged_folder,
    write_image,
)

__all__ = [
    "FolderReport",
    "Problem",
    "IMAGE_EXTENSIONS",
    "LOADER_EXTENSIONS",
    "WRITE_FORMATS",
    "write_image_folder",
    "verify_image_folder",
]

#: Extensions (lower case, no dot) each loader picks up, as the installed Keras
#: lists them: ``Iterator.white_list_formats`` in
#: ``keras/src/legacy/preprocessing/image.py`` (used by ``flow_from_directory``)
#: and ``ALLOWLIST_FORMATS`` in ``keras/src/utils/image_dataset_utils.py``.
LOADER_EXTENSIONS = {
    "flow_from_directory": ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff"),
    "image_dataset_from_directory": ("bmp", "gif", "jpeg", "jpg", "png"),
}

#: Extensions that ``flow_from_directory`` or ``image_dataset_from_directory`` pick up.
IMAGE_EXTENSIONS = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff", "gif")

# Common image formats that one loader or both leave out: reported as ignored.
_OTHER_IMAGE_EXTENSIONS = (
    "webp", "avif", "heic", "heif", "jxl", "jfif", "jpe", "jp2", "j2k", "apng",
    "pgm", "pbm", "pnm", "dib", "ico", "psd", "tga", "qoi",
)  # fmt: skip
_IMAGE_SUFFIXES = frozenset("." + e for e in IMAGE_EXTENSIONS + _OTHER_IMAGE_EXTENSIONS)


#: File formats :func:`write_image_folder` writes: extension -> PIL format name.
WRITE_FORMATS = {"png": "PNG", "jpg": "JPEG"}


def write_image_folder(
    images, labels, root, class_names, *, exist_ok: bool = False, format: str = "png"
) -> list[Path]:
    """Write images into one sub-folder per class, as PNG (or JPEG) files.

    Image ``i`` goes to ``root/<class_names[labels[i]]>/<i>.png`` (or ``.jpg``) with ``i``
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
    format : {"png", "jpg"}
        ``"png"`` (default) is lossless: what is read back is exactly what
        was written. ``"jpg"`` writes ``<i>.jpg`` files with PIL's default
        JPEG quality (75): smaller files, lossy, and only 1 or 3 channels.

    Returns
    -------
    list of pathlib.Path
        The files written, ``paths[i]`` holding ``images[i]``.

    Raises
    ------
    ValueError
        For bad ``images``, ``labels``, ``class_names`` or ``format``
        (``"jpg"`` with 4-channel images).
    FileExistsError
        If ``root`` is not empty (and ``exist_ok`` is False), or a file to be
        written already exists; nothing is written then.

    Notes
    -----
    All or nothing: the files are written into a hidden temporary folder
    beside ``root`` and moved into place once all are written. If anything
    fails on the way, ``root`` is left exactly as it was (folders this call
    created are removed again) and no temporary folder is left behind.

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
    >>> jpegs = write_image_folder(x, [1, 0, 1], root.with_name("jpegs"), ["cat", "dog"],
    ...                            format="jpg")
    >>> [p.name for p in jpegs]
    ['0.jpg', '1.jpg', '2.jpg']
    """
    images = check_png_batch(images, "images")
    ext = check_choice(format, "format", tuple(WRITE_FORMATS))
    if ext == "jpg" and images.ndim == 4 and images.shape[-1] == 4:
        raise ValueError(
            f"`format` 'jpg' cannot store 4-channel images, got `images` of shape "
            f"{images.shape}; use format='png'."
        )
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
    paths = [root / names[int(c)] / f"{i:0{width}d}.{ext}" for i, c in enumerate(labels_arr)]
    refuse_existing(paths, root)
    blocked = [root / c for c in names if (root / c).exists() and not (root / c).is_dir()]
    if blocked:
        raise FileExistsError(
            f"class folder {str(blocked[0])!r} exists and is not a folder; nothing was written."
        )

    scale = scales_by_255(images)
    with staged_folder(root) as stage:  # all files or none: see _image_files.staged_folder
        for c in names:
            (stage / c).mkdir()
        for img, path in zip(images, paths):
            write_image(img, stage / path.relative_to(root), scale, WRITE_FORMATS[ext])
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
    """One thing a loader would fail on, or silently skip: the path and why."""

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
        Class folders in the order the loader numbers them (sorted names).
    counts : dict
        ``{class: number of images that decode without any problem}``.
    problems : list of Problem
        ``(path, reason)`` for each bad file or folder; empty if all is well.
    files : list of pathlib.Path
        Every file the loader would list (good or bad), class by class, in
        the order Keras lists them.
    loader : str or None
        The loader checked for (see :func:`verify_image_folder`).
    decoders : tuple of str
        What decoded every file: ``("PIL",)`` or ``("PIL", "TensorFlow")``.

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
    files: list[Path] = field(default_factory=list)
    loader: str | None = None
    decoders: tuple[str, ...] = ("PIL",)

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
            + f"); checked for {self.loader or 'any loader'}, decoded with "
            + " and ".join(self.decoders)
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


def _check_loader(loader) -> str | None:
    if loader is None or (isinstance(loader, str) and loader in LOADER_EXTENSIONS):
        return loader
    raise ValueError(
        f"`loader` must be None, {' or '.join(map(repr, LOADER_EXTENSIONS))}, got {loader!r}."
    )


def _reads(fname: str, loader: str | None) -> bool:
    """Whether ``loader`` (None: either) lists ``fname``, matched exactly as Keras does."""
    name = fname.lower()
    if loader in (None, "flow_from_directory") and name.endswith(
        LOADER_EXTENSIONS["flow_from_directory"]  # no dot: Keras matches the bare ending
    ):
        return True
    dotted = tuple("." + e for e in LOADER_EXTENSIONS["image_dataset_from_directory"])
    return loader in (None, "image_dataset_from_directory") and name.endswith(dotted)


def _ignored(fname: str, loader: str | None) -> str | None:
    """The reason an image file that ``loader`` does not list is reported, or None."""
    suffix = Path(fname).suffix.lower()
    if _reads(fname, loader) or suffix not in _IMAGE_SUFFIXES:
        return None
    who = loader or " and ".join(LOADER_EXTENSIONS)
    read = ", ".join(LOADER_EXTENSIONS[loader]) if loader else ", ".join(IMAGE_EXTENSIONS)
    return f"ignored by {who}: extension {suffix} (read: {read})"


def _file_problem(path: Path, tf_decode: bool) -> str | None:
    """Why ``path`` cannot be loaded as an image, or None if it can (decodes every pixel)."""
    try:
        info = path.stat()
    except OSError as exc:
        if path.is_symlink():
            return "unreadable: a broken symbolic link"
        return f"unreadable: {exc.strerror or exc}"
    if not stat.S_ISREG(info.st_mode):
        return "unreadable: not a regular file (a pipe, socket or device); not opened"
    if info.st_size == 0:
        return "empty file (0 bytes)"
    try:
        data = path.read_bytes()
    except OSError as exc:
        hint = " (check its permissions)" if isinstance(exc, PermissionError) else ""
        return f"unreadable: {exc.strerror or exc}{hint}"
    reason = png_problem(data) or pil_problem(data, path.suffix)
    if reason is None and tf_decode:
        reason = tensorflow_problem(data)
    return reason


def _scan_class(folder: Path, loader, tf_decode: bool, report: FolderReport) -> int:
    """Check ``folder`` (walked as Keras walks it) into ``report``; return its good images."""
    problems = report.problems

    def unlistable(err: OSError) -> None:
        problems.append(Problem(Path(err.filename), f"folder cannot be listed: {err.strerror}"))

    n_ok = 0
    walk = sorted(os.walk(folder, onerror=unlistable), key=lambda entry: entry[0])  # as Keras
    for dirpath, _, filenames in walk:
        for fname in sorted(filenames):
            path = Path(dirpath) / fname
            reason = _ignored(fname, loader)
            if reason is None and _reads(fname, loader):
                report.files.append(path)
                reason = _file_problem(path, tf_decode)
                n_ok += reason is None
            if reason is not None:
                problems.append(Problem(path, reason))
    return n_ok


def _hidden_folder_problem(folder: Path, loader) -> Problem | None:
    if loader != "image_dataset_from_directory":
        also = "" if loader else "; image_dataset_from_directory skips it"
        return Problem(
            folder, f"hidden folder: flow_from_directory would read it as an extra class{also}"
        )
    n = sum(
        Path(f).suffix.lower() in _IMAGE_SUFFIXES or _reads(f, None)
        for _, _, files in os.walk(folder)
        for f in files
    )
    if not n:
        return None
    return Problem(folder, f"hidden folder: {loader} skips it, so its {n} image file(s) are unused")


def verify_image_folder(root, loader: str | None = None) -> FolderReport:
    """Find every file and class folder a directory loader would fail on or skip.

    Lists the folders and files exactly as the loader does (every sub-folder
    of ``root`` is a class; files are picked by their name's ending,
    case-insensitively, also in nested folders) and reads and fully decodes
    every file, one at a time: a bad file is reported and the scan goes on.

    Reported, each with its reason:

    - ``oversized``: a header declaring more pixels than PIL's limit,
      ``PIL.Image.MAX_IMAGE_PIXELS`` (89,478,485 by default; PIL warns above
      it and refuses twice that, so ``flow_from_directory`` would too; set it
      in PIL to change the limit). Such a file is not decoded.
    - ``truncated``: the file ends early, including a PNG whose complete
      pixel data holds fewer rows than its header promises (PIL pads those
      with zeros without a word, TensorFlow refuses them) and a PNG cut right
      after its header. Truncation is found whatever
      ``PIL.ImageFile.LOAD_TRUNCATED_IMAGES`` says.
    - ``corrupt``: bad checksums or data the decoder rejects.
    - ``wrong format for its extension``: e.g. JPEG data in a ``.png`` file.
    - ``unreadable``: no permission, a broken link, a pipe or device.
    - ``empty file``; ``not an image`` (a text file called ``.png``).
    - ``ignored by <loader>``: an image file whose extension the loader does
      not list (a ``.gif`` for ``flow_from_directory``, a ``.webp``, ``.heic``
      or ``.avif`` for both), so it is silently left out. Files that are not
      images by their extension (``.txt``, ``.csv``) are skipped, as the
      loaders skip them.
    - class folders without a readable image, hidden folders
      (``.ipynb_checkpoints``), image files directly in ``root``.

    Parameters
    ----------
    root : str or os.PathLike
        The dataset folder, holding one sub-folder per class.
    loader : {None, "flow_from_directory", "image_dataset_from_directory"}
        Which loader to check for. ``"flow_from_directory"``: the extensions
        ``png jpg jpeg bmp ppm tif tiff`` (``Iterator.white_list_formats`` in
        ``keras/src/legacy/preprocessing/image.py``, matched as
        ``name.lower().endswith(...)``, without the dot), hidden folders are
        classes. ``"image_dataset_from_directory"``: ``.bmp .gif .jpeg .jpg
        .png`` (``ALLOWLIST_FORMATS`` in ``keras/src/utils/image_dataset_utils.py``),
        hidden folders are skipped (``index_directory`` in
        ``keras/src/utils/dataset_utils.py``), and, when TensorFlow is
        installed, each file must also decode with
        ``tf.io.decode_image(..., channels=3, expand_animations=False)`` as the
        loader decodes it (``report.decoders`` says whether it was tried).
        ``None`` (default): files either loader reads are checked with PIL.

    Returns
    -------
    FolderReport
        ``.ok``, ``.problems`` (list of ``(path, reason)``), ``.classes``
        (sorted, as Keras numbers them), ``.counts`` (good images per class),
        ``.files`` (what the loader lists). ``print(report)`` gives a summary.

    Raises
    ------
    ValueError
        If ``root`` does not exist, is not a folder, or has no class folders,
        or ``loader`` is not one of the above.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> _ = write_image_folder(np.zeros((2, 4, 4), np.uint8), [0, 1], root, ["a", "b"])
    >>> _ = (root / "b" / "notes.png").write_text("not a picture")
    >>> _ = (root / "a" / "clip.gif").write_bytes(b"GIF89a")
    >>> report = verify_image_folder(root, loader="flow_from_directory")
    >>> report.ok, report.counts
    (False, {'a': 1, 'b': 1})
    >>> for p in report.problems:
    ...     print(p.path.name, "-", p.reason.split(" (")[0])
    clip.gif - ignored by flow_from_directory: extension .gif
    notes.png - not an image: its contents are text, not any image format
    """
    loader = _check_loader(loader)
    root = folder_path(root, "root")
    if not root.exists():
        raise ValueError(f"`root` {str(root)!r} does not exist.")
    try:
        entries = sorted(root.iterdir())
    except OSError as exc:
        raise ValueError(f"`root` {str(root)!r} cannot be listed: {exc.strerror}.") from None
    subdirs = [p.name for p in entries if p.is_dir()]
    for_datasets = loader == "image_dataset_from_directory"
    classes = [c for c in subdirs if not (for_datasets and c.startswith("."))]
    if not classes:
        raise ValueError(
            f"`root` {str(root)!r} has no class folders; put each class's images in its own "
            "sub-folder (root/<class>/<image>)."
        )
    tf_decode = for_datasets and importlib.util.find_spec("tensorflow") is not None
    decoders = ("PIL", "TensorFlow") if tf_decode else ("PIL",)
    report = FolderReport(root=root, classes=classes, loader=loader, decoders=decoders)
    for entry in entries:
        suffix = entry.suffix.lower()
        if entry.is_file() and (_reads(entry.name, loader) or suffix in _IMAGE_SUFFIXES):
            report.problems.append(
                Problem(entry, "image file outside any class folder: loaders ignore it")
            )
    for cls in subdirs:
        folder = root / cls
        hidden = _hidden_folder_problem(folder, loader) if cls[0] == "." else None
        report.problems += [hidden] if hidden else []
        if cls not in classes:
            continue
        report.counts[cls] = _scan_class(folder, loader, tf_decode, report)
        if report.counts[cls] == 0 and not cls.startswith("."):
            report.problems.append(Problem(folder, "empty class folder: no readable image in it"))
    return report
