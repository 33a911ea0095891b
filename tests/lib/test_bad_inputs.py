"""Bad input is never silent: one row per bad call, across every module of the package.

Each row is ``(call, exception type, words)``: the call must raise that exception type, from
inside ``tutorial_lib`` (not deep inside NumPy, PIL or Keras), with a message containing every
word -- the argument's name in backticks and what it got.
"""

from __future__ import annotations

import inspect
from collections import Counter
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tutorial_lib as tl
from tutorial_lib import _checks, compat

PACKAGE = Path(tl.__file__).parent

IMG = np.zeros((8, 8, 3), np.uint8)
BATCH = np.zeros((4, 8, 8, 3), np.uint8)
MASKS = np.zeros((4, 8, 8), np.uint8)
BATCHES = [(BATCH, np.arange(4))] * 3  # what a Keras iterator yields, as a list


def _same(x, *args, **kwargs):
    return x


def _idg_flow(**kwargs):
    return tl.get_image_data_generator()().flow(BATCH, np.arange(4), **kwargs)


def _boxes(shape=(4, 2, 4), labels=None, dtype=np.int32) -> dict:
    """A ``"bounding_boxes"`` input: zero boxes of ``shape``, labels ``shape[:-1]`` (or given)."""
    return {"boxes": np.zeros(shape, np.float32), "labels": np.zeros(labels or shape[:-1], dtype)}


def _box_layer():
    return tl.GeneratorAugment(rotation_range=10, bounding_box_format="xyxy")


def rows(*table):
    """``(id, exception type, "word|word", call)`` rows as pytest parameters."""
    return [pytest.param(call, error, words.split("|"), id=id) for id, error, words, call in table]


CROP = rows(
    ("crop-it-empty", ValueError, "`iterator`|len 0", lambda t: tl.RandomCropIterator([], 4)),
    ("crop-big", ValueError, "`size`|(9, 9)|8x8", lambda t: tl.random_crop(IMG, 9)),
    ("crop-zero", ValueError, "`size[0]`|got 0", lambda t: tl.random_crop(IMG, 0)),
    ("crop-rank", ValueError, "`image`|(5,)", lambda t: tl.random_crop(np.zeros(5), 2)),
    ("crop-empty", ValueError, "`image`|empty", lambda t: tl.random_crop(np.zeros((0, 4, 3)), 2)),
    ("crop-ragged", ValueError, "`image`|converted", lambda t: tl.random_crop([[1, 2], [3]], 1)),
    ("crop-seed", ValueError, "`seed`|-1", lambda t: tl.random_crop(IMG, 2, seed=-1)),
    ("crop-seed-type", TypeError, "`seed`|1.5", lambda t: tl.random_crop(IMG, 2, seed=1.5)),
    ("center-big", ValueError, "`size`|(4, 9)", lambda t: tl.center_crop(IMG, (4, 9))),
    ("center-size-str", TypeError, "`size`|'4'", lambda t: tl.center_crop(IMG, "4")),
    (
        "crop-batch-rank",
        ValueError,
        "`images`|(8, 8)",
        lambda t: tl.random_crop_batch(np.zeros((8, 8)), 2),
    ),
    ("crop-batch-big", ValueError, "`size`|larger", lambda t: tl.random_crop_batch(BATCH, 10)),
    (
        "paired-crop-count",
        ValueError,
        "`masks`|(3, 8, 8)",
        lambda t: tl.paired_random_crop(BATCH, MASKS[:3], 4),
    ),
    (
        "paired-crop-shape",
        ValueError,
        "`masks`|(8, 7)",
        lambda t: tl.paired_random_crop(IMG, np.zeros((8, 7)), 4),
    ),
    (
        "paired-crop-big",
        ValueError,
        "`size`|(9, 9)",
        lambda t: tl.paired_random_crop(IMG, IMG[..., 0], 9),
    ),
    ("crop-it-type", ValueError, "`iterator`|int", lambda t: tl.RandomCropIterator(5, 4)),
    (
        "crop-it-mode",
        ValueError,
        "`mode`|'middle'|'center'",
        lambda t: tl.RandomCropIterator(BATCHES, 4, mode="middle"),
    ),
    (
        "crop-it-targets",
        TypeError,
        "`crop_targets`|'yes'",
        lambda t: tl.RandomCropIterator(BATCHES, 4, crop_targets="yes"),
    ),
    (
        "crop-it-index-float",
        TypeError,
        "`index`|1.5",
        lambda t: tl.RandomCropIterator(BATCHES, 4)[1.5],
    ),
    (
        "crop-it-index-range",
        IndexError,
        "`index`|3",
        lambda t: tl.RandomCropIterator(BATCHES, 4)[3],
    ),
    (
        "crop-it-big-at-read",
        ValueError,
        "`size`|(10, 10)",
        lambda t: tl.RandomCropIterator(BATCHES, 10)[0],
    ),
    (
        "crop-it-big-keras",
        ValueError,
        "`size`|8x8",
        lambda t: tl.RandomCropIterator(_idg_flow(batch_size=2), 10),
    ),
)

