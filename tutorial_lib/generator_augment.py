"""ImageDataGenerator's augmentation arguments as ONE Keras 3 layer, fused into one warp.

``ImageDataGenerator(rotation_range=15, width_shift_range=0.1, ...)`` becomes
``GeneratorAugment(rotation_range=15, width_shift_range=0.1, ...)``: the same
argument names, units and random draws (degrees, fractions or pixels, the
generator's zoom factors, flips, ``fill_mode``, ``cval``, brightness and channel
shift), as a preprocessing layer that runs on whole batches inside a model or in
``tf.data``. The built-in chain of layers (``RandomRotation``,
``RandomTranslation``, ``RandomZoom``, ``RandomFlip``) resamples the image once
per layer; here every geometric part is composed into one 3x3 matrix per image
and the batch is resampled ONCE, which is faster and blurs less (one
interpolation instead of four). The warp gives the pixels of
:func:`keras.ops.image.affine_transform` with TensorFlow, but is written with
``keras.ops`` gathers that XLA compiles together with the matrices (TensorFlow's
own kernel cannot be compiled), also inside ``tf.data``: each new input shape
compiles once (a fraction of a second), later calls reuse it.

Written with ``keras.ops`` only, so it runs on the TensorFlow and the JAX
backends. Inputs are channels-last ``(N, H, W, C)`` or ``(H, W, C)``, or a dict
``{"images": ..., "segmentation_masks": ..., "bounding_boxes": ...}`` (Keras'
keys; a dict comes back with the keys it came with):

- masks (``(N, H, W[, 1])``, any dtype) get the same matrix, nearest neighbour,
  and 0 (background) where ``fill_mode="constant"`` fills the images with
  ``cval``; the other fill modes extend them with existing labels, so no label
  is invented (labels are resampled as float32: exact up to 2**24);
- bounding boxes, ``{"boxes": (N, n, 4), "labels": (N, n)}`` in the layer's
  ``bounding_box_format`` (Keras' names: ``"xyxy"``, ``"yxyx"``, ``"xywh"``,
  ``"center_xywh"``, ``"center_yxhw"`` and the ``"rel_"`` ones; pixel edges, so
  ``[0, 0, W, H]`` is the whole image), get the same matrix: each box's four
  corners are moved and the box that encloses them is returned, clipped to the
  image. As in Keras' own layers a box keeps its place, and its label becomes
  -1 when nothing of it is left inside the image (``BoundingBox.clip_to_image_size``
  in ``keras/src/layers/preprocessing/image_preprocessing/bounding_boxes/``);
  boxes come out as float32 (Keras' ``densify_bounding_boxes``), labels keep
  their dtype. Under rotation and shear the enclosing box of the corners
  contains the object but is looser than the object's own tight box.

Brightness and channel shift change the images only.

Where ``ImageDataGenerator`` departs from its own documentation the layer
follows the documentation:

- ``width_shift_range`` moves images horizontally, as a fraction of the width,
  and ``height_shift_range`` vertically, as a fraction of the height (Keras'
  ``get_random_transform`` stores the two draws under each other's keys, so
  there the names are swapped: keras-team/keras#17398);
- rotations, shears and zooms turn about the image centre also on non-square
  images (the generator centres them at (width/2, height/2) swapped);
- ``fill_mode="wrap"`` is the periodic wrap ``abcd|abcd|abcd`` (the generator
  hands ``"wrap"`` to SciPy, whose wrap is off by one pixel).

Two small differences come from the resampler, not from the draws: with
``fill_mode="constant"`` a sample less than a pixel outside the image blends the
edge pixel with ``cval`` (SciPy's ``"grid-constant"``; the generator's SciPy
``"constant"`` does not blend), and TensorFlow's bilinear ``"wrap"`` does not
blend across the one-pixel seam.
"""

from __future__ import annotations

import math
import numbers

import keras
import numpy as np
from keras import ops

from ._affine_warp import affine_warp
from ._checks import (
    ArgumentTypeError,
    check_bool,
    check_choice,
    check_number,
    check_positive_int,
    check_seed,
)
from ._keras_boxes import (
    BOX_FORMATS,
    check_bounding_boxes,
    clip_boxes,
    from_xyxy,
    to_xyxy,
    warp_boxes,
)
from ._xla import xla_compiled

