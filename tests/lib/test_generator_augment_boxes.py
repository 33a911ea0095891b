"""Bounding boxes through tutorial_lib.GeneratorAugment: the images' draw, Keras' layout.

Objects and their masks come from ``tl.make_shapes``; a box is the tight box of its mask in
pixel edges (``[x_min, y_min, x_max + 1, y_max + 1]`` of the mask's pixels), as Keras' boxes
are. Where the warp moves whole pixels (flips, quarter turns, whole-pixel shifts, a 2x zoom)
the moved box must be the tight box of the moved mask; under any other warp it must contain
every pixel centre of the moved mask. Runs on JAX too (test_generator_augment.py reruns this
file in a JAX subprocess).
"""

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tutorial_lib as tl
from tutorial_lib._keras_boxes import BOX_FORMATS, from_xyxy, to_xyxy
from tutorial_lib.generator_augment import GeneratorAugment

BACKEND = keras.backend.backend()
KERAS_BOXES = hasattr(keras.utils, "bounding_boxes")  # Keras 3.7+: converters, boxes in layers
FEW = 25 if BACKEND == "tensorflow" else 8  # hypothesis examples (JAX: CI time)


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def tight_box(mask) -> np.ndarray | None:
    """The pixel-edge xyxy box of a mask's nonzero pixels, None for an empty mask."""
    rows, cols = np.nonzero(mask)
    if rows.size == 0:
        return None
    return np.array([cols.min(), rows.min(), cols.max() + 1, rows.max() + 1], "float32")


def shapes(n=4, size=32, seed=0):
    """make_shapes images and masks, with each image's object box and class as its label."""
    images, labels, masks = tl.make_shapes(n, size=size, seed=seed)
    boxes = np.stack([tight_box(m) for m in masks])[:, None]
    return images, masks, {"boxes": boxes, "labels": labels[:, None].astype("int32")}


def exact_layer(**kwargs):
    """Nearest neighbour, background fill: the moved masks hold exactly the moved objects."""
    return GeneratorAugment(
        fill_mode="constant", interpolation="nearest", bounding_box_format="xyxy", **kwargs
    )


def assert_boxes_are_the_masks_tight_boxes(out, labels):
    """Whole objects: box = tight box of the mask; cut ones: inside the box; -1 iff no area."""
    boxes, got = numpy(out["bounding_boxes"]["boxes"]), numpy(out["bounding_boxes"]["labels"])
    for mask, box, label, want in zip(numpy(out["segmentation_masks"]), boxes, got, labels):
        box, label, tight = box[0], label[0], tight_box(mask)
        area = (box[2] - box[0]) * (box[3] - box[1])
        assert (label == -1) == (area == 0) and label in (-1, want[0])  # Keras' mark
        if tight is None:
            continue
        assert label == want[0]
        height, width = mask.shape
        if min(tight[:2]) > 0 and tight[2] < width and tight[3] < height:  # a whole object
            np.testing.assert_allclose(box, tight, atol=1e-3)
        else:  # cut by the border: its box, clipped, holds what is left of it
            assert np.all(box[:2] <= tight[:2] + 1e-3) and np.all(box[2:] >= tight[2:] - 1e-3)


# --- exact moves --------------------------------------------------------------------------------

EXACT = [
    {"flip_horizontal": 1.0},
    {"flip_vertical": 1.0},
    {"theta": 90.0},
    {"theta": -90.0},
    {"theta": 180.0},
    {"tx": 5.0},
    {"ty": -7.0},
    {"tx": 20.0, "ty": 3.0},  # some objects leave the picture
    {"zx": 0.5, "zy": 0.5},  # 2x magnification about the centre
    {"theta": 90.0, "flip_horizontal": 1.0, "tx": 3.0, "ty": -2.0},
]