PAIRED = rows(
    (
        "pbi-batch-0",
        ValueError,
        "`batch_size`|got 0",
        lambda t: tl.PairedBatchIterator(BATCH, MASKS, batch_size=0),
    ),
    (
        "pbi-batch-neg",
        ValueError,
        "`batch_size`|-1",
        lambda t: tl.PairedBatchIterator(BATCH, MASKS, batch_size=-1),
    ),
    (
        "pbi-batch-float",
        TypeError,
        "`batch_size`|2.5",
        lambda t: tl.PairedBatchIterator(BATCH, MASKS, batch_size=2.5),
    ),
    (
        "pbi-batch-bool",
        TypeError,
        "`batch_size`|True",
        lambda t: tl.PairedBatchIterator(BATCH, MASKS, batch_size=True),
    ),
    (
        "pbi-index-float",
        TypeError,
        "`index`|1.5",
        lambda t: tl.PairedBatchIterator(BATCH, MASKS)[1.5],
    ),
    (
        "pbi-index-bool",
        TypeError,
        "`index`|True",
        lambda t: tl.PairedBatchIterator(BATCH, MASKS)[True],
    ),
    (
        "pbi-index-range",
        IndexError,
        "`index`|2",
        lambda t: tl.PairedBatchIterator(BATCH, MASKS, batch_size=2)[2],
    ),
    (
        "pbi-shuffle",
        TypeError,
        "`shuffle`|'no'",
        lambda t: tl.PairedBatchIterator(BATCH, MASKS, shuffle="no"),
    ),
    (
        "pbi-mismatch",
        ValueError,
        "`masks`|(3, 8, 8)",
        lambda t: tl.PairedBatchIterator(BATCH, MASKS[:3]),
    ),
    (
        "pbi-augmenter",
        ValueError,
        "`augmenter`|str",
        lambda t: tl.PairedBatchIterator(BATCH, MASKS, augmenter="flip"),
    ),
    (
        "flow-batch",
        ValueError,
        "`batch_size`|got 0",
        lambda t: tl.PairedAugmenter().flow(BATCH, MASKS, batch_size=0),
    ),
    (
        "flow-crop-big",
        ValueError,
        "`crop_size`|(9, 9)",
        lambda t: tl.PairedAugmenter(crop_size=9).flow(BATCH, MASKS),
    ),
    (
        "augmenter-fill",
        ValueError,
        "`fill_mode`|'mirror'",
        lambda t: tl.PairedAugmenter(fill_mode="mirror"),
    ),
    (
        "augmenter-order",
        ValueError,
        "`interpolation_order`|7",
        lambda t: tl.PairedAugmenter(interpolation_order=7),
    ),
    (
        "augmenter-flip",
        ValueError,
        "`horizontal_flip`|'yes'",
        lambda t: tl.PairedAugmenter(horizontal_flip="yes"),
    ),
    (
        "augmenter-crop",
        ValueError,
        "`crop_size[0]`|0",
        lambda t: tl.PairedAugmenter(crop_size=(0, 4)),
    ),
    (
        "augmenter-mask-fill",
        ValueError,
        "`mask_fill`|0.5",
        lambda t: tl.PairedAugmenter(mask_fill=0.5),
    ),
    (
        "pair-float-mask",
        ValueError,
        "`mask`|float32",
        lambda t: tl.check_image_mask_pair(IMG, np.zeros((8, 8), np.float32)),
    ),
    (
        "pair-mismatch",
        ValueError,
        "`mask`|(4, 8)|(8, 8, 3)",
        lambda t: tl.check_image_mask_pair(IMG, np.zeros((4, 8), np.uint8)),
    ),
)

TRANSFORMS = rows(
    ("sp-amount", ValueError, "`amount`|1.5", lambda t: tl.salt_and_pepper(IMG, amount=1.5)),
    (
        "sp-amount-type",
        TypeError,
        "`amount`|'a lot'",
        lambda t: tl.salt_and_pepper(IMG, amount="a lot"),
    ),
    (
        "sp-ratio",
        ValueError,
        "`salt_vs_pepper`|-0.1",
        lambda t: tl.salt_and_pepper(IMG, salt_vs_pepper=-0.1),
    ),
    ("sp-rank", ValueError, "`image`|(4,)", lambda t: tl.salt_and_pepper(np.zeros(4))),
    (
        "sp-range",
        ValueError,
        "`value_range`|(1, 0)",
        lambda t: tl.salt_and_pepper(IMG, value_range=(1, 0)),
    ),
    ("noise-sigma", ValueError, "`sigma`|-1", lambda t: tl.gaussian_noise(IMG, sigma=-1)),
    (
        "noise-sigma-nan",
        ValueError,
        "`sigma`|nan",
        lambda t: tl.gaussian_noise(IMG, sigma=float("nan")),
    ),
    ("noise-sigma-type", TypeError, "`sigma`|'0.1'", lambda t: tl.gaussian_noise(IMG, sigma="0.1")),
    ("noise-seed", TypeError, "`seed`|'0'", lambda t: tl.gaussian_noise(IMG, seed="0")),
    (
        "noise-nan-image",
        ValueError,
        "`image`|NaN",
        lambda t: tl.gaussian_noise(np.array([[np.nan, 0.5]])),
    ),
    ("random-apply-fn", TypeError, "`fn`|str", lambda t: tl.random_apply("erode")),
    ("random-apply-p", ValueError, "`p`|2", lambda t: tl.random_apply(_same, p=2)),
    (
        "random-apply-batch",
        TypeError,
        "`batch`|'yes'",
        lambda t: tl.random_apply(_same, batch="yes"),
    ),
    (
        "random-apply-shape",
        ValueError,
        "`fn`|(4, 2, 8, 3)|(4, 8, 8, 3)",
        lambda t: tl.random_apply(lambda b: b[:, :2], p=1, batch=True)(BATCH),
    ),
    ("compose-fn", TypeError, "`fns[1]`|int", lambda t: tl.compose(_same, 3)),
    ("erode-fp", ValueError, "`footprint`|2", lambda t: tl.erode(IMG, footprint=2)),
    ("erode-rank", ValueError, "`image`|(3,)", lambda t: tl.erode(np.zeros(3))),
)

