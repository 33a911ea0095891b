"""Pictures of images: grids, before/after comparisons, image + mask overlays.

Every function returns the :class:`matplotlib.figure.Figure` it drew, so a
notebook can show it, save it or check it. Images may be ``(H, W)`` or
``(H, W, C)`` with 1, 3 or 4 channels, bool, integer or float. Their range
is guessed by the package's one rule (integers holding 0..255 and floats
beyond [0, 1] are 0..255 images, floats within it 0..1 images) and those are
shown as they are; anything else (standardized or whitened images, 16-bit
images) is stretched to the image's own finite min..max and the title says so.
NaN pixels are left to matplotlib (drawn blank).
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import (
    ArgumentTypeError,
    check_batch,
    check_fraction,
    check_image,
    check_picture,
    check_positive_int,
    check_positive_number,
    check_sequence_length,
)
from ._value_range import finite_min_max, fits_range, guess_value_range

__all__ = ["to_displayable", "show_grid", "show_before_after", "show_mask_overlay"]


def to_displayable(image) -> tuple[np.ndarray, bool]:
    """Convert one image to something ``imshow`` shows faithfully.

    Parameters
    ----------
    image : array_like
        ``(H, W)`` or ``(H, W, C)`` with C in 1, 3, 4; bool, integer or float.
        uint8 is returned as it is; other 0..255 and 0..1 images (the range
        guessed as for every function of the package) are divided by 255 or
        kept; anything else is stretched to its min..max. NaN and infinite
        values are refused with a ValueError (they have no grey level, and
        matplotlib would draw them as holes), never turned into NaN or
        clipped in silence: replace them first, e.g. with ``np.nan_to_num``.

    Returns
    -------
    image : ndarray
        ``(H, W)`` for one channel, ``(H, W, 3|4)`` otherwise; float in [0, 1]
        or uint8.
    stretched : bool
        True if the values had to be stretched to [0, 1] to be shown.

    Examples
    --------
    >>> img, stretched = to_displayable(np.array([[-1.0, 1.0]]))
    >>> img.tolist(), stretched
    ([[0.0, 1.0]], True)
    """
    img = check_picture(image, "`image`", "to be shown")
    if img.dtype.kind not in "biuf" or img.size == 0:
        raise ValueError(
            "`image` must be a non-empty array of bool, integer or float values, "
            f"got dtype {img.dtype} and shape {img.shape}."
        )
    if img.dtype == np.uint8:
        return img, False
    if img.dtype.kind == "f" and not np.all(np.isfinite(img)):
        n_nan, n_inf = int(np.isnan(img).sum()), int(np.isinf(img).sum())
        raise ValueError(
            f"`image` holds {n_nan} NaN and {n_inf} infinite value(s), which have no grey "
            "level; replace them first, e.g. np.nan_to_num(image, nan=0.0, posinf=1.0, "
            "neginf=0.0)."
        )
    low, high = guess_value_range(img)
    if (low, high) in ((0.0, 1.0), (0.0, 255.0)) and fits_range(img, low, high):
        return img.astype(np.float64) / high, False
    img = img.astype(np.float64)
    low, high = finite_min_max(img) or (0.0, 1.0)
    span = high - low if high > low else 1.0
    return (img - low) / span, True


# The book's text column is about 7.5 inches wide: a wider figure is shrunk to fit, and its
# titles with it. Titles grow with the figure so that they stay legible after shrinking.
_COLUMN_INCHES = 7.5
_TITLE_POINTS = 9.0


def _title_points(fig, largest: float = 1.6) -> float:
    """Title size for ``fig``: 9 pt, grown with the figure's width beyond one text column."""
    return _TITLE_POINTS * min(largest, max(1.0, fig.get_figwidth() / _COLUMN_INCHES))


def _draw(ax, image, title=None, cmap="gray"):
    img, stretched = to_displayable(image)
    if img.ndim == 2:
        vmax = 255 if img.dtype == np.uint8 else 1.0
        ax.imshow(img, cmap=cmap, vmin=0, vmax=vmax, interpolation="nearest")
    else:
        ax.imshow(img, interpolation="nearest")
    label = "" if title is None else str(title)
    if stretched:
        label = (label + "\n" if label else "") + "(stretched)"
    if label:
        ax.set_title(label, fontsize=_title_points(ax.figure))
    ax.set_xticks([])
    ax.set_yticks([])


def _finished(fig, suptitle):
    """``fig`` with its overall title (if any) and a tight layout."""
    if suptitle is not None:
        fig.suptitle(str(suptitle), fontsize=_title_points(fig) + 2)
    fig.tight_layout()
    return fig


