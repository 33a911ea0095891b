"""Small ``.npz`` files of plain arrays: written atomically, never overwriting, never unpickled.

Featurewise statistics and ZCA whitenings are saved with :func:`save_arrays` and read
back with :func:`load_arrays`; both apply the same rules:

- no pickle: object arrays are refused when writing, and files are read with
  ``np.load(..., allow_pickle=False)``;
- an existing file is never overwritten (:class:`FileExistsError` naming the path);
- the write is atomic: the arrays go to a temporary file in the same folder,
  which is then renamed (``os.replace``) to the final name, so a failed or
  interrupted save leaves nothing behind;
- a file must hold exactly the expected keys, otherwise a :class:`ValueError`
  names the path and the missing and unexpected keys.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Mapping

import numpy as np

__all__ = ["load_arrays", "save_arrays"]


def save_arrays(path, arrays: Mapping[str, object]) -> str:
    """Write ``arrays`` to a new ``.npz`` file, atomically; return the path written.

    Parameters
    ----------
    path : str or os.PathLike
        Destination; ``.npz`` is appended if missing. Must not exist yet.
    arrays : mapping of str to array_like
        The arrays to store (numbers, booleans or strings; no objects).

    Raises
    ------
    FileExistsError
        If the file exists already (it is left untouched).
    ValueError
        If an array would need pickle (``dtype=object``).

    Examples
    --------
    >>> import tempfile, os
    >>> p = save_arrays(os.path.join(tempfile.mkdtemp(), "a"), {"x": np.arange(3)})
    >>> os.path.basename(p), load_arrays(p, ["x"], "example")["x"].tolist()
    ('a.npz', [0, 1, 2])
    """
    path = os.fspath(path)
    if not path.endswith(".npz"):
        path += ".npz"
    plain = {key: np.asarray(value) for key, value in arrays.items()}
    for key, value in plain.items():
        if value.dtype == object:
            raise ValueError(f"`arrays[{key!r}]` is an object array, which would need pickle.")
    if os.path.lexists(path):
        raise FileExistsError(f"`path` {path!r} already exists; refusing to overwrite it.")
    folder, name = os.path.split(os.path.abspath(path))
    tmp = os.path.join(folder, f".{name}.{secrets.token_hex(6)}.tmp")
    # os.open with mode 0o666 (not tempfile.mkstemp's 0o600): the file gets the
    # permissions the umask gives any new file, as np.savez(path) would.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **plain)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path


def load_arrays(path, keys: Iterable[str], what: str) -> dict[str, np.ndarray]:
    """Read a ``.npz`` file that must hold exactly ``keys``, with ``allow_pickle=False``.

    Parameters
    ----------
    path : str or os.PathLike
        The file to read.
    keys : iterable of str
        The keys the file must hold, no more and no fewer.
    what : str
        What the file is, for error messages (e.g. ``"ZCA"``).

    Returns
    -------
    dict of str to ndarray

    Raises
    ------
    ValueError
        Naming ``path``: the file is missing, not an ``.npz`` archive, holds
        pickled (object) arrays, or has missing or unexpected keys.

    Examples
    --------
    >>> import tempfile, os
    >>> p = save_arrays(os.path.join(tempfile.mkdtemp(), "a.npz"), {"x": 1, "y": 2})
    >>> sorted(load_arrays(p, ["y", "x"], "demo"))
    ['x', 'y']
    >>> try:
    ...     load_arrays(p, ["x"], "demo")
    ... except ValueError as exc:
    ...     print(str(exc).split(": ")[1])
    missing keys [], unexpected keys ['y']; expected exactly ['x'].
    """
    path = os.fspath(path)
    expected = sorted(keys)
    if not os.path.isfile(path):
        raise ValueError(f"`path` {path!r} is not a file.")
    try:
        data = np.load(path, allow_pickle=False)
        if not isinstance(data, np.lib.npyio.NpzFile):
            raise TypeError("it holds a single array, not an .npz archive")
        with data:
            found = sorted(data.files)
            arrays = {key: data[key] for key in found} if found == expected else None
    except Exception as exc:  # not a zip, truncated file, pickled (object) content...
        raise ValueError(f"`path` {path!r} could not be read as a {what} .npz file: {exc}") from exc
    if arrays is None:
        missing = sorted(set(expected) - set(found))
        extra = sorted(set(found) - set(expected))
        raise ValueError(
            f"`path` {path!r} is not a {what} file: missing keys {missing}, "
            f"unexpected keys {extra}; expected exactly {expected}."
        )
    return arrays