PLOTTING = rows(
    ("grid-cmap", ValueError, "`cmap`|'greyish'", lambda t: tl.show_grid(MASKS, cmap="greyish")),
    (
        "before-after-titles",
        ValueError,
        "`titles`|1 entries|expected 4",
        lambda t: tl.show_before_after(BATCH, BATCH, titles=["a"]),
    ),
    (
        "before-after-titles-str",
        TypeError,
        "`titles`|'abcd'",
        lambda t: tl.show_before_after(BATCH, BATCH, titles="abcd"),
    ),
    (
        "before-after-rows",
        ValueError,
        "`augmented`|3 rows|expected 4",
        lambda t: tl.show_before_after(BATCH, BATCH[:3]),
    ),
    (
        "before-after-aug-titles",
        ValueError,
        "`augmented_titles`|2 entries|expected 1",
        lambda t: tl.show_before_after(BATCH, BATCH, augmented_titles=["a", "b"]),
    ),
    (
        "before-after-empty-panel",
        ValueError,
        "`augmented[3][0]`|empty",
        lambda t: tl.show_before_after(BATCH, [[IMG]] * 3 + [[np.zeros((0, 3))]]),
    ),
    (
        "before-after-scale",
        ValueError,
        "`scale`|-1",
        lambda t: tl.show_before_after(BATCH, BATCH, scale=-1),
    ),
    ("grid-titles", ValueError, "`titles`|expected 4", lambda t: tl.show_grid(BATCH, titles=["a"])),
    ("grid-ncols", ValueError, "`ncols`|0", lambda t: tl.show_grid(BATCH, ncols=0)),
    ("grid-empty", ValueError, "`images`|empty", lambda t: tl.show_grid([])),
    (
        "grid-channels",
        ValueError,
        "`images`|5 channels",
        lambda t: tl.show_grid(np.zeros((2, 8, 8, 5))),
    ),
    (
        "grid-empty-panel",
        ValueError,
        "`images[1]`|empty",
        lambda t: tl.show_grid([IMG, np.zeros((0, 3))]),
    ),
    ("grid-scale", ValueError, "`scale`|0", lambda t: tl.show_grid(BATCH, scale=0)),
    (
        "overlay-titles",
        ValueError,
        "`titles`|3 entries",
        lambda t: tl.show_mask_overlay(BATCH, MASKS, titles=list("abc")),
    ),
    (
        "overlay-alpha",
        ValueError,
        "`alpha`|2",
        lambda t: tl.show_mask_overlay(BATCH, MASKS, alpha=2),
    ),
    (
        "overlay-mismatch",
        ValueError,
        "`masks`|(4, 4, 8)",
        lambda t: tl.show_mask_overlay(BATCH, MASKS[:, :4]),
    ),
    (
        "overlay-float-masks",
        ValueError,
        "`masks`|float64",
        lambda t: tl.show_mask_overlay(BATCH, MASKS.astype(float)),
    ),
    (
        "displayable-channels",
        ValueError,
        "`image`|(4, 4, 2)",
        lambda t: tl.to_displayable(np.zeros((4, 4, 2))),
    ),
)

DATASETS = rows(
    ("photos-none", TypeError, "`names`|None|astronaut", lambda t: tl.load_photos(None)),
    ("photos-unknown", ValueError, "`names`|mnist", lambda t: tl.load_photos("mnist")),
    ("photos-empty", ValueError, "`names`|empty", lambda t: tl.load_photos([])),
    (
        "photos-repeated",
        ValueError,
        "`names`|'coins'",
        lambda t: tl.load_photos(["coins", "coins"]),
    ),
    ("photos-size", ValueError, "`size[0]`|0", lambda t: tl.load_photos("coins", size=0)),
    (
        "digits-fraction",
        ValueError,
        "`test_fraction`|1.0",
        lambda t: tl.load_digits(test_fraction=1.0),
    ),
    ("digits-seed", ValueError, "`seed`|-1", lambda t: tl.load_digits(seed=-1)),
    ("digits-seed-type", TypeError, "`seed`|0.5", lambda t: tl.load_digits(seed=0.5)),
    ("shapes-n", ValueError, "`n`|0", lambda t: tl.make_shapes(0)),
    ("shapes-size", ValueError, "`size`|(8, 8)", lambda t: tl.make_shapes(4, size=8)),
    ("shapes-noise", ValueError, "`noise`|2", lambda t: tl.make_shapes(4, noise=2)),
    ("shapes-seed", TypeError, "`seed`|'x'", lambda t: tl.make_shapes(4, seed="x")),
)