__all__ = ["GeneratorAugment", "from_image_data_generator", "generator_matrices"]

FILL_MODES = ("constant", "nearest", "reflect", "wrap")
INTERPOLATIONS = ("bilinear", "nearest")
#: Keys of a parameter dict, as ``ImageDataGenerator.get_random_transform`` names them.
GEOMETRIC_KEYS = ("theta", "tx", "ty", "shear", "zx", "zy", "flip_horizontal", "flip_vertical")
#: ImageDataGenerator arguments that are not augmentations this layer can take over.
UNSUPPORTED_GENERATOR_ARGUMENTS = {
    "featurewise_center": "use keras.layers.Normalization",
    "featurewise_std_normalization": "use keras.layers.Normalization",
    "samplewise_center": "use tf.image.per_image_standardization in a map",
    "samplewise_std_normalization": "use tf.image.per_image_standardization in a map",
    "zca_whitening": "use tutorial_lib.ZCA",
    "rescale": "use keras.layers.Rescaling",
    "preprocessing_function": "call it in a dataset.map or a keras.layers.Lambda",
}


#: Keys ``ImageDataGenerator.get_random_transform`` returns besides the geometric ones.
VALUE_KEYS = ("channel_shift_intensity", "brightness")


def _check_range(value, name: str) -> float:
    return check_number(value, name, minimum=0)


def _check_size(value, name: str):
    """A Python/NumPy integer >= 1, or a (traced) scalar tensor, left as it is."""
    if ops.is_tensor(value) and not isinstance(value, np.ndarray):
        return value
    return check_positive_int(value, name)


def _shift_spec(value, name: str) -> dict:
    """ImageDataGenerator's shift argument as {"values": [...]} (a choice) or {"bound": b}."""
    if isinstance(value, (list, tuple, np.ndarray)):
        values = [_check_range(v, name) for v in np.asarray(value).ravel().tolist()]
        if not values:
            raise ValueError(f"`{name}` must not be an empty list.")
        return {"values": values, "fraction": max(values) < 1}
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and value != 0:
        # an int n draws np.random.choice(n): the whole pixels 0 .. n-1, then a random sign
        _check_range(value, name)
        return {"values": [float(v) for v in range(int(value))]}
    return {"bound": _check_range(value, name), "fraction": float(value) < 1}


def _zoom_bounds(zoom_range) -> tuple[float, float]:
    if isinstance(zoom_range, numbers.Real) and not isinstance(zoom_range, bool):
        z = _check_range(zoom_range, "zoom_range")
        return (1.0 - z, 1.0 + z)
    if isinstance(zoom_range, (list, tuple)) and len(zoom_range) == 2:
        lo, hi = (_check_range(z, "zoom_range") for z in zoom_range)
        if lo <= hi:
            return (lo, hi)
    raise ValueError(f"`zoom_range` must be a number >= 0 or [low, high], got {zoom_range!r}.")


def _pair(value, name: str) -> tuple[float, float] | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)) and len(value) == 2:
        lo, hi = (_check_range(v, name) for v in value)
        if lo <= hi:
            return (lo, hi)
    raise ValueError(f"`{name}` must be None or [low, high] with low <= high, got {value!r}.")


