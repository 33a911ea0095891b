"""Benchmark: feeding augmented batches from images in class folders on disk, against the limit.

The data: natural-image patches (``tl.load_textures``, 48x48x3) written by ``tl.write_image_folder``
into class folders twice, as PNG and as JPEG files. For each format, epochs over the same files,
every variant with the same number of threads (``--threads``: TensorFlow's inter- and intra-op
pools, each tf.data pipeline's private thread pool, and the thread pool that feeds the generator):

* the limit (``<fmt>_decode``): tf.data lists the files, reads and decodes them in a parallel
  ``map`` (AUTOTUNE, ``deterministic=False``) and batches them; no augmentation. Decoding every file
  of the epoch, as fast as this machine's threads can, is what the other variants are measured
  against (each row's ``of_limit``).
* (a) ``flow_from_directory`` + ``ImageDataGenerator``: without augmentation
  (``<fmt>_flow_decode``), with it (``<fmt>_flow``), and with it, batches fetched by
  ``--threads`` threads as Keras' ``PyDataset(workers=...)`` would (``<fmt>_flow_threads``).
* (b) ``keras.utils.image_dataset_from_directory`` without (``<fmt>_keras_decode``) and with
  Keras preprocessing layers on its batches in a parallel ``map`` (``<fmt>_keras_layers``).
* (c) the book's pipeline: parallel ``map`` decode (AUTOTUNE, ``deterministic=False``), ``cache``
  of the DECODED images, shuffle, batch, augmentation on batches with the fused
  ``tl.GeneratorAugment`` in a parallel ``map``, ``prefetch``. Three epochs are timed: one that
  decodes every file without a cache (``<fmt>_book_disk``: what any epoch costs when the decoded
  data do not fit in memory), the first epoch of the cached pipeline, which decodes and fills the
  cache (``<fmt>_book_first_epoch``, a new pipeline each repeat), and later epochs, which read
  decoded images from the cache and only augment (``<fmt>_book_cached``). ``<fmt>_book_disk_det``
  is ``<fmt>_book_disk`` with ``deterministic=True``.
* sharded files: the same encoded files packed into TFRecord shards, decoded and batched (no
  augmentation): one file read in order (``<fmt>_tfrecord_one``), ``--shards`` files read with
  ``interleave(cycle_length=--cycle-length, num_parallel_calls=AUTOTUNE)``, deterministic=False
  (``<fmt>_tfrecord_interleave``) and True (``<fmt>_tfrecord_interleave_det``).

How a ``tf.data`` variant is timed: each measurement makes one new iterator over
``dataset.repeat()``, as ``model.fit(dataset.repeat(), steps_per_epoch=...)`` does once for the
whole training, runs one epoch (its start-up, the time to the first batch, is the row's
``startup_s``; the whole epoch its ``new_iterator_epoch_s``), then ``--epochs`` more epochs,
whose time per epoch is the row's time: throughput in the steady state. ``model.fit`` without
``steps_per_epoch`` makes a new iterator every epoch and pays the start-up each time
(``keras/src/trainers/epoch_iterator.py``); ``new_iterator_of_limit`` is the fraction of the
limit in that case, both sides paying it. ``<fmt>_book_first_epoch`` is a new pipeline's first
epoch, start-up included. The ``flow`` variants have no start-up: each timed run is one epoch.

The same augmentation everywhere: rotation up to 15 degrees, shifts up to 10 % of the width and
height, horizontal flips, bilinear, "nearest" fill. Variants run round-robin (one measurement of
each, ``--repeat`` times, after a warm-up measurement), so a busy moment of a shared machine
touches all of them; best and median per variant.

The target: the book's pipeline, in the steady state of epochs that decode every file
(``<fmt>_book_disk``), reaches at least 70 % of the limit measured the same way. The cached
epochs are reported beside it, not as the target: they do not decode at all, so they can beat
the limit.

Run by hand:  python benchmarks/bench_input_pipeline.py [--repeat 5] [--threads 2] [--note "..."]
Writes benchmarks/results/bench_input_pipeline.json (schema: benchmarks/_common.py).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from _common import row, target, write_record

import tutorial_lib as tl

AUGMENT = {  # ImageDataGenerator's argument names; the Keras layers get the same
    "rotation_range": 15,
    "width_shift_range": 0.1,
    "height_shift_range": 0.1,
    "horizontal_flip": True,
    "fill_mode": "nearest",
}
FORMATS = ("png", "jpg")
GOAL = 0.7


def write_data(root: Path, n_per_class: int, size: int) -> tuple[int, list[str]]:
    """The class folders root/png and root/jpg of the same patches; (n images, class names)."""
    (x, y), _, _, names = tl.load_textures(size, (n_per_class, 1, 1), seed=0)
    for fmt in FORMATS:
        tl.write_image_folder(x, y, root / fmt, names, format=fmt)
    return len(x), sorted(names)


def write_shards(tf, folder: Path, fmt: str, classes: list[str], shards: int) -> list[str]:
    """The encoded files of folder, unchanged, as TFRecord examples (image bytes, label)."""
    paths = sorted(folder.glob(f"*/*.{fmt}"))
    order = np.random.default_rng(0).permutation(len(paths))
    names = [str(folder.parent / f"{fmt}-{k:02d}-of-{shards:02d}.tfrecord") for k in range(shards)]
    writers = [tf.io.TFRecordWriter(name) for name in names]
    for i, k in enumerate(order):
        feature = {
            "image": tf.train.Feature(bytes_list=tf.train.BytesList(value=[paths[k].read_bytes()])),
            "label": tf.train.Feature(
                int64_list=tf.train.Int64List(value=[classes.index(paths[k].parent.name)])
            ),
        }
        example = tf.train.Example(features=tf.train.Features(feature=feature))
        writers[i % shards].write(example.SerializeToString())
    for writer in writers:
        writer.close()
    return names


def labelled_paths(folder: Path, fmt: str, classes: list[str]) -> tuple[list[str], list[int]]:
    """Sorted file paths and their class indices (sorted folder names, as Keras numbers them)."""
    paths = sorted(folder.glob(f"*/*.{fmt}"))
    return [str(p) for p in paths], [classes.index(p.parent.name) for p in paths]


def tf_variants(tf, keras, folder, fmt, classes, records, args) -> dict:
    """Key suffix -> (label, make, fresh): make() returns a dataset of (images, labels) batches;
    fresh: build a new one for every timed epoch (its first epoch is the one measured)."""
    AUTOTUNE, B = tf.data.AUTOTUNE, args.batch
    options = tf.data.Options()
    options.threading.private_threadpool_size = args.threads
    paths, labels = labelled_paths(folder, fmt, classes)
    n = len(paths)
    fused = tl.GeneratorAugment(**AUGMENT, seed=0)
    layers = keras.Sequential(
        [
            keras.layers.RandomRotation(AUGMENT["rotation_range"] / 360, fill_mode="nearest"),
            keras.layers.RandomTranslation(0.1, 0.1, fill_mode="nearest"),
            keras.layers.RandomFlip("horizontal"),
        ]
    )

    def decode(image_bytes, label):
        image = tf.io.decode_image(image_bytes, channels=3, expand_animations=False)
        return tf.ensure_shape(image, (args.size, args.size, 3)), label

    def decoded(shuffle=False, deterministic=False):
        files = tf.data.Dataset.from_tensor_slices((paths, labels))
        files = files.shuffle(n, seed=0) if shuffle else files
        return files.map(
            lambda path, label: decode(tf.io.read_file(path), label),
            num_parallel_calls=AUTOTUNE,
            deterministic=deterministic,
        )

    def augment(batches, layer, deterministic=False):
        def step(x, y):  # uint8 batches: each layer converts them to float32 itself
            return layer(x, training=True), y

        batches = batches.map(step, num_parallel_calls=AUTOTUNE, deterministic=deterministic)
        return batches.prefetch(AUTOTUNE)

    def from_directory():
        return keras.utils.image_dataset_from_directory(
            folder, image_size=(args.size, args.size), batch_size=B, shuffle=True, seed=0,
            verbose=False,
        )  # fmt: skip

    def parse(record):
        spec = {
            "image": tf.io.FixedLenFeature([], tf.string),
            "label": tf.io.FixedLenFeature([], tf.int64),
        }
        parsed = tf.io.parse_single_example(record, spec)
        return decode(parsed["image"], parsed["label"])

    def from_records(files, deterministic=False):
        if len(files) == 1:
            ds = tf.data.TFRecordDataset(files)
        else:
            ds = tf.data.Dataset.from_tensor_slices(files).interleave(
                tf.data.TFRecordDataset,
                cycle_length=args.cycle_length,
                num_parallel_calls=AUTOTUNE,
                deterministic=deterministic,
            )
        ds = ds.map(parse, num_parallel_calls=AUTOTUNE, deterministic=deterministic)
        return ds.batch(B).prefetch(AUTOTUNE)

    def book(cache, deterministic=False):
        if cache:  # decode once, cache the decoded images, shuffle them in memory
            ds = decoded(deterministic=deterministic).cache().shuffle(n, seed=0)
        else:  # shuffle the file names, decode every epoch
            ds = decoded(shuffle=True, deterministic=deterministic)
        return augment(ds.batch(B), fused, deterministic)

    one, shards = records
    S = len(shards)
    variants = {
        "decode": ("the limit: `tf.data` read + decode, parallel `map`, batch",
                   lambda: decoded().batch(B), False),
        "keras_decode": ("`image_dataset_from_directory`, no augmentation", from_directory, False),
        "keras_layers": ("`image_dataset_from_directory` + Keras layers",
                         lambda: augment(from_directory(), layers), False),
        "book_disk": ("book pipeline, no cache: every epoch decodes", lambda: book(False), False),
        "book_disk_det": ("book pipeline, no cache, `deterministic=True`",
                          lambda: book(False, True), False),
        "book_first_epoch": ("book pipeline, first epoch: decodes, fills the cache",
                             lambda: book(True), True),
        "book_cached": ("book pipeline, later epoch: decoded images from the cache",
                        lambda: book(True), False),
        "tfrecord_one": ("one TFRecord file, decode, batch", lambda: from_records(one), False),
        "tfrecord_interleave": (f"{S} TFRecord shards, `interleave`, decode, batch",
                                lambda: from_records(shards), False),
        "tfrecord_interleave_det": (f"{S} TFRecord shards, `interleave`, `deterministic=True`",
                                    lambda: from_records(shards, True), False),
    }  # fmt: skip
    return {
        key: (label, lambda make=make: make().with_options(options), fresh)
        for key, (label, make, fresh) in variants.items()
    }


def flow_variants(folder, args) -> dict:
    """Key suffix -> (label, epoch): epoch() runs one epoch of flow_from_directory batches."""
    ImageDataGenerator = tl.get_image_data_generator()
    settings = dict(target_size=(args.size, args.size), batch_size=args.batch, class_mode="sparse")
    plain = ImageDataGenerator().flow_from_directory(folder, seed=0, **settings)
    augmenting = ImageDataGenerator(**AUGMENT).flow_from_directory(folder, seed=0, **settings)
    pool = ThreadPoolExecutor(args.threads)

    def one_thread(iterator):
        return sum(len(iterator[i][0]) for i in range(len(iterator)))

    def threads(iterator):  # what PyDataset(workers=N) does with threads
        return sum(len(x) for x, _ in pool.map(iterator.__getitem__, range(len(iterator))))

    return {
        "flow_decode": ("`flow_from_directory`, no augmentation", lambda: one_thread(plain)),
        "flow": ("`flow_from_directory` + `ImageDataGenerator`", lambda: one_thread(augmenting)),
        "flow_threads": (
            f"`flow_from_directory` + `ImageDataGenerator`, {args.threads} threads",
            lambda: threads(augmenting),
        ),
    }


def tf_steady(ds, steps: int, epochs: int) -> dict:
    """One new iterator over ``ds.repeat()``: its start-up, its first epoch, then ``epochs``
    epochs of ``steps`` batches, as ``model.fit(ds.repeat(), steps_per_epoch=steps)`` draws
    them; ``seconds`` is one of those later epochs (the steady state)."""
    t0 = time.perf_counter()
    iterator = iter(ds.repeat())
    count = int(next(iterator)[0].shape[0])
    startup = time.perf_counter() - t0
    count += sum(int(next(iterator)[0].shape[0]) for _ in range(steps - 1))
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    count += sum(int(next(iterator)[0].shape[0]) for _ in range(steps * epochs))
    seconds = (time.perf_counter() - t0) / epochs
    del iterator  # stops its threads before the next variant runs
    return {"count": count / (epochs + 1), "seconds": seconds, "startup_s": startup,
            "new_iterator_epoch_s": first}  # fmt: skip


def tf_first_epoch(ds) -> dict:
    """The first epoch of a pipeline, start-up included (its cache, if any, fills now)."""
    t0 = time.perf_counter()
    count, startup = 0, None
    for x, _ in ds:
        count += int(x.shape[0])
        startup = time.perf_counter() - t0 if startup is None else startup
    return {"count": count, "seconds": time.perf_counter() - t0, "startup_s": startup}


def timed(run) -> dict:
    """One epoch of ``run()`` (which returns the number of images), timed."""
    t0 = time.perf_counter()
    count = run()
    return {"count": count, "seconds": time.perf_counter() - t0}


def measure(epochs: dict, n: int, repeat: int) -> dict[str, list[dict]]:
    """Key -> ``repeat`` measurements (dicts of seconds), round-robin after a warm-up of each.

    ``epochs[key]()`` prepares an epoch (untimed) and returns the callable that runs and times
    it; each measurement's ``count`` must be ``n``, one epoch's images.
    """
    for key, prepare in epochs.items():
        assert prepare()()["count"] == n, key
    results = {key: [] for key in epochs}
    for r in range(repeat):
        for key, prepare in epochs.items():
            result = prepare()()
            assert result["count"] == n, (key, result["count"])
            results[key].append(result)
        print(f"round {r + 1}/{repeat}", flush=True)
    return results


def prepare_fresh(make):
    """The first epoch of a new pipeline: make() is called untimed."""

    def prepare():
        ds = make()
        return lambda: tf_first_epoch(ds)

    return prepare


def prepare_steady(ds, steps: int, epochs: int):
    """Steady-state epochs of the same pipeline (its cache, if any, filled by the warm-up)."""
    return lambda: lambda: tf_steady(ds, steps, epochs)


def set_threads(tf, threads: int) -> None:
    """TensorFlow's own thread pools: the same number of threads as everything else gets."""
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    tf.config.threading.set_intra_op_parallelism_threads(threads)


