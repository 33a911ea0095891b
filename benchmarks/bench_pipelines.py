"""Benchmark: ImageDataGenerator.flow vs tf.data + Keras preprocessing layers, same transforms.

Both sides produce one epoch of augmented (images, labels) batches from the same float32 array:
rotation up to 15 degrees and shifts up to 10 % of the width and height, bilinear interpolation,
"nearest" fill (the generator's defaults; the layers are given the same fill mode).

* ImageDataGenerator(rotation_range=15, width_shift_range=0.1, height_shift_range=0.1).flow(x, y),
  indexed batch by batch as `model.fit` does: NumPy/SciPy, one image at a time, in the Python
  thread.
* tf.data.Dataset.from_tensor_slices((x, y)).shuffle().batch().map(augment, AUTOTUNE)
  .prefetch(AUTOTUNE) with augment = Sequential([RandomRotation(15 / 360),
  RandomTranslation(0.1, 0.1)]): whole batches, in TensorFlow's own threads.

Two sizes: 28x28x1 digits (chapter 11's in-chapter measurement, longer) and 128x128x3 generated
shapes.

Run by hand:  python benchmarks/bench_pipelines.py [--repeat 3] [--batch 32] [--note "..."]
Writes benchmarks/results/bench_pipelines.json (rows digits_idg, digits_tfdata, shapes_idg,
shapes_tfdata; the schema of benchmarks/_common.py). No target: chapter 11 quotes it
when it compares the two ways of feeding augmented batches on a CPU.
"""

from __future__ import annotations

import argparse

import numpy as np
from _common import best_and_median, row, write_record

import tutorial_lib as tl

TRANSFORMS = {
    "rotation_degrees": 15,
    "shift_fraction": 0.1,
    "interpolation": "bilinear",
    "fill_mode": "nearest",
}
APPROACHES = {  # row key suffix -> label
    "idg": "`ImageDataGenerator(...).flow`",
    "tfdata": "`tf.data` + preprocessing layers",
}


def datasets(n_digits: int, n_shapes: int) -> dict[str, tuple[str, np.ndarray, np.ndarray]]:
    """Row key prefix -> (description, images, labels)."""
    (x_train, y_train), _ = tl.load_digits()
    reps = -(-n_digits // len(x_train))
    digits = np.tile(x_train, (reps, 1, 1))[:n_digits, ..., None].astype(np.float32)
    digit_labels = np.tile(y_train, reps)[:n_digits]
    shapes, shape_labels, _ = tl.make_shapes(n_shapes, size=128, seed=0)
    return {
        "digits": ("28x28x1 digits", digits, digit_labels),
        "shapes": ("128x128x3 shapes", shapes.astype(np.float32), shape_labels),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-digits", type=int, default=4096)
    parser.add_argument("--n-shapes", type=int, default=1024)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--note", default="", help="free text stored with the results (e.g. 'machine busy')"
    )
    args = parser.parse_args()

    tf = tl.quiet_tensorflow()
    import keras

    tl.set_seed(0)
    ImageDataGenerator = tl.get_image_data_generator()
    idg = ImageDataGenerator(
        rotation_range=TRANSFORMS["rotation_degrees"],
        width_shift_range=TRANSFORMS["shift_fraction"],
        height_shift_range=TRANSFORMS["shift_fraction"],
        fill_mode=TRANSFORMS["fill_mode"],
        interpolation_order=1,
    )
    augment = keras.Sequential(
        [
            keras.layers.RandomRotation(
                TRANSFORMS["rotation_degrees"] / 360,
                fill_mode=TRANSFORMS["fill_mode"],
                interpolation=TRANSFORMS["interpolation"],
                seed=0,
            ),
            keras.layers.RandomTranslation(
                TRANSFORMS["shift_fraction"],
                TRANSFORMS["shift_fraction"],
                fill_mode=TRANSFORMS["fill_mode"],
                interpolation=TRANSFORMS["interpolation"],
                seed=1,
            ),
        ]
    )

    rows: dict[str, dict] = {}
    for prefix, (data, x, y) in datasets(args.n_digits, args.n_shapes).items():
        n = len(x)
        flow = idg.flow(x, y, batch_size=args.batch, seed=0)
        ds = (
            tf.data.Dataset.from_tensor_slices((x, y))
            .shuffle(n, seed=0)
            .batch(args.batch)
            .map(lambda a, b: (augment(a, training=True), b), num_parallel_calls=tf.data.AUTOTUNE)
            .prefetch(tf.data.AUTOTUNE)
        )

        def classic_epoch(flow=flow, n=n):
            count = 0
            for i in range(len(flow)):
                count += len(flow[i][0])
            assert count == n

        def tfdata_epoch(ds=ds, n=n):
            count = 0
            for a, _ in ds:
                count += int(a.shape[0])
            assert count == n

        for (suffix, label), fn in zip(APPROACHES.items(), (classic_epoch, tfdata_epoch)):
            best, median = best_and_median(fn, args.repeat)
            key = f"{prefix}_{suffix}"
            rows[key] = row(
                label, best, median, n, "images", data=data, n=n, shape=list(x.shape[1:])
            )
            print(
                f"{key:15s} best {best:7.3f} s   median {median:7.3f} s   {n / best:9.0f} images/s",
                flush=True,
            )
    title = "Input pipelines: `ImageDataGenerator.flow` vs `tf.data` with preprocessing layers"
    config = {**vars(args), "transforms": TRANSFORMS}
    write_record("bench_pipelines", {"title": title, "config": config, "rows": rows, "targets": {}})


if __name__ == "__main__":
    main()