SEEDING_AND_BATCHES = rows(
    ("seed-negative", ValueError, "`seed`|-1", lambda t: tl.set_seed(-1)),
    ("seed-float", TypeError, "`seed`|1.5", lambda t: tl.set_seed(1.5)),
    ("seed-str", TypeError, "`seed`|'42'", lambda t: tl.set_seed("42")),
    ("seed-bool", TypeError, "`seed`|True", lambda t: tl.set_seed(True)),
    (
        "count-batch-size",
        ValueError,
        "`batch_size`|0",
        lambda t: tl.count_batches(BATCH, batch_size=0),
    ),
    (
        "iter-batch-size",
        ValueError,
        "`batch_size`|-1",
        lambda t: tl.iter_image_batches(BATCH, batch_size=-1),
    ),
    (
        "iter-batch-size-type",
        TypeError,
        "`batch_size`|1.5",
        lambda t: tl.iter_image_batches(BATCH, batch_size=1.5),
    ),
    ("iter-data-type", TypeError, "`data`|int", lambda t: tl.iter_image_batches(5)),
    ("iter-data-rank", ValueError, "`data`|(5,)", lambda t: tl.iter_image_batches(np.zeros(5))),
    ("compat-attribute", AttributeError, "NoSuchName", lambda t: compat.NoSuchName),
    ("package-attribute", AttributeError, "NoSuchName", lambda t: tl.NoSuchName),
)

FOLDERS_AND_SAVING = rows(
    (
        "folder-labels-count",
        ValueError,
        "`labels`|(3,)",
        lambda t: tl.write_image_folder(BATCH, [0, 1, 0], t / "a", ["a", "b"]),
    ),
    (
        "folder-labels-range",
        ValueError,
        "`labels`|5",
        lambda t: tl.write_image_folder(BATCH, [0, 1, 0, 5], t / "a", ["a", "b"]),
    ),
    (
        "folder-class-names",
        ValueError,
        "`class_names`|a/b",
        lambda t: tl.write_image_folder(BATCH, [0] * 4, t / "a", ["a/b"]),
    ),
    (
        "folder-channels",
        ValueError,
        "`images`|(4, 4, 4, 2)",
        lambda t: tl.write_image_folder(np.zeros((4, 4, 4, 2)), [0] * 4, t / "a", ["a"]),
    ),
    (
        "folder-format",
        ValueError,
        "`format`|'gif'",
        lambda t: tl.write_image_folder(BATCH, [0] * 4, t / "a", ["a"], format="gif"),
    ),
    (
        "folder-jpeg-alpha",
        ValueError,
        "`format`|(4, 4, 4, 4)",
        lambda t: tl.write_image_folder(
            np.zeros((4, 4, 4, 4)), [0] * 4, t / "a", ["a"], format="jpg"
        ),
    ),
    (
        "verify-missing",
        ValueError,
        "`root`|missing",
        lambda t: tl.verify_image_folder(t / "missing"),
    ),
    (
        "save-copies",
        ValueError,
        "`copies`|0",
        lambda t: tl.save_augmented(BATCH, _same, t / "s", copies=0),
    ),
    (
        "save-format",
        ValueError,
        "`format`|'gif'",
        lambda t: tl.save_augmented(BATCH, _same, t / "s", format="gif"),
    ),
    (
        "save-seed",
        ValueError,
        "`seed`|-1",
        lambda t: tl.save_augmented(BATCH, _same, t / "s", seed=-1),
    ),
    ("save-augment", ValueError, "`augment`|int", lambda t: tl.save_augmented(BATCH, 5, t / "s")),
    (
        "save-source-names",
        ValueError,
        "`source_names`|1",
        lambda t: tl.save_augmented(BATCH, _same, t / "s", source_names=["a"]),
    ),
)

STATS_AND_ZCA = rows(
    (
        "stats-shapes",
        ValueError,
        "`std`|(2,)|(3,)",
        lambda t: tl.FeaturewiseStats(mean=np.zeros(3), std=np.ones(2), count=1),
    ),
    (
        "stats-batch-size",
        ValueError,
        "`batch_size`|0",
        lambda t: tl.featurewise_stats(BATCH, batch_size=0),
    ),
    ("stats-rescale", ValueError, "`rescale`|0", lambda t: tl.featurewise_stats(BATCH, rescale=0)),
    (
        "stats-empty",
        ValueError,
        "`data`|empty",
        lambda t: tl.featurewise_stats(np.zeros((0, 4, 4, 3))),
    ),
    ("stats-rank", ValueError, "`data`|(5,)", lambda t: tl.featurewise_stats(np.zeros(5))),
    (
        "stats-load-missing",
        ValueError,
        "`path`|missing.npz",
        lambda t: tl.load_stats(t / "missing.npz"),
    ),
    ("zca-epsilon", ValueError, "`epsilon`|-1", lambda t: tl.ZCA(epsilon=-1)),
    ("zca-components", ValueError, "`n_components`|0", lambda t: tl.ZCA(n_components=0)),
    ("zca-centering", ValueError, "`centering`|'mean'", lambda t: tl.ZCA(centering="mean")),
    ("zca-batch-size", ValueError, "`batch_size`|0", lambda t: tl.ZCA(batch_size=0)),
    (
        "zca-one-image",
        ValueError,
        "`x`|(1, 4, 4, 3)",
        lambda t: tl.ZCA().fit(np.zeros((1, 4, 4, 3))),
    ),
    (
        "zca-load-missing",
        ValueError,
        "`path`|missing.npz",
        lambda t: tl.ZCA.load(t / "missing.npz"),
    ),
)


def _saved(t: Path, kind: str, **replace) -> Path:
    """A ZCA or statistics file fitted on a small batch, with some arrays replaced."""
    x = np.random.default_rng(0).random((6, 3, 3, 1))
    fitted = tl.ZCA().fit(x) if kind == "zca" else tl.featurewise_stats(x)
    with np.load(fitted.save(t / f"{kind}.npz")) as data:
        arrays = {**{key: data[key] for key in data.files}, **replace}
    np.savez(t / "bad.npz", **arrays)
    return t / "bad.npz"