def build_epochs(tf, keras, root: Path, n: int, classes: list[str], args) -> tuple[dict, dict]:
    """Row key -> prepare (see :func:`measure`), and row key -> label, for both formats."""
    epochs, labels = {}, {}
    for fmt in FORMATS:
        folder = root / fmt
        one = write_shards(tf, folder, fmt, classes, 1)
        shards = write_shards(tf, folder, fmt, classes, args.shards)
        for key, (label, make, fresh) in tf_variants(
            tf, keras, folder, fmt, classes, (one, shards), args
        ).items():
            # fresh: a new pipeline for each timed epoch, built before the clock starts
            steps = -(-n // args.batch)  # batches per epoch, the last one partial
            prepare = prepare_fresh(make) if fresh else prepare_steady(make(), steps, args.epochs)
            epochs[f"{fmt}_{key}"] = prepare
            labels[f"{fmt}_{key}"] = f"{fmt.upper()}: {label}"
        for key, (label, run) in flow_variants(folder, args).items():
            epochs[f"{fmt}_{key}"] = lambda run=run: lambda: timed(run)
            labels[f"{fmt}_{key}"] = f"{fmt.upper()}: {label}"
    return epochs, labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-per-class", type=int, default=500, help="8 classes")
    parser.add_argument("--size", type=int, default=48, help="patch side, pixels")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--cycle-length", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=3, help="steady epochs per measurement")
    parser.add_argument("--note", default="", help="free text stored with the results")
    args = parser.parse_args()

    tf = tl.quiet_tensorflow()
    import keras

    set_threads(tf, args.threads)
    tl.set_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        n, classes = write_data(root, args.n_per_class, args.size)
        epochs, labels = build_epochs(tf, keras, root, n, classes, args)
        results = measure(epochs, n, args.repeat)

    def best(key, field):
        values = [r[field] for r in results[key] if r.get(field) is not None]
        return min(values) if values else None

    rows = {}
    for key, measured in results.items():
        fmt = key.split("_")[0]
        seconds = [r["seconds"] for r in measured]
        limit, fastest = best(f"{fmt}_decode", "seconds"), min(seconds)
        extra = {"of_limit": limit / fastest}
        if best(key, "startup_s") is not None:
            extra["startup_s"] = best(key, "startup_s")
        if best(key, "new_iterator_epoch_s") is not None:
            first = best(key, "new_iterator_epoch_s")
            limit_first = best(f"{fmt}_decode", "new_iterator_epoch_s")
            extra |= {"new_iterator_epoch_s": first, "new_iterator_of_limit": limit_first / first}
        rows[key] = row(labels[key], fastest, float(np.median(seconds)), n, "images", **extra)
        startup = f"   start-up {extra['startup_s'] * 1e3:5.1f} ms" if "startup_s" in extra else ""
        print(f"{key:30s} {n / fastest:8.0f} images/s  {limit / fastest:5.2f} of limit{startup}")
    targets = {
        f"{fmt}_book_vs_limit": target(
            f"{fmt.upper()}: book pipeline with augmentation, every epoch decoding, "
            "vs decoding alone (steady state)",
            rows[f"{fmt}_book_disk"]["of_limit"],
            GOAL,
            unit="x",
        )
        for fmt in FORMATS
    }
    config = {**vars(args), "n": n, "augmentation": AUGMENT}
    title = "Feeding augmented batches from image files on disk, against decoding alone"
    write_record("bench_input_pipeline", {"title": title, "config": config, "rows": rows,
                                          "targets": targets})  # fmt: skip


if __name__ == "__main__":
    main()
