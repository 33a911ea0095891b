"""Augment images and their segmentation masks together: ONE random draw per pair.

Two ``ImageDataGenerator`` objects sharing a seed keep an image and its mask
aligned only as long as both draw exactly the same random numbers in the same
order, and the mask generator interpolates labels like pixel values. Here one
set of parameters (a :class:`PairParams`) is drawn per pair and applied to both:

- geometric arguments named as in ``ImageDataGenerator``: ``rotation_range``,
  ``width_shift_range``, ``height_shift_range``, ``zoom_range``,
  ``shear_range``, ``horizontal_flip``, ``vertical_flip``, plus a random crop;
- the image is resampled with the spline order you ask for
  (``interpolation_order``, 1 = bilinear, as ``ImageDataGenerator``);
- the mask is ALWAYS resampled with nearest neighbour (order 0), keeps its
  integer dtype, and pixels that come from outside the picture get the
  background label ``mask_fill`` (never a reflected or repeated label), so
  the output labels are a subset of the input labels plus ``mask_fill``.

The parameters become one affine map per pair, which a private resampling module applies to
the image and the mask with the numbers and fill modes of
:func:`scipy.ndimage.affine_transform` (and so of ``ImageDataGenerator``): with OpenCV's
``cv2.warpAffine`` when ``cv2`` imports (``backend="auto"``; ``pip install
tutorial_lib[fast]`` adds it, Colab has it already), otherwise with NumPy. The two backends
agree closely (``backend`` in :class:`PairedAugmenter` says how closely). TensorFlow is
not needed (:class:`PairedBatchIterator` becomes a ``keras.utils.PyDataset`` when Keras is
installed, for ``model.fit``).

Boxes and keypoints (detection, pose) follow the same draw: ``augment(image, mask, seed=s,
boxes=..., keypoints=...)`` returns an :class:`AugmentedSample`. Boxes are ``(n, 4)`` float arrays
``x_min, y_min, x_max, y_max`` in pixel-EDGE coordinates (pixel column ``c`` covers ``[c, c + 1)``,
so a box over the whole ``H x W`` picture is ``[0, 0, W, H]``); keypoints are ``(k, 2)`` arrays
``x, y`` at pixel CENTRES (pixel ``(row r, col c)`` is the keypoint ``(c, r)``). A box goes through
its four corners to the box enclosing them (loose under rotation: pass ``box_labels`` with a mask
to tighten it from the mask), is clipped to the output and dropped when its visible fraction falls
below ``min_visibility`` or its visible area to 0; ``box_indices`` says which input boxes are left.
A keypoint that leaves the picture becomes ``(NaN, NaN)`` (its row stays, so keypoint ``j`` is
always row ``j``).
"""

from __future__ import annotations

import dataclasses
import math
import numbers

import numpy as np

from ._checks import (
    as_generator,
    check_batch,
    check_batch_size,
    check_bool,
    check_fits,
    check_fraction,
    check_image,
    check_nonnegative_int,
    check_number,
    check_positive_int,
    check_sequence_length,
    check_size,
)
from ._keras_dataset import KerasDatasetMixin, batch_index, batch_rng, draw_entropy, epoch_order
from ._resample import FILL_MODES, Scratch, resolve_backend, warp_pair
from ._targets import (
    check_box_labels,
    check_boxes,
    check_keypoints,
    forward_map,
    tight_boxes,
    transform_boxes,
    transform_keypoints,
)

__all__ = [
    "AugmentedSample",
    "PairParams",
    "PairedAugmenter",
    "PairedBatchIterator",
    "check_image_mask_pair",
]


def _check_mask_dtype(mask: np.ndarray, name: str) -> None:
    if not (np.issubdtype(mask.dtype, np.integer) or mask.dtype == bool):
        raise ValueError(
            f"`{name}` must hold integer labels, got dtype {mask.dtype}. Float masks cannot tell "
            f"a label from an interpolated value; convert with np.rint(mask).astype(np.uint8) if "
            f"the values are whole."
        )


def check_image_mask_pair(
    image, mask, batch: bool = False, image_name: str = "image", mask_name: str = "mask"
):
    """Check that ``mask`` is an integer label map of the same height and width as ``image``.

    Parameters
    ----------
    image : array_like
        ``(H, W[, C])``, or ``(N, H, W[, C])`` when ``batch`` is True.
    mask : array_like
        ``(H, W)`` or ``(H, W, 1)`` (``(N, H, W[, 1])`` for a batch), integer or bool.
    batch : bool
        Whether the arrays are batches.

    Returns
    -------
    (ndarray, ndarray)
        The image and mask as arrays (not copied).

    Raises
    ------
    ValueError
        On float labels, a mask with more than one channel, or mismatched shapes.

    Examples
    --------
    >>> img, m = check_image_mask_pair(np.zeros((4, 4, 3)), np.zeros((4, 4), np.uint8))
    >>> check_image_mask_pair(np.zeros((4, 4, 3)), np.zeros((4, 5), np.uint8))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: `mask` shape (4, 5) does not match `image` shape (4, 4, 3): height and width ...
    """
    if batch:
        img = check_batch(image, image_name)
        msk = check_batch(mask, mask_name)
        lead = 3
    else:
        img = check_image(image, image_name)
        msk = check_image(mask, mask_name)
        lead = 2
    if msk.ndim == lead + 1 and msk.shape[-1] != 1:
        raise ValueError(
            f"`{mask_name}` has shape {msk.shape}: {msk.shape[-1]} channels where one label map "
            f"is expected ({'(N, H, W)' if batch else '(H, W)'} or with a trailing 1). Convert a "
            f"one-hot mask with mask.argmax(axis=-1)."
        )
    _check_mask_dtype(msk, mask_name)
    if msk.shape[:lead] != img.shape[:lead]:
        what = "batch size, height and width" if batch else "height and width"
        raise ValueError(
            f"`{mask_name}` shape {msk.shape} does not match `{image_name}` shape {img.shape}: "
            f"{what} must be equal."
        )
    return img, msk


