"""Boxes and keypoints follow the image in PairedAugmenter: ONE draw for image, mask, boxes and
keypoints; every property for both resampling backends.

Conventions under test: boxes are pixel-EDGE ``x_min, y_min, x_max, y_max`` (a box over pixel
column ``c`` spans ``[c, c + 1)``); keypoints are at pixel CENTRES (pixel ``(r, c)`` is
``(x=c, y=r)``); keypoints that leave the picture are NaN.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from test_paired import BACKENDS  # numpy, and opencv where cv2 imports

import tutorial_lib as tl
from tutorial_lib import AugmentedSample, PairedAugmenter, PairParams

SETTINGS = settings(max_examples=40, deadline=None)

#: How far OpenCV's sampling positions may be from SciPy's (float32, or 1/1024 pixel steps):
#: a pixel centre may sit this far outside the box that contains it exactly.
SLACK = {"numpy": 1e-9, "opencv": 1.0 / 32}


def _rect_scene(size, box, mark):
    """A mask with the rectangle ``box`` (pixel-edge ints) as label 1 and one marked pixel
    ``mark = (row, col)`` as label 2; the keypoint of the marked pixel."""
    mask = np.zeros((size, size), np.uint8)
    x0, y0, x1, y1 = box
    mask[y0:y1, x0:x1] = 1
    mask[mark] = 2
    return mask, np.array([[mark[1], mark[0]]], np.float64)


def _check_exact(out, size_out):
    """Box == tight box of the warped rectangle; keypoint == the warped marked pixel."""
    tight = tl.boxes_from_mask(out.mask, [1])
    if np.isnan(tight).any():  # the rectangle left the picture: so did its box
        assert len(out.boxes) == 0 and out.box_indices.tolist() == []
    else:
        assert out.box_indices.tolist() == [0]
        np.testing.assert_array_equal(out.boxes, tight)
    marked = np.argwhere(out.mask == 2)
    if len(marked) == 0:
        assert np.isnan(out.keypoints).all()
    else:
        assert len(marked) == 1
        np.testing.assert_array_equal(out.keypoints, [marked[0][::-1]])


@st.composite
def rect_scenes(draw, sizes=(8, 12, 17, 24)):
    n = draw(st.sampled_from(sizes))
    x0, x1 = sorted(draw(st.lists(st.integers(0, n), min_size=2, max_size=2, unique=True)))
    y0, y1 = sorted(draw(st.lists(st.integers(0, n), min_size=2, max_size=2, unique=True)))
    mark = (draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1)))
    if y0 <= mark[0] < y1 and x0 <= mark[1] < x1:  # keep the rectangle whole: mark outside
        mark = (n - 1, n - 1) if (y1, x1) != (n, n) else (0, 0)
        if y0 <= mark[0] < y1 and x0 <= mark[1] < x1:
            mark = None
    return n, (x0, y0, x1, y1), mark


@BACKENDS
@SETTINGS
@given(
    scene=rect_scenes(),
    quarter_turns=st.integers(0, 3),
    hflip=st.booleans(),
    vflip=st.booleans(),
    shift=st.tuples(st.integers(-10, 10), st.integers(-10, 10)),
)
def test_flips_quarter_turns_and_whole_pixel_shifts_move_targets_exactly(
    backend, scene, quarter_turns, hflip, vflip, shift
):
    n, box, mark = scene
    mask, keypoints = _rect_scene(n, box, mark or (0, 0))
    if mark is None:
        keypoints = np.zeros((0, 2))
    params = PairParams(
        n,
        n,
        rotation=90.0 * quarter_turns,
        horizontal_flip=hflip,
        vertical_flip=vflip,
        shift_y=float(shift[0]),
        shift_x=float(shift[1]),
    )
    aug = PairedAugmenter(backend=backend, interpolation_order=0)
    out = aug.apply(mask, mask, params, boxes=[box], keypoints=keypoints)
    if mark is None:
        assert out.keypoints.shape == (0, 2)
        out = AugmentedSample(
            out.image, out.mask, out.boxes, np.full((1, 2), np.nan), out.box_indices
        )
        out.mask[out.mask == 2] = 0
    _check_exact(out, n)


@BACKENDS
@SETTINGS
@given(scene=rect_scenes((9, 11, 13)), k=st.sampled_from([3, 5]))
def test_odd_whole_zooms_in_move_targets_exactly(backend, scene, k):
    # zooming in by an odd whole factor k about the centre of an odd-sized picture turns every
    # pixel into a k x k block of pixels, with no half-pixel ties in the nearest neighbour
    n, box, mark = scene
    mask, keypoints = _rect_scene(n, box, mark or (0, 0))
    mask[mask == 2] = 0 if mark is None else 2
    params = PairParams(n, n, zoom_x=1.0 / k, zoom_y=1.0 / k)
    out = PairedAugmenter(backend=backend).apply(
        mask, mask, params, boxes=[box], keypoints=keypoints
    )
    tight = tl.boxes_from_mask(out.mask, [1])
    if np.isnan(tight).any():
        assert len(out.boxes) == 0
    else:
        np.testing.assert_array_equal(out.boxes, tight)
    if mark is not None and not np.isnan(out.keypoints).any():
        x, y = out.keypoints[0]
        assert x == int(x) and y == int(y)
        assert out.mask[int(y), int(x)] == 2  # the centre of the marked pixel's k x k block
        block = np.argwhere(out.mask == 2)
        assert (block.mean(axis=0) == [y, x]).all() or len(block) < k * k  # cut by the border


@BACKENDS
@SETTINGS
@given(
    size=st.sampled_from([16, 17, 24]),
    zoom=st.sampled_from([2.0, 3.0, 0.5, 0.25]),
    box=st.tuples(st.integers(0, 7), st.integers(0, 7), st.integers(8, 16), st.integers(8, 16)),
    point=st.tuples(st.integers(0, 15), st.integers(0, 15)),
)
def test_whole_zooms_scale_targets_about_the_centre(backend, size, zoom, box, point):
    # zoom factors above 1 zoom out (ImageDataGenerator's convention): sizes divide by zoom
    params = PairParams(size, size, zoom_x=zoom, zoom_y=zoom)
    img = np.zeros((size, size), np.uint8)
    out = PairedAugmenter(backend=backend).apply(img, None, params, boxes=[box], keypoints=[point])
    edges = size / 2 + (np.array(box, float) - size / 2) / zoom  # edges about W / 2
    clipped = np.clip(edges, 0, size)
    if clipped[2] > clipped[0] and clipped[3] > clipped[1]:
        np.testing.assert_allclose(out.boxes, [clipped], rtol=0, atol=1e-12)
    else:  # zoomed in, the box is out of the picture
        assert out.boxes.shape == (0, 4)
    centre = (size - 1) / 2 + (np.array(point, float) - (size - 1) / 2) / zoom  # centres
    if ((centre >= -0.5) & (centre < size - 0.5)).all():
        np.testing.assert_allclose(out.keypoints, [centre], rtol=0, atol=1e-12)
    else:
        assert np.isnan(out.keypoints).all()


@st.composite
def shapes(draw):
    seed = draw(st.integers(0, 2**16))
    size = draw(st.sampled_from([32, 40]))
    _, labels, masks = tl.make_shapes(1, size=size, seed=seed)
    return masks[0], int(labels[0]) + 1


@BACKENDS
@SETTINGS
@given(
    scene=shapes(),
    seed=st.integers(0, 2**16),
    zoom=st.sampled_from([0.0, 0.3]),
    shear=st.sampled_from([0.0, 15.0]),
    crop=st.sampled_from([None, 24]),
)
def test_any_warp_keeps_the_object_inside_its_box(backend, scene, seed, zoom, shear, crop):
    mask, label = scene
    box = tl.boxes_from_mask(mask, [label])
    aug = PairedAugmenter(
        rotation_range=180,
        zoom_range=zoom,
        shear_range=shear,
        width_shift_range=0.2,
        horizontal_flip=True,
        crop_size=crop,
        backend=backend,
    )
    out = aug.augment(mask, mask, seed=seed, boxes=box)
    rows, cols = np.nonzero(out.mask == label)
    if len(rows) == 0:
        return  # the object left the picture (its box may keep a sliver of empty corner)
    assert out.box_indices.tolist() == [0]
    x0, y0, x1, y1 = out.boxes[0]
    s = SLACK[backend]
    # every pixel of the object has its centre in the box
    assert (cols + 0.5 >= x0 - s).all() and (cols + 0.5 <= x1 + s).all()
    assert (rows + 0.5 >= y0 - s).all() and (rows + 0.5 <= y1 + s).all()
    # tightened from the mask: exactly the object's box, inside the loose one
    tight = aug.augment(mask, mask, seed=seed, boxes=box, box_labels=[label])
    np.testing.assert_array_equal(tight.boxes, tl.boxes_from_mask(out.mask, [label]))
    assert (tight.boxes[0, :2] >= out.boxes[0, :2] - 1).all()
    assert (tight.boxes[0, 2:] <= out.boxes[0, 2:] + 1).all()
    assert tl.box_iou(tight.boxes[0], out.boxes[0]) <= 1.0


@BACKENDS
@SETTINGS
@given(
    point=st.tuples(st.integers(1, 30), st.integers(1, 30)),
    seed=st.integers(0, 2**16),
    crop=st.sampled_from([None, 20]),
)
def test_a_keypoint_lands_on_its_marked_pixel(backend, point, seed, crop):
    # a 3 x 3 block marks the pixel; the output pixel nearest to the moved keypoint (within half
    # a pixel of it on each axis) shows the block: its sample is within 0.5 * sqrt(2) * 1.25
    # input pixels of the marked pixel, inside the block
    r, c = point
    mask = np.zeros((32, 32), np.uint8)
    mask[r - 1 : r + 2, c - 1 : c + 2] = 1
    aug = PairedAugmenter(
        rotation_range=180,
        zoom_range=0.25,
        height_shift_range=0.3,
        vertical_flip=True,
        crop_size=crop,
        backend=backend,
    )
    out = aug.augment(mask, mask, seed=seed, keypoints=[[c, r]])
    x, y = out.keypoints[0]
    if np.isnan(x):
        assert np.isnan(y)
        return
    nearest = int(np.floor(y + 0.5)), int(np.floor(x + 0.5))
    assert abs(nearest[0] - y) <= 0.5 and abs(nearest[1] - x) <= 0.5
    assert out.mask[nearest] == 1


def _index_scene(h, w):
    """An image whose pixel values are their own flat index (order 0 moves them unchanged)."""
    return np.arange(h * w, dtype=np.int32).reshape(h, w)


def _displacement(image_in_shape, out_image):
    """(dx, dy) of the contents, read off a moved index image (None when nothing is left)."""
    rows, cols = np.nonzero(out_image >= 0)
    if len(rows) == 0:
        return None
    r0, c0 = divmod(int(out_image[rows[0], cols[0]]), image_in_shape[1])
    return cols[0] - c0, rows[0] - r0


@BACKENDS
@SETTINGS
@given(
    seed=st.integers(0, 2**16),
    crop=st.sampled_from([None, (12, 20), (20, 8)]),
    min_visibility=st.sampled_from([0.0, 0.25, 0.5, 1.0]),
    boxes=st.lists(
        st.tuples(st.integers(-4, 24), st.integers(-4, 24), st.integers(1, 10), st.integers(1, 10)),
        max_size=6,
    ),
)
def test_boxes_leaving_the_picture_are_dropped_and_indexed(
    backend, seed, crop, min_visibility, boxes
):
    h, w = 20, 24
    boxes = np.array([[x, y, x + bw, y + bh] for x, y, bw, bh in boxes], float).reshape(-1, 4)
    aug = PairedAugmenter(
        width_shift_range=12.0,
        height_shift_range=10.0,
        crop_size=crop,
        interpolation_order=0,
        cval=-1,
        backend=backend,
        min_visibility=min_visibility,
    )
    # whole-pixel shifts: the draw, rounded, moves the index image by whole pixels
    params = aug.random_params((h, w), seed)
    params = PairParams(
        h,
        w,
        shift_y=float(round(params.shift_y)),
        shift_x=float(round(params.shift_x)),
        crop_top=params.crop_top,
        crop_left=params.crop_left,
    )
    out = aug.apply(_index_scene(h, w), None, params, boxes=boxes)
    moved = _displacement((h, w), out.image)
    oh, ow = out.image.shape
    if moved is None:
        assert len(out.boxes) == 0
        return
    expected = boxes + np.array([moved[0], moved[1]] * 2)
    clipped = np.clip(expected, 0, [ow, oh, ow, oh])
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    visible = (clipped[:, 2] - clipped[:, 0]) * (clipped[:, 3] - clipped[:, 1])
    keep = (visible > 0) & (visible >= min_visibility * area)
    assert out.box_indices.tolist() == np.flatnonzero(keep).tolist()
    np.testing.assert_array_equal(out.boxes, clipped[keep])


@BACKENDS
def test_min_visibility_drops_a_half_hidden_box(backend):
    img = np.zeros((10, 10), np.uint8)
    params = PairParams(10, 10, shift_x=5.0)  # the contents move 5 pixels left
    boxes = [[0, 0, 10, 10], [6, 0, 10, 2], [0, 0, 4, 2]]  # half, all, none left in view
    for min_visibility, kept in ((0.0, [0, 1]), (0.5, [0, 1]), (0.6, [1]), (1.0, [1])):
        aug = PairedAugmenter(backend=backend, min_visibility=min_visibility)
        out = aug.apply(img, None, params, boxes=boxes)
        assert out.box_indices.tolist() == kept
    assert out.boxes.tolist() == [[1.0, 0.0, 5.0, 2.0]]


@BACKENDS
def test_same_seed_same_targets_and_the_same_draw_with_or_without_them(backend):
    images, labels, masks = tl.make_shapes(2, size=32, seed=3)
    box = tl.boxes_from_mask(masks[0], [int(labels[0]) + 1])
    aug = PairedAugmenter(rotation_range=40, zoom_range=0.2, crop_size=28, backend=backend)
    first = aug.augment(images[0], masks[0], seed=7, boxes=box, keypoints=[[5, 6]])
    again = aug.augment(images[0], masks[0], seed=7, boxes=box, keypoints=[[5, 6]])
    plain_image, plain_mask = aug.augment(images[0], masks[0], seed=7)  # the old unpacking
    for got in (again.image, plain_image):
        np.testing.assert_array_equal(first.image, got)
    np.testing.assert_array_equal(first.mask, plain_mask)
    np.testing.assert_array_equal(first.boxes, again.boxes)
    np.testing.assert_array_equal(first.keypoints, again.keypoints)
    image_only = aug.augment(images[0], seed=7, keypoints=[[5, 6]])
    np.testing.assert_array_equal(image_only.image, first.image)
    assert image_only.mask is None and image_only.boxes is None
    np.testing.assert_array_equal(image_only.keypoints, first.keypoints)
    assert first[0] is first.image and first[1] is first.mask and len(first) == 2


@BACKENDS
def test_a_batch_is_the_images_augmented_one_after_another(backend):
    images, labels, masks = tl.make_shapes(4, size=32, seed=5)
    boxes = [tl.boxes_from_mask(m, [int(lab) + 1]) for m, lab in zip(masks, labels)]
    boxes[2] = np.zeros((0, 4))  # an image without boxes
    keypoints = [np.array([[3.0, 4.0], [30.0, 1.0]])] * 4
    aug = PairedAugmenter(rotation_range=90, width_shift_range=0.4, backend=backend)
    batch = aug.augment_batch(images, masks, seed=11, boxes=boxes, keypoints=keypoints)
    out_images, out_masks = batch
    rng = np.random.default_rng(11)
    for k in range(4):
        one = aug.augment(images[k], masks[k], seed=rng, boxes=boxes[k], keypoints=keypoints[k])
        np.testing.assert_array_equal(out_images[k], one.image)
        np.testing.assert_array_equal(out_masks[k], one.mask)
        np.testing.assert_array_equal(batch.boxes[k], one.boxes)
        np.testing.assert_array_equal(batch.keypoints[k], one.keypoints)
        np.testing.assert_array_equal(batch.box_indices[k], one.box_indices)
    assert batch.boxes[2].shape == (0, 4)


@BACKENDS
def test_flow_yields_targets_in_the_order_of_its_images(backend):
    images, labels, masks = tl.make_shapes(5, size=24, seed=2)
    boxes = [tl.boxes_from_mask(m, [int(lab) + 1]) for m, lab in zip(masks, labels)]
    aug = PairedAugmenter(horizontal_flip=True, backend=backend)
    flow = aug.flow(
        images, masks, batch_size=2, seed=0, boxes=boxes, box_labels=labels[:, None] + 1
    )
    order = flow.index_array()
    seen = 0
    for batch in flow:
        for k in range(len(batch.image)):
            i = order[seen + k]
            assert batch.box_indices[k].tolist() == [0]
            # tightened from the mask, so the box is the mask's own box
            want = tl.boxes_from_mask(batch.mask[k], [int(labels[i]) + 1])
            np.testing.assert_array_equal(batch.boxes[k], want)
        seen += len(batch.image)
    assert seen == 5
    plain = aug.flow(images, masks, batch_size=2, seed=0)[0]
    assert isinstance(plain, tuple) and len(plain) == 2  # what model.fit expects
    unchanged = tl.PairedBatchIterator(images, None, None, batch_size=5, shuffle=False, boxes=boxes)
    np.testing.assert_array_equal(np.concatenate(unchanged[0].boxes), np.concatenate(boxes))


def test_iou_and_the_loose_box_of_a_rotated_disc():
    assert tl.box_iou([0, 0, 2, 2], [0, 0, 2, 2]) == 1.0
    assert tl.box_iou([0, 0, 2, 2], [2, 0, 4, 2]) == 0.0  # touching edges: no overlap
    yy, xx = np.mgrid[:96, :96]
    disc = ((yy - 47.5) ** 2 + (xx - 47.5) ** 2 < 30**2).astype(np.uint8)
    angles = np.array([0.0, 15.0, 30.0, 45.0, 60.0, 90.0])
    iou = tl.loose_box_iou(disc, 1, angles, backend="numpy")
    # a disc's box stays the same; the corner box grows by cos + sin on each side
    theory = 1 / (np.cos(np.radians(angles)) + np.sin(np.radians(angles))) ** 2
    np.testing.assert_allclose(iou, theory, atol=0.03)
    assert iou[0] == 1.0 and iou[-1] == 1.0 and iou.argmin() == 3
