"""Boxes and keypoints through the affine map of a warp: plain functions over arrays.

The warp (see the resampling module) maps OUTPUT pixel ``(row, col)`` to INPUT ``(row, col)``
with ``input = matrix @ out + offset``, in pixel-CENTRE coordinates: pixel ``(r, c)`` is the
point ``(r, c)``. Targets move the other way, through the inverse of that map
(:func:`forward_map`).

Coordinates
-----------
- Boxes are ``(n, 4)`` float arrays ``x_min, y_min, x_max, y_max`` in pixel-EDGE coordinates:
  pixel column ``c`` covers ``[c, c + 1)``, so a box over pixel ``(0, 0)`` only is
  ``[0, 0, 1, 1]`` and a box over a whole ``H x W`` picture is ``[0, 0, W, H]`` (Keras'
  ``"xyxy"``). A box is transformed through its four corners to the box enclosing them,
  clipped to the output, and its visibility is the clipped area over the enclosing box's area.
- Keypoints are ``(k, 2)`` float arrays ``x, y`` at pixel CENTRES: pixel ``(row r, col c)`` is
  the keypoint ``(x=c, y=r)`` (the box edge coordinate ``(c + 0.5, r + 0.5)``). A keypoint is
  inside the output when it lies on one of its pixels: ``-0.5 <= x < W - 0.5`` and the same for
  ``y``; outside it becomes ``(NaN, NaN)``. NaN keypoints (missing ones) stay NaN.
- Coordinates within ``1e-9`` pixel of a whole number are snapped to it, so that flips, 90
  degree rotations and whole-pixel shifts move whole coordinates to whole coordinates exactly
  (``cos(90 degrees)`` is ``6e-17`` in floating point, not 0).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "SNAP",
    "box_iou",
    "check_box_labels",
    "check_boxes",
    "check_keypoints",
    "forward_map",
    "tight_boxes",
    "transform_boxes",
    "transform_keypoints",
]

#: Coordinates this close to a whole number become that number.
SNAP = 1e-9
#: How far (pixels) a pixel centre may lie outside a box and still count as inside it when boxes
#: are tightened: OpenCV computes sampling positions in float32 or in 1/1024 pixel steps.
_CENTRE_SLACK = 1.0 / 32


def _float_array(x, name: str) -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"`{name}` must be a numeric array, got {type(x).__name__}: {exc}"
        ) from None
    return arr


def _table(values, name: str, width: int, layout: str) -> np.ndarray:
    """``values`` as a float64 ``(rows, width)`` array (empty: ``(0, width)``), or an error
    naming ``name`` and the ``layout`` it must have."""
    arr = _float_array(values, name)
    if arr.size == 0 and arr.ndim <= 2:
        return np.zeros((0, width))
    if arr.ndim != 2 or arr.shape[1] != width:
        raise ValueError(f"`{name}` must have shape {layout}, got shape {arr.shape}.")
    return arr


def _refuse_first(arr: np.ndarray, bad: np.ndarray, name: str, what: str, expected: str):
    """A ValueError for the first row of ``arr`` where ``bad`` holds, if any."""
    if bad.any():
        row = int(np.argmax(bad))
        raise ValueError(
            f"`{name}` row {row} {what}: got {arr[row].tolist()}; expected {expected}."
        )


def check_boxes(boxes, name: str = "boxes") -> np.ndarray:
    """``boxes`` as a new ``(n, 4)`` float64 array of finite ``x_min, y_min, x_max, y_max``.

    An empty list is ``(0, 4)``. ``x_max >= x_min`` and ``y_max >= y_min`` are required.

    Examples
    --------
    >>> check_boxes([[0, 0, 2, 1]]).tolist(), check_boxes([]).shape
    ([[0.0, 0.0, 2.0, 1.0]], (0, 4))
    >>> check_boxes([[3, 0, 2, 1]])
    Traceback (most recent call last):
    ...
    ValueError: `boxes` row 0 has x_max < x_min: got [3.0, 0.0, 2.0, 1.0]; expected x_min, y_min, \