def _range_pair(value, name: str, default_center: float = 0.0) -> tuple[float, float]:
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        if not np.isfinite(value) or value < 0:
            raise ValueError(f"`{name}` must be a finite number >= 0, got {value!r}.")
        return default_center - float(value), default_center + float(value)
    try:
        lo, hi = value
        lo, hi = float(lo), float(hi)
    except (TypeError, ValueError):
        raise ValueError(
            f"`{name}` must be a number or a (low, high) pair, got {value!r}."
        ) from None
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo > hi:
        raise ValueError(
            f"`{name}` must be a finite (low, high) pair with low <= high, got {value!r}."
        )
    return lo, hi


@dataclasses.dataclass(frozen=True)
class PairParams:
    """The parameters drawn for ONE image/mask pair by :meth:`PairedAugmenter.random_params`.

    Angles in degrees, shifts in pixels (rows for ``shift_y``, columns for ``shift_x``), zoom
    factors above 1 zoom out (``ImageDataGenerator``'s convention), flips as booleans, the top
    left corner of the crop window, and the image ``height`` and ``width`` they were drawn for:
    :meth:`PairedAugmenter.apply` refuses an image of another size. Frozen: change a field with
    :func:`dataclasses.replace`.

    Examples
    --------
    >>> p = PairParams(height=32, width=48, rotation=10.0, horizontal_flip=True)
    >>> p.rotation, p.zoom_x, (p.height, p.width)
    (10.0, 1.0, (32, 48))
    >>> dataclasses.replace(p, rotation=-5.0).rotation
    -5.0
    """

    height: int
    width: int
    rotation: float = 0.0
    shift_y: float = 0.0
    shift_x: float = 0.0
    shear: float = 0.0
    zoom_x: float = 1.0
    zoom_y: float = 1.0
    horizontal_flip: bool = False
    vertical_flip: bool = False
    crop_top: int = 0
    crop_left: int = 0

    def __post_init__(self):
        check_positive_int(self.height, "height")
        check_positive_int(self.width, "width")
        for name in ("rotation", "shift_y", "shift_x", "shear"):
            check_number(getattr(self, name), name)
        check_number(self.zoom_x, "zoom_x", above=0)
        check_number(self.zoom_y, "zoom_y", above=0)
        check_bool(self.horizontal_flip, "horizontal_flip")
        check_bool(self.vertical_flip, "vertical_flip")
        check_nonnegative_int(self.crop_top, "crop_top")
        check_nonnegative_int(self.crop_left, "crop_left")


@dataclasses.dataclass(frozen=True, eq=False)
class AugmentedSample:
    """What :meth:`PairedAugmenter.augment` returns: every target moved by ONE draw.

    Attributes
    ----------
    image : ndarray
        The augmented image (a batch ``(N, H, W[, C])`` from :meth:`PairedAugmenter.augment_batch`).
    mask : ndarray or None
        The augmented mask (masks for a batch); None when no mask was given.
    boxes : ndarray or None
        ``(m, 4)`` boxes left in the picture, pixel-edge ``x_min, y_min, x_max, y_max``; for a
        batch, a list with one such array per image. None when no boxes were given.
    keypoints : ndarray or None
        ``(k, 2)`` keypoints ``x, y`` at pixel centres, ``(NaN, NaN)`` for those that left the
        picture (rows kept in order); a list for a batch. None when none were given.
    box_indices : ndarray or None
        ``(m,)`` indices of the input boxes that are left, in order: ``boxes[i]`` comes from input
        box ``box_indices[i]`` (pick their class labels with ``labels[box_indices]``); a list for
        a batch.

    Notes
    -----
    It unpacks, indexes and iterates as the pair ``(image, mask)`` that ``augment`` returned
    before boxes and keypoints existed, so ``image, mask = aug.augment(img, m, seed=0)`` works.

    Examples
    --------
    >>> out = AugmentedSample(np.zeros((2, 2)), np.ones((2, 2), np.uint8))
    >>> image, mask = out
    >>> int(mask.sum()), out[0].shape, len(out), out.boxes is None
    (4, (2, 2), 2, True)
    """

    image: np.ndarray
    mask: np.ndarray | None = None
    boxes: np.ndarray | list | None = None
    keypoints: np.ndarray | list | None = None
    box_indices: np.ndarray | list | None = None

    def __iter__(self):
        yield self.image
        yield self.mask

    def __len__(self) -> int:
        return 2

    def __getitem__(self, index):
        return (self.image, self.mask)[index]