def _check_panels(images, name: str, batch: bool = True) -> np.ndarray:
    """A batch ``(N, H, W[, C])`` (or one image) that can be shown: C in 1, 3, 4, non-empty."""
    arr = check_batch(images, name) if batch else check_image(images, name)
    if arr.ndim == (4 if batch else 3) and arr.shape[-1] not in (1, 3, 4):
        raise ValueError(
            f"`{name}` has {arr.shape[-1]} channels (shape {arr.shape}); only 1, 3 or 4 "
            f"channels can be shown: pick channels, e.g. {name}[..., :3]."
        )
    return arr


def _check_cmap(cmap):
    """A Matplotlib colour map, or the name of one."""
    from matplotlib import colormaps
    from matplotlib.colors import Colormap

    if isinstance(cmap, Colormap):
        return cmap
    if not isinstance(cmap, str):
        raise ArgumentTypeError(
            f"`cmap` must be a Matplotlib colour map or its name, got {type(cmap).__name__}."
        )
    if cmap not in colormaps:
        raise ValueError(f"`cmap` {cmap!r} is not a Matplotlib colour map name (e.g. 'gray').")
    return cmap


def _figure(nrows, ncols, scale):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        nrows, ncols, figsize=(scale * ncols, scale * nrows + 0.3), squeeze=False
    )
    return fig, axes


def show_grid(
    images,
    titles=None,
    ncols: int | None = None,
    scale: float = 1.6,
    cmap: str = "gray",
    suptitle=None,
):
    """Show a batch of images in a grid.

    Parameters
    ----------
    images : array_like
        ``(N, H, W)`` or ``(N, H, W, C)`` with C in 1, 3, 4; or a list of
        images of different sizes.
    titles : sequence, optional
        One title per image (class names, labels, file names...); not a string
        (use ``suptitle`` for one title over the grid).
    ncols : int, optional
        Columns; default ``min(N, 8)``.
    scale : float
        Inches per image.
    cmap : str
        Colour map for one-channel images.
    suptitle : str, optional
        Title over the whole grid.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = show_grid(np.zeros((5, 8, 8), dtype=np.uint8), titles=list("abcde"), ncols=3)
    >>> len([ax for ax in fig.axes if ax.get_visible()])
    5
    """
    if isinstance(images, (list, tuple)):
        if len(images) == 0:
            raise ValueError("`images` is empty (an empty list); expected at least one image.")
        batch = [_check_panels(img, f"images[{k}]", batch=False) for k, img in enumerate(images)]
    else:
        batch = list(_check_panels(images, "images"))
    n = len(batch)
    if titles is not None:
        titles = check_sequence_length(titles, n, "titles", "image")
    ncols = min(n, 8) if ncols is None else check_positive_int(ncols, "ncols")
    scale = check_positive_number(scale, "scale")
    cmap = _check_cmap(cmap)
    nrows = math.ceil(n / ncols)
    fig, axes = _figure(nrows, ncols, scale)
    for k, ax in enumerate(axes.flat):
        if k < n:
            _draw(ax, batch[k], None if titles is None else titles[k], cmap)
        else:
            ax.set_visible(False)
    return _finished(fig, suptitle)


