"""Benchmark: tl.GeneratorAugment (one warp) vs a chain of Keras layers and ImageDataGenerator.flow.

Speed. One epoch of augmented 128x128x3 float32 images (1,024 generated shapes), batches of 32,
the same augmentation everywhere: rotation up to 15 degrees, shifts up to 10 % of the width and
height, zoom 0.9 to 1.1 (each axis), horizontal flips, and the generator's defaults: "nearest"
fill, bilinear interpolation.

* fused: ``tf.data`` from_tensor_slices -> batch -> map(tl.GeneratorAugment) -> prefetch;
* fused_kernel: the same pipeline and one warp per image, the layer's parameters and matrices
  (``tl.generator_matrices``), but warped by Keras' ``keras.ops.image.affine_transform``
  (TensorFlow's ``ImageProjectiveTransformV3`` kernel) instead of the layer's XLA-compiled warp;
* chain: the same pipeline, but each batch's parameters (drawn by the fused layer) applied as
  four warps, one per part (rotation, shift, zoom, flip), each by the layer's own warp;
* sequential: the same pipeline with keras.Sequential([RandomRotation(15 / 360),
  RandomTranslation(0.1, 0.1), RandomZoom((-0.1, 0.1), (-0.1, 0.1)), RandomFlip("horizontal")]);
* flow: ImageDataGenerator(...same arguments...).flow(x, batch_size=32), batch by batch.

Sharpness. Colour photographs (128x128) with parameters drawn by the fused layer: each is warped
once by the fused layer and four times by the chain; both are compared with a float64 reference,
SciPy's affine_transform of the float64 image with the composed matrix (float64 product of the
same component matrices). PSNR over the pixels whose every sample point, in every step of the
chain, lies inside the image (so the fill mode plays no part: only interpolation counts).

Run by hand:  flock /tmp/bench.lock python benchmarks/bench_generator_augment.py [--repeat 5]
Writes benchmarks/results/bench_generator_augment.json. Targets: fused >= 1.5x the Sequential,
>= 4x flow, and a higher PSNR than the chain.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from _common import write_record
from scipy import ndimage

import tutorial_lib as tl

ARGS = dict(
    rotation_range=15,
    width_shift_range=0.1,
    height_shift_range=0.1,
    zoom_range=0.1,
    horizontal_flip=True,
)  # fill_mode "nearest" and bilinear interpolation: the generator's defaults, given to every row
PARTS = (("theta",), ("tx", "ty"), ("zx", "zy"), ("flip_horizontal",))  # one warp each


def keras_chain(seed: int):
    import keras
    from keras import layers

    return keras.Sequential(
        [
            layers.RandomRotation(15 / 360, fill_mode="nearest", seed=seed),
            layers.RandomTranslation(0.1, 0.1, fill_mode="nearest", seed=seed + 1),
            layers.RandomZoom((-0.1, 0.1), (-0.1, 0.1), fill_mode="nearest", seed=seed + 2),
            layers.RandomFlip("horizontal", seed=seed + 3),
        ]
    )


def part_transforms(params: dict, height: int, width: int) -> list:
    """The 8-number transforms of each part of ``params``, in the order they are applied."""
    from keras import ops

    out = []
    for keys in PARTS:
        matrices = tl.generator_matrices({k: params[k] for k in keys}, height, width)
        out.append(ops.reshape(matrices, (-1, 9))[:, :8])
    return out


def apply_chain(layer, images, params: dict):
    """Four warps, one per part, with the layer's own warp and settings (a chain of layers,
    without the differences between Keras' warp and the layer's)."""
    for keys in PARTS:
        images = layer.apply_parameters(images, {k: params[k] for k in keys})
    return images


def apply_kernel(layer, images, params: dict):
    """One warp per image with the layer's matrices, by Keras' own warp (TensorFlow's kernel)."""
    from keras import ops

    shape = ops.shape(images)
    matrices = tl.generator_matrices(params, shape[1], shape[2])
    transforms = ops.reshape(matrices, (-1, 9))[:, :8]
    return ops.image.affine_transform(
        images, transforms, interpolation=layer.interpolation, fill_mode=layer.fill_mode
    )


def time_pipelines(images: np.ndarray, batch: int, repeat: int) -> dict:
    import tensorflow as tf

    ImageDataGenerator = tl.get_image_data_generator()
    fused = tl.GeneratorAugment(**ARGS, seed=0)
    sequential = keras_chain(seed=10)

    def chain(x):
        shape = tf.shape(x)
        return apply_chain(fused, x, fused.draw_parameters(shape[0], shape[1], shape[2]))

    def kernel(x):
        shape = tf.shape(x)
        return apply_kernel(fused, x, fused.draw_parameters(shape[0], shape[1], shape[2]))

    def epoch_of(fn):
        ds = tf.data.Dataset.from_tensor_slices(images).batch(batch)
        ds = ds.map(fn, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
        return lambda: sum(int(x.shape[0]) for x in ds)

    flow = ImageDataGenerator(**ARGS).flow(images, batch_size=batch, seed=0, shuffle=False)
    runs = {
        "fused": epoch_of(lambda x: fused(x, training=True)),
        "fused_kernel": epoch_of(kernel),
        "chain": epoch_of(chain),
        "sequential": epoch_of(lambda x: sequential(x, training=True)),
        "flow": lambda: sum(len(flow[i]) for i in range(len(flow))),
    }
    assert all(run() == len(images) for run in runs.values())  # also the warm-up (tracing)
    times = {key: [] for key in runs}
    for _ in range(repeat):  # round robin: a change of load on the shared machine hits every row
        for key, run in runs.items():
            t0 = time.perf_counter()
            run()
            times[key].append(time.perf_counter() - t0)
    out = {}
    for key, seconds in times.items():
        best, median = min(seconds), float(np.median(seconds))
        out[key] = {
            "best_s": round(best, 3),
            "median_s": round(median, 3),
            "per_s": round(len(images) / best),
        }
        print(f"{key:<11} best {best:7.3f} s  median {median:7.3f} s  {len(images) / best:7.0f}/s")
    return out


def reference_and_valid(image: np.ndarray, parts: list[np.ndarray]):
    """Float64 single warp with the composed matrix, and where every chain step reads inside."""
    h, w = image.shape[:2]
    composed = np.linalg.multi_dot([np.eye(3), *parts])
    m = composed[[1, 0]][:, [1, 0, 2]]  # (x, y) -> (row, col) for SciPy
    matrix, offset = np.eye(3), np.zeros(3)
    matrix[:2, :2], offset[:2] = m[:, :2], m[:, 2]
    ref = ndimage.affine_transform(
        image.astype(np.float64), matrix, offset, order=1, mode="nearest"
    )
    ys, xs = np.mgrid[0:h, 0:w]
    points = np.stack([xs.ravel(), ys.ravel(), np.ones(h * w)]).astype(np.float64)
    valid = np.ones(h * w, bool)
    for part in reversed(parts):  # the last warp reads first
        points = part @ points
        valid &= (points[0] >= 0) & (points[0] <= w - 1) & (points[1] >= 0) & (points[1] <= h - 1)
    return ref, valid.reshape(h, w)


def psnr(a: np.ndarray, b: np.ndarray, valid: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b)[valid] ** 2))
    return 10 * math.log10(255.0**2 / mse)


