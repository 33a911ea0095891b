"""tutorial_lib: the companion library of *Image augmentation with Keras*.

Plain functions over channels-last NumPy arrays, each with a checked
signature and a runnable example. Importing the package does not import
TensorFlow; :func:`get_image_data_generator` (or the lazy attribute
``tutorial_lib.ImageDataGenerator``) does, when asked, and so does the first
use of the Keras layer ``tutorial_lib.GeneratorAugment`` (with
``from_image_data_generator`` and ``generator_matrices``).

Examples
--------
>>> import tutorial_lib as tl
>>> rng = tl.set_seed(0)
>>> (x_train, y_train), _ = tl.load_digits()
>>> x_train.shape
(1437, 28, 28)
"""

from .batches import count_batches, iter_image_batches
from .boxes import box_iou, boxes_from_mask, loose_box_iou
from .compat import get_image_data_generator, quiet_tensorflow, versions
from .covariance import (
    CovarianceStats,
    covariance_moments,
    covariance_stats,
    covariance_stats_on_service,
)
from .crop import (
    RandomCropIterator,
    center_crop,
    paired_random_crop,
    random_crop,
    random_crop_batch,
)
from .data_service import LocalDataService, local_data_service
from .datasets import (
    FACES_CLASS_NAMES,
    PHOTO_NAMES,
    SHAPES_CLASS_NAMES,
    TEXTURE_CLASS_NAMES,
    TEXTURE_SOURCES,
    load_digits,
    load_faces,
    load_photos,
    load_textures,
    make_shapes,
)
from .image_folder import FolderReport, verify_image_folder, write_image_folder
from .paired import (
    AugmentedSample,
    PairedAugmenter,
    PairedBatchIterator,
    PairParams,
    check_image_mask_pair,
)
from .plotting import show_before_after, show_grid, show_mask_overlay, to_displayable
from .saving import save_augmented
from .seeding import set_seed
from .stats import FeaturewiseStats, featurewise_stats, load_stats
from .transforms import (
    compose,
    cutmix,
    erode,
    gaussian_noise,
    mixup,
    random_apply,
    salt_and_pepper,
)
from .tta import TTA_TRANSFORMS, tta_predict, tta_views
from .zca import ZCA

__version__ = "0.2.0"

__all__ = [
    # compat and seeding
    "get_image_data_generator",
    "quiet_tensorflow",
    "set_seed",
    "versions",
    # data
    "FACES_CLASS_NAMES",
    "PHOTO_NAMES",
    "SHAPES_CLASS_NAMES",
    "TEXTURE_CLASS_NAMES",
    "TEXTURE_SOURCES",
    "load_digits",
    "load_faces",
    "load_photos",
    "load_textures",
    "make_shapes",
    # image folders and saving
    "FolderReport",
    "save_augmented",
    "verify_image_folder",
    "write_image_folder",
    # pictures
    "show_before_after",
    "show_grid",
    "show_mask_overlay",
    "to_displayable",
    # crops, image + mask pairs and their boxes and keypoints
    "AugmentedSample",
    "PairParams",
    "PairedAugmenter",
    "PairedBatchIterator",
    "RandomCropIterator",
    "center_crop",
    "check_image_mask_pair",
    "paired_random_crop",
    "random_crop",
    "random_crop_batch",
    "box_iou",
    "boxes_from_mask",
    "loose_box_iou",
    # value transforms
    "compose",
    "erode",
    "gaussian_noise",
    "random_apply",
    "salt_and_pepper",
    # label-mixing batch augmentations
    "cutmix",
    "mixup",
    # test-time augmentation (any prediction function; the module does not import Keras)
    "TTA_TRANSFORMS",
    "tta_predict",
    "tta_views",
    # statistics and whitening
    "CovarianceStats",
    "FeaturewiseStats",
    "ZCA",
    "covariance_moments",
    "covariance_stats",
    "covariance_stats_on_service",
    "featurewise_stats",
    "load_stats",
    # a local tf.data service (its server processes import TensorFlow; this module does not)
    "LocalDataService",
    "local_data_service",
    # reading any batch source (arrays, Keras iterators, generators)
    "count_batches",
    "iter_image_batches",
    # ImageDataGenerator's arguments as one Keras 3 layer (imports Keras when first used)
    "GeneratorAugment",
    "from_image_data_generator",
    "generator_matrices",
]

#: Public names whose module imports Keras: loaded on first use (PEP 562).
_LAZY = {
    "GeneratorAugment": "generator_augment",
    "from_image_data_generator": "generator_augment",
    "generator_matrices": "generator_augment",
}


def __getattr__(name: str):
    if name == "ImageDataGenerator":
        return get_image_data_generator()
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
