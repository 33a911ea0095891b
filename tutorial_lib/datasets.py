"""Bundled and generated image data: nothing here downloads anything.

- :func:`load_digits` -- scikit-learn's 1,797 handwritten digits, upscaled to
  MNIST's 28x28 uint8 layout and split like ``keras.datasets.mnist.load_data()``.
- :func:`load_faces` -- scikit-image's ``lfw_subset``: 100 faces, 100 non-faces.
- :func:`load_photos` -- scikit-image's bundled photographs.
- :func:`make_shapes` -- random circles, squares and triangles with per-pixel masks.
"""

from __future__ import annotations

import numpy as np

from ._checks import (
    ArgumentTypeError,
    as_generator,
    check_fraction,
    check_positive_int,
    check_seed,
    check_size,
    fold_seed,
)

__all__ = [
    "FACES_CLASS_NAMES",
    "PHOTO_NAMES",
    "SHAPES_CLASS_NAMES",
    "load_digits",
    "load_faces",
    "load_photos",
    "make_shapes",
]

#: Label 0 and 1 of :func:`load_faces`.
FACES_CLASS_NAMES = ("non-face", "face")
#: Label 0, 1 and 2 of :func:`make_shapes`; in masks the shape of class ``c`` has value ``c + 1``.
SHAPES_CLASS_NAMES = ("circle", "square", "triangle")
#: Colour photographs :func:`load_photos` can return (all bundled with scikit-image).
COLOR_PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "immunohistochemistry")
#: Greyscale photographs :func:`load_photos` can return.
GRAY_PHOTOS = ("camera", "coins", "moon", "text")
#: Every name :func:`load_photos` accepts: colour ones first, then greyscale.
PHOTO_NAMES = COLOR_PHOTOS + GRAY_PHOTOS


def load_digits(test_fraction: float = 0.2, seed: int = 0):
    """Handwritten digits in MNIST's layout, from scikit-learn's bundled copy.

    Each 8x8 digit (values 0..16) is enlarged to 20x20 with cubic
    interpolation, scaled to 0..255 and centred in a 28x28 frame, as MNIST
    centres its 20x20 digits. The split is stratified and fixed by ``seed``,
    so ``keras.datasets.mnist.load_data()`` can replace this call unchanged
    when a network is available.

    Parameters
    ----------
    test_fraction : float
        Fraction of the 1,797 digits held out for testing, in (0, 1).
    seed : int
        Seed of the train/test split, any non-negative integer (scikit-learn
        takes 32 bits: a larger seed is folded to 32 bits by a fixed function,
        so it still gives the same split every time).

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        ``x`` arrays are ``uint8`` of shape ``(n, 28, 28)``; ``y`` arrays are
        ``uint8`` labels 0..9.

    Examples
    --------
    >>> (x_train, y_train), (x_test, y_test) = load_digits()
    >>> x_train.shape, x_train.dtype, x_test.shape
    ((1437, 28, 28), dtype('uint8'), (360, 28, 28))
    >>> sorted(set(y_train.tolist())) == list(range(10))
    True
    """
    test_fraction = check_fraction(test_fraction, "test_fraction")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"`test_fraction` must be strictly between 0 and 1, got {test_fraction}.")
    seed = fold_seed(check_seed(seed, "seed"), 32)
    from skimage.transform import resize
    from sklearn.datasets import load_digits as _sk_load_digits
    from sklearn.model_selection import train_test_split

    bunch = _sk_load_digits()
    small = bunch.images.astype(np.float64) / 16.0  # (1797, 8, 8) in [0, 1]
    big = resize(small, (len(small), 20, 20), order=3, mode="edge", anti_aliasing=False)
    big = np.clip(big, 0.0, 1.0)
    x = np.zeros((len(small), 28, 28), dtype=np.uint8)
    x[:, 4:24, 4:24] = np.round(big * 255).astype(np.uint8)
    y = bunch.target.astype(np.uint8)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_fraction, stratify=y, random_state=seed
    )
    return (x_train, y_train), (x_test, y_test)


def load_faces():
    """Scikit-image's bundled ``lfw_subset``: real 25x25 face and non-face crops.

    Returns
    -------
    images : ndarray
        ``uint8`` array of shape ``(200, 25, 25)``.
    labels : ndarray
        ``uint8`` array of shape ``(200,)``: 1 for a face, 0 for a non-face
        (see :data:`FACES_CLASS_NAMES`).

    Examples
    --------
    >>> images, labels = load_faces()
    >>> images.shape, images.dtype, int(labels.sum())
    ((200, 25, 25), dtype('uint8'), 100)
    """
    from skimage.data import lfw_subset

    faces = lfw_subset()  # first 100 are faces, last 100 are not
    images = np.round(np.clip(faces, 0.0, 1.0) * 255).astype(np.uint8)
    labels = np.zeros(len(images), dtype=np.uint8)
    labels[:100] = 1
    return images, labels