def sharpness(size: int, copies: int) -> dict:
    from keras import ops

    photos = np.stack(list(tl.load_photos(size=size).values())).astype(np.float32)
    photos = np.repeat(photos, copies, axis=0)
    fused = tl.GeneratorAugment(**ARGS, seed=1)
    params = fused.draw_parameters(len(photos), size, size)
    one_warp = ops.convert_to_numpy(fused.apply_parameters(photos, params))
    four_warps = ops.convert_to_numpy(apply_chain(fused, photos, params))
    parts = [ops.convert_to_numpy(t) for t in part_transforms(params, size, size)]
    scores = {"fused": [], "chain": []}
    for i, photo in enumerate(photos):
        matrices = [np.append(p[i], 1.0).reshape(3, 3).astype(np.float64) for p in parts]
        ref, valid = reference_and_valid(photo, matrices)
        scores["fused"].append(psnr(one_warp[i], ref, valid))
        scores["chain"].append(psnr(four_warps[i], ref, valid))
    out = {k: round(float(np.mean(v))) for k, v in scores.items()}  # whole dB
    print(f"PSNR vs the float64 single warp: fused {out['fused']:.2f}, chain {out['chain']:.2f} dB")
    return {**out, "images": len(photos)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1024)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--copies", type=int, default=8, help="parameter draws per photo (PSNR)")
    args = parser.parse_args()
    tl.quiet_tensorflow()
    tl.set_seed(0)

    images, _, _ = tl.make_shapes(args.n, size=args.size, seed=0)
    timing = time_pipelines(images.astype(np.float32), args.batch, args.repeat)
    sharp = sharpness(args.size, args.copies)
    labels = {
        "fused": "tl.GeneratorAugment: one warp per image (tf.data map)",
        "fused_kernel": "the same, one warp per image by keras.ops.image.affine_transform",
        "chain": "the same parameters, one warp per part: 4 warps (tf.data map)",
        "sequential": "keras.Sequential: RandomRotation, RandomTranslation, RandomZoom, RandomFlip",
        "flow": "ImageDataGenerator.flow, same arguments",
    }
    rows = {k: {"label": labels[k], **v, "unit": "images"} for k, v in timing.items()}
    for key in ("fused", "chain"):
        rows[key]["psnr_db"] = sharp[key]
    ratio = {
        k: round(timing[k]["best_s"] / timing["fused"]["best_s"], 2) for k in ("sequential", "flow")
    }
    from_medians = {
        k: round(timing[k]["median_s"] / timing["fused"]["median_s"], 2)
        for k in ("sequential", "flow")
    }
    gain = sharp["fused"] - sharp["chain"]
    targets = {
        "vs_sequential": {
            "label": "images/s, fused layer vs keras.Sequential of four layers",
            "value": ratio["sequential"],
            "target": 1.5,
            "unit": "x",
            "value_from_medians": from_medians["sequential"],
        },
        "vs_flow": {
            "label": "images/s, fused layer vs ImageDataGenerator.flow",
            "value": ratio["flow"],
            "target": 4.0,
            "unit": "x",
            "value_from_medians": from_medians["flow"],
        },
        "psnr_gain": {
            "label": "PSNR gain (dB) of one warp over four, against a float64 single warp",
            "value": gain,
            "target": 0.0,
            "unit": "dB",
        },
    }
    for key, target in targets.items():
        met = target["value"] > 0 if key == "psnr_gain" else target["value"] >= target["target"]
        target.update(met=bool(met), higher_is_better=True)
        print(f"{target['label']}: {target['value']:.2f} (target {target['target']})")
    config = {
        **vars(args),
        "augmentation": ARGS,
        "psnr_images": sharp["images"],
        "timing": "round robin over the five rows; value = ratio of best times",
    }
    write_record(
        "bench_generator_augment",
        {
            "title": "ImageDataGenerator's arguments as one fused layer",
            "config": config,
            "rows": rows,
            "targets": targets,
        },
    )


if __name__ == "__main__":
    main()