def show_before_after(
    originals,
    augmented,
    titles=None,
    augmented_titles=None,
    scale: float = 1.6,
    cmap="gray",
    suptitle=None,
):
    """Put each original image beside its augmented versions, one row per original.

    Parameters
    ----------
    originals : array_like
        ``(N, H, W[, C])`` batch of source images.
    augmented : array_like
        ``(N, H', W'[, C'])`` (one version per original) or
        ``(N, K, H', W'[, C'])`` (K versions per original), or a list of N
        lists of images. Sizes may differ from the originals (crops).
    titles : sequence, optional
        One title per original (shown on the original's panel); not a string.
    augmented_titles : sequence, optional
        One title per augmented column, e.g. the parameter that produced it.
    scale : float
        Inches per panel, > 0.
    cmap : str or matplotlib.colors.Colormap
        Colour map for one-channel images.
    suptitle : str, optional
        Title over the whole figure.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> x = np.random.default_rng(0).random((2, 8, 8))
    >>> fig = show_before_after(x, np.stack([x[:, ::-1], x[:, :, ::-1]], axis=1))
    >>> len(fig.axes)
    6
    """
    originals = _check_panels(originals, "originals")
    n = len(originals)
    if titles is not None:
        titles = check_sequence_length(titles, n, "titles", "original")
    scale = check_positive_number(scale, "scale")
    cmap = _check_cmap(cmap)
    if isinstance(augmented, (list, tuple)):
        rows = [
            list(r) if isinstance(r, (list, tuple)) or np.ndim(r) == originals.ndim else [r]
            for r in augmented
        ]
    else:
        augmented = np.asarray(augmented)
        if augmented.ndim == originals.ndim:
            rows = [[a] for a in augmented]
        elif augmented.ndim == originals.ndim + 1:
            rows = [list(r) for r in augmented]
        else:
            raise ValueError(
                "`augmented` must have shape (N, ...) or (N, K, ...) matching `originals` "
                f"{originals.shape}, got {augmented.shape}."
            )
    if len(rows) != n:
        raise ValueError(
            f"`augmented` has {len(rows)} rows, expected {n} (one per original, "
            f"`originals` has shape {originals.shape})."
        )
    rows = [
        [_check_panels(a, f"augmented[{i}][{j}]", batch=False) for j, a in enumerate(r)]
        for i, r in enumerate(rows)
    ]
    k = max(len(r) for r in rows)
    if k == 0:
        raise ValueError("`augmented` holds no images; expected at least one per original.")
    if augmented_titles is not None:
        augmented_titles = check_sequence_length(
            augmented_titles, k, "augmented_titles", "augmented column"
        )
    fig, axes = _figure(n, k + 1, scale)
    for i in range(n):
        head = "original" if titles is None else f"original: {titles[i]}"
        _draw(axes[i, 0], originals[i], head if i == 0 or titles is not None else None, cmap)
        for j in range(k):
            ax = axes[i, j + 1]
            if j < len(rows[i]):
                label = None
                if i == 0:
                    label = "augmented" if augmented_titles is None else augmented_titles[j]
                _draw(ax, rows[i][j], label, cmap)
            else:
                ax.set_visible(False)
        # a frame around the original makes the rows easy to read
        for spine in axes[i, 0].spines.values():
            spine.set_edgecolor("tab:blue")
            spine.set_linewidth(2)
    return _finished(fig, suptitle)


def show_mask_overlay(
    images,
    masks,
    titles=None,
    alpha: float = 0.45,
    ncols: int | None = None,
    scale: float = 1.8,
    suptitle=None,
):
    """Show images with their integer label masks painted over them.

    Each label gets a fixed colour (label 0, the background, is left clear),
    so the same label has the same colour in every panel and every figure.

    Parameters
    ----------
    images : array_like
        ``(N, H, W[, C])``.
    masks : array_like
        ``(N, H, W)`` or ``(N, H, W, 1)`` integer labels.
    titles : sequence, optional
        One title per image.
    alpha : float
        Opacity of the mask colours, in [0, 1].
    ncols : int, optional
        Columns; default ``min(N, 6)``.
    scale : float
        Inches per panel, > 0.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> imgs = np.zeros((2, 8, 8, 3), dtype=np.uint8)
    >>> m = np.zeros((2, 8, 8), dtype=np.uint8); m[:, 2:5, 2:5] = 1
    >>> len(show_mask_overlay(imgs, m).axes)
    2
    """
    from matplotlib import colormaps

    images = _check_panels(images, "images")
    masks = check_batch(masks, "masks")
    if masks.ndim == 4 and masks.shape[-1] == 1:
        masks = masks[..., 0]
    if masks.shape != images.shape[:3]:
        raise ValueError(
            f"`masks` shape {masks.shape} does not match `images` shape {images.shape}."
        )
    if not (np.issubdtype(masks.dtype, np.integer) or masks.dtype == bool):
        raise ValueError(f"`masks` must hold integer labels, got dtype {masks.dtype}.")
    n = len(images)
    if titles is not None:
        titles = check_sequence_length(titles, n, "titles", "image")
    ncols = min(n, 6) if ncols is None else check_positive_int(ncols, "ncols")
    alpha = check_fraction(alpha, "alpha")
    scale = check_positive_number(scale, "scale")
    nrows = math.ceil(n / ncols)
    palette = colormaps["tab10"]
    fig, axes = _figure(nrows, ncols, scale)
    for k, ax in enumerate(axes.flat):
        if k >= n:
            ax.set_visible(False)
            continue
        _draw(ax, images[k], None if titles is None else titles[k])
        m = masks[k].astype(np.int64)
        rgba = np.zeros(m.shape + (4,))
        for label in np.unique(m):
            if label == 0:
                continue
            rgba[m == label] = palette((int(label) - 1) % 10)
            rgba[m == label, 3] = alpha
        ax.imshow(rgba, interpolation="nearest")
    return _finished(fig, suptitle)