def _check_targets(boxes, keypoints, box_labels, has_mask: bool, where: str = ""):
    """Checked ``(boxes, keypoints, box_labels)``: arrays or None (``where`` names an image of a
    batch in the messages, e.g. ``"[3]"``)."""
    if boxes is not None:
        boxes = check_boxes(boxes, f"boxes{where}")
    if keypoints is not None:
        keypoints = check_keypoints(keypoints, f"keypoints{where}")
    if box_labels is not None:
        if boxes is None or not has_mask:
            raise ValueError(
                f"`box_labels{where}` tightens boxes from the mask: it needs `boxes` and a mask, "
                f"got {'no boxes' if boxes is None else 'no mask'}."
            )
        box_labels = check_box_labels(box_labels, len(boxes), f"box_labels{where}")
    return boxes, keypoints, box_labels


_TARGETS = ("boxes", "keypoints", "box_labels")


def _checked_batch(images, masks):
    """A batch of images and its masks (or None), checked."""
    if masks is None:
        return check_batch(images, "images"), None
    return check_image_mask_pair(images, masks, batch=True, image_name="images", mask_name="masks")


def _per_image(values, n: int, name: str) -> list:
    """``values`` (None, or one entry per image of a batch) as a list of ``n`` entries."""
    if values is None:
        return [None] * n
    return check_sequence_length(values, n, name, "image")