def generator_matrices(params: dict, height: int, width: int):
    """The 3x3 output -> input matrices, in (x, y) pixels, of ImageDataGenerator's parameters.

    The composition of ``ImageDataGenerator.apply_transform``: rotation by
    ``theta`` degrees, shift by ``tx`` columns and ``ty`` rows (positive reads
    from the right / below, so the content moves left / up), shear by ``shear``
    degrees, zoom by ``zx`` (columns) and ``zy`` (rows), all about the image
    centre, then the flips. The matrix maps an output pixel to the input point
    it reads, as :func:`keras.ops.image.affine_transform` wants it.

    Parameters
    ----------
    params : dict
        Any of ``theta, tx, ty, shear, zx, zy, flip_horizontal, flip_vertical``
        as numbers or arrays of shape ``(N,)``; missing keys are the identity.
    height, width : int or scalar tensor
        The image size in pixels.

    Returns
    -------
    tensor
        ``(N, 3, 3)`` float32 (``N = 1`` when every parameter is a number).

    Examples
    --------
    >>> m = generator_matrices({"tx": [2.0]}, 8, 8)
    >>> [float(v) for v in keras.ops.convert_to_numpy(m)[0, :2].ravel()]
    [1.0, 0.0, 2.0, 0.0, 1.0, 0.0]
    """
    if not isinstance(params, dict):
        raise ArgumentTypeError(
            "`params` must be a dict of ImageDataGenerator parameters, "
            f"got {type(params).__name__}."
        )
    unknown = sorted(set(params) - set(GEOMETRIC_KEYS) - set(VALUE_KEYS), key=str)
    if unknown:
        raise ValueError(
            f"`params` has unknown keys {unknown}; expected any of {list(GEOMETRIC_KEYS)}."
        )
    height, width = _check_size(height, "height"), _check_size(width, "width")

    def get(key, default):
        value = params.get(key)
        value = default if value is None else value
        return ops.reshape(ops.cast(ops.convert_to_tensor(value), "float32"), (-1,))

    theta = get("theta", 0.0) * (math.pi / 180.0)
    shear = get("shear", 0.0) * (math.pi / 180.0)
    tx, ty = get("tx", 0.0), get("ty", 0.0)
    fx = 1.0 - 2.0 * get("flip_horizontal", 0.0)  # -1 mirrors the columns
    fy = 1.0 - 2.0 * get("flip_vertical", 0.0)
    zx, zy = get("zx", 1.0) * fx, get("zy", 1.0) * fy
    c, s = ops.cos(theta), ops.sin(theta)
    # rotation @ shift @ shear @ zoom-and-flips; shear = [[1, -sin], [0, cos]]
    q, r = -ops.sin(shear) * zy, ops.cos(shear) * zy
    a0, a1 = c * zx, c * q - s * r
    b0, b1 = s * zx, s * q + c * r
    t0, t1 = c * tx - s * ty, s * tx + c * ty
    ox = (ops.cast(width, "float32") - 1.0) / 2.0
    oy = (ops.cast(height, "float32") - 1.0) / 2.0
    a2 = ox + t0 - (a0 * ox + a1 * oy)  # about the centre: T(o) M T(-o)
    b2 = oy + t1 - (b0 * ox + b1 * oy)
    zero = ops.zeros_like(a0 + a1 + a2 + b0 + b1 + b2)
    rows = [a0, a1, a2, b0, b1, b2, zero, zero, zero + 1.0]
    return ops.reshape(ops.stack([v + zero for v in rows], axis=-1), (-1, 3, 3))


#: GeneratorAugment's own arguments, in order (its config, besides the base layer's).
ARGUMENTS = (
    "rotation_range",
    "width_shift_range",
    "height_shift_range",
    "shear_range",
    "zoom_range",
    "keep_aspect_ratio",
    "horizontal_flip",
    "vertical_flip",
    "fill_mode",
    "cval",
    "brightness_range",
    "channel_shift_range",
    "interpolation",
    "value_range",
    "bounding_box_format",
    "seed",
)


def _checked_config(settings: dict) -> dict:
    """GeneratorAugment's arguments checked and made JSON-ready (lists, floats)."""
    config = dict(settings)
    for name in ("rotation_range", "shear_range", "channel_shift_range"):
        config[name] = _check_range(settings[name], name)
    for name in ("width_shift_range", "height_shift_range"):
        _shift_spec(settings[name], name)  # checks
        value = settings[name]
        config[name] = value.tolist() if isinstance(value, np.ndarray) else value
    config["zoom_range"] = list(_zoom_bounds(settings["zoom_range"]))
    brightness = _pair(settings["brightness_range"], "brightness_range")
    config["brightness_range"] = None if brightness is None else list(brightness)
    for name in ("keep_aspect_ratio", "horizontal_flip", "vertical_flip"):
        config[name] = check_bool(settings[name], name)
    check_choice(settings["fill_mode"], "fill_mode", FILL_MODES)
    check_choice(settings["interpolation"], "interpolation", INTERPOLATIONS)
    config["cval"] = check_number(settings["cval"], "cval")
    value_range = settings["value_range"]
    if value_range is not None:
        if not (isinstance(value_range, (list, tuple)) and len(value_range) == 2):
            raise ValueError(f"`value_range` must be None or (low, high), got {value_range!r}.")
        low, high = (check_number(v, "value_range") for v in value_range)
        if not low < high:
            raise ValueError(f"`value_range` must have low < high, got {value_range!r}.")
        config["value_range"] = [low, high]
    if settings["bounding_box_format"] is not None:
        check_choice(settings["bounding_box_format"], "bounding_box_format", BOX_FORMATS)
    if settings["seed"] is not None:
        config["seed"] = check_seed(settings["seed"])
    return config


