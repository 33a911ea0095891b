"""What the package's batch iterators share: being a Keras dataset, and epoch seeding.

- :class:`KerasDatasetMixin` makes a class with ``__len__`` and ``__getitem__``
  a ``keras.utils.PyDataset`` (``Sequence`` on old Keras) when Keras is
  installed, so ``model.fit(it)`` takes it. Keras (and TensorFlow) are
  imported when the first object is created, never at ``import tutorial_lib``.
- :func:`draw_entropy`, :func:`epoch_order` and :func:`batch_rng` give every
  epoch its own order and every batch its own random generator, all derived
  from one number, so batch ``i`` of epoch ``e`` holds the same bytes for the
  same seed whatever order (or thread) Keras asks for batches in.
- :class:`FirstFetchLock` reads a wrapped iterator safely from several
  threads (the first batch of each epoch alone, for iterators that build
  their epoch order lazily, as Keras' do).
"""

from __future__ import annotations

import importlib.util
import threading

import numpy as np

from ._checks import as_generator, check_index

__all__ = [
    "FirstFetchLock",
    "KerasDatasetMixin",
    "batch_index",
    "batch_rng",
    "draw_entropy",
    "epoch_order",
    "pydataset_base",
    "rebuild",
]


def draw_entropy(seed) -> int:
    """One non-negative 63-bit number from ``seed`` (None, int or Generator), to derive all draws.

    Examples
    --------
    >>> draw_entropy(0) == draw_entropy(0)
    True
    """
    return int(as_generator(seed).integers(0, 2**63 - 1))


def epoch_order(entropy: int, epoch: int, n: int) -> np.ndarray:
    """The shuffled order of ``n`` samples in epoch ``epoch``: a permutation of ``0 .. n - 1``.

    Examples
    --------
    >>> sorted(epoch_order(7, 0, 5).tolist())
    [0, 1, 2, 3, 4]
    >>> np.array_equal(epoch_order(7, 1, 5), epoch_order(7, 1, 5))
    True
    """
    return np.random.default_rng([entropy, epoch]).permutation(n)


def batch_rng(entropy: int, epoch: int, index: int, *stream: int) -> np.random.Generator:
    """The generator of batch ``index`` in epoch ``epoch``; ``stream`` numbers separate uses.

    Examples
    --------
    >>> a = batch_rng(7, 0, 3).random()
    >>> a == batch_rng(7, 0, 3).random(), a == batch_rng(7, 1, 3).random()
    (True, False)
    """
    return np.random.default_rng([entropy, epoch, index, *stream])


def batch_index(index, n: int) -> int:
    """``index`` as a batch number in ``0 .. n - 1``, counting negative ones from the end.

    Integers only (NumPy integers too): ``it[1.5]`` raises ``TypeError``, not batch 1.

    Examples
    --------
    >>> batch_index(-1, 3)
    2
    >>> batch_index(3, 3)
    Traceback (most recent call last):
    ...
    IndexError: `index` 3 is out of range for 3 batches (valid: -3 to 2).
    """
    return check_index(index, n, "index", "batches")


_MIXED_CLASSES: dict[type, type] = {}


def pydataset_base() -> type | None:
    """``keras.utils.PyDataset`` (or ``Sequence``), or None without Keras."""
    if importlib.util.find_spec("keras") is None:
        return None
    from .compat import quiet_tensorflow

    if importlib.util.find_spec("tensorflow") is not None:
        quiet_tensorflow()
    import keras

    return getattr(keras.utils, "PyDataset", None) or getattr(keras.utils, "Sequence", None)


class KerasDatasetMixin:
    """Makes a class with ``__len__``/``__getitem__`` a ``keras.utils.PyDataset`` on creation.

    The subclass calls :meth:`init_keras` in its ``__init__``. Objects pickle
    as the plain class (the mixed class is made at run time).
    """

    def __new__(cls, *args, **kwargs):
        base = pydataset_base()
        if base is None or issubclass(cls, base):
            return super().__new__(cls)
        mixed = _MIXED_CLASSES.get(cls)
        if mixed is None:
            mixed = type(
                cls.__name__, (cls, base), {"__module__": cls.__module__, "__doc__": cls.__doc__}
            )
            mixed.__qualname__ = cls.__qualname__
            _MIXED_CLASSES[cls] = mixed
        return super().__new__(mixed)

    def init_keras(self) -> None:
        """Run the Keras base class's ``__init__`` (workers, queue size...), if there is one."""
        base = pydataset_base()
        if base is not None and isinstance(self, base):
            base.__init__(self)

    def __reduce__(self):
        state = self.__dict__.copy()
        plain = type(self).__mro__[1] if type(self) in _MIXED_CLASSES.values() else type(self)
        return (rebuild, (plain, state))

    def __iter__(self):
        """One pass over the batches, ``0 .. len(self) - 1`` (finite, unlike Keras' iterators)."""
        for i in range(len(self)):
            yield self[i]


def rebuild(cls: type, state: dict):
    """Unpickle an object of ``cls`` (re-mixed with Keras on creation) from its ``__dict__``."""
    obj = cls.__new__(cls)
    obj.__dict__.update(state)
    return obj


class FirstFetchLock:
    """Reads batches from a wrapped iterator, the first one of each epoch under a lock.

    Keras' ``NumpyArrayIterator`` and ``DirectoryIterator`` build their epoch
    order lazily, inside the first ``it[i]``, without a lock (and in two steps:
    ``np.arange``, then a permutation): two threads asking for their first
    batches at once can each build and use a different order, duplicating and
    dropping samples. Through :meth:`fetch`, the first batch of an epoch is read
    alone; once it is back the order exists, and later batches are read in
    parallel. Call :meth:`rearm` when a new epoch starts. Pickles as a new,
    unlocked object.

    Examples
    --------
    >>> reader = FirstFetchLock()
    >>> reader.fetch([[1], [2]], 1), reader.fetch([[1], [2]], 0)
    ([2], [1])
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._primed = False  # True once a batch of this epoch came back

    def fetch(self, iterator, index: int):
        """``iterator[index]``; under the lock until one batch of this epoch came back."""
        if not self._primed:
            with self._lock:
                if not self._primed:
                    batch = iterator[index]
                    self._primed = True
                    return batch
        return iterator[index]

    def rearm(self) -> None:
        """A new epoch starts: the wrapped iterator may build its state lazily again."""
        self._primed = False

    def __reduce__(self):
        return (FirstFetchLock, ())
