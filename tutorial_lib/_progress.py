"""One progress bar (``tqdm``), or none.

:func:`featurewise_stats` and :class:`ZCA` show a bar per pass over their batches,
:func:`save_augmented` one over the files it writes, on request; all call :func:`progress_bar`.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["progress_bar"]


def progress_bar(
    iterable: Iterable, total: int | None, desc: str, enabled: bool, unit: str = "batch"
) -> Iterable:
    r"""Wrap ``iterable`` in a ``tqdm`` bar counting ``unit``\ s, or return it as it is.

    Parameters
    ----------
    iterable : iterable
        The batches.
    total : int or None
        Number of batches, if known (the bar then shows a percentage).
    desc : str
        Label of the bar.
    enabled : bool
        ``False`` returns ``iterable`` unchanged (``tqdm`` is not even imported).
    unit : str
        What one step is, as the bar shows it ("batch", "file", ...).

    Examples
    --------
    >>> batches = [1, 2, 3]
    >>> progress_bar(batches, 3, "demo", enabled=False) is batches
    True
    >>> sum(progress_bar(batches, 3, "demo", enabled=True))  # the bar goes to stderr
    6
    """
    if not enabled:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=desc, unit=unit)