x_max, y_max with x_max >= x_min and y_max >= y_min (pixel-edge coordinates).
    """
    arr = _table(boxes, name, 4, "(n, 4) (x_min, y_min, x_max, y_max per box)")
    _refuse_first(
        arr, ~np.isfinite(arr).all(axis=1), name, "is not finite", "finite pixel coordinates"
    )
    expected = (
        "x_min, y_min, x_max, y_max with x_max >= x_min and y_max >= y_min (pixel-edge coordinates)"
    )
    for axis, what in ((0, "x_max < x_min"), (1, "y_max < y_min")):
        _refuse_first(arr, arr[:, axis + 2] < arr[:, axis], name, f"has {what}", expected)
    return arr.copy()


def check_keypoints(keypoints, name: str = "keypoints") -> np.ndarray:
    """``keypoints`` as a new ``(k, 2)`` float64 array of ``x, y``; NaN (missing) allowed, not
    infinity.

    Examples
    --------
    >>> check_keypoints([[1, 2], [np.nan, np.nan]]).shape
    (2, 2)
    >>> check_keypoints([1, 2, 3])
    Traceback (most recent call last):
    ...
    ValueError: `keypoints` must have shape (k, 2) (x, y per keypoint), got shape (3,).
    """
    arr = _table(keypoints, name, 2, "(k, 2) (x, y per keypoint)")
    expected = "finite pixel coordinates (or NaN for a missing keypoint)"
    _refuse_first(arr, np.isinf(arr).any(axis=1), name, "is infinite", expected)
    return arr.copy()


def check_box_labels(labels, n: int, name: str = "box_labels") -> np.ndarray:
    """One integer mask label per box, as an ``int64`` array of length ``n``.

    Examples
    --------
    >>> check_box_labels([1, 2], 2).tolist()
    [1, 2]
    >>> check_box_labels([1.5], 1)
    Traceback (most recent call last):
    ...
    ValueError: `box_labels` must hold integer mask labels, got dtype float64.
    """
    arr = np.asarray(labels)
    if arr.ndim != 1 or len(arr) != n:
        raise ValueError(
            f"`{name}` must have shape ({n},) (one mask label per box), got shape {arr.shape}."
        )
    if n and not (np.issubdtype(arr.dtype, np.integer) or arr.dtype == bool):
        raise ValueError(f"`{name}` must hold integer mask labels, got dtype {arr.dtype}.")
    return arr.astype(np.int64)


def forward_map(matrix, offset) -> tuple[np.ndarray, np.ndarray]:
    """The inverse of a warp's output -> input map: ``out = a @ input + b`` (pixel centres).

    Examples
    --------
    >>> a, b = forward_map(np.array([[1.0, 0.0], [0.0, -1.0]]), np.array([0.0, 3.0]))
    >>> (a @ [2.0, 0.0] + b).tolist()  # column 0 of a 4-wide picture goes to column 3
    [2.0, 3.0]
    """
    a = np.linalg.inv(np.asarray(matrix, dtype=np.float64))
    return a, -a @ np.asarray(offset, dtype=np.float64)


def _snap(values: np.ndarray) -> np.ndarray:
    whole = np.rint(values)
    return np.where(np.abs(values - whole) <= SNAP, whole, values)


def _moved(rows_cols: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(..., 2)`` centre ``(row, col)`` points through ``out = a @ p + b``."""
    return rows_cols @ a.T + b


