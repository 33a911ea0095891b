"""One progress bar over the batches of a fit (``tqdm``), or none.

:func:`featurewise_stats` and :class:`ZCA` read their data batch by batch and
show a bar per pass on request; both call :func:`progress_bar`.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["progress_bar"]


def progress_bar(iterable: Iterable, total: int | None, desc: str, enabled: bool) -> Iterable:
    """Wrap ``iterable`` in a ``tqdm`` bar counting batches, or return it as it is.

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

    return tqdm(iterable, total=total, desc=desc, unit="batch")
