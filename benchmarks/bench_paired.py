"""Benchmark: paired image + mask augmentation against the peer and the limit, one thread each.

Every row augments the same 64 pairs (by default) of 256x256x3 uint8 images and uint8 masks from
``tl.make_shapes`` with the same transforms: rotation up to 15 degrees, shifts up to 0.1 of the
size, zoom 0.9 to 1.1, horizontal flip with probability 0.5; bilinear image, nearest-neighbour
mask, constant 0 fill. Each row delivers batches of ``--batch`` stacked pairs:

- ``classic``: two ``ImageDataGenerator`` objects with one seed (the mask one with
  ``interpolation_order=0``), zipped;
- ``numpy`` / ``opencv``: ``tl.PairedAugmenter(..., backend="numpy" | "opencv")``'s
  ``augment_batch`` on consecutive slices of the arrays (``flow`` adds a shuffled gather copy
  of each batch, which the other rows do not make);
- ``albumentations``: ``A.Compose([A.Affine(...), A.HorizontalFlip()])`` called per pair with
  ``mask=``, the pairs stacked into batches;
- ``two_warps``: the practical limit, two bare ``cv2.warpAffine`` calls per pair (image
  bilinear, mask nearest) with matrices drawn beforehand, written straight into the batch.

One thread everywhere: OMP/OpenBLAS/MKL threads set to 1 before NumPy loads, and
``cv2.setNumThreads(1)``. The rows run interleaved (one pass of each per repeat) so that a change
in the machine's load hits them alike; best and median of ``--repeat`` passes after a warm-up.

Needs the benchmark extra: ``pip install -e .[bench]`` (albumentations 2.0.8 and OpenCV; never
dependencies of tutorial_lib). Run:  python benchmarks/bench_paired.py [--n 64] [--size 256]
Writes benchmarks/results/bench_paired.json. Targets: the OpenCV backend at least 1.0x
albumentations and at least 0.8x the two bare warps (pairs per second).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import math  # noqa: E402

import albumentations as A  # noqa: E402
import cv2  # noqa: E402
import numpy as np  # noqa: E402
from _common import round_robin, write_record  # noqa: E402

import tutorial_lib as tl  # noqa: E402

ROTATION, SHIFT, ZOOM = 15.0, 0.1, 0.1
GEOMETRY = dict(
    rotation_range=ROTATION,
    width_shift_range=SHIFT,
    height_shift_range=SHIFT,
    zoom_range=ZOOM,
    horizontal_flip=True,
)
LABELS = {
    "classic": "two `ImageDataGenerator`s sharing a seed (classic recipe)",
    "numpy": "`tl.PairedAugmenter(backend='numpy').augment_batch`",
    "opencv": "`tl.PairedAugmenter(backend='opencv').augment_batch`",
    "albumentations": "albumentations `Compose([Affine, HorizontalFlip])`",
    "two_warps": "two bare `cv2.warpAffine` calls per pair (the limit)",
}


def classic_rows(images, masks, batch):
    """Two ImageDataGenerators with one seed: the recipe chapter 9 starts from."""
    generator = tl.get_image_data_generator()
    steps = math.ceil(len(images) / batch)

    def run():
        image_gen = generator(**GEOMETRY, fill_mode="constant")
        mask_gen = generator(**GEOMETRY, fill_mode="constant", interpolation_order=0)
        xi = image_gen.flow(images, batch_size=batch, shuffle=False, seed=1)
        xm = mask_gen.flow(masks[..., None], batch_size=batch, shuffle=False, seed=1)
        for _, (x, m) in zip(range(steps), zip(xi, xm)):
            _ = x.astype(np.uint8), m[..., 0].astype(np.uint8)  # back to the input dtypes

    return run


def paired_rows(images, masks, batch, backend):
    aug = tl.PairedAugmenter(**GEOMETRY, backend=backend)

    def run():
        rng = np.random.default_rng(1)
        for start in range(0, len(images), batch):
            aug.augment_batch(images[start : start + batch], masks[start : start + batch], rng)

    return run


def albumentations_rows(images, masks, batch):
    transform = A.Compose(
        [
            A.Affine(
                rotate=(-ROTATION, ROTATION),
                translate_percent=(-SHIFT, SHIFT),
                scale=(1 - ZOOM, 1 + ZOOM),
                interpolation=cv2.INTER_LINEAR,
                mask_interpolation=cv2.INTER_NEAREST,
                border_mode=cv2.BORDER_CONSTANT,
                fill=0,
                fill_mask=0,
                p=1.0,
            ),
            A.HorizontalFlip(p=0.5),
        ],
        seed=1,
    )

    def run():
        for start in range(0, len(images), batch):
            out = [
                transform(image=i, mask=m)
                for i, m in zip(images[start : start + batch], masks[start : start + batch])
            ]
            _ = np.stack([o["image"] for o in out]), np.stack([o["mask"] for o in out])

    return run


def limit_matrices(n, h, w, seed):
    """Forward 2x3 OpenCV matrices with the same distributions: rotation and zoom (per axis)
    about the centre, shift, horizontal flip with probability 0.5."""
    rng = np.random.default_rng(seed)
    cx, cy = (w - 1) / 2, (h - 1) / 2
    out = []
    for angle, zx, zy, tx, ty, flip in zip(
        rng.uniform(-ROTATION, ROTATION, n),
        rng.uniform(1 - ZOOM, 1 + ZOOM, n),
        rng.uniform(1 - ZOOM, 1 + ZOOM, n),
        rng.uniform(-SHIFT, SHIFT, n) * w,
        rng.uniform(-SHIFT, SHIFT, n) * h,
        rng.random(n) < 0.5,
    ):
        t = math.radians(angle)
        a = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]]) @ np.diag([zx, zy])
        if flip:
            a = a @ np.diag([-1.0, 1.0])
        centre = np.array([cx, cy])
        out.append(np.hstack([a, (centre - a @ centre + [tx, ty])[:, None]]))
    return out


def two_warps_rows(images, masks, batch):
    n, h, w = images.shape[:3]
    matrices = limit_matrices(n, h, w, seed=1)
    out_i = np.empty((batch,) + images.shape[1:], images.dtype)
    out_m = np.empty((batch,) + masks.shape[1:], masks.dtype)
    flags_i, flags_m = cv2.INTER_LINEAR, cv2.INTER_NEAREST

    def run():
        for start in range(0, n, batch):
            for k in range(min(batch, n - start)):
                m = matrices[start + k]
                cv2.warpAffine(images[start + k], m, (w, h), dst=out_i[k], flags=flags_i)
                cv2.warpAffine(masks[start + k], m, (w, h), dst=out_m[k], flags=flags_m)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=64)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--note", default="")
    args = parser.parse_args()
    cv2.setNumThreads(1)

    images, _, masks = tl.make_shapes(args.n, size=args.size, seed=0)
    runs = {
        "classic": classic_rows(images, masks, args.batch),
        "numpy": paired_rows(images, masks, args.batch, "numpy"),
        "opencv": paired_rows(images, masks, args.batch, "opencv"),
        "albumentations": albumentations_rows(images, masks, args.batch),
        "two_warps": two_warps_rows(images, masks, args.batch),
    }
    rows = {}
    for name, (best, median) in round_robin(runs, args.repeat).items():
        per_s = args.n / best
        rows[name] = {
            "label": LABELS[name],
            "best_s": best,
            "median_s": median,
            "per_s": per_s,
            "unit": "pairs",
        }
        print(f"{name:15s} best {best:7.4f} s   median {median:7.4f} s   {per_s:8.0f} pairs/s")
    targets = {}
    for peer, name, goal in (
        ("albumentations", "albumentations", 1.0),
        ("two_warps", "the two bare warps (limit)", 0.8),
    ):
        value = rows["opencv"]["per_s"] / rows[peer]["per_s"]
        targets[f"opencv_vs_{peer}"] = {
            "label": f"`tl.PairedAugmenter` (OpenCV backend) vs {name}, pairs per second",
            "value": value,
            "target": goal,
            "met": bool(value >= goal),
            "higher_is_better": True,
            "unit": "x",
        }
        print(f"opencv / {peer}: {value:.2f} (target {goal})")
    config = {
        **vars(args),
        "image": [args.size, args.size, 3],
        "transforms": GEOMETRY,
        "threads": 1,
        "opencv": cv2.__version__,
        "albumentations": A.__version__,
    }
    write_record(
        "bench_paired",
        {
            "title": "Image + mask pairs: `tl.PairedAugmenter`, albumentations and two bare warps",
            "config": config,
            "rows": rows,
            "targets": targets,
        },
    )


if __name__ == "__main__":
    main()