def _draw(config: dict, seed_generator, n, height, width) -> dict:
    """One set of ImageDataGenerator parameters per image (see GeneratorAugment.draw_parameters)."""

    def uniform(low, high):
        return keras.random.uniform((n,), low, high, seed=seed_generator)

    def shift(name, size):
        spec = _shift_spec(config[name], name)
        if "values" in spec:
            values = ops.convert_to_tensor(np.asarray(spec["values"], "float32"))
            pick = keras.random.randint((n,), 0, len(spec["values"]), seed=seed_generator)
            sign = keras.random.randint((n,), 0, 2, seed=seed_generator)
            drawn = ops.take(values, pick) * (ops.cast(sign, "float32") * 2.0 - 1.0)
        elif spec["bound"]:
            drawn = uniform(-spec["bound"], spec["bound"])
        else:
            return None
        return drawn * ops.cast(size, "float32") if spec.get("fraction") else drawn

    params = {"tx": shift("width_shift_range", width), "ty": shift("height_shift_range", height)}
    for key, name in (("theta", "rotation_range"), ("shear", "shear_range")):
        if config[name]:
            params[key] = uniform(-config[name], config[name])
    if config["zoom_range"] != [1.0, 1.0]:
        params["zx"] = uniform(*config["zoom_range"])
        same = config["keep_aspect_ratio"]
        params["zy"] = params["zx"] if same else uniform(*config["zoom_range"])
    for key, name in (("flip_horizontal", "horizontal_flip"), ("flip_vertical", "vertical_flip")):
        if config[name]:
            params[key] = ops.cast(uniform(0.0, 1.0) < 0.5, "float32")
    if config["channel_shift_range"]:
        r = config["channel_shift_range"]
        params["channel_shift_intensity"] = uniform(-r, r)
    if config["brightness_range"] is not None:
        params["brightness"] = uniform(*config["brightness_range"])
    return {key: value for key, value in params.items() if value is not None}


#: The keys of a dict input, Keras' names.
DICT_KEYS = ("images", "segmentation_masks", "bounding_boxes")


def _split(inputs, bounding_box_format):
    """(images, masks, boxes) of an input, None where absent; the boxes checked."""
    if not isinstance(inputs, dict):
        return inputs, None, None
    if set(inputs) - set(DICT_KEYS) or "images" not in inputs:
        raise ValueError(
            "A dict input must have the key 'images' and may have 'segmentation_masks' and "
            f"'bounding_boxes', got keys {sorted(inputs, key=str)}."
        )
    images, boxes = inputs["images"], inputs.get("bounding_boxes")
    if "bounding_boxes" in inputs:
        shape = tuple(images.shape) if hasattr(images, "shape") else np.shape(images)
        boxes = check_bounding_boxes(boxes, shape, bounding_box_format)
    return images, inputs.get("segmentation_masks"), boxes


def _joined(inputs, images, masks, boxes):
    """The outputs in the input's structure: a dict with the same keys, or the images."""
    if not isinstance(inputs, dict):
        return images
    out = {"images": images, "segmentation_masks": masks, "bounding_boxes": boxes}
    return {key: out[key] for key in inputs}


def _adjust_values(images, params: dict, value_range):
    """The generator's channel shift, then its brightness factor (images only)."""

    def per_image(key):
        value = ops.cast(ops.convert_to_tensor(params[key]), images.dtype)
        return ops.reshape(value, (-1, 1, 1, 1))

    if params.get("channel_shift_intensity") is not None:
        low = ops.min(images, axis=(1, 2, 3), keepdims=True)
        high = ops.max(images, axis=(1, 2, 3), keepdims=True)
        shifted = images + per_image("channel_shift_intensity")
        images = ops.minimum(ops.maximum(shifted, low), high)
    if params.get("brightness") is not None:
        images = images * per_image("brightness")
        if value_range is not None:
            images = ops.clip(images, *value_range)
    return images


