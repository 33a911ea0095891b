# Setup, the same in every chapter: install tutorial_lib where it is missing
# (Colab), then silence TensorFlow's start-up logs and seed everything.
import importlib.util
import os
import subprocess
import sys

SOURCE = os.environ.get(
    "TUTORIAL_LIB_SOURCE",
    "git+https://github.com/keras-augmentation/keras-augmentation-book",
)
if importlib.util.find_spec("tutorial_lib") is None:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", SOURCE],
        check=True,
    )
    importlib.invalidate_caches()
import tutorial_lib as tl

tl.quiet_tensorflow()
rng = tl.set_seed(0)