@pytest.mark.parametrize("params", EXACT, ids=lambda p: "+".join(p))
def test_whole_pixel_moves_move_boxes_exactly(params):
    images, masks, boxes = shapes(n=6, size=32, seed=3)
    out = exact_layer().apply_parameters(
        {"images": images, "segmentation_masks": masks, "bounding_boxes": boxes}, params
    )
    assert_boxes_are_the_masks_tight_boxes(out, boxes["labels"])


def test_a_flip_and_a_shift_move_a_box_by_their_formula():
    boxes = {"boxes": np.array([[[2.0, 4.0, 10.0, 8.0]]], "float32"), "labels": np.array([[3]])}
    images = np.zeros((1, 20, 30, 1), "float32")
    layer = GeneratorAugment(bounding_box_format="xyxy")
    flipped = layer.apply_parameters(
        {"images": images, "bounding_boxes": boxes}, {"flip_vertical": 1}
    )
    shifted = layer.apply_parameters({"images": images, "bounding_boxes": boxes}, {"tx": 1.5})
    assert numpy(flipped["bounding_boxes"]["boxes"]).tolist() == [[[2.0, 12.0, 10.0, 16.0]]]
    assert numpy(shifted["bounding_boxes"]["boxes"]).tolist() == [[[0.5, 4.0, 8.5, 8.0]]]


@settings(max_examples=FEW, deadline=None)
@given(seed=st.integers(0, 2**16), shift=st.integers(1, 12))
def test_random_flips_and_shifts_give_boxes_and_masks_the_same_draw(seed, shift):
    images, masks, boxes = shapes(n=8, size=(32, 40), seed=seed)
    layer = exact_layer(
        horizontal_flip=True,
        vertical_flip=True,
        width_shift_range=shift,  # an int: whole pixels 0 .. shift-1, random sign
        height_shift_range=shift,
        seed=seed,
    )
    out = layer({"images": images, "segmentation_masks": masks, "bounding_boxes": boxes})
    assert_boxes_are_the_masks_tight_boxes(out, boxes["labels"])
    assert not np.array_equal(numpy(out["segmentation_masks"]), masks)  # something moved


# --- any warp: the box contains the object ------------------------------------------------------