def transform_boxes(boxes, a, b, out_shape) -> tuple[np.ndarray, np.ndarray]:
    """Boxes through the forward map ``(a, b)``: enclosing box of the four corners, clipped.

    Returns
    -------
    (ndarray, ndarray)
        The clipped ``(n, 4)`` boxes and their visibility: clipped area over the enclosing
        box's area (0 when that area is 0).

    Examples
    --------
    >>> flip = forward_map(np.array([[1.0, 0.0], [0.0, -1.0]]), np.array([0.0, 3.0]))
    >>> out, vis = transform_boxes(np.array([[0.0, 0.0, 1.0, 2.0]]), *flip, (4, 4))
    >>> out.tolist(), vis.tolist()  # pixel column 0 ends up as column 3
    ([[3.0, 0.0, 4.0, 2.0]], [1.0])
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    x0, y0, x1, y1 = boxes.T
    # the corners as (row, col) pixel-centre points: edge coordinate e is centre e - 0.5
    corners = np.stack(
        [np.stack([y, x], axis=-1) for y, x in ((y0, x0), (y0, x1), (y1, x0), (y1, x1))], axis=1
    )
    moved = _snap(_moved(corners - 0.5, a, b) + 0.5)  # (n, 4 corners, (row, col)), edges
    lo, hi = moved.min(axis=1), moved.max(axis=1)
    full = np.stack([lo[:, 1], lo[:, 0], hi[:, 1], hi[:, 0]], axis=1)
    oh, ow = out_shape
    clipped = np.clip(full, 0.0, [ow, oh, ow, oh])
    area = (full[:, 2] - full[:, 0]) * (full[:, 3] - full[:, 1])
    visible = (clipped[:, 2] - clipped[:, 0]) * (clipped[:, 3] - clipped[:, 1])
    with np.errstate(invalid="ignore", divide="ignore"):
        visibility = np.where(area > 0, visible / np.where(area > 0, area, 1.0), 0.0)
    return clipped, visibility


def transform_keypoints(keypoints, a, b, out_shape) -> np.ndarray:
    """``(k, 2)`` keypoints ``x, y`` through the forward map; NaN where they leave the output.

    Examples
    --------
    >>> flip = forward_map(np.array([[1.0, 0.0], [0.0, -1.0]]), np.array([0.0, 3.0]))
    >>> transform_keypoints(np.array([[0.0, 1.0], [5.0, 1.0]]), *flip, (4, 4)).tolist()
    [[3.0, 1.0], [nan, nan]]
    """
    kp = np.asarray(keypoints, dtype=np.float64).reshape(-1, 2)
    moved = _snap(_moved(kp[:, ::-1], a, b)[:, ::-1])  # (x, y) -> (row, col) and back
    oh, ow = out_shape
    inside = (moved >= -0.5).all(axis=1) & (moved[:, 0] < ow - 0.5) & (moved[:, 1] < oh - 0.5)
    moved[~inside] = np.nan
    return moved


def tight_boxes(mask: np.ndarray, labels, within=None) -> np.ndarray:
    """The smallest pixel-edge box around the pixels of each label (NaN row when none).

    Parameters
    ----------
    mask : ndarray
        ``(H, W)`` or ``(H, W, 1)`` integer labels.
    labels : sequence of int
        One label per box.
    within : ndarray, optional
        ``(n, 4)`` boxes: count only the label's pixels whose centres lie in the box (within
        1/32 pixel), which tells apart two objects of the same label.

    Examples
    --------
    >>> m = np.zeros((4, 5), np.uint8); m[1:3, 2] = 7
    >>> tight_boxes(m, [7, 3]).tolist()
    [[2.0, 1.0, 3.0, 3.0], [nan, nan, nan, nan]]
    """
    mask = mask[..., 0] if mask.ndim == 3 else mask
    out = np.full((len(labels), 4), np.nan)
    for i, label in enumerate(labels):
        rows, cols = np.nonzero(mask == label)
        if within is not None:
            x0, y0, x1, y1 = within[i]
            s = _CENTRE_SLACK
            keep = (cols + 0.5 >= x0 - s) & (cols + 0.5 <= x1 + s)
            keep &= (rows + 0.5 >= y0 - s) & (rows + 0.5 <= y1 + s)
            rows, cols = rows[keep], cols[keep]
        if len(rows):
            out[i] = cols.min(), rows.min(), cols.max() + 1, rows.max() + 1
    return out


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection over union of every box of ``a`` ``(n, 4)`` with every box of ``b``
    ``(m, 4)``: ``(n, m)``; 0 where both boxes have zero area.

    Examples
    --------
    >>> box_iou(np.array([[0.0, 0, 2, 2]]), np.array([[1.0, 0, 3, 2], [0, 0, 2, 2]])).tolist()
    [[0.3333333333333333, 1.0]]
    """
    a, b = a[:, None, :], b[None, :, :]
    w = np.clip(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0, None)
    h = np.clip(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0, None)
    inter = w * h
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    union = area_a + area_b - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)
