"""Compile a function of ``keras.ops`` with XLA where the backend needs to be asked.

With TensorFlow, :func:`xla_compiled` returns ``tf.function(fn, jit_compile=True)``: XLA fuses
the function's operations into a few loops, also when the function runs inside ``tf.data``
(whose graphs TensorFlow otherwise runs operation by operation). Non-tensor arguments (strings,
numbers, dtypes) are constants of the compiled function: each new value compiles it anew, as
does each new input shape. With JAX the function is returned unchanged: ``jax.jit`` of the
caller compiles it with the rest.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import keras


def xla_compiled(fn: Callable) -> Callable:
    """``fn``, compiled by XLA on its first call with the TensorFlow backend.

    Parameters
    ----------
    fn : callable
        A function of tensors written with ``keras.ops``.

    Returns
    -------
    callable
        Same signature and results as ``fn``.

    Examples
    --------
    >>> import numpy as np
    >>> double = xla_compiled(lambda x: keras.ops.multiply(x, 2.0))
    >>> keras.ops.convert_to_numpy(double(np.ones(3, "float32"))).tolist()
    [2.0, 2.0, 2.0]
    """
    compiled = None

    @functools.wraps(fn)
    def call(*args, **kwargs):
        nonlocal compiled
        if compiled is None:  # the backend is read on the first call, not at import
            if keras.backend.backend() == "tensorflow":
                import tensorflow as tf

                compiled = tf.function(fn, jit_compile=True, reduce_retracing=True)
            else:
                compiled = fn
        return compiled(*args, **kwargs)

    return call
