"""One warp of a batch by one affine matrix per image, written with ``keras.ops`` gathers.

:func:`affine_warp` computes what :func:`keras.ops.image.affine_transform` computes with the
TensorFlow backend, the kernel of TensorFlow's ``ImageProjectiveTransformV3``
(``tensorflow/core/kernels/image/image_ops.h``: ``MapCoordinate`` for the fill modes,
``ProjectiveGenerator`` for the interpolation; the tests compare the two), but each output
pixel's source point is computed once for all its channels and every step is an ordinary array
operation, so XLA can compile the warp together with what comes before and after it
(``_xla.xla_compiled``). TensorFlow's kernel cannot be compiled (TensorFlow 2.21 refuses it
under ``jit_compile=True`` on the CPU), and it is slower than the compiled gathers: the row
``fused_kernel`` of ``benchmarks/bench_generator_augment.py`` is the fused layer's pipeline with
Keras' warp in place of this one. With JAX the same code runs
(the fused layer's tests run on both backends).
"""

from __future__ import annotations

from keras import ops


def _trunc(v):
    """Towards zero (Keras 3.3, the oldest supported, has no ``keras.ops.trunc``)."""
    return ops.sign(v) * ops.floor(ops.abs(v))


def _map_coordinate(coord, size, fill_mode: str):
    """Source coordinates outside [0, size - 1] mapped in, as TensorFlow's MapCoordinate.

    ``size`` is a float32 scalar (a tensor when the shape is known only at run time).
    """
    if fill_mode == "constant":
        return coord  # not mapped: each neighbour outside the input reads the fill value
    last = size - 1.0
    if fill_mode == "reflect":  # [abcd] -> dcba|abcd|dcba
        period = 2.0 * size
        below = coord + period * _trunc(-coord / period)
        below = ops.where(below < -size, below + period, -below - 1.0)
        above = coord - period * _trunc(coord / period)
        above = ops.where(above >= size, period - above - 1.0, above)
        coord = ops.where(coord < 0.0, below, ops.where(coord > last, above, coord))
    elif fill_mode == "wrap":  # [abcd] -> abcd|abcd|abcd
        below = coord + size * (_trunc(-coord / last) + 1.0)
        above = coord - size * _trunc(coord / last)
        coord = ops.where(coord < 0.0, below, ops.where(coord > last, above, coord))
    # a side of one pixel reads that pixel (and its division by 0 above is discarded here)
    return ops.where(last > 0.0, ops.clip(coord, 0.0, ops.maximum(last, 0.0)), 0.0)


def _round_half_away(v):
    """``std::round``: halves away from zero (``ops.round`` rounds them to even)."""
    return ops.sign(v) * ops.floor(ops.abs(v) + 0.5)


def _warp(images, rows, fill_value, interpolation: str, fill_mode: str, dtype):
    """The warp of :func:`affine_warp`, rows ``(N, 6)``; ``interpolation`` ... are constants."""
    shape = ops.shape(images)  # Python ints, or tensors where unknown while tracing
    n, height, width, channels = (shape[i] for i in range(4))
    last_x = ops.cast(width, "float32") - 1.0
    last_y = ops.cast(height, "float32") - 1.0
    x = ops.reshape(ops.cast(ops.arange(width), "float32"), (1, 1, -1))
    y = ops.reshape(ops.cast(ops.arange(height), "float32"), (1, -1, 1))
    t = [ops.reshape(rows[:, i], (-1, 1, 1)) for i in range(6)]
    src_x = _map_coordinate(t[0] * x + t[1] * y + t[2], last_x + 1.0, fill_mode)
    src_y = _map_coordinate(t[3] * x + t[4] * y + t[5], last_y + 1.0, fill_mode)
    flat = ops.reshape(images, (-1, channels))
    first = ops.reshape(ops.arange(n, dtype="int32") * (height * width), (-1, 1, 1))
    fill = ops.cast(fill_value, "float32")

    def read(row, col):  # (N, H, W, C) float32 source pixels
        r = ops.cast(ops.clip(row, 0.0, last_y), "int32")
        c = ops.cast(ops.clip(col, 0.0, last_x), "int32")
        values = ops.cast(ops.take(flat, first + r * width + c, axis=0), "float32")
        if fill_mode != "constant":  # mapped points are inside; a neighbour past the last
            return values  # row or column has weight 0, so the clipped read is harmless
        inside = (row >= 0.0) & (row <= last_y) & (col >= 0.0) & (col <= last_x)
        return ops.where(inside[..., None], values, fill)

    if interpolation == "nearest":
        out = read(_round_half_away(src_y), _round_half_away(src_x))
    else:
        x0, y0 = ops.floor(src_x), ops.floor(src_y)
        wx, wy = (src_x - x0)[..., None], (src_y - y0)[..., None]
        top = (1.0 - wx) * read(y0, x0) + wx * read(y0, x0 + 1.0)
        bottom = (1.0 - wx) * read(y0 + 1.0, x0) + wx * read(y0 + 1.0, x0 + 1.0)
        out = (1.0 - wy) * top + wy * bottom
    return ops.cast(out, dtype)


def affine_warp(images, matrices, interpolation: str, fill_mode: str, fill_value=0.0, dtype=None):
    """Resample ``(N, H, W, C)`` channels-last images, one affine matrix per image.

    Parameters
    ----------
    images : tensor
        ``(N, H, W, C)``, any float or integer dtype.
    matrices : tensor
        ``(N, 3, 3)`` or ``(1, 3, 3)``: output pixel ``(x, y, 1)`` reads the input at
        ``matrices @ (x, y, 1)``; the last row is ignored (affine).
    interpolation : {"bilinear", "nearest"}
    fill_mode : {"nearest", "constant", "reflect", "wrap"}
    fill_value : float
        Where ``fill_mode="constant"`` reads outside the input.
    dtype : str, optional
        Of the result; the dtype of ``images`` by default. Values are interpolated in float32.

    Returns
    -------
    tensor
        The warped images, the shape of ``images``.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    >>> shift = np.array([[[1, 0, 1], [0, 1, 0], [0, 0, 1]]], "float32")  # one column right
    >>> out = affine_warp(image, shift, "bilinear", "constant", -1.0)
    >>> ops.convert_to_numpy(out)[0, 0, :, 0].tolist()
    [1.0, 2.0, 3.0, -1.0]
    """
    images = ops.convert_to_tensor(images)
    rows = ops.reshape(ops.cast(ops.convert_to_tensor(matrices), "float32"), (-1, 9))[:, :6]
    rows = ops.broadcast_to(rows, (ops.shape(images)[0], 6))
    fill = ops.convert_to_tensor(fill_value, "float32")
    return _warp(images, rows, fill, interpolation, fill_mode, dtype or images.dtype)