class PairedAugmenter:
    """Random geometric augmentation applied identically to an image and its mask.

    Parameters
    ----------
    rotation_range : float
        Degrees; the angle is uniform in ``[-rotation_range, rotation_range]``.
    width_shift_range, height_shift_range : float
        A value below 1 is a fraction of the width/height, 1 or more is pixels;
        the shift is uniform in ``[-r, r]`` (as ``ImageDataGenerator``).
    zoom_range : float or (float, float)
        ``z`` means ``[1 - z, 1 + z]``. Values above 1 zoom OUT (the
        ``ImageDataGenerator`` convention: the factor scales the sampling grid).
    keep_aspect_ratio : bool
        Draw one zoom factor for both axes (``ImageDataGenerator`` draws them
        independently, which stretches the picture).
    shear_range : float
        Shear angle in degrees, uniform in ``[-shear_range, shear_range]``.
    horizontal_flip, vertical_flip : bool
        Flip with probability 0.5.
    crop_size : int or (int, int), optional
        Cut a random window of this size out of the transformed picture
        (only the window is computed).
    interpolation_order : int
        Spline order for the IMAGE, 0 (nearest) to 5; 1 (bilinear) by default.
        The mask always uses 0.
    fill_mode : {"constant", "nearest", "reflect", "wrap"}
        How the IMAGE is filled outside its borders (SciPy's conventions, as
        ``ImageDataGenerator``). The mask is always filled with ``mask_fill``.
    cval : float
        Image fill value for ``fill_mode="constant"``.
    mask_fill : int
        Background label given to mask pixels that come from outside the picture.
    backend : {"auto", "opencv", "numpy"}
        Who resamples: ``"auto"`` is OpenCV (``cv2.warpAffine``, several times faster) when
        ``cv2`` imports, NumPy otherwise; ``"opencv"`` without OpenCV raises ImportError.
        The backend in use is the attribute ``backend`` (and shows in ``repr``). Both compute
        SciPy's fill modes and masks (nearest neighbour, labels copied, never invented, dtype
        kept, ``mask_fill`` over exactly the same outside region). They may differ slightly,
        because OpenCV samples at ``float32`` positions (OpenCV 5: images agree within one grey
        level of ``uint8``, and a mask pixel takes its neighbour's label only at a half-pixel
        tie within ``float32`` rounding) or at positions rounded to 1/32 pixel with fixed-point
        weights (OpenCV 4.x, as on Colab: up to 8 grey levels on a sharp 0-to-255 edge, and a few
        tenths of a percent of the mask pixels, next to half-pixel ties, take a neighbour's
        label). ``pip install tutorial_lib[fast]`` installs ``opencv-python-headless``; never
        beside Colab's ``opencv-python`` (two wheels providing ``cv2`` break it).
        ``fill_mode="wrap"`` (SciPy's period ``n - 1``, which OpenCV has no mode for) and
        ``interpolation_order`` 2 to 5 (SciPy) run the same code with either backend.
    min_visibility : float
        In ``[0, 1]``: a box is dropped when the fraction of its transformed (enclosing) box left
        inside the output falls below this; always when no area is left (the default, 0, drops
        only those).

    Examples
    --------
    >>> images, labels, masks = __import__("tutorial_lib").make_shapes(2, size=32, seed=0)
    >>> aug = PairedAugmenter(rotation_range=30, zoom_range=0.2, horizontal_flip=True, crop_size=24)
    >>> img, m = aug.augment(images[0], masks[0], seed=1)
    >>> img.shape, img.dtype, m.shape, m.dtype
    ((24, 24, 3), dtype('uint8'), (24, 24), dtype('uint8'))
    >>> set(np.unique(m)) <= set(np.unique(masks[0])) | {0}
    True
    >>> PairedAugmenter(backend="numpy").backend
    'numpy'

    Boxes and keypoints follow the same draw (a box over pixel column 0 of a 32-wide picture
    ends up over column 31 when the picture is flipped):

    >>> flip = PairedAugmenter(horizontal_flip=True)
    >>> out = flip.augment(images[0], seed=2, boxes=[[0, 4, 1, 6]], keypoints=[[0, 5]])
    >>> out.boxes.tolist(), out.keypoints.tolist(), out.box_indices.tolist()
    ([[31.0, 4.0, 32.0, 6.0]], [[31.0, 5.0]], [0])
    """

    def __init__(
        self,
        rotation_range: float = 0.0,
        width_shift_range: float = 0.0,
        height_shift_range: float = 0.0,
        zoom_range=0.0,
        shear_range: float = 0.0,
        horizontal_flip: bool = False,
        vertical_flip: bool = False,
        crop_size=None,
        interpolation_order: int = 1,
        fill_mode: str = "constant",
        cval: float = 0.0,
        mask_fill: int = 0,
        keep_aspect_ratio: bool = False,
        backend: str = "auto",
        min_visibility: float = 0.0,
    ):
        self.rotation_range = _range_pair(rotation_range, "rotation_range")[1]
        self.width_shift_range = _range_pair(width_shift_range, "width_shift_range")[1]
        self.height_shift_range = _range_pair(height_shift_range, "height_shift_range")[1]
        self.zoom_range = _range_pair(zoom_range, "zoom_range", default_center=1.0)
        if self.zoom_range[0] <= 0:
            raise ValueError(f"`zoom_range` must give factors > 0, got {zoom_range!r}.")
        self.shear_range = _range_pair(shear_range, "shear_range")[1]
        for flag, name in (
            (horizontal_flip, "horizontal_flip"),
            (vertical_flip, "vertical_flip"),
            (keep_aspect_ratio, "keep_aspect_ratio"),
        ):
            if not isinstance(flag, (bool, np.bool_)):
                raise ValueError(f"`{name}` must be True or False, got {flag!r}.")
        self.horizontal_flip = bool(horizontal_flip)
        self.vertical_flip = bool(vertical_flip)
        self.keep_aspect_ratio = bool(keep_aspect_ratio)
        self.crop_size = None if crop_size is None else check_size(crop_size, "crop_size")
        self.interpolation_order = check_nonnegative_int(interpolation_order, "interpolation_order")
        if self.interpolation_order > 5:
            raise ValueError(f"`interpolation_order` must be 0..5, got {interpolation_order}.")
        if fill_mode not in FILL_MODES:
            raise ValueError(f"`fill_mode` must be one of {FILL_MODES}, got {fill_mode!r}.")
        self.fill_mode = fill_mode
        self.cval = check_number(cval, "cval")  # finite: NaN or inf would fill garbage
        if isinstance(mask_fill, bool) or not isinstance(mask_fill, numbers.Integral):
            raise ValueError(f"`mask_fill` must be an integer label, got {mask_fill!r}.")
        self.mask_fill = int(mask_fill)
        self.backend = resolve_backend(backend)
        self.min_visibility = check_fraction(min_visibility, "min_visibility")

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"PairedAugmenter({args})"

    # -- parameters --------------------------------------------------------
    def random_params(self, shape, seed=None) -> PairParams:
        """Draw the parameters for ONE pair of height and width ``shape[:2]``.

        Nine numbers are drawn every time, in a fixed order, whatever is
        switched on, so enabling a flip does not change the angles drawn.

        Examples
        --------
        >>> p = PairedAugmenter(rotation_range=10).random_params((32, 48), seed=0)
        >>> type(p).__name__, p.height, p.width, p.zoom_x
        ('PairParams', 32, 48, 1.0)
        >>> -10 <= p.rotation <= 10
        True
        """
        if len(shape) < 2:
            raise ValueError(f"`shape` must start with (height, width), got {tuple(shape)}.")
        h, w = int(shape[0]), int(shape[1])
        rng = as_generator(seed)
        u = rng.random(9)
        lo_z, hi_z = self.zoom_range

        def span(r, k):  # uniform in [-r, r]
            return (2.0 * u[k] - 1.0) * r

        dy = span(self.height_shift_range, 1)
        dx = span(self.width_shift_range, 2)
        if self.height_shift_range < 1:
            dy *= h
        if self.width_shift_range < 1:
            dx *= w
        zx = lo_z + (hi_z - lo_z) * u[4]
        zy = zx if self.keep_aspect_ratio else lo_z + (hi_z - lo_z) * u[5]
        crop_top = crop_left = 0
        if self.crop_size is not None:
            check_fits(self.crop_size, (h, w), "crop_size", "image")
            crop_top = int(u[7] * (h - self.crop_size[0] + 1))
            crop_left = int(u[8] * (w - self.crop_size[1] + 1))
        return PairParams(
            height=h,
            width=w,
            rotation=float(span(self.rotation_range, 0)),
            shift_y=float(dy),
            shift_x=float(dx),
            shear=float(span(self.shear_range, 3)),
            zoom_x=float(zx),
            zoom_y=float(zy),
            horizontal_flip=bool(self.horizontal_flip and u[6] < 0.5),
            vertical_flip=bool(self.vertical_flip and (u[6] * 2) % 1 < 0.5),
            crop_top=crop_top,
            crop_left=crop_left,
        )

    def _matrix(self, p: PairParams):
        """Output (row, col) -> input (row, col): ``input = M @ out + offset``; plus output shape.

        ``M = A @ D`` with ``A = rotation @ shear @ zoom`` about the centre and ``D`` the flips;
        the shift is applied in the rotated frame, the crop window moves the output origin.
        """
        h, w = p.height, p.width
        oh, ow = self.crop_size if self.crop_size is not None else (h, w)
        theta, shear = math.radians(p.rotation), math.radians(p.shear)
        # whole quarter turns exactly: cos(90 degrees) is 6e-17 in floating point, which would
        # put the sampling positions of a border row a hair outside the picture (filled)
        c, s = (
            float(round(v)) if abs(v - round(v)) < 1e-12 else v
            for v in (math.cos(theta), math.sin(theta))
        )
        sh_s, sh_c = math.sin(shear), math.cos(shear)
        # A = [[c, -s], [s, c]] @ [[1, -sh_s], [0, sh_c]] @ diag(zoom_y, zoom_x)
        a = (
            (c * p.zoom_y, (-c * sh_s - s * sh_c) * p.zoom_x),
            (s * p.zoom_y, (-s * sh_s + c * sh_c) * p.zoom_x),
        )
        fy, fx = (-1.0 if p.vertical_flip else 1.0), (-1.0 if p.horizontal_flip else 1.0)
        cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
        # the output origin (crop corner, flipped) relative to the centre: D @ tl + e - center
        vy = fy * p.crop_top + (h - 1.0 if p.vertical_flip else 0.0) - cy
        vx = fx * p.crop_left + (w - 1.0 if p.horizontal_flip else 0.0) - cx
        matrix = np.array([[a[0][0] * fy, a[0][1] * fx], [a[1][0] * fy, a[1][1] * fx]])
        offset = np.array(
            [
                cy + (a[0][0] * vy + a[0][1] * vx) + (c * p.shift_y - s * p.shift_x),
                cx + (a[1][0] * vy + a[1][1] * vx) + (s * p.shift_y + c * p.shift_x),
            ]
        )
        return matrix, offset, (oh, ow)

    def _check_params(self, params, shape) -> None:
        if not isinstance(params, PairParams):
            raise ValueError(
                f"`params` must be a PairParams (from random_params), got {type(params).__name__}."
            )
        h, w = int(shape[0]), int(shape[1])
        if (params.height, params.width) != (h, w):
            raise ValueError(
                f"`params` were drawn for a {params.height}x{params.width} image, but the image is "
                f"{h}x{w}: draw them with random_params(image.shape)."
            )
        if self.crop_size is not None:
            check_fits(self.crop_size, (h, w), "crop_size", "image")
            for name, start, size, n in (
                ("crop_top", params.crop_top, self.crop_size[0], h),
                ("crop_left", params.crop_left, self.crop_size[1], w),
            ):
                if not 0 <= start <= n - size:
                    raise ValueError(
                        f"`params.{name}` {start} puts the crop window of {size} outside 0..{n}."
                    )

    def _check_mask_fill(self, dtype) -> None:
        if dtype.kind == "b":
            if self.mask_fill not in (0, 1):
                raise ValueError(
                    f"`mask_fill` must be 0 or 1 for a bool mask, got {self.mask_fill}."
                )
            return
        info = np.iinfo(dtype)
        if not info.min <= self.mask_fill <= info.max:
            raise ValueError(f"`mask_fill` {self.mask_fill} does not fit the mask dtype {dtype}.")

    # -- applying ------------------------------------------------------------
    def apply(
        self, image, mask, params: PairParams, *, boxes=None, keypoints=None, box_labels=None
    ) -> AugmentedSample:
        """Apply given ``params`` (from :meth:`random_params`) to one image, its mask (or None)
        and its boxes and keypoints (see :meth:`augment`).

        Returns
        -------
        AugmentedSample
            New arrays; the image keeps its dtype (integers are rounded and clipped to the
            dtype's range), the mask its dtype and shape convention. Unpacks as
            ``(image, mask)``.

        Raises
        ------
        ValueError
            When ``params`` is not a :class:`PairParams` drawn for this image's height and width.

        Examples
        --------
        >>> aug = PairedAugmenter(rotation_range=20)
        >>> img, m = np.zeros((16, 20, 3), np.uint8), np.ones((16, 20), np.uint8)
        >>> p = aug.random_params(img.shape, seed=0)
        >>> [a.shape for a in aug.apply(img, m, p)]
        [(16, 20, 3), (16, 20)]
        >>> aug.apply(img[:8], m[:8], p)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: `params` were drawn for a 16x20 image, but the image is 8x20: ...
        """
        img, msk = self._checked(image, mask)
        targets = _check_targets(boxes, keypoints, box_labels, msk is not None)
        self._check_params(params, img.shape)
        return self._sample(img, msk, params, Scratch(), *targets)

    def _checked(self, image, mask):
        """The image and mask (or None) checked, the mask's dtype against ``mask_fill``."""
        if mask is None:
            return check_image(image, "image"), None
        img, msk = check_image_mask_pair(image, mask)
        self._check_mask_fill(msk.dtype)
        return img, msk

    def _sample(self, img, msk, params, scratch, boxes, keypoints, box_labels, out=None):
        """The warp of ``img`` and ``msk`` (or None) and the targets moved with it."""
        matrix, offset, out_shape = self._matrix(params)
        if out is None:
            out = (np.empty(out_shape + img.shape[2:], img.dtype), None)
        labels, out_labels = msk, out[1]
        if msk is None:  # the warp moves labels too: a small stand-in, dropped afterwards
            labels, out_labels = np.zeros(img.shape[:2], np.uint8), np.empty(out_shape, np.uint8)
        elif out_labels is None:
            out_labels = np.empty(out_shape + msk.shape[2:], msk.dtype)
        warp_pair(
            img,
            labels,
            matrix,
            offset,
            out_shape,
            order=self.interpolation_order,
            fill_mode=self.fill_mode,
            cval=self.cval,
            label_fill=self.mask_fill,
            backend=self.backend,
            scratch=scratch,
            out=(out[0], out_labels),
        )
        out_mask = None if msk is None else out_labels
        moved = self._move_targets(
            matrix, offset, out_shape, out_mask, boxes, keypoints, box_labels
        )
        return AugmentedSample(out[0], out_mask, *moved)

    def _move_targets(self, matrix, offset, out_shape, out_mask, boxes, keypoints, box_labels):
        """``(boxes, keypoints, box_indices)`` moved by the warp's map (None where not given)."""
        if boxes is None and keypoints is None:
            return None, None, None
        a, b = forward_map(matrix, offset)
        moved = indices = points = None
        if boxes is not None:
            moved, visibility = transform_boxes(boxes, a, b, out_shape)
            keep = (visibility > 0) & (visibility >= self.min_visibility)
            indices, moved = np.flatnonzero(keep), moved[keep]
            if box_labels is not None:  # the tight box of the box's label inside its corner box
                tight = tight_boxes(out_mask, box_labels[indices], within=moved)
                found = ~np.isnan(tight[:, 0])
                indices, moved = indices[found], tight[found]
        if keypoints is not None:
            points = transform_keypoints(keypoints, a, b, out_shape)
        return moved, points, indices

    def augment(
        self, image, mask=None, seed=None, *, boxes=None, keypoints=None, box_labels=None
    ) -> AugmentedSample:
        """Draw ONE set of parameters and apply it to ``image`` and every target given.

        Parameters
        ----------
        image : array_like
            ``(H, W)`` or ``(H, W, C)``, any dtype and number of channels.
        mask : array_like, optional
            ``(H, W)`` or ``(H, W, 1)`` integer (or bool) labels.
        seed : None, int or numpy.random.Generator
            Same seed, same bytes (and the same draw with or without targets).
        boxes : array_like, optional
            ``(n, 4)`` ``x_min, y_min, x_max, y_max`` in pixel-EDGE coordinates (a box over
            pixel ``(0, 0)`` only is ``[0, 0, 1, 1]``). Each goes through its four corners to the
            enclosing box, clipped to the output; dropped when its visible fraction is below
            ``min_visibility`` or its visible area is 0.
        keypoints : array_like, optional
            ``(k, 2)`` ``x, y`` at pixel CENTRES (pixel ``(row r, col c)`` is ``(c, r)``).
            Those that leave the picture become ``(NaN, NaN)``; NaN input stays NaN.
        box_labels : array_like of int, optional
            With ``boxes`` and ``mask``: the mask label of each box's object. Each kept box is
            then replaced by the tight box of the output mask's pixels of that label whose
            centres lie in its corner box (so two objects with one label stay apart), and
            dropped when none is left. Fixes the loose boxes that rotation gives.

        Returns
        -------
        AugmentedSample
            ``.image``, ``.mask``, ``.boxes``, ``.keypoints``, ``.box_indices`` (None for the
            targets not given); unpacks as ``image, mask = aug.augment(img, m, seed=0)``.

        Examples
        --------
        >>> img = np.zeros((20, 20), np.uint8); yy, xx = np.mgrid[:20, :20]
        >>> m = ((yy - 9.5) ** 2 + (xx - 9.5) ** 2 < 36).astype(np.uint8)  # box [4, 4, 16, 16]
        >>> aug = PairedAugmenter(rotation_range=45, min_visibility=0.5)
        >>> round(aug.random_params(img.shape, seed=4).rotation, 1)  # the draw for seed 4
        39.9
        >>> out = aug.augment(img, m, seed=4, boxes=[[4, 4, 16, 16], [0, 0, 3, 3]])
        >>> out.box_indices.tolist()  # the corner box is mostly rotated out of the picture
        [0]
        >>> np.round(out.boxes, 2).tolist()  # loose: the rotated box's enclosing box
        [[1.55, 1.55, 18.45, 18.45]]
        >>> aug.augment(img, m, seed=4, boxes=[[4, 4, 16, 16]], box_labels=[1]).boxes.tolist()
        [[4.0, 4.0, 16.0, 16.0]]
        """
        img, msk = self._checked(image, mask)
        targets = _check_targets(boxes, keypoints, box_labels, msk is not None)
        return self._sample(img, msk, self.random_params(img.shape, seed), Scratch(), *targets)

    def augment_batch(
        self, images, masks=None, seed=None, *, boxes=None, keypoints=None, box_labels=None
    ) -> AugmentedSample:
        """Augment each image of a batch, and its targets, with its own random draw.

        Parameters
        ----------
        images : array_like
            ``(N, H, W[, C])``.
        masks : array_like, optional
            ``(N, H, W[, 1])`` integer labels.
        seed : None, int or numpy.random.Generator
        boxes, keypoints, box_labels : sequence, optional
            One entry per image (ragged: each image has its own number of boxes and keypoints),
            each as in :meth:`augment`.

        Returns
        -------
        AugmentedSample
            ``(N, H', W'[, C])`` images and ``(N, H', W'[, 1])`` masks; ``boxes``,
            ``keypoints`` and ``box_indices`` are lists with one array per image. Unpacks as
            ``images, masks``.

        Examples
        --------
        >>> x = np.zeros((3, 16, 16, 4), np.float32); y = np.ones((3, 16, 16), np.int64)
        >>> xa, ya = PairedAugmenter(rotation_range=45).augment_batch(x, y, seed=0)
        >>> xa.shape, ya.dtype, sorted(np.unique(ya).tolist())
        ((3, 16, 16, 4), dtype('int64'), [0, 1])
        >>> out = PairedAugmenter().augment_batch(x, boxes=[[[0, 0, 4, 4]], [], []], seed=0)
        >>> [len(b) for b in out.boxes], out.mask is None
        ([1, 0, 0], True)
        """
        imgs, msks = _checked_batch(images, masks)
        if msks is not None:
            self._check_mask_fill(msks.dtype)
        n, h, w = imgs.shape[:3]
        per_image = [
            _per_image(values, n, name)
            for values, name in (
                (boxes, "boxes"),
                (keypoints, "keypoints"),
                (box_labels, "box_labels"),
            )
        ]
        targets = [
            _check_targets(*given, msks is not None, f"[{k}]")
            for k, given in enumerate(zip(*per_image))
        ]
        rng = as_generator(seed)
        scratch = Scratch()  # reused by every image of the batch
        out_hw = self.crop_size if self.crop_size is not None else (h, w)
        out_images = np.empty((n,) + out_hw + imgs.shape[3:], imgs.dtype)
        out_masks = None if msks is None else np.empty((n,) + out_hw + msks.shape[3:], msks.dtype)
        samples = []
        for k in range(n):  # each image resampled straight into its slot of the batch
            params = self.random_params((h, w), rng)
            slots = (out_images[k], None if out_masks is None else out_masks[k])
            msk = None if msks is None else msks[k]
            samples.append(self._sample(imgs[k], msk, params, scratch, *targets[k], out=slots))

        def gathered(field, given):
            return None if given is None else [getattr(s, field) for s in samples]

        return AugmentedSample(
            out_images,
            out_masks,
            gathered("boxes", boxes),
            gathered("keypoints", keypoints),
            gathered("box_indices", boxes),
        )

    def flow(
        self,
        images,
        masks=None,
        batch_size: int = 32,
        shuffle: bool = True,
        seed=None,
        *,
        boxes=None,
        keypoints=None,
        box_labels=None,
    ) -> PairedBatchIterator:
        """Batches of augmented ``(images, masks)`` for ``model.fit``, or of
        :class:`AugmentedSample` when boxes or keypoints are given; see
        :class:`PairedBatchIterator`."""
        return PairedBatchIterator(
            images,
            masks,
            self,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
            boxes=boxes,
            keypoints=keypoints,
            box_labels=box_labels,
        )