XY_IDENTICAL = np.full((5, 4, 4, 3), 7, np.uint8)
NAN_IMAGE = np.where(np.eye(8, dtype=bool)[..., None], np.nan, 0.0) * np.ones(3)
INF_IMAGE = np.where(np.eye(8, dtype=bool)[..., None], np.inf, 0.0) * np.ones(3)

STATS_AND_ZCA_FILES = rows(
    (
        "stats-rescale-bool",
        TypeError,
        "`rescale`|True",
        lambda t: tl.featurewise_stats(BATCH, True),
    ),
    (
        "stats-rescale-str",
        TypeError,
        "`rescale`|'0.5'",
        lambda t: tl.featurewise_stats(BATCH, rescale="0.5"),
    ),
    (
        "stats-progress",
        TypeError,
        "`progress`|'yes'",
        lambda t: tl.featurewise_stats(BATCH, progress="yes"),
    ),
    (
        "stats-complex",
        ValueError,
        "`data`|complex",
        lambda t: tl.featurewise_stats(BATCH.astype(complex)),
    ),
    (
        "stats-count",
        TypeError,
        "`count`|1.5",
        lambda t: tl.FeaturewiseStats(mean=np.zeros(1), std=np.ones(1), count=1.5),
    ),
    (
        "stats-load-nan",
        ValueError,
        "`path`|bad.npz|`mean`",
        lambda t: tl.load_stats(_saved(t, "stats", mean=np.array([np.nan]))),
    ),
    (
        "stats-load-count",
        ValueError,
        "`path`|bad.npz|`count`",
        lambda t: tl.load_stats(_saved(t, "stats", count=np.float64(2.5))),
    ),
    (
        "stats-load-zero",
        ValueError,
        "`path`|bad.npz|`count`|0",
        lambda t: tl.load_stats(_saved(t, "stats", count=np.int64(0))),
    ),
    (
        "stats-load-str",
        ValueError,
        "`path`|bad.npz|`std`",
        lambda t: tl.load_stats(_saved(t, "stats", std=np.array(["1"]))),
    ),
    ("zca-seed", ValueError, "`seed`|-1", lambda t: tl.ZCA(seed=-1)),
    ("zca-seed-type", TypeError, "`seed`|1.5", lambda t: tl.ZCA(seed=1.5)),
    ("zca-fit-none", TypeError, "`x`|NoneType", lambda t: tl.ZCA().fit(None)),
    ("zca-identical", ValueError, "`x`|no variance", lambda t: tl.ZCA().fit(XY_IDENTICAL)),
    (
        "zca-load-nan",
        ValueError,
        "`path`|bad.npz|`singular_values`",
        lambda t: tl.ZCA.load(_saved(t, "zca", singular_values=np.full(6, np.nan))),
    ),
    (
        "zca-load-samples",
        ValueError,
        "`path`|bad.npz|`n_samples`|0",
        lambda t: tl.ZCA.load(_saved(t, "zca", n_samples=np.int64(0))),
    ),
    (
        "zca-load-complex",
        ValueError,
        "`path`|bad.npz|`mean`|complex",
        lambda t: tl.ZCA.load(_saved(t, "zca", mean=np.zeros(1, complex))),
    ),
    (
        "zca-load-shape",
        ValueError,
        "`path`|bad.npz|`components`",
        lambda t: tl.ZCA.load(_saved(t, "zca", components=np.zeros((4, 6), np.float32))),
    ),
)

