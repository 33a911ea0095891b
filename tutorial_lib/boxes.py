"""Boxes measured: tight boxes from a mask, intersection over union, and how loose a rotated box
gets.

Boxes are ``(n, 4)`` float arrays ``x_min, y_min, x_max, y_max`` in pixel-EDGE coordinates, as
everywhere in the package: pixel column ``c`` covers ``[c, c + 1)``, so the box of a single pixel
``(row 2, col 5)`` is ``[5, 2, 6, 3]`` (Keras' ``"xyxy"`` format).

Rotating a box through its four corners gives the box that encloses the rotated BOX, which is
larger than the box of the rotated OBJECT unless the object fills its box: :func:`loose_box_iou`
measures by how much, angle by angle.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_image, check_number
from ._targets import box_iou as _pairwise_iou
from ._targets import check_boxes, tight_boxes
from .paired import PairedAugmenter, PairParams

__all__ = ["box_iou", "boxes_from_mask", "loose_box_iou"]


def box_iou(a, b) -> np.ndarray:
    """Intersection over union of every box of ``a`` with every box of ``b``.

    Parameters
    ----------
    a, b : array_like
        ``(n, 4)`` and ``(m, 4)`` boxes (or one box ``(4,)`` each), pixel-edge
        ``x_min, y_min, x_max, y_max``.

    Returns
    -------
    ndarray or float
        ``(n, m)`` IoUs in ``[0, 1]`` (0 where both boxes have no area); a float when both
        arguments are single boxes.

    Examples
    --------
    >>> box_iou([0, 0, 2, 2], [1, 0, 3, 2])  # overlap 2, union 6
    0.3333333333333333
    >>> box_iou([[0, 0, 2, 2]], [[0, 0, 2, 2], [5, 5, 6, 6]]).tolist()
    [[1.0, 0.0]]
    """
    single = np.ndim(a) == 1 and np.ndim(b) == 1
    a = check_boxes(np.atleast_2d(a) if np.ndim(a) == 1 else a, "a")
    b = check_boxes(np.atleast_2d(b) if np.ndim(b) == 1 else b, "b")
    iou = _pairwise_iou(a, b)
    return float(iou[0, 0]) if single else iou


def boxes_from_mask(mask, labels) -> np.ndarray:
    """The tight box of each label's pixels in ``mask``: ``(len(labels), 4)``, NaN rows for labels
    with no pixel.

    Parameters
    ----------
    mask : array_like
        ``(H, W)`` or ``(H, W, 1)`` integer labels.
    labels : int or sequence of int
        The labels to box.

    Examples
    --------
    >>> m = np.zeros((6, 8), np.uint8); m[2, 5] = 1; m[1:4, 0:2] = 2
    >>> boxes_from_mask(m, [1, 2, 3]).tolist()
    [[5.0, 2.0, 6.0, 3.0], [0.0, 1.0, 2.0, 4.0], [nan, nan, nan, nan]]
    """
    msk = check_image(mask, "mask")
    if msk.ndim == 3 and msk.shape[-1] != 1:
        raise ValueError(f"`mask` must have shape (H, W) or (H, W, 1), got shape {msk.shape}.")
    if not (np.issubdtype(msk.dtype, np.integer) or msk.dtype == bool):
        raise ValueError(f"`mask` must hold integer labels, got dtype {msk.dtype}.")
    wanted = np.atleast_1d(np.asarray(labels))
    if wanted.ndim != 1 or not np.issubdtype(wanted.dtype, np.integer):
        raise ValueError(
            f"`labels` must be an integer or a sequence of integers, got {np.asarray(labels)!r}."
        )
    return tight_boxes(msk, wanted.tolist())


def loose_box_iou(mask, label: int, angles, backend: str = "auto") -> np.ndarray:
    """How loose the corner-rotated box is: IoU with the tight box of the rotated object.

    For each angle the mask is rotated about the picture's centre (nearest neighbour, as
    :class:`PairedAugmenter` does it); the object's tight box before rotation is moved through
    its four corners (what any box-only pipeline does) and compared with the tight box of the
    object's pixels after rotation. 1 means the corner box is tight; a disc rotated by 45
    degrees gives about ``1 / 2``. Keep the object away from the borders, or the picture cuts it.

    Parameters
    ----------
    mask : array_like
        ``(H, W)`` integer labels.
    label : int
        The object's label in ``mask`` (at least one pixel).
    angles : array_like
        Rotations in degrees.
    backend : {"auto", "opencv", "numpy"}
        Who rotates the mask (see :class:`PairedAugmenter`).

    Returns
    -------
    ndarray
        One IoU per angle (NaN where the object left the picture).

    Examples
    --------
    >>> yy, xx = np.mgrid[:64, :64]
    >>> disc = ((yy - 31.5) ** 2 + (xx - 31.5) ** 2 < 20**2).astype(np.uint8)
    >>> np.round(loose_box_iou(disc, 1, [0, 45, 90], backend="numpy"), 2).tolist()
    [1.0, 0.5, 1.0]
    """
    msk = check_image(mask, "mask")
    box = boxes_from_mask(msk, [label])
    if np.isnan(box).any():
        raise ValueError(f"`label` {label!r} has no pixel in `mask`; expected one of its labels.")
    angles = np.atleast_1d(np.asarray(angles, dtype=np.float64))
    for angle in angles:
        check_number(float(angle), "angles")
    rotate = PairedAugmenter(interpolation_order=0, backend=backend)
    h, w = msk.shape[:2]
    ious = np.full(len(angles), np.nan)
    for i, angle in enumerate(angles):
        out = rotate.apply(msk, msk, PairParams(h, w, rotation=float(angle)), boxes=box)
        tight = boxes_from_mask(out.mask, [label])
        if len(out.boxes) and not np.isnan(tight).any():
            ious[i] = _pairwise_iou(out.boxes, tight)[0, 0]
    return ious