def load_photos(names=COLOR_PHOTOS, size=None) -> dict[str, np.ndarray]:
    """Photographs bundled with scikit-image, as channels-last ``uint8`` arrays.

    Parameters
    ----------
    names : str or list of str
        One or several distinct names from :data:`PHOTO_NAMES`. Colour photos
        have 3 channels, grey ones (``camera``, ``coins``, ``moon``, ``text``) have 1.
    size : int or (int, int), optional
        Resize every photo to ``(height, width)`` (anti-aliased). ``None``
        keeps each photo's own size.

    Returns
    -------
    dict
        ``{name: image}`` in the order asked, each image ``(H, W, C)`` uint8.

    Examples
    --------
    >>> photos = load_photos(["chelsea", "coins"], size=64)
    >>> [(k, v.shape, v.dtype.name) for k, v in photos.items()]
    [('chelsea', (64, 64, 3), 'uint8'), ('coins', (64, 64, 1), 'uint8')]
    """
    names = _check_photo_names(names)
    if size is not None:
        size = check_size(size, "size")
    import skimage.data
    from skimage.transform import resize

    photos = {}
    for name in names:
        img = getattr(skimage.data, name)()
        if img.ndim == 2:
            img = img[..., None]
        if size is not None and img.shape[:2] != size:
            img = resize(
                img, size + img.shape[2:], order=1, anti_aliasing=True, preserve_range=True
            )
            img = np.round(img).astype(np.uint8)
        photos[name] = np.ascontiguousarray(img, dtype=np.uint8)
    return photos


def _check_photo_names(names) -> list[str]:
    """``names`` as a list of known, distinct photo names."""
    choices = ", ".join(PHOTO_NAMES)
    if isinstance(names, str):
        names = [names]
    if isinstance(names, bytes) or not isinstance(names, (list, tuple, np.ndarray)):
        raise ArgumentTypeError(
            f"`names` must be a photo name or a list of them, got {type(names).__name__} "
            f"{names!r}; choose from {choices}."
        )
    names = list(names)
    if not names:
        raise ValueError(f"`names` is empty; choose from {choices}.")
    unknown = [n for n in names if not isinstance(n, str) or n not in PHOTO_NAMES]
    if unknown:
        raise ValueError(f"`names` has unknown photo(s) {unknown}; choose from {choices}.")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"`names` lists {repeated} more than once; each photo is returned once.")
    return names


def _triangle(cy, cx, r):
    angles = np.deg2rad([-90.0, 30.0, 150.0])
    return cy + r * np.sin(angles), cx + r * np.cos(angles)


def make_shapes(n: int = 100, size=64, seed=0, noise: float = 0.05):
    """Random circles, squares and triangles with per-pixel integer masks.

    Each image holds one shape of a random class, position, size and colour
    on a randomly coloured, slightly noisy background. Same ``seed``, same bytes.

    Parameters
    ----------
    n : int
        Number of images.
    size : int or (int, int)
        Image ``(height, width)``; each side at least 16.
    seed : int or numpy.random.Generator
        Source of randomness.
    noise : float
        Standard deviation of the background noise, as a fraction of 255, in [0, 1].

    Returns
    -------
    images : ndarray
        ``uint8``, shape ``(n, height, width, 3)``.
    labels : ndarray
        ``uint8``, shape ``(n,)``: index into :data:`SHAPES_CLASS_NAMES`.
    masks : ndarray
        ``uint8``, shape ``(n, height, width)``: 0 for background and
        ``label + 1`` on the shape's pixels.

    Examples
    --------
    >>> images, labels, masks = make_shapes(6, size=32, seed=1)
    >>> images.shape, labels.shape, masks.shape
    ((6, 32, 32, 3), (6,), (6, 32, 32))
    >>> bool(np.all((masks == 0) | (masks == labels[:, None, None] + 1)))
    True
    """
    from skimage.draw import disk, polygon

    n = check_positive_int(n, "n")
    h, w = check_size(size, "size")
    if min(h, w) < 16:
        raise ValueError(f"`size` must be at least 16 pixels on each side, got {(h, w)}.")
    noise = check_fraction(noise, "noise")
    rng = as_generator(seed)

    images = np.empty((n, h, w, 3), dtype=np.uint8)
    masks = np.zeros((n, h, w), dtype=np.uint8)
    labels = rng.integers(0, len(SHAPES_CLASS_NAMES), size=n).astype(np.uint8)
    side = min(h, w)
    for i in range(n):
        background = rng.uniform(0, 255, size=3)
        # a colour that differs clearly from the background
        color = (background + rng.uniform(80, 175, size=3)) % 256
        img = background + rng.normal(0, noise * 255, size=(h, w, 3))
        r = rng.uniform(0.15, 0.3) * side
        cy = rng.uniform(r + 1, h - r - 1)
        cx = rng.uniform(r + 1, w - r - 1)
        if labels[i] == 0:
            rr, cc = disk((cy, cx), r, shape=(h, w))
        elif labels[i] == 1:
            half = r / np.sqrt(2) * 1.2
            rr, cc = polygon(
                [cy - half, cy - half, cy + half, cy + half],
                [cx - half, cx + half, cx + half, cx - half],
                (h, w),
            )
        else:
            ys, xs = _triangle(cy, cx, r)
            rr, cc = polygon(ys, xs, (h, w))
        img[rr, cc] = color
        masks[i, rr, cc] = labels[i] + 1
        images[i] = np.clip(np.round(img), 0, 255).astype(np.uint8)
    return images, labels, masks
