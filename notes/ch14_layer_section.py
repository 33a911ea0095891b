# ruff: noqa: F821, E703 -- `tl` comes from the setup cell; plot calls end with `;`
# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# ## Boxes in the fused Keras layer
#
# `tl.GeneratorAugment`, the one-warp layer of chapter 11, takes the dict that Keras'
# own preprocessing layers take: `"images"`, `"segmentation_masks"` and
# `"bounding_boxes"`, the last one `{"boxes": (N, n, 4), "labels": (N, n)}` in the
# layer's `bounding_box_format` (Keras' names: `"xyxy"`, `"xywh"`, `"rel_xyxy"`, ...).
# Coordinates are pixel edges, so `[0, 0, W, H]` is the whole picture. Each image
# gets ONE draw, and its mask and its boxes get the same matrix: a box's four corners
# are moved and the box that encloses them is kept, clipped to the picture. A box
# with nothing left inside keeps its place and gets the label -1, the mark Keras'
# own layers use (`BoundingBox.clip_to_image_size` in
# [keras/src/layers/preprocessing/image_preprocessing/bounding_boxes/bounding_box.py](https://github.com/keras-team/keras/blob/master/keras/src/layers/preprocessing/image_preprocessing/bounding_boxes/bounding_box.py)),
# so the arrays keep their shapes and a batch stays a batch.

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np

images, classes, masks = tl.make_shapes(8, size=64, seed=0)


def mask_box(mask):
    """The tight box of a mask, in pixel edges: x_min, y_min, x_max, y_max."""
    rows, cols = np.nonzero(mask)
    return [cols.min(), rows.min(), cols.max() + 1, rows.max() + 1]


boxes = np.array([[mask_box(m)] for m in masks], "float32")  # (8, 1, 4)
data = {
    "images": images,
    "segmentation_masks": masks,
    "bounding_boxes": {"boxes": boxes, "labels": classes[:, None].astype("int32")},
}
layer = tl.GeneratorAugment(
    rotation_range=30,
    width_shift_range=0.25,
    height_shift_range=0.25,
    zoom_range=0.2,
    horizontal_flip=True,
    fill_mode="constant",
    bounding_box_format="xyxy",
    seed=0,
)
out = keras.tree.map_structure(keras.ops.convert_to_numpy, layer(data, training=True))


def draw(ax, image, box, label):
    ax.imshow(image.astype("uint8"))
    x0, y0, x1, y1 = box
    edge = "yellow" if label >= 0 else "red"
    corner = (x0 - 0.5, y0 - 0.5)  # imshow puts pixel centres on whole numbers
    ax.add_patch(plt.Rectangle(corner, x1 - x0, y1 - y0, fill=False, ec=edge))
    ax.set_title(f"label {label}", fontsize=9)
    ax.axis("off")


fig, axes = plt.subplots(2, 8, figsize=(12, 3.4))
for i in range(8):
    draw(axes[0, i], images[i], boxes[i, 0], classes[i])
    new = out["bounding_boxes"]
    draw(axes[1, i], out["images"][i], new["boxes"][i, 0], new["labels"][i, 0])
fig.suptitle("Top: originals. Bottom: one draw for image, mask and box");  # fmt: skip

# %% [markdown]
# Under a rotation the corners' box is looser than the object's own tight box (a disk
# turned by 45 degrees gets a box twice its area): it always contains the object,
# which the check below verifies pixel by pixel against the mask that came out of the
# same call.

# %% tags=["hide-input"]
new = out["bounding_boxes"]
area = np.prod(new["boxes"][..., 2:] - new["boxes"][..., :2], axis=-1)
assert np.array_equal(new["labels"] == -1, area == 0)  # -1 iff nothing is left
assert new["boxes"].shape == boxes.shape and new["boxes"].dtype == np.float32
for mask, (x0, y0, x1, y1) in zip(out["segmentation_masks"], new["boxes"][:, 0]):
    rows, cols = np.nonzero(mask)  # each pixel centre of the moved object: in its box
    assert np.all((x0 - 1e-3 <= cols + 0.5) & (cols + 0.5 <= x1 + 1e-3))
    assert np.all((y0 - 1e-3 <= rows + 0.5) & (rows + 0.5 <= y1 + 1e-3))
same = layer(data, training=False)["bounding_boxes"]["boxes"]
assert np.array_equal(keras.ops.convert_to_numpy(same), boxes)  # inference: unchanged
