"""Bounding boxes in Keras 3's layout, moved with the image's warp (``keras.ops`` only).

Keras' preprocessing layers (3.7 and later) take ``{"images": ..., "bounding_boxes":
{"boxes": (B, N, 4), "labels": (B, N)}}`` with a ``bounding_box_format`` such as
``"xyxy"``; coordinates are pixel edges (a box over the whole image is ``[0, 0, W, H]``).
After a transform they clip the boxes to the image and set the label of a box whose
clipped area is 0 to -1, keeping its place, so the shapes never change
(``keras/src/layers/preprocessing/image_preprocessing/bounding_boxes/bounding_box.py``,
``BoundingBox.clip_to_image_size``). This module does the same, with its own
converters: Keras 3.3 to 3.6 have none, and Keras' own switches backends inside
``tf.data``; the tests check that both agree where Keras has them.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

#: The formats ``keras.utils.bounding_boxes.convert_format`` knows (Keras 3.7+), same names.
BOX_FORMATS = (
    "xyxy",
    "yxyx",
    "xywh",
    "center_xywh",
    "center_yxhw",
    "rel_xyxy",
    "rel_yxyx",
    "rel_xywh",
    "rel_center_xywh",
)
#: Where each format keeps (first x, first y, second x, second y) and whether the second
#: pair is a size (w, h) and the first a centre: (order, sized, centred).
_LAYOUT = {
    "xyxy": ((0, 1, 2, 3), False, False),
    "yxyx": ((1, 0, 3, 2), False, False),
    "xywh": ((0, 1, 2, 3), True, False),
    "center_xywh": ((0, 1, 2, 3), True, True),
    "center_yxhw": ((1, 0, 3, 2), True, True),
}


def _scale(fmt: str, height, width):
    """(sx, sy): 1 for pixel formats, the image size for the relative ones."""
    if not fmt.startswith("rel_"):
        return 1.0, 1.0
    return ops.cast(width, "float32"), ops.cast(height, "float32")


def to_xyxy(boxes, fmt: str, height, width):
    """``(..., 4)`` boxes in ``fmt`` as float32 pixel ``x_min, y_min, x_max, y_max``.

    Examples
    --------
    >>> out = to_xyxy(np.array([[0.25, 0.5, 0.5, 0.25]]), "rel_xywh", 8, 4)
    >>> keras.ops.convert_to_numpy(out).tolist()
    [[1.0, 4.0, 3.0, 6.0]]
    """
    (ix, iy, jx, jy), sized, centred = _LAYOUT[fmt.removeprefix("rel_")]
    sx, sy = _scale(fmt, height, width)
    boxes = ops.cast(boxes, "float32")
    x0, y0, x1, y1 = (boxes[..., k] for k in (ix, iy, jx, jy))
    if centred:
        x0, y0, x1, y1 = x0 - x1 / 2, y0 - y1 / 2, x0 + x1 / 2, y0 + y1 / 2
    elif sized:
        x1, y1 = x0 + x1, y0 + y1
    return ops.stack([x0 * sx, y0 * sy, x1 * sx, y1 * sy], axis=-1)


def from_xyxy(boxes, fmt: str, height, width):
    """Pixel ``x_min, y_min, x_max, y_max`` boxes in ``fmt`` (the inverse of :func:`to_xyxy`).

    Examples
    --------
    >>> out = from_xyxy(np.array([[1.0, 4.0, 3.0, 6.0]]), "center_yxhw", 8, 4)
    >>> keras.ops.convert_to_numpy(out).tolist()
    [[5.0, 2.0, 2.0, 2.0]]
    """
    (ix, iy, jx, jy), sized, centred = _LAYOUT[fmt.removeprefix("rel_")]
    sx, sy = _scale(fmt, height, width)
    x0, y0, x1, y1 = (boxes[..., k] for k in range(4))
    x0, y0, x1, y1 = x0 / sx, y0 / sy, x1 / sx, y1 / sy
    if centred:
        x0, y0, x1, y1 = (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0
    elif sized:
        x1, y1 = x1 - x0, y1 - y0
    parts = {ix: x0, iy: y0, jx: x1, jy: y1}
    return ops.stack([parts[k] for k in range(4)], axis=-1)


def warp_boxes(boxes, matrices):
    """Each box through its four corners to the enclosing box, by the inverse of its matrix.

    ``boxes`` are ``(B, N, 4)`` float32 pixel-edge ``xyxy``; ``matrices`` are
    ``(B, 3, 3)`` or ``(1, 3, 3)`` output -> input maps in pixel-centre
    coordinates, as :func:`keras.ops.image.affine_transform` takes them (a
    pixel-edge coordinate ``p`` is the centre coordinate ``p - 0.5``).

    Examples
    --------
    >>> flip = np.array([[[-1.0, 0, 9], [0, 1, 0], [0, 0, 1]]])  # mirror 10 columns
    >>> out = warp_boxes(np.array([[[1.0, 2, 4, 3]]], "float32"), flip)
    >>> keras.ops.convert_to_numpy(out).tolist()
    [[[6.0, 2.0, 9.0, 3.0]]]
    """
    m = ops.reshape(ops.cast(matrices, "float32"), (-1, 9))
    a0, a1, a2, b0, b1, b2 = (m[:, k, None, None] for k in range(6))
    det = a0 * b1 - a1 * b0
    x0, y0, x1, y1 = (boxes[..., k] - 0.5 for k in range(4))
    dx = ops.stack([x0, x1, x0, x1], axis=-1) - a2  # (B, N, 4 corners)
    dy = ops.stack([y0, y0, y1, y1], axis=-1) - b2
    xs = (b1 * dx - a1 * dy) / det + 0.5
    ys = (a0 * dy - b0 * dx) / det + 0.5
    return ops.stack([ops.min(xs, -1), ops.min(ys, -1), ops.max(xs, -1), ops.max(ys, -1)], -1)


def clip_boxes(boxes, labels, height, width):
    """Clip ``xyxy`` boxes to the image; label -1 where nothing is left, as Keras does.

    Examples
    --------
    >>> boxes = np.array([[-3.0, 1, 2, 5], [9, 0, 12, 3]], "float32")
    >>> out, kept = clip_boxes(boxes, np.array([4, 7]), 4, 8)
    >>> keras.ops.convert_to_numpy(out).tolist(), keras.ops.convert_to_numpy(kept).tolist()
    ([[0.0, 1.0, 2.0, 4.0], [8.0, 0.0, 8.0, 3.0]], [4, -1])
    """
    w, h = ops.cast(width, "float32"), ops.cast(height, "float32")
    x0, y0, x1, y1 = (boxes[..., k] for k in range(4))
    x0, x1 = ops.clip(x0, 0.0, w), ops.clip(x1, 0.0, w)
    y0, y1 = ops.clip(y0, 0.0, h), ops.clip(y1, 0.0, h)
    area = (x1 - x0) * (y1 - y0)
    labels = ops.convert_to_tensor(labels)
    dropped = ops.cast(ops.convert_to_tensor(-1), labels.dtype)
    return ops.stack([x0, y0, x1, y1], axis=-1), ops.where(area > 0, labels, dropped)


def _as_array_like(value, name: str):
    if isinstance(value, (list, tuple)):
        try:
            return np.asarray(value, dtype="float32" if name.endswith("['boxes']") else None)
        except ValueError as error:
            raise ValueError(f"`{name}` must be rectangular (no ragged lists): {error}") from None
    if not hasattr(value, "shape") or not hasattr(value, "dtype"):
        raise ValueError(f"`{name}` must be an array or tensor, got {type(value).__name__}.")
    return value


def check_bounding_boxes(value, images_shape, bounding_box_format) -> dict:
    """Check a ``"bounding_boxes"`` input against its images and return it as arrays.

    ``images_shape`` is the images' static shape (``(N, H, W, C)`` or
    ``(H, W, C)``, ``None`` for unknown sizes): boxes must be ``(N, n, 4)``
    (``(n, 4)`` for one image) and labels ``(N, n)`` (``(n,)``), signed
    integers or floats, so that -1 can mark a box that left the image.

    Examples
    --------
    >>> ok = check_bounding_boxes(
    ...     {"boxes": np.zeros((2, 3, 4)), "labels": np.zeros((2, 3), "int32")},
    ...     (2, 8, 8, 3),
    ...     "xyxy",
    ... )
    >>> sorted(ok)
    ['boxes', 'labels']
    """
    if bounding_box_format is None:
        raise ValueError(
            "`bounding_box_format` must be set (e.g. bounding_box_format='xyxy') to pass "
            "'bounding_boxes', as Keras' layers require, got None."
        )
    name = "inputs['bounding_boxes']"
    if not isinstance(value, dict) or set(value) != {"boxes", "labels"}:
        got = sorted(value) if isinstance(value, dict) else type(value).__name__
        raise ValueError(f"`{name}` must be a dict with keys 'boxes' and 'labels', got {got}.")
    boxes = _as_array_like(value["boxes"], f"{name}['boxes']")
    labels = _as_array_like(value["labels"], f"{name}['labels']")
    rank = len(images_shape)
    want = "(batch, boxes, 4)" if rank == 4 else "(boxes, 4) for one image"
    if len(boxes.shape) != rank - 1 or boxes.shape[-1] != 4:
        raise ValueError(
            f"`{name}['boxes']` must have shape {want}, got {tuple(boxes.shape)} "
            f"with images of shape {tuple(images_shape)}."
        )
    known = [(a, b) for a, b in zip(labels.shape, boxes.shape[:-1]) if None not in (a, b)]
    if len(labels.shape) != rank - 2 or any(a != b for a, b in known):
        raise ValueError(
            f"`{name}['labels']` must have shape {tuple(boxes.shape[:-1])} (one per box), "
            f"got {tuple(labels.shape)}."
        )
    if rank == 4 and None not in (boxes.shape[0], images_shape[0]):
        if boxes.shape[0] != images_shape[0]:
            raise ValueError(
                f"`{name}['boxes']` must have one row per image: got {boxes.shape[0]} for "
                f"{images_shape[0]} images."
            )
    dtype = keras.backend.standardize_dtype(labels.dtype)
    if dtype.startswith(("uint", "bool")):
        raise ValueError(
            f"`{name}['labels']` must be signed integers or floats, so that -1 can mark a "
            f"box that left the image, got {dtype}."
        )
    return {"boxes": boxes, "labels": labels}