class PairedBatchIterator(KerasDatasetMixin):
    """Shuffled batches of ``(images, masks)``, each pair augmented with one random draw (and
    of :class:`AugmentedSample` with the boxes and keypoints, when given).

    ``len()`` is ``ceil(n / batch_size)`` (the last batch may be smaller), the
    order is reshuffled after every epoch, and batch ``i`` of epoch ``e``
    always holds the same bytes for the same seed. A ``keras.utils.PyDataset``
    when Keras is installed: ``model.fit(it, epochs=...)`` needs nothing else.
    An epoch's order is made when the epoch starts (on creation,
    :meth:`on_epoch_end`, :meth:`reset`), so reading batches only reads it.

    Parameters
    ----------
    images : array_like
        ``(N, H, W[, C])``.
    masks : array_like or None
        ``(N, H, W[, 1])`` integer labels.
    augmenter : PairedAugmenter or None
        ``None`` yields the pairs unchanged (validation data).
    batch_size : int
        Pairs per batch, an integer >= 1.
    shuffle : bool
        A new order every epoch (fixed when the iterator is created).
    seed : None, int or numpy.random.Generator
    boxes, keypoints, box_labels : sequence, optional
        One entry per image, as in :meth:`PairedAugmenter.augment_batch`. With any of them a
        batch is an :class:`AugmentedSample` (lists of boxes, keypoints and ``box_indices`` into
        each image's own boxes), which still unpacks as ``images, masks``; turn it into what your
        detector's ``fit`` takes (e.g. Keras' ``{"boxes", "labels"}`` padded with -1) in a
        ``PyDataset`` of your own. Without them a batch is the tuple ``(images, masks)``, as
        ``model.fit`` expects.

    Notes
    -----
    Safe to index from several threads: an epoch's order is made before any
    batch of it is read, and reading a batch changes nothing.

    Examples
    --------
    >>> x = np.zeros((10, 16, 16, 3), np.uint8); y = np.zeros((10, 16, 16), np.uint8)
    >>> it = PairedBatchIterator(x, y, PairedAugmenter(horizontal_flip=True), batch_size=4, seed=0)
    >>> len(it), [b[0].shape[0] for b in it]
    (3, [4, 4, 2])
    >>> boxes = [[[0, 0, 8, 8]]] * 10  # one box per image
    >>> batch = PairedAugmenter().flow(x, None, batch_size=4, boxes=boxes, seed=0)[2]
    >>> batch.image.shape, [b.tolist() for b in batch.boxes], batch.mask is None
    ((2, 16, 16, 3), [[[0.0, 0.0, 8.0, 8.0]], [[0.0, 0.0, 8.0, 8.0]]], True)
    """

    def __init__(
        self,
        images,
        masks,
        augmenter: PairedAugmenter | None = None,
        batch_size: int = 32,
        shuffle: bool = True,
        seed=None,
        *,
        boxes=None,
        keypoints=None,
        box_labels=None,
    ):
        imgs, msks = _checked_batch(images, masks)
        n, has_mask = len(imgs), msks is not None
        given = dict(zip(_TARGETS, (boxes, keypoints, box_labels)))
        given = {name: _per_image(v, n, name) for name, v in given.items() if v is not None}
        checked = [  # bad targets are refused now, not in the middle of an epoch
            _check_targets(
                *(given.get(name, [None] * n)[k] for name in _TARGETS), has_mask, f"[{k}]"
            )
            for k in range(n)
        ]
        self._targets = {  # name -> one checked array per image
            name: [c[j] for c in checked] for j, name in enumerate(_TARGETS) if name in given
        }
        if augmenter is not None and not isinstance(augmenter, PairedAugmenter):
            raise ValueError(
                f"`augmenter` must be a PairedAugmenter or None, got {type(augmenter).__name__}."
            )
        if augmenter is not None and augmenter.crop_size is not None:
            check_fits(augmenter.crop_size, imgs.shape[1:3], "crop_size", "images")
        self.init_keras()
        self.images = imgs
        self.masks = msks
        self.augmenter = augmenter
        self.batch_size = check_batch_size(batch_size)
        self._shuffle = check_bool(shuffle, "shuffle")
        self._entropy = draw_entropy(seed)
        self._start_epoch(0)

    @property
    def n(self) -> int:
        """Number of pairs."""
        return len(self.images)

    samples = n

    @property
    def shuffle(self) -> bool:
        """Whether every epoch has its own order."""
        return self._shuffle

    @property
    def epoch(self) -> int:
        """The current epoch: 0 when created, one more after each :meth:`on_epoch_end`."""
        return self._epoch_and_order[0]

    def _start_epoch(self, epoch: int) -> None:
        order = epoch_order(self._entropy, epoch, self.n) if self._shuffle else np.arange(self.n)
        order.flags.writeable = False
        self._epoch_and_order = (epoch, order)  # one assignment: epoch and order always match

    def __len__(self) -> int:
        return math.ceil(self.n / self.batch_size)

    def index_array(self) -> np.ndarray:
        """Order of the pairs in the current epoch (a new array)."""
        return self._epoch_and_order[1].copy()

    def __getitem__(self, index):
        index = batch_index(index, len(self))
        epoch, order = self._epoch_and_order
        idx = order[index * self.batch_size : (index + 1) * self.batch_size]
        x = self.images[idx]
        y = None if self.masks is None else self.masks[idx]
        targets = {name: [values[i] for i in idx] for name, values in self._targets.items()}
        if self.augmenter is None:
            if not targets:
                return x, y
            boxes = targets.get("boxes")
            indices = None if boxes is None else [np.arange(len(b)) for b in boxes]
            copies = {k: [v.copy() for v in values] for k, values in targets.items()}
            return AugmentedSample(x, y, copies.get("boxes"), copies.get("keypoints"), indices)
        rng = batch_rng(self._entropy, epoch, index, 1)
        out = self.augmenter.augment_batch(x, y, seed=rng, **targets)
        return out if targets else (out.image, out.mask)

    def on_epoch_end(self) -> None:
        """Called by Keras after each epoch: next epoch, new order and new draws."""
        self._start_epoch(self.epoch + 1)

    def reset(self) -> None:
        """Go back to the first epoch (same order and draws as when created)."""
        self._start_epoch(0)

    def __repr__(self) -> str:
        return (
            f"PairedBatchIterator(n={self.n}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, batches={len(self)})"
        )