LAYER_AND_MORE = rows(
    ("layer-cval", ValueError, "`cval`|nan", lambda t: tl.GeneratorAugment(cval=float("nan"))),
    ("layer-seed", ValueError, "`seed`|-1", lambda t: tl.GeneratorAugment(seed=-1)),
    (
        "layer-flip",
        TypeError,
        "`horizontal_flip`|'yes'",
        lambda t: tl.GeneratorAugment(horizontal_flip="yes"),
    ),
    ("layer-from-int", TypeError, "`generator`|int", lambda t: tl.from_image_data_generator(5)),
    (
        "layer-box-format",
        ValueError,
        "`bounding_box_format`|'xyzw'",
        lambda t: tl.GeneratorAugment(bounding_box_format="xyzw"),
    ),
    (
        "layer-boxes-no-format",
        ValueError,
        "`bounding_box_format`|None",
        lambda t: tl.GeneratorAugment()({"images": BATCH, "bounding_boxes": _boxes()}),
    ),
    (
        "layer-boxes-keys",
        ValueError,
        "`inputs['bounding_boxes']`|'boxes'|['classes']",
        lambda t: _box_layer()({"images": BATCH, "bounding_boxes": {"classes": 1}}),
    ),
    (
        "layer-boxes-shape",
        ValueError,
        "`inputs['bounding_boxes']['boxes']`|(4, 2, 5)|(4, 8, 8, 3)",
        lambda t: _box_layer()({"images": BATCH, "bounding_boxes": _boxes((4, 2, 5))}),
    ),
    (
        "layer-boxes-one-image",
        ValueError,
        "`inputs['bounding_boxes']['boxes']`|(4, 2, 4)|one image",
        lambda t: _box_layer()({"images": IMG, "bounding_boxes": _boxes()}),
    ),
    (
        "layer-boxes-count",
        ValueError,
        "`inputs['bounding_boxes']['boxes']`|3 for 4 images",
        lambda t: _box_layer()({"images": BATCH, "bounding_boxes": _boxes((3, 2, 4), (3, 2))}),
    ),
    (
        "layer-boxes-labels",
        ValueError,
        "`inputs['bounding_boxes']['labels']`|(4, 2)|(4, 3)",
        lambda t: _box_layer()({"images": BATCH, "bounding_boxes": _boxes(labels=(4, 3))}),
    ),
    (
        "layer-boxes-unsigned",
        ValueError,
        "`inputs['bounding_boxes']['labels']`|-1|uint8",
        lambda t: _box_layer()({"images": BATCH, "bounding_boxes": _boxes(dtype=np.uint8)}),
    ),
    (
        "layer-boxes-ragged",
        ValueError,
        "`inputs['bounding_boxes']['boxes']`|ragged",
        lambda t: _box_layer()(
            {"images": IMG, "bounding_boxes": {"boxes": [[1, 2, 3, 4], [1]], "labels": [0, 1]}}
        ),
    ),
    (
        "layer-boxes-type",
        ValueError,
        "`inputs['bounding_boxes']['labels']`|str",
        lambda t: _box_layer()({"images": BATCH, "bounding_boxes": {**_boxes(), "labels": "a"}}),
    ),
    ("matrices-height", ValueError, "`height`|0", lambda t: tl.generator_matrices({}, 0, 4)),
    ("matrices-width", TypeError, "`width`|2.5", lambda t: tl.generator_matrices({}, 4, 2.5)),
    (
        "matrices-key",
        ValueError,
        "`params`|'rotation'",
        lambda t: tl.generator_matrices({"rotation": 1.0}, 4, 4),
    ),
    ("pair-params-height", ValueError, "`height`|0", lambda t: tl.PairParams(height=0, width=4)),
    (
        "pair-params-rotation",
        ValueError,
        "`rotation`|nan",
        lambda t: tl.PairParams(height=4, width=4, rotation=float("nan")),
    ),
    ("pair-params-zoom", ValueError, "`zoom_x`|0", lambda t: tl.PairParams(4, 4, zoom_x=0.0)),
    ("pair-params-crop", ValueError, "`crop_top`|-1", lambda t: tl.PairParams(4, 4, crop_top=-1)),
    (
        "pair-params-flip",
        TypeError,
        "`vertical_flip`|'no'",
        lambda t: tl.PairParams(4, 4, vertical_flip="no"),
    ),
    ("paired-cval-nan", ValueError, "`cval`|nan", lambda t: tl.PairedAugmenter(cval=float("nan"))),
    ("paired-cval-inf", ValueError, "`cval`|inf", lambda t: tl.PairedAugmenter(cval=float("inf"))),
    (
        "verify-loader",
        ValueError,
        "`loader`|'nope'",
        lambda t: tl.verify_image_folder(t, loader="nope"),
    ),
    (
        "save-copies-float",
        TypeError,
        "`copies`|1.5",
        lambda t: tl.save_augmented(BATCH, _same, t / "s", copies=1.5),
    ),
    (
        "save-prefix",
        ValueError,
        "`prefix`|5",
        lambda t: tl.save_augmented(BATCH, _same, t / "s", prefix=5),
    ),
    (
        "save-nan",
        ValueError,
        "`images`|NaN",
        lambda t: tl.save_augmented(NAN_IMAGE[None], _same, t / "s"),
    ),
    ("erode-nan", ValueError, "`image`|NaN", lambda t: tl.erode(NAN_IMAGE)),
    ("displayable-inf", ValueError, "`image`|infinite", lambda t: tl.to_displayable(INF_IMAGE)),
)

DATA_SERVICE = rows(
    (
        "service-workers",
        ValueError,
        "`num_workers`|0",
        lambda t: tl.local_data_service(num_workers=0).__enter__(),
    ),
    (
        "service-port-type",
        TypeError,
        "`port`|'x'",
        lambda t: tl.local_data_service(1, port="x").__enter__(),
    ),
    (
        "service-port-range",
        ValueError,
        "`port`|70000",
        lambda t: tl.local_data_service(1, port=70000).__enter__(),
    ),
    (
        "service-timeout",
        ValueError,
        "`timeout`|0",
        lambda t: tl.local_data_service(1, timeout=0).__enter__(),
    ),
    (
        "stats-merge-channels",
        ValueError,
        "`other`|1 channel",
        lambda t: tl.FeaturewiseStats(mean=np.zeros(3), std=np.ones(3), count=1).merge(
            tl.FeaturewiseStats(mean=np.zeros(1), std=np.ones(1), count=1)
        ),
    ),
    (
        "covariance-merge-shape",
        ValueError,
        "`other`|(2, 2, 3)",
        lambda t: tl.covariance_stats(np.ones((2, 2, 2, 1))).merge(
            tl.covariance_stats(np.ones((2, 2, 2, 3)))
        ),
    ),
    (
        "covariance-nan",
        ValueError,
        "`data`|NaN",
        lambda t: tl.covariance_stats(NAN_IMAGE[None]),
    ),
    (
        "covariance-service-dataset",
        ValueError,
        "`dataset`|ndarray",
        lambda t: tl.covariance_stats_on_service(np.ones((2, 2, 2, 1)), "grpc://localhost:1"),
    ),
)