def _move_boxes(boxes: dict, matrices, height, width, fmt: str, single: bool) -> dict:
    """Boxes through the images' matrices (None: unmoved), clipped, -1 labels where gone."""
    xyxy = to_xyxy(boxes["boxes"], fmt, height, width)
    labels = ops.convert_to_tensor(boxes["labels"])
    xyxy, labels = (xyxy[None], labels[None]) if single else (xyxy, labels)
    if matrices is not None:
        xyxy = warp_boxes(xyxy, matrices)
    xyxy, labels = clip_boxes(xyxy, labels, height, width)
    moved = from_xyxy(xyxy, fmt, height, width)
    return (
        {"boxes": moved[0], "labels": labels[0]} if single else {"boxes": moved, "labels": labels}
    )


@xla_compiled
def _warp_by(images, params: dict, interpolation: str, fill_mode: str, fill_value, dtype: str):
    """Images warped by ``generator_matrices(params)``: matrices and warp compiled as one."""
    shape = ops.shape(images)
    matrices = generator_matrices(params, shape[1], shape[2])
    return affine_warp(images, matrices, interpolation, fill_mode, fill_value, dtype)


def _apply(inputs, params: dict, config: dict, dtype):
    """GeneratorAugment.apply_parameters: one matrix for images, masks and boxes, then values."""
    images, masks, boxes = _split(inputs, config["bounding_box_format"])
    images = ops.convert_to_tensor(images)
    single = len(images.shape) == 3
    images = images[None] if single else images
    masks_rank = None if masks is None else len(masks.shape)
    if masks is not None:
        masks = ops.convert_to_tensor(masks)  # its own dtype: integer labels stay integers
        masks = masks[None] if single else masks
        masks = masks[..., None] if len(masks.shape) == 3 else masks
    shape = ops.shape(images)
    geometric = {
        key: ops.convert_to_tensor(params[key], "float32")  # tensors: no constant per value
        for key in GEOMETRIC_KEYS
        if params.get(key) is not None
    }
    if geometric:
        fill_mode, cval = config["fill_mode"], ops.convert_to_tensor(config["cval"], "float32")
        images = _warp_by(images, geometric, config["interpolation"], fill_mode, cval, dtype)
        if masks is not None:  # nearest neighbour; 0 (background) where images get cval
            warped = _warp_by(masks, geometric, "nearest", fill_mode, 0.0, "float32")
            masks = ops.cast(warped, masks.dtype)
    else:
        images = ops.cast(images, dtype)
    images = _adjust_values(images, params, config["value_range"])
    images = images[0] if single else images
    if masks is not None:
        masks = masks[0] if single else masks
        masks = masks[..., 0] if masks_rank == len(masks.shape) - 1 else masks
    if boxes is not None:
        fmt = config["bounding_box_format"]
        matrices = generator_matrices(geometric, shape[1], shape[2]) if geometric else None
        boxes = _move_boxes(boxes, matrices, shape[1], shape[2], fmt, single)
    return _joined(inputs, images, masks, boxes)


