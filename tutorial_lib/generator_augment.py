"""ImageDataGenerator's augmentation arguments as ONE Keras 3 layer, fused into one warp.

``ImageDataGenerator(rotation_range=15, width_shift_range=0.1, ...)`` becomes
``GeneratorAugment(rotation_range=15, width_shift_range=0.1, ...)``: the same
argument names, units and random draws (degrees, fractions or pixels, the
generator's zoom factors, flips, ``fill_mode``, ``cval``, brightness and channel
shift), as a preprocessing layer that runs on whole batches inside a model or in
``tf.data``. The built-in chain of layers (``RandomRotation``,
``RandomTranslation``, ``RandomZoom``, ``RandomFlip``) resamples the image once
per layer; here every geometric part is composed into one 3x3 matrix per image
and the batch is resampled ONCE with :func:`keras.ops.image.affine_transform`,
which is faster and blurs less (one interpolation instead of four).

Written with ``keras.ops`` only, so it runs on the TensorFlow and the JAX
backends. Where ``ImageDataGenerator`` departs from its own documentation the
layer follows the documentation:

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

__all__ = ["GeneratorAugment", "from_image_data_generator", "generator_matrices"]

FILL_MODES = ("constant", "nearest", "reflect", "wrap")
INTERPOLATIONS = ("bilinear", "nearest")
#: Keys of a parameter dict, as ``ImageDataGenerator.get_random_transform`` names them.
GEOMETRIC_KEYS = ("theta", "tx", "ty", "shear", "zx", "zy", "flip_horizontal", "flip_vertical")
VALUE_KEYS = ("channel_shift_intensity", "brightness")
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


def _check_range(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0:
        raise ValueError(f"`{name}` must be a number >= 0, got {value!r}.")
    return float(value)


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


def generator_matrices(params: dict, height, width):
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


def _warp(images, transform, interpolation, fill_mode, fill_value):
    return ops.image.affine_transform(
        images,
        transform,
        interpolation=interpolation,
        fill_mode=fill_mode,
        fill_value=fill_value,
        data_format="channels_last",
    )


@keras.saving.register_keras_serializable(package="tutorial_lib")
class GeneratorAugment(keras.layers.Layer):
    """``ImageDataGenerator``'s augmentation arguments as one layer: one warp per batch.

    Each image gets its own random parameters, drawn as
    ``ImageDataGenerator.get_random_transform`` draws them; rotation, shifts,
    shear, zoom and flips are composed into one matrix per image and the batch
    is resampled once (:func:`keras.ops.image.affine_transform`); then the
    channel shift and the brightness factor are applied, in the generator's
    order. Active only when training (``training=False`` returns the images
    unchanged, so ``predict`` and ``evaluate`` see the originals).

    Parameters
    ----------
    rotation_range : float
        Degrees: the angle is uniform in ``[-rotation_range, rotation_range]``.
    width_shift_range, height_shift_range : float, int or list
        A float below 1 is a fraction of the width (height), uniform in
        ``[-r, r]``; a float of 1 or more is pixels, uniform; an int ``n`` is a
        whole number of pixels ``0 .. n-1`` with a random sign; a list picks
        one of its values and a random sign (fractions if all are below 1).
        ``width_shift_range`` moves horizontally and ``height_shift_range``
        vertically, as documented (``ImageDataGenerator`` in Keras 3 swaps the
        two: keras-team/keras#17398).
    shear_range : float
        Shear angle in degrees, uniform in ``[-shear_range, shear_range]``.
    zoom_range : float or [low, high]
        The generator's zoom: a float ``z`` means ``[1 - z, 1 + z]``; factors
        below 1 zoom in. Horizontal and vertical factors are drawn
        independently unless ``keep_aspect_ratio``.
    keep_aspect_ratio : bool
        Use one zoom factor for both axes (circles stay circles).
    horizontal_flip, vertical_flip : bool
        Mirror each image with probability 1/2.
    fill_mode : {"nearest", "constant", "reflect", "wrap"}
        How points outside the input are filled (``"nearest"`` as the generator).
    cval : float
        The fill value of ``fill_mode="constant"``.
    brightness_range : [low, high] or None
        Multiply each image by a factor uniform in ``[low, high]``, then clip
        to ``value_range``.
    channel_shift_range : float
        Add one value uniform in ``[-r, r]`` to every pixel and channel, then
        clip to the image's own minimum and maximum (as the generator does).
    interpolation : {"bilinear", "nearest"}
        Resampling of the images (``interpolation_order`` 1 or 0).
    value_range : (low, high) or None
        Where brightness clips (``(0, 255)``, as the generator's uint8
        round trip does); ``None`` does not clip.
    seed : int or None
        Same seed, same draws: two layers built with one seed give the same
        outputs call after call.

    Notes
    -----
    Inputs are channels-last ``(N, H, W, C)`` or ``(H, W, C)`` tensors, or a
    dict ``{"images": ..., "segmentation_masks": ...}``: the masks
    (``(N, H, W)`` or ``(N, H, W, 1)``, any dtype) get the same matrix,
    nearest-neighbour, and keep their dtype; where ``fill_mode="constant"``
    fills the images with ``cval`` the masks get 0, so no label is invented.
    Brightness and channel shift change the images only.

    Examples
    --------
    >>> import numpy as np
    >>> layer = GeneratorAugment(rotation_range=15, width_shift_range=0.1, seed=0)
    >>> images = np.random.default_rng(0).uniform(0, 255, (4, 32, 32, 3))
    >>> tuple(layer(images, training=True).shape)
    (4, 32, 32, 3)
    >>> bool(np.array_equal(layer(images, training=False), images.astype("float32")))
    True
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
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.rotation_range = _check_range(rotation_range, "rotation_range")
        self.width_shift = _shift_spec(width_shift_range, "width_shift_range")
        self.height_shift = _shift_spec(height_shift_range, "height_shift_range")
        self.width_shift_range, self.height_shift_range = width_shift_range, height_shift_range
        self.shear_range = _check_range(shear_range, "shear_range")
        self.zoom_range = _zoom_bounds(zoom_range)
        self.keep_aspect_ratio = bool(keep_aspect_ratio)
        self.horizontal_flip, self.vertical_flip = bool(horizontal_flip), bool(vertical_flip)
        if fill_mode not in FILL_MODES:
            raise ValueError(f"`fill_mode` must be one of {FILL_MODES}, got {fill_mode!r}.")
        if interpolation not in INTERPOLATIONS:
            raise ValueError(
                f"`interpolation` must be one of {INTERPOLATIONS}, got {interpolation!r}."
            )
        if not isinstance(cval, numbers.Real):
            raise ValueError(f"`cval` must be a number, got {cval!r}.")
        self.fill_mode, self.cval, self.interpolation = fill_mode, float(cval), interpolation
        self.brightness_range = _pair(brightness_range, "brightness_range")
        self.channel_shift_range = _check_range(channel_shift_range, "channel_shift_range")
        self.value_range = None if value_range is None else tuple(map(float, value_range))
        if self.value_range is not None and not (
            len(self.value_range) == 2 and self.value_range[0] < self.value_range[1]
        ):
            raise ValueError(f"`value_range` must be None or (low, high), got {value_range!r}.")
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.built = True

    def get_config(self) -> dict:
        def plain(value):
            return value.tolist() if isinstance(value, np.ndarray) else value

        return {
            **super().get_config(),
            "rotation_range": self.rotation_range,
            "width_shift_range": plain(self.width_shift_range),
            "height_shift_range": plain(self.height_shift_range),
            "shear_range": self.shear_range,
            "zoom_range": list(self.zoom_range),
            "keep_aspect_ratio": self.keep_aspect_ratio,
            "horizontal_flip": self.horizontal_flip,
            "vertical_flip": self.vertical_flip,
            "fill_mode": self.fill_mode,
            "cval": self.cval,
            "brightness_range": None
            if self.brightness_range is None
            else list(self.brightness_range),
            "channel_shift_range": self.channel_shift_range,
            "interpolation": self.interpolation,
            "value_range": None if self.value_range is None else list(self.value_range),
            "seed": self.seed,
        }

    def _uniform(self, n, low: float, high: float):
        return keras.random.uniform((n,), low, high, seed=self.seed_generator)

    def _shift(self, spec: dict, n, size):
        if "values" in spec:
            values = ops.convert_to_tensor(np.asarray(spec["values"], "float32"))
            pick = keras.random.randint((n,), 0, len(spec["values"]), seed=self.seed_generator)
            sign = keras.random.randint((n,), 0, 2, seed=self.seed_generator)
            shift = ops.take(values, pick) * (ops.cast(sign, "float32") * 2.0 - 1.0)
        else:
            shift = self._uniform(n, -spec["bound"], spec["bound"])
        return shift * ops.cast(size, "float32") if spec.get("fraction") else shift

    def draw_parameters(self, batch_size, height, width) -> dict:
        """Draw one set of parameters per image, as ``get_random_transform`` does.

        Parameters
        ----------
        batch_size, height, width : int or scalar tensor
            How many images and their size (fraction shifts scale with it).

        Returns
        -------
        dict
            Tensors of shape ``(batch_size,)`` under ``ImageDataGenerator``'s keys
            (``theta``, ``tx`` = horizontal pixels, ``ty`` = vertical pixels,
            ``shear``, ``zx``, ``zy``, ``flip_horizontal``, ``flip_vertical``,
            ``channel_shift_intensity``, ``brightness``), only for the
            augmentations this layer has; :meth:`apply_parameters` applies them.

        Examples
        --------
        >>> layer = GeneratorAugment(rotation_range=30, horizontal_flip=True, seed=1)
        >>> sorted(layer.draw_parameters(5, 32, 32))
        ['flip_horizontal', 'theta']
        """
        n, params = batch_size, {}
        if self.rotation_range:
            params["theta"] = self._uniform(n, -self.rotation_range, self.rotation_range)
        if "values" in self.width_shift or self.width_shift["bound"]:
            params["tx"] = self._shift(self.width_shift, n, width)
        if "values" in self.height_shift or self.height_shift["bound"]:
            params["ty"] = self._shift(self.height_shift, n, height)
        if self.shear_range:
            params["shear"] = self._uniform(n, -self.shear_range, self.shear_range)
        if self.zoom_range != (1.0, 1.0):
            params["zx"] = self._uniform(n, *self.zoom_range)
            params["zy"] = (
                params["zx"] if self.keep_aspect_ratio else self._uniform(n, *self.zoom_range)
            )
        for key, on in (
            ("flip_horizontal", self.horizontal_flip),
            ("flip_vertical", self.vertical_flip),
        ):
            if on:
                params[key] = ops.cast(self._uniform(n, 0.0, 1.0) < 0.5, "float32")
        if self.channel_shift_range:
            r = self.channel_shift_range
            params["channel_shift_intensity"] = self._uniform(n, -r, r)
        if self.brightness_range is not None:
            params["brightness"] = self._uniform(n, *self.brightness_range)
        return params

    def _split(self, inputs):
        if not isinstance(inputs, dict):
            return inputs, None
        unknown = sorted(set(inputs) - {"images", "segmentation_masks"})
        if unknown or "images" not in inputs:
            raise ValueError(
                "A dict input must have the key 'images' and may have 'segmentation_masks', "
                f"got keys {sorted(inputs)}."
            )
        return inputs["images"], inputs.get("segmentation_masks")

    def apply_parameters(self, inputs, params: dict):
        """Apply given parameters (one per image, or one for all) with this layer's settings.

        The counterpart of ``ImageDataGenerator.apply_transform``: ``params``
        uses its keys and meanings (``tx`` moves along the columns, positive
        reads from the right; ``ty`` along the rows), with numbers or arrays
        of shape ``(N,)``; missing or ``None`` entries are left out.

        Examples
        --------
        >>> import numpy as np
        >>> layer = GeneratorAugment(fill_mode="constant")
        >>> image = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
        >>> out = layer.apply_parameters(image, {"tx": 1.0})
        >>> keras.ops.convert_to_numpy(out)[0, 0, :, 0].tolist()
        [1.0, 2.0, 3.0, 0.0]
        """
        images, masks = self._split(inputs)
        images = ops.cast(images, self.compute_dtype)
        single = len(images.shape) == 3
        if single:
            images = images[None]
        masks_rank = None if masks is None else len(masks.shape)
        if masks is not None:
            masks = masks[None] if single else masks
            if len(masks.shape) == 3:
                masks = masks[..., None]
        shape = ops.shape(images)
        if any(params.get(key) is not None for key in GEOMETRIC_KEYS):
            matrices = generator_matrices(params, shape[1], shape[2])
            transform = ops.broadcast_to(ops.reshape(matrices, (-1, 9))[:, :8], (shape[0], 8))
            images = _warp(images, transform, self.interpolation, self.fill_mode, self.cval)
            if masks is not None:
                warped = _warp(ops.cast(masks, "float32"), transform, "nearest", self.fill_mode, 0)
                masks = ops.cast(warped, masks.dtype)
        images = self._adjust_values(images, params)
        if masks is not None:
            masks = masks[0] if single else masks
            masks = masks[..., 0] if masks_rank == len(masks.shape) - 1 else masks
        images = images[0] if single else images
        return images if masks is None else {"images": images, "segmentation_masks": masks}

    def _adjust_values(self, images, params: dict):
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
            if self.value_range is not None:
                images = ops.clip(images, *self.value_range)
        return images

    def call(self, inputs, training=True):
        if not training:
            images, masks = self._split(inputs)
            images = ops.cast(images, self.compute_dtype)
            return images if masks is None else {"images": images, "segmentation_masks": masks}
        images, _ = self._split(inputs)
        shape = ops.shape(images)
        batch = (1,) if len(images.shape) == 3 else (shape[0],)
        params = self.draw_parameters(batch[0], shape[-3], shape[-2])
        return self.apply_parameters(inputs, params)

    def compute_output_shape(self, input_shape):
        return input_shape


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
    settings = {
        name: getattr(generator, name)
        for name in (
            "rotation_range",
            "width_shift_range",
            "height_shift_range",
            "shear_range",
            "zoom_range",
            "horizontal_flip",
            "vertical_flip",
            "fill_mode",
            "cval",
            "brightness_range",
            "channel_shift_range",
        )
    }
    settings["zoom_range"] = list(settings["zoom_range"])
    settings["interpolation"] = "nearest" if order == 0 else "bilinear"
    return GeneratorAugment(**{**settings, **kwargs})