TTA = rows(
    ("tta-predict", TypeError, "`predict`|int 3", lambda t: tl.tta_predict(3, BATCH)),
    ("tta-images-rank", ValueError, "`images`|(8, 8)", lambda t: tl.tta_views(IMG[..., 0])),
    ("tta-images-empty", ValueError, "`images`|empty", lambda t: tl.tta_views(BATCH[:0])),
    ("tta-str", TypeError, "`transforms`|'hflip'", lambda t: tl.tta_views(BATCH, "hflip")),
    ("tta-none", ValueError, "`transforms`|empty", lambda t: tl.tta_views(BATCH, [])),
    (
        "tta-name",
        ValueError,
        "`transforms[1]`|'rotate'|'hflip'",
        lambda t: tl.tta_views(BATCH, ["identity", "rotate"]),
    ),
    ("tta-shift-0", ValueError, "`shift`|got 0", lambda t: tl.tta_views(BATCH, ["shift_up"], 0)),
    ("tta-shift-type", TypeError, "`shift`|1.5", lambda t: tl.tta_views(BATCH, ["shift_up"], 1.5)),
    (
        "tta-shift-big",
        ValueError,
        "`shift`|8x8|got 8",
        lambda t: tl.tta_views(BATCH, ["shift_left"], shift=8),
    ),
    (
        "tta-fill",
        ValueError,
        "`fill_mode`|'mirror'|'nearest'",
        lambda t: tl.tta_views(BATCH, fill_mode="mirror"),
    ),
    (
        "tta-callable-shape",
        ValueError,
        "`transforms`|(4, 8, 8, 3)|(4, 4, 4, 3)",
        lambda t: tl.tta_views(BATCH, [lambda x: x[:, :4, :4]]),
    ),
    (
        "tta-rows",
        ValueError,
        "`predict`|8 images|shape (1,)",
        lambda t: tl.tta_predict(lambda x: np.zeros(1), BATCH),
    ),
    (
        "tta-scalar",
        ValueError,
        "`predict`|shape ()",
        lambda t: tl.tta_predict(lambda x: 0.0, BATCH),
    ),
    (
        "tta-batch",
        ValueError,
        "`batch_size`|got 0",
        lambda t: tl.tta_predict(_same, BATCH, batch_size=0),
    ),
    (
        "tta-return-all",
        TypeError,
        "`return_all`|'yes'",
        lambda t: tl.tta_predict(_same, BATCH, return_all="yes"),
    ),
)

TARGETS = rows(
    (
        "boxes-shape",
        ValueError,
        "`boxes`|(2, 3)|(n, 4)",
        lambda t: tl.PairedAugmenter().augment(IMG, boxes=np.zeros((2, 3))),
    ),
    (
        "boxes-x-order",
        ValueError,
        "`boxes`|x_max < x_min|[5.0, 0.0, 2.0, 1.0]",
        lambda t: tl.PairedAugmenter().augment(IMG, boxes=[[5, 0, 2, 1]]),
    ),
    (
        "boxes-y-order",
        ValueError,
        "`boxes`|y_max < y_min",
        lambda t: tl.PairedAugmenter().augment(IMG, boxes=[[0, 3, 2, 1]]),
    ),
    (
        "boxes-nan",
        ValueError,
        "`boxes`|nan|finite",
        lambda t: tl.PairedAugmenter().augment(IMG, boxes=[[0, 0, np.nan, 1]]),
    ),
    (
        "boxes-text",
        ValueError,
        "`boxes`|str|numeric",
        lambda t: tl.PairedAugmenter().augment(IMG, boxes="0 0 1 1"),
    ),
    (
        "keypoints-shape",
        ValueError,
        "`keypoints`|(3,)|(k, 2)",
        lambda t: tl.PairedAugmenter().augment(IMG, keypoints=[1, 2, 3]),
    ),
    (
        "keypoints-inf",
        ValueError,
        "`keypoints`|inf|finite",
        lambda t: tl.PairedAugmenter().augment(IMG, keypoints=[[np.inf, 1]]),
    ),
    (
        "min-visibility",
        ValueError,
        "`min_visibility`|1.5|[0.0, 1.0]",
        lambda t: tl.PairedAugmenter(min_visibility=1.5),
    ),
    (
        "min-visibility-type",
        TypeError,
        "`min_visibility`|'half'",
        lambda t: tl.PairedAugmenter(min_visibility="half"),
    ),
    (
        "box-labels-no-mask",
        ValueError,
        "`box_labels`|no mask",
        lambda t: tl.PairedAugmenter().augment(IMG, boxes=[[0, 0, 1, 1]], box_labels=[1]),
    ),
    (
        "box-labels-count",
        ValueError,
        "`box_labels`|(2,)|(1,)",
        lambda t: tl.PairedAugmenter().augment(
            IMG, MASKS[0], boxes=[[0, 0, 1, 1]], box_labels=[1, 2]
        ),
    ),
    (
        "batch-boxes-count",
        ValueError,
        "`boxes`|3 entries|4",
        lambda t: tl.PairedAugmenter().augment_batch(BATCH, boxes=[[]] * 3),
    ),
    (
        "batch-boxes-row",
        ValueError,
        "`boxes[1]`|(1, 2)",
        lambda t: tl.PairedAugmenter().augment_batch(BATCH, boxes=[[], [[0, 1]], [], []]),
    ),
    (
        "flow-keypoints-row",
        ValueError,
        "`keypoints[0]`|(1, 3)",
        lambda t: tl.PairedAugmenter().flow(BATCH, keypoints=[[[0, 1, 2]]] + [[]] * 3),
    ),
    ("iou-shape", ValueError, "`a`|(2, 2)", lambda t: tl.box_iou(np.zeros((2, 2)), [0, 0, 1, 1])),
    (
        "from-mask-float",
        ValueError,
        "`mask`|float64",
        lambda t: tl.boxes_from_mask(np.zeros((4, 4)), [1]),
    ),
    (
        "from-mask-labels",
        ValueError,
        "`labels`|1.5",
        lambda t: tl.boxes_from_mask(MASKS[0], [1.5]),
    ),
    (
        "loose-label",
        ValueError,
        "`label`|7|no pixel",
        lambda t: tl.loose_box_iou(MASKS[0], 7, [0, 45]),
    ),
    (
        "loose-angles",
        ValueError,
        "`angles`|nan",
        lambda t: tl.loose_box_iou(MASKS[0] + 1, 1, [0, np.nan]),
    ),
)