@keras.saving.register_keras_serializable(package="tutorial_lib")
class GeneratorAugment(keras.layers.Layer):
    """``ImageDataGenerator``'s augmentation arguments as one layer: one warp per batch.

    Per-image parameters drawn as ``get_random_transform`` draws them; rotation,
    shifts, shear, zoom and flips make one matrix per image, and the batch is
    resampled once (the pixels of :func:`keras.ops.image.affine_transform`
    with TensorFlow, compiled by XLA); then channel shift and brightness.
    ``training=False`` returns the images unchanged.

    Parameters
    ----------
    rotation_range, shear_range : float
        Degrees; the angle is uniform in ``[-range, range]``.
    width_shift_range, height_shift_range : float, int or list
        A float below 1 is a fraction of the width (height), uniform in
        ``[-r, r]``; a float >= 1 is pixels; an int ``n`` is whole pixels
        ``0 .. n-1`` with a random sign; a list picks a value and a sign
        (fractions if all are below 1). ``width_shift_range`` moves
        horizontally, as documented (Keras' generator swaps the two).
    zoom_range : float or [low, high]
        The generator's factors (``z`` means ``[1 - z, 1 + z]``, below 1 zooms
        in), horizontal and vertical drawn independently unless
        ``keep_aspect_ratio`` (one factor for both).
    horizontal_flip, vertical_flip : bool
        Mirror each image with probability 1/2.
    fill_mode, cval, interpolation
        ``"nearest"``, ``"constant"`` (``cval``), ``"reflect"``, ``"wrap"``;
        ``"bilinear"`` or ``"nearest"``.
    brightness_range, value_range : [low, high] or None
        Multiply each image by one factor; clip to ``value_range`` (0, 255).
    channel_shift_range : float
        Add one value in ``[-r, r]``; clip to the image's minimum and maximum.
    bounding_box_format : str or None
        The format of ``"bounding_boxes"`` inputs, one of Keras' names
        (``"xyxy"``, ``"xywh"``, ``"rel_xyxy"``, ...); needed to pass boxes.
    seed : int or None
        Same seed, same outputs, call after call.

    Inputs are channels-last images or batches, or a dict with
    ``"images"`` and optionally ``"segmentation_masks"`` and
    ``"bounding_boxes"`` (see the module's notes): the images, masks and boxes
    of one sample get one draw.

    Examples
    --------
    >>> import numpy as np
    >>> layer = GeneratorAugment(rotation_range=15, width_shift_range=0.1, seed=0)
    >>> images = np.random.default_rng(0).uniform(0, 255, (4, 32, 32, 3))
    >>> tuple(layer(images, training=True).shape)
    (4, 32, 32, 3)
    >>> bool(np.array_equal(layer(images, training=False), images.astype("float32")))
    True

    Boxes get the images' draw (here a given one: a horizontal flip):

    >>> boxes = {"boxes": np.array([[[2.0, 4.0, 10.0, 8.0]]]), "labels": np.array([[1]])}
    >>> flip = GeneratorAugment(bounding_box_format="xyxy").apply_parameters(
    ...     {"images": images[:1], "bounding_boxes": boxes}, {"flip_horizontal": 1.0}
    ... )
    >>> keras.ops.convert_to_numpy(flip["bounding_boxes"]["boxes"]).tolist()
    [[[22.0, 4.0, 30.0, 8.0]]]
    """

    def __init__(
        self,
        rotation_range: float = 0.0,
        width_shift_range=0.0,
        height_shift_range=0.0,
        shear_range: float = 0.0,
        zoom_range=0.0,
        keep_aspect_ratio: bool = False,
        horizontal_flip: bool = False,
        vertical_flip: bool = False,
        fill_mode: str = "nearest",
        cval: float = 0.0,
        brightness_range=None,
        channel_shift_range: float = 0.0,
        interpolation: str = "bilinear",
        value_range=(0.0, 255.0),
        bounding_box_format: str | None = None,
        seed: int | None = None,
        **kwargs,
    ):
        settings = {name: value for name, value in locals().items() if name in ARGUMENTS}
        super().__init__(**kwargs)
        # Keras would convert every array input to the layer's float dtype before `call`
        # (keras/src/layers/layer.py, Layer.__call__), integer masks included; the layer
        # converts its inputs itself, as Keras' own preprocessing layers do (category_encoding.py).
        self._convert_input_args = False
        self._allow_non_tensor_positional_args = True  # NumPy arrays as they are, too
        self._augment_config = _checked_config(settings)
        # layer.rotation_range, layer.fill_mode, ...
        for name, value in self._augment_config.items():
            setattr(self, name, value)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.built = True

    def get_config(self) -> dict:
        return {**super().get_config(), **self._augment_config}

    def draw_parameters(self, batch_size, height, width) -> dict:
        """One set of parameters per image, under ``get_random_transform``'s keys.

        ``tx`` is the horizontal shift and ``ty`` the vertical one, in pixels;
        only the augmentations this layer has are drawn; tensors of shape
        ``(batch_size,)`` that :meth:`apply_parameters` applies.

        Examples
        --------
        >>> layer = GeneratorAugment(rotation_range=30, horizontal_flip=True, seed=1)
        >>> sorted(layer.draw_parameters(5, 32, 32))
        ['flip_horizontal', 'theta']
        """
        return _draw(self._augment_config, self.seed_generator, batch_size, height, width)

    def apply_parameters(self, inputs, params: dict):
        """Apply given parameters, ``ImageDataGenerator.apply_transform``'s counterpart.

        ``params`` has its keys and meanings (``tx`` moves along the columns,
        positive reads from the right), as numbers or ``(N,)`` arrays.

        Examples
        --------
        >>> import numpy as np
        >>> image = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
        >>> out = GeneratorAugment(fill_mode="constant").apply_parameters(image, {"tx": 1.0})
        >>> keras.ops.convert_to_numpy(out)[0, 0, :, 0].tolist()
        [1.0, 2.0, 3.0, 0.0]
        """
        return _apply(inputs, params, self._augment_config, self.compute_dtype)

    def call(self, inputs, training=True):
        images, masks, boxes = _split(inputs, self.bounding_box_format)
        if not training:  # the identity, in the types the training branch returns
            images = ops.cast(images, self.compute_dtype)
            masks = None if masks is None else ops.convert_to_tensor(masks)
            if boxes is not None:
                boxes = {
                    "boxes": ops.cast(boxes["boxes"], "float32"),
                    "labels": ops.convert_to_tensor(boxes["labels"]),
                }
            return _joined(inputs, images, masks, boxes)
        shape = ops.shape(images)
        batch = 1 if len(images.shape) == 3 else shape[0]
        return self.apply_parameters(inputs, self.draw_parameters(batch, shape[-3], shape[-2]))


