"""The same augmentation pipeline run locally and through a local tf.data service (1, 2 workers).

The data are in memory (``tl.load_textures``: natural-image patches, uint8), so no decoding:
each image is augmented with graph-only ``tf.image`` operations drawn from a per-image seed
(flip, random crop resized back, rotation, brightness and contrast), then batched. Three ways,
one epoch each, best and median of ``--repeat`` epochs after a warm-up epoch (each row also
records the median time to the first batch, ``first_batch_s``, and the best rate from the first
batch to the end of the epoch, ``steady_per_s``: a job of the service starts in about a second):

* ``local``     -- ``map(num_parallel_calls=AUTOTUNE)``, ``batch``, ``prefetch`` in this process;
* ``service_1`` -- the same dataset with ``tf.data.experimental.service.distribute(
  processing_mode="distributed_epoch")`` through ``tl.local_data_service(num_workers=1)``;
* ``service_2`` -- the same with 2 worker processes;
* ``service_1_per_image`` -- 1 worker, but the source is ``from_tensor_slices`` over the
  images, so ``distributed_epoch`` hands out one split (one dispatcher request) per image.

The other rows' source is ``range`` over chunks of ``batch`` images read by ``flat_map``
(one split per chunk, as one per file for files on disk).

Every epoch is checked to deliver every image exactly once (ids). On one machine the workers
share its cores with the client, so the service cannot be faster than the local pipeline here:
it shows the overhead of the service (serialising batches, gRPC on loopback) and how it scales
when the workers do have cores of their own. No target is set; the numbers are informational.

Usage: ``python benchmarks/bench_data_service.py [--quick] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
from _common import row, write_record


def augment_fn(tf, size: int):
    """(id, uint8 image) -> (id, augmented float32 image in [0, 1]); graph ops only."""

    def augment(i, image):
        seed = tf.stack([i, tf.constant(7, tf.int64)])
        seeds = tf.random.experimental.stateless_split(seed, 5)
        x = tf.image.convert_image_dtype(image, tf.float32)
        x = tf.image.stateless_random_flip_left_right(x, seeds[0])
        crop = int(size * 0.85)
        x = tf.image.stateless_random_crop(x, [crop, crop, 3], seeds[1])
        x = tf.image.resize(x, [size, size])
        angle = tf.random.stateless_uniform([], seeds[2], -0.3, 0.3)
        c, s, h = tf.cos(angle), tf.sin(angle), size / 2
        transform = [c, -s, h - c * h + s * h, s, c, h - s * h - c * h, 0.0, 0.0]
        x = tf.raw_ops.ImageProjectiveTransformV3(
            images=x[None],
            transforms=tf.reshape(tf.stack(transform), [1, 8]),
            output_shape=[size, size],
            fill_value=0.0,
            interpolation="BILINEAR",
            fill_mode="REFLECT",
        )[0]
        x = tf.image.stateless_random_brightness(x, 0.2, seeds[3])
        x = tf.image.stateless_random_contrast(x, 0.7, 1.3, seeds[4])
        return i, tf.clip_by_value(x, 0.0, 1.0)

    return augment


def pipeline(tf, images: np.ndarray, batch: int, split: int | None):
    """The augmented, batched dataset of (ids, images), before any prefetch or distribution.

    ``split`` images per split of ``distributed_epoch`` (the source is ``range`` over chunks,
    each read by ``flat_map``, as a list of files would be); ``None``: one split per image
    (``from_tensor_slices`` source), which costs a request to the dispatcher per image.
    """
    ids = np.arange(len(images), dtype=np.int64)
    if split is None:
        ds = tf.data.Dataset.from_tensor_slices((ids, images))
    else:
        all_ids, all_images = tf.constant(ids), tf.constant(images)

        def chunk(c):
            part = slice(c * split, (c + 1) * split)
            return tf.data.Dataset.from_tensor_slices((all_ids[part], all_images[part]))

        ds = tf.data.Dataset.range(-(-len(images) // split)).flat_map(chunk)
    ds = ds.map(augment_fn(tf, images.shape[1]), num_parallel_calls=tf.data.AUTOTUNE)
    return ds.batch(batch)


def epoch(ds, n: int) -> tuple[float, float, int]:
    """One epoch, checked exactly-once by ids: (total s, s to the first batch, its size)."""
    t0 = time.perf_counter()
    first_s, first_n, seen = None, 0, []
    for ids, _ in ds:
        if first_s is None:
            first_s, first_n = time.perf_counter() - t0, len(ids)
        seen.append(ids.numpy())
    total = time.perf_counter() - t0
    assert np.array_equal(np.sort(np.concatenate(seen)), np.arange(n)), "lost or duplicated"
    return total, first_s, first_n


def timed_epochs(ds, n: int, repeat: int) -> dict:
    """Best and median epoch time after a warm-up epoch (tracing, the service's first job),
    the median time to the first batch, and the best rate after it (the steady stream)."""
    epoch(ds, n)
    runs = [epoch(ds, n) for _ in range(repeat)]
    totals = [total for total, _, _ in runs]
    steady = max((n - first_n) / (total - first_s) for total, first_s, first_n in runs)
    return {
        "best_s": min(totals),
        "median_s": float(np.median(totals)),
        "first_batch_s": round(float(np.median([first for _, first, _ in runs])), 3),
        "steady_per_s": round(steady, 1),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    import tutorial_lib as tl

    tl.quiet_tensorflow()
    import tensorflow as tf

    size, per_class, batch = (16, 20, 16) if args.quick else (48, 400, 64)
    (images, _), _, _, _ = tl.load_textures(patch_size=size, n_per_class=(per_class, 1, 1))
    n = len(images)
    base = pipeline(tf, images, batch, split=batch)
    rows = {}
    t = timed_epochs(base.prefetch(tf.data.AUTOTUNE), n, args.repeat)
    best, median = t.pop("best_s"), t.pop("median_s")
    rows["local"] = row("local `tf.data` pipeline (this process)", best, median, n, "images", **t)
    print(f"local: {n / best:.0f} images/s, {t}", flush=True)
    variants = [
        ("service_1", 1, base, f"1 worker process, one split per {batch} images"),
        ("service_2", 2, base, f"2 worker processes, one split per {batch} images"),
        ("service_1_per_image", 1, pipeline(tf, images, batch, None), "1 worker, split per image"),
    ]
    for key, workers, dataset, what in variants:
        t0 = time.perf_counter()
        with tl.local_data_service(num_workers=workers) as service:
            start_s = time.perf_counter() - t0
            ds = dataset.apply(
                tf.data.experimental.service.distribute(
                    processing_mode="distributed_epoch", service=service.address
                )
            ).prefetch(tf.data.AUTOTUNE)
            t = timed_epochs(ds, n, args.repeat)
        best, median = t.pop("best_s"), t.pop("median_s")
        label = f"through `tl.local_data_service`: {what}"
        extra = {"workers": workers, "start_s": round(start_s, 1), **t}
        rows[key] = row(label, best, median, n, "images", **extra)
        print(f"{key}: {n / best:.0f} images/s, start {start_s:.0f} s, {t}", flush=True)
    for key in rows:
        for field in ("per_s", "steady_per_s"):
            ratio = rows[key][field] / rows["local"][field]
            rows[key][field.replace("per_s", "vs_local")] = round(ratio, 3)
    config = {
        "images": n,
        "image_size": size,
        "batch": batch,
        "split": batch,
        "repeat": args.repeat,
        "cpu_count": os.cpu_count(),
        "processing_mode": "distributed_epoch",
        "augmentation": "flip, crop 85 % + resize, rotation up to 0.3 rad, brightness, contrast",
    }
    name = "bench_data_service_quick" if args.quick else "bench_data_service"
    title = "The same pipeline locally and through the tf.data service (1 and 2 workers)"
    write_record(name, {"title": title, "config": config, "rows": rows, "targets": {}})
    return 0


if __name__ == "__main__":
    sys.exit(main())