@settings(max_examples=FEW, deadline=None)
@given(
    theta=st.floats(-180, 180),
    shear=st.floats(-30, 30),
    zoom=st.tuples(st.floats(0.6, 1.4), st.floats(0.6, 1.4)),
    shift=st.tuples(st.floats(-6, 6), st.floats(-6, 6)),
    flip=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_any_rotation_gives_a_box_that_contains_the_object(theta, shear, zoom, shift, flip, seed):
    images, masks, boxes = shapes(n=3, size=(32, 44), seed=seed)
    params = {"theta": theta, "shear": shear, "zx": zoom[0], "zy": zoom[1], "tx": shift[0]}
    params.update(ty=shift[1], flip_horizontal=float(flip))
    out = exact_layer().apply_parameters(
        {"images": images, "segmentation_masks": masks, "bounding_boxes": boxes}, params
    )
    got = numpy(out["bounding_boxes"]["boxes"])[:, 0]
    labels = numpy(out["bounding_boxes"]["labels"])[:, 0]
    assert np.all(got >= 0) and np.all(got[:, [0, 2]] <= 44) and np.all(got[:, [1, 3]] <= 32)
    for mask, box, label, want in zip(
        numpy(out["segmentation_masks"]), got, labels, boxes["labels"]
    ):
        rows, cols = np.nonzero(mask)
        if rows.size:  # every pixel centre of the moved object is inside its box
            assert np.all((box[0] - 1e-3 <= cols + 0.5) & (cols + 0.5 <= box[2] + 1e-3))
            assert np.all((box[1] - 1e-3 <= rows + 0.5) & (rows + 0.5 <= box[3] + 1e-3))
            assert label == want[0]


def test_a_disk_turned_by_45_degrees_gets_a_box_twice_its_tight_box():
    images, masks, boxes = shapes(n=12, size=64, seed=1)
    out = exact_layer().apply_parameters(
        {"images": images, "segmentation_masks": masks, "bounding_boxes": boxes}, {"theta": 45.0}
    )
    got = numpy(out["bounding_boxes"]["boxes"])[:, 0]
    tight = np.stack([tight_box(m) for m in numpy(out["segmentation_masks"])])
    ratio = np.prod(got[:, 2:] - got[:, :2], axis=1) / np.prod(tight[:, 2:] - tight[:, :2], axis=1)
    whole = (got.min(axis=1) > 0) & (got.max(axis=1) < 64)
    disks = (boxes["labels"][:, 0] == tl.SHAPES_CLASS_NAMES.index("circle")) & whole
    assert disks.sum() >= 2 and np.all(np.abs(ratio[disks] - 2) < 0.25)  # the corners' box
    assert np.all(ratio[whole] >= 1 - 1e-6)  # never tighter than the object


# --- Keras' layout: formats, marks, dtypes, inference -------------------------------------------


def keras_rel_center_xywh_is_right() -> bool:
    """Whether the installed Keras reads "rel_center_xywh" back with x by the width and y by the
    height: keras-team/keras#22805 (fixed by #22806) swapped them, so that a non-square image's
    boxes came back wrong."""
    box = np.array([[[2.0, 4.0, 10.0, 20.0]]], "float32")
    convert = keras.utils.bounding_boxes.convert_format
    there = convert(box, "xyxy", "rel_center_xywh", height=32, width=40)
    back = numpy(convert(there, "rel_center_xywh", "xyxy", height=32, width=40))
    return bool(np.allclose(back, box, atol=1e-4))


def keras_convert(boxes, source, target, height, width):
    """Keras' own converter where it has a right one (3.7+, see above), else this package's."""
    buggy = "rel_center_xywh" in (source, target) and not keras_rel_center_xywh_is_right()
    if KERAS_BOXES and not buggy:
        convert = keras.utils.bounding_boxes.convert_format
        return numpy(convert(np.array(boxes), source, target, height=height, width=width))
    xyxy = to_xyxy(boxes, source, height, width)
    return numpy(from_xyxy(xyxy, target, height, width))


@pytest.mark.skipif(not KERAS_BOXES, reason="Keras before 3.7 has no box converters")
def test_keras_rel_center_xywh_bug_is_only_the_swap():
    """Where the installed Keras has keras-team/keras#22805, its reading of "rel_center_xywh" is
    exactly the swapped one (so this package's converter, which the layer uses, is the fix)."""
    rel = numpy(from_xyxy(np.array([[2.0, 4.0, 10.0, 20.0]]), "rel_center_xywh", 32, 40))
    convert = keras.utils.bounding_boxes.convert_format
    back = numpy(convert(rel[None], "rel_center_xywh", "xyxy", height=32, width=40))[0]
    (cx, cy, w, h), right = rel[0], np.array([[2.0, 4.0, 10.0, 20.0]])
    swapped = np.array(
        [[(cx - w / 2) * 32, (cy - h / 2) * 40, (cx + w / 2) * 32, (cy + h / 2) * 40]]
    )
    expected = right if keras_rel_center_xywh_is_right() else swapped
    np.testing.assert_allclose(back, expected, atol=1e-4)


@pytest.mark.parametrize("fmt", BOX_FORMATS)
def test_every_keras_format_gives_the_same_boxes(fmt):
    images, masks, boxes = shapes(n=4, size=(32, 40), seed=2)
    params = {"theta": 30.0, "tx": 3.0, "flip_vertical": 1.0}
    want = exact_layer().apply_parameters({"images": images, "bounding_boxes": boxes}, params)
    given_boxes = keras_convert(boxes["boxes"], "xyxy", fmt, 32, 40)
    layer = GeneratorAugment(bounding_box_format=fmt)
    got = layer.apply_parameters(
        {"images": images, "bounding_boxes": {**boxes, "boxes": given_boxes}}, params
    )
    as_xyxy = keras_convert(numpy(got["bounding_boxes"]["boxes"]), fmt, "xyxy", 32, 40)
    np.testing.assert_allclose(as_xyxy, numpy(want["bounding_boxes"]["boxes"]), atol=1e-3)
    if KERAS_BOXES:  # and this package's converters are Keras' own
        ours = numpy(from_xyxy(boxes["boxes"], fmt, 32, 40))
        np.testing.assert_allclose(ours, given_boxes, atol=1e-4)
        np.testing.assert_allclose(numpy(to_xyxy(ours, fmt, 32, 40)), boxes["boxes"], atol=1e-4)


def two_images_three_boxes(labels_dtype="int32"):
    boxes = np.array(
        [
            [[2, 2, 10, 6], [20, 1, 30, 9], [0, 0, 0, 0]],  # the last one is padding
            [[1, 1, 5, 5], [25, 0, 36, 5], [0, 0, 0, 0]],
        ],
        "float32",
    )
    labels = np.array([[1, 2, -1], [0, 4, -1]], labels_dtype)
    return np.zeros((2, 16, 32, 3), "float32"), {"boxes": boxes, "labels": labels}


def test_boxes_that_leave_the_picture_keep_their_place_with_label_minus_one():
    images, boxes = two_images_three_boxes()
    out = GeneratorAugment(bounding_box_format="xyxy").apply_parameters(
        {"images": images, "bounding_boxes": boxes}, {"tx": [12.0, -20.0]}
    )
    got, labels = numpy(out["bounding_boxes"]["boxes"]), numpy(out["bounding_boxes"]["labels"])
    assert got.shape == (2, 3, 4) and labels.tolist() == [[-1, 2, -1], [0, -1, -1]]
    assert got[0, 1].tolist() == [8.0, 1.0, 18.0, 9.0]  # moved 12 to the left
    assert got[1, 0].tolist() == [21.0, 1.0, 25.0, 5.0] and got[1, 1].tolist()[0] == 32.0


@pytest.mark.skipif(not KERAS_BOXES, reason="Keras' layers take boxes from Keras 3.7 on")
def test_the_marks_are_those_of_keras_own_translation_layer():
    images, boxes = two_images_three_boxes()
    keras_layer = keras.layers.RandomTranslation(
        height_factor=(0.0, 0.0), width_factor=(-0.375, -0.375), bounding_box_format="xyxy"
    )
    theirs = keras_layer({"images": images, "bounding_boxes": {**boxes}})["bounding_boxes"]
    ours = GeneratorAugment(bounding_box_format="xyxy").apply_parameters(
        {"images": images, "bounding_boxes": boxes},
        {"tx": 12.0},  # 0.375 of 32 pixels
    )["bounding_boxes"]
    np.testing.assert_allclose(numpy(ours["boxes"]), numpy(theirs["boxes"]), atol=1e-4)
    assert numpy(ours["labels"]).tolist() == numpy(theirs["labels"]).tolist()


@pytest.mark.parametrize("labels_dtype", ["int32", "int64", "float32"])
def test_shapes_and_dtypes_are_kept(labels_dtype):
    images, boxes = two_images_three_boxes(labels_dtype)
    masks = np.zeros((2, 16, 32), "uint8")
    layer = GeneratorAugment(rotation_range=30, bounding_box_format="xyxy", seed=0)
    data = {"images": images, "segmentation_masks": masks, "bounding_boxes": boxes}
    out = layer(data, training=True)
    assert list(out) == list(data) and list(out["bounding_boxes"]) == ["boxes", "labels"]
    got_boxes, got_labels = out["bounding_boxes"]["boxes"], out["bounding_boxes"]["labels"]
    assert tuple(got_boxes.shape) == (2, 3, 4) and tuple(got_labels.shape) == (2, 3)
    assert keras.backend.standardize_dtype(got_boxes.dtype) == "float32"  # as Keras' layers
    if BACKEND == "tensorflow" or labels_dtype != "int64":  # JAX keeps 32 bits by default
        assert keras.backend.standardize_dtype(got_labels.dtype) == labels_dtype
    assert numpy(out["segmentation_masks"]).dtype == np.uint8


def test_one_image_takes_its_boxes_without_a_batch_axis():
    images, masks, boxes = shapes(n=1, size=32, seed=4)
    single = {"boxes": boxes["boxes"][0], "labels": boxes["labels"][0]}
    layer = exact_layer()
    one = layer.apply_parameters(
        {"images": images[0], "segmentation_masks": masks[0], "bounding_boxes": single},
        {"theta": 90.0},
    )
    assert numpy(one["bounding_boxes"]["boxes"]).shape == (1, 4)
    assert numpy(one["bounding_boxes"]["labels"]).shape == (1,)
    got, mask = numpy(one["bounding_boxes"]["boxes"])[0], numpy(one["segmentation_masks"])
    np.testing.assert_allclose(got, tight_box(mask), atol=1e-3)


def test_inference_gives_boxes_back_unchanged_and_training_moves_them():
    images, boxes = two_images_three_boxes()
    boxes["boxes"][1, 1] = [25, 0, 36, 5]  # partly outside: not clipped at inference either
    layer = GeneratorAugment(
        rotation_range=40, width_shift_range=0.2, bounding_box_format="xyxy", seed=0
    )
    out = layer({"images": images, "bounding_boxes": boxes}, training=False)
    assert np.array_equal(numpy(out["bounding_boxes"]["boxes"]), boxes["boxes"])
    assert np.array_equal(numpy(out["bounding_boxes"]["labels"]), boxes["labels"])
    trained = layer({"images": images, "bounding_boxes": boxes}, training=True)
    assert not np.allclose(numpy(trained["bounding_boxes"]["boxes"]), boxes["boxes"])


def test_a_dict_comes_back_as_a_dict_with_its_keys():
    images = np.zeros((2, 8, 8, 3), "float32")
    layer = GeneratorAugment(rotation_range=10, seed=0)
    for training in (True, False):
        assert list(layer({"images": images}, training=training)) == ["images"]


def test_the_format_is_saved_in_the_config():
    layer = GeneratorAugment(horizontal_flip=True, bounding_box_format="rel_xywh", seed=1)
    twin = GeneratorAugment.from_config(layer.get_config())
    assert twin.bounding_box_format == "rel_xywh"
    images, boxes = two_images_three_boxes()
    boxes["boxes"] = keras_convert(boxes["boxes"], "xyxy", "rel_xywh", 16, 32)
    a = layer({"images": images, "bounding_boxes": boxes})["bounding_boxes"]["boxes"]
    b = twin({"images": images, "bounding_boxes": boxes})["bounding_boxes"]["boxes"]
    assert np.array_equal(numpy(a), numpy(b))


def test_from_image_data_generator_takes_the_format(ImageDataGenerator):
    generator = ImageDataGenerator(horizontal_flip=True)
    layer = tl.from_image_data_generator(generator, bounding_box_format="yxyx")
    assert layer.bounding_box_format == "yxyx"


@pytest.mark.skipif(BACKEND != "tensorflow", reason="tf.data runs Keras layers on TensorFlow")
def test_boxes_follow_their_images_in_a_tf_data_map():
    import tensorflow as tf

    images, masks, boxes = shapes(n=8, size=32, seed=5)
    layer = exact_layer(horizontal_flip=True, vertical_flip=True, height_shift_range=6, seed=0)
    data = {"images": images, "segmentation_masks": masks, "bounding_boxes": boxes}
    ds = tf.data.Dataset.from_tensor_slices(data).batch(4).map(layer)  # batch size unknown
    batches = list(ds)
    assert len(batches) == 2
    for i, out in enumerate(batches):
        assert_boxes_are_the_masks_tight_boxes(out, boxes["labels"][4 * i : 4 * i + 4])