def from_image_data_generator(generator, **kwargs) -> GeneratorAugment:
    """Build a :class:`GeneratorAugment` with an ``ImageDataGenerator``'s augmentation.

    Parameters
    ----------
    generator : ImageDataGenerator
        Its rotation, shift, shear, zoom, flip, fill, brightness, channel
        shift and interpolation settings are copied.
    **kwargs
        More :class:`GeneratorAugment` arguments (``seed``, ``keep_aspect_ratio``,
        ``value_range``, ``name``).

    Raises
    ------
    ValueError
        When the generator also standardises, whitens, rescales, runs a
        ``preprocessing_function`` or is channels-first (each named, with its
        replacement), or uses an ``interpolation_order`` other than 0 or 1.

    Examples
    --------
    >>> import tutorial_lib as tl
    >>> idg = tl.ImageDataGenerator(rotation_range=20, horizontal_flip=True)
    >>> layer = from_image_data_generator(idg, seed=0)
    >>> layer.rotation_range, layer.horizontal_flip, layer.fill_mode
    (20.0, True, 'nearest')
    """
    if not all(hasattr(generator, name) for name in ("get_random_transform", "rotation_range")):
        raise ArgumentTypeError(
            "`generator` must be an ImageDataGenerator (tutorial_lib.get_image_data_generator()"
            f"(...)), got {type(generator).__name__} {generator!r:.60}."
        )
    names = [name for name in UNSUPPORTED_GENERATOR_ARGUMENTS if getattr(generator, name, None)]
    if names:
        advice = "; ".join(f"{n}: {UNSUPPORTED_GENERATOR_ARGUMENTS[n]}" for n in names)
        raise ValueError(
            f"GeneratorAugment cannot take over these ImageDataGenerator arguments: {advice}."
        )
    if getattr(generator, "data_format", "channels_last") != "channels_last":
        raise ValueError(f"`generator` must be channels-last, got {generator.data_format!r}.")
    order = getattr(generator, "interpolation_order", 1)
    if order not in (0, 1):
        raise ValueError(
            f"`interpolation_order` must be 0 (nearest) or 1 (bilinear) here, got {order}."
        )
    layer_only = (
        "keep_aspect_ratio",
        "interpolation",
        "value_range",
        "bounding_box_format",
        "seed",
    )
    settings = {name: getattr(generator, name) for name in ARGUMENTS if name not in layer_only}
    settings["zoom_range"] = list(settings["zoom_range"])
    for name in ("horizontal_flip", "vertical_flip"):  # the generator takes any truthy value
        settings[name] = bool(settings[name])
    settings["interpolation"] = "nearest" if order == 0 else "bilinear"
    return GeneratorAugment(**{**settings, **kwargs})