CASES = CROP + PAIRED + TRANSFORMS + PLOTTING + DATASETS + SEEDING_AND_BATCHES
CASES += FOLDERS_AND_SAVING + STATS_AND_ZCA + STATS_AND_ZCA_FILES + LAYER_AND_MORE + DATA_SERVICE
CASES += TTA
CASES += TARGETS


def _modules_called(case) -> set[str]:
    """The tutorial_lib modules whose names a row's call uses."""
    found = set()
    for name in case.values[0].__code__.co_names:
        obj = getattr(tl, name, None)
        if inspect.ismodule(obj):
            found.add(obj.__name__.rsplit(".", 1)[-1])
        elif obj is not None and getattr(obj, "__module__", "").startswith("tutorial_lib."):
            found.add(obj.__module__.rsplit(".", 1)[-1])
    return found


def test_the_table_covers_every_module():
    modules = {path.stem for path in PACKAGE.glob("*.py") if not path.stem.startswith("_")}
    assert {"generator_augment", "stats", "zca"} <= modules  # the glob found the package
    counts = Counter(module for case in CASES for module in _modules_called(case))
    assert len(CASES) >= 60
    assert {m for m in modules if counts[m] == 0} == set()


@pytest.mark.parametrize("call, error, words", CASES)
def test_bad_input_is_refused_with_a_clear_message(call, error, words, tmp_path):
    with pytest.raises(error) as info:
        call(tmp_path)
    message = str(info.value)
    for word in words:
        assert word in message
    # raised by the package itself, not deep inside NumPy, PIL or Keras
    assert Path(info.traceback[-1].path).parent == PACKAGE


def test_a_refused_call_writes_nothing(tmp_path):
    with pytest.raises(ValueError):
        tl.save_augmented(BATCH, _same, tmp_path / "s", copies=0)
    with pytest.raises(ValueError):
        tl.write_image_folder(BATCH, [0, 1, 0], tmp_path / "a", ["a", "b"])
    assert list(tmp_path.iterdir()) == []


def test_wrong_types_are_type_errors_that_old_value_error_handlers_still_catch():
    with pytest.raises(TypeError) as info:
        tl.PairedBatchIterator(BATCH, MASKS, batch_size=2.5)
    assert isinstance(info.value, ValueError)
    with pytest.raises(ValueError) as info:  # a wrong value is a ValueError only
        tl.PairedBatchIterator(BATCH, MASKS, batch_size=0)
    assert not isinstance(info.value, TypeError)


@given(n=st.integers(1, 50), data=st.data())
def test_check_index_agrees_with_list_indexing(n, data):
    index = data.draw(st.integers(-2 * n, 2 * n))
    items = list(range(n))
    if -n <= index < n:
        assert _checks.check_index(index, n) == items[index]
        assert _checks.check_index(np.int32(index), n) == items[index]
    else:
        with pytest.raises(IndexError, match=f"`index` {index} is out of range"):
            _checks.check_index(index, n)


@pytest.mark.parametrize("index", [1.0, 1.5, True, np.bool_(True), "1", None, np.float64(1)])
def test_check_index_takes_integers_only(index):
    with pytest.raises(TypeError, match="`index` must be an integer, got "):
        _checks.check_index(index, 3)


@pytest.mark.parametrize(
    "check, value, got",
    [
        (_checks.check_batch_size, 0, "got 0"),
        (partial(_checks.check_number, name="x", minimum=0, maximum=1), 1.5, "got 1.5"),
        (partial(_checks.check_positive_number, name="x"), float("inf"), "got inf"),
        (partial(_checks.check_fraction, name="x"), float("nan"), "got nan"),
        (partial(_checks.check_choice, name="x", choices=("a", "b")), ["a"], "got ['a']"),
        (partial(_checks.check_sequence_length, n=2, name="x", per="image"), [1, 2], None),
        (partial(_checks.check_sequence_length, n=2, name="x", per="image"), [1], "has 1"),
        (partial(_checks.check_size, name="x"), (1, 2, 3), "got tuple (1, 2, 3)"),
        (partial(_checks.check_bool, name="x"), 1, "got int 1"),
        (partial(_checks.check_seed, name="x"), -3, "got -3"),
    ],
)
def test_every_check_names_the_argument_what_it_got_and_what_it_expects(check, value, got):
    if got is None:  # a good value passes
        check(value)
        return
    with pytest.raises(ValueError) as info:
        check(value)
    message = str(info.value)
    assert message.startswith(("`x`", "`batch_size`"))
    assert got in message
    assert "must" in message or "expected" in message
