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


# --- natural-image patches: textures and photographs, disjoint regions per split ---------

__all__ += ["TEXTURE_CLASS_NAMES", "TEXTURE_SOURCES", "load_textures"]

#: Source of each class of :func:`load_textures`: every image is bundled with
#: scikit-image (``skimage.data.<name>()``, no download); origin and licence as
#: given in scikit-image's documentation of that function.
TEXTURE_SOURCES = {
    "brick": "CC0Textures 'Bricks25', CC0 (greyscale texture)",
    "grass": "DeviantArt 'Grass 01' by linolafett, CC0 (greyscale texture)",
    "gravel": "CC0Textures 'Gravel04', CC0 (greyscale texture)",
    "astronaut": "NASA, Eileen Collins portrait, public domain",
    "chelsea": "Stefan van der Walt, Chelsea the cat, CC0",
    "coffee": "Rachel Michetti (Pikolo Espresso Bar), coffee cup, CC0",
    "rocket": "SpaceX, DSCOVR launch on Falcon 9, public domain",
    "hubble_deep_field": "NASA/HubbleSite, Hubble eXtreme Deep Field, public domain",
}
#: Label ``i`` of :func:`load_textures` is the source image ``TEXTURE_CLASS_NAMES[i]``.
TEXTURE_CLASS_NAMES = tuple(TEXTURE_SOURCES)
#: Every source is resized (anti-aliased) so that its height is this many pixels.
_TEXTURE_SOURCE_HEIGHT = 256
#: Fractions of each source's width given to train, validation and test (left to right).
_TEXTURE_BANDS = (0.6, 0.2, 0.2)


def _texture_source(name: str) -> np.ndarray:
    """One bundled source image, ``uint8`` ``(256, W, 3)``: grey ones repeated on 3 channels."""
    import skimage.data
    from skimage.transform import resize

    img = getattr(skimage.data, name)()
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    h, w = img.shape[:2]
    size = (_TEXTURE_SOURCE_HEIGHT, round(w * _TEXTURE_SOURCE_HEIGHT / h))
    img = resize(img, size + (3,), order=1, anti_aliasing=True, preserve_range=True)
    return np.round(img).astype(np.uint8)


def _texture_bands(width: int) -> list[tuple[int, int]]:
    """Column ranges ``[start, stop)`` of the train, validation and test bands of a source."""
    stops = np.round(np.cumsum(_TEXTURE_BANDS) * width).astype(int)
    starts = np.concatenate([[0], stops[:-1]])
    return [(int(a), int(b)) for a, b in zip(starts, stops)]


def load_textures(
    patch_size: int = 32,
    n_per_class=(400, 100, 100),
    seed=0,
    return_origins: bool = False,
):
    """Square patches of bundled textures and photographs: a natural-image classification set.

    Each class is one source image (see :data:`TEXTURE_SOURCES`: three CC0
    greyscale textures repeated on three channels, and five public-domain or
    CC0 colour photographs), resized to a height of 256 pixels. Its width is
    split into three bands, left to right, 60 % / 20 % / 20 %; train,
    validation and test patches are cut at random positions *inside* their own
    band, so the test set is new pixels, not shifted copies of training ones.
    Each split is shuffled. Same ``seed``, same bytes.

    Parameters
    ----------
    patch_size : int
        Side of the square patches, 4 to 48 (each band must hold a patch).
    n_per_class : int or (int, int, int)
        Patches per class in train, validation and test; an int ``n`` means
        ``(n, n // 4, n // 4)``.
    seed : int or numpy.random.Generator
        Source of randomness (patch positions and shuffling).
    return_origins : bool
        Also return, per split, each patch's ``(row, column)`` top-left corner
        in its resized source image.

    Returns
    -------
    (x_train, y_train), (x_val, y_val), (x_test, y_test), class_names
        ``x`` arrays are ``uint8`` ``(n, patch_size, patch_size, 3)``; ``y``
        arrays ``uint8`` indices into ``class_names`` (:data:`TEXTURE_CLASS_NAMES`).
        With ``return_origins=True`` a fifth item follows: a tuple of three
        ``int`` arrays of shape ``(n, 2)``, aligned with the three splits.

    Examples
    --------
    >>> (x_tr, y_tr), (x_va, y_va), (x_te, y_te), names = load_textures(
    ...     patch_size=16, n_per_class=(20, 5, 5))
    >>> x_tr.shape, x_tr.dtype.name, x_va.shape, x_te.shape
    ((160, 16, 16, 3), 'uint8', (40, 16, 16, 3), (40, 16, 16, 3))
    >>> names[:3], int((y_te == 0).sum())
    (('brick', 'grass', 'gravel'), 5)
    """
    patch_size = check_positive_int(patch_size, "patch_size")
    if not 4 <= patch_size <= 48:
        raise ValueError(f"`patch_size` must be between 4 and 48 pixels, got {patch_size}.")
    if isinstance(n_per_class, (int, np.integer)) and not isinstance(n_per_class, bool):
        n_per_class = (int(n_per_class), int(n_per_class) // 4, int(n_per_class) // 4)
    try:
        counts = tuple(n_per_class)
    except TypeError:
        raise ValueError(
            f"`n_per_class` must be an int or a (train, val, test) triple, got {n_per_class!r}."
        ) from None
    if len(counts) != 3:
        raise ValueError(
            f"`n_per_class` must be an int or a (train, val, test) triple, got {n_per_class!r}."
        )
    counts = tuple(check_positive_int(c, "n_per_class") for c in counts)
    rng = as_generator(seed)

    splits = [([], [], []) for _ in counts]  # per split: patches, labels, origins
    for label, name in enumerate(TEXTURE_CLASS_NAMES):
        src = _texture_source(name)
        for (start, stop), n, (xs, ys, origins) in zip(
            _texture_bands(src.shape[1]), counts, splits
        ):
            rows = rng.integers(0, src.shape[0] - patch_size + 1, size=n)
            cols = rng.integers(start, stop - patch_size + 1, size=n)
            xs.extend(src[r : r + patch_size, c : c + patch_size] for r, c in zip(rows, cols))
            ys.append(np.full(n, label, dtype=np.uint8))
            origins.append(np.stack([rows, cols], axis=1))
    out, all_origins = [], []
    for xs, ys, origins in splits:
        order = rng.permutation(len(xs))
        out.append((np.stack(xs)[order], np.concatenate(ys)[order]))
        all_origins.append(np.concatenate(origins)[order].astype(np.int64))
    result = (*out, TEXTURE_CLASS_NAMES)
    return (*result, tuple(all_origins)) if return_origins else result
