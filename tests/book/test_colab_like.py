"""Every chapter runs as a reader runs it in Colab: a fresh runtime without tutorial_lib.

Each notebook is executed under nbval by the Python of a separate, Colab-like
virtual environment (``$COLAB_VENV``, default ``.venv-colab``, made by
``make colab-venv`` from ``tools/colab-requirements.txt``): TensorFlow, NumPy,
SciPy, matplotlib, scikit-image, scikit-learn, Pillow and tqdm, plus ipykernel,
pytest and nbval -- and NOT tutorial_lib. Before each notebook, tutorial_lib is
uninstalled from that environment, so each chapter's setup cell must install it
itself, exactly as on a fresh Colab runtime; ``TUTORIAL_LIB_SOURCE`` points the
setup cell's ``pip install`` at this checkout instead of the repository URL.
After the run the test checks that tutorial_lib is now installed, from this
checkout, as a regular (non-editable) install, which also proves that the
kernel was the Colab-like environment's own Python.

The install is the setup cell's real one: ``pip install <checkout>`` with
pip's default build isolation (what ``pip install git+<url>`` does on Colab
after cloning), not a pre-built wheel nor ``--no-build-isolation``. It costs
about 3 s per notebook (uninstall under 1 s), so there is no reason for a less
faithful shortcut. (pip builds a local directory in place, so it leaves a
``build/`` folder in the checkout; it is git-ignored.)

The nested run gets a clean environment: no ``PYTHONPATH``/``VIRTUAL_ENV``, no
Jupyter paths of the development venv (``JUPYTER_PATH`` is the Colab-like
venv's own; nbval starts the kernel with the nested run's own interpreter,
``--nbval-current-env``), no user site-packages, and none of the variables the
Makefile or our conftest set for the book build (``MPLBACKEND``,
``TF_CPP_MIN_LOG_LEVEL``, ``PYTHONHASHSEED``): a chapter has to be quiet,
seeded and showing its figures by itself, as in Colab.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
COLAB_VENV = (
    ROOT / os.environ.get("COLAB_VENV", ".venv-colab")
).resolve()  # relative to the checkout
CELL_TIMEOUT = 300
#: Variables that must not leak from the development run into the Colab-like one.
SCRUBBED = (
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSTARTUP",
    "VIRTUAL_ENV",
    "CONDA_PREFIX",
    "MPLBACKEND",
    "TF_CPP_MIN_LOG_LEVEL",
    "PYTHONHASHSEED",
    "IPYTHONDIR",
)
SCRUBBED_PREFIXES = ("JUPYTER", "PYTEST_")


def _colab_env() -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in SCRUBBED and not key.startswith(SCRUBBED_PREFIXES)
    }
    dev_bin = str(Path(sys.prefix) / "bin")
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and p != dev_bin]
    env.update(
        PATH=os.pathsep.join([str(COLAB_VENV / "bin"), *path]),
        JUPYTER_PATH=str(COLAB_VENV / "share" / "jupyter"),
        JUPYTER_PLATFORM_DIRS="1",
        PYTHONNOUSERSITE="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        TUTORIAL_LIB_SOURCE=str(ROOT),
    )
    return env


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=_colab_env(), capture_output=True, text=True, **kwargs)


_INSTALLED = """
import importlib.metadata as md, importlib.util, json
spec = importlib.util.find_spec("tutorial_lib")
try:
    direct_url = json.loads(md.distribution("tutorial_lib").read_text("direct_url.json") or "null")
except md.PackageNotFoundError:
    direct_url = None
print(json.dumps({"importable": spec is not None, "direct_url": direct_url}))
"""


@pytest.fixture(scope="session")
def colab_python() -> Path:
    python = COLAB_VENV / "bin" / "python"
    if not python.is_file():
        pytest.fail(
            f"no Colab-like environment at {COLAB_VENV}: run `make colab-venv` (make test does)"
        )
    return python


def _uninstall_tutorial_lib(python: Path) -> subprocess.CompletedProcess:
    return _run(
        [str(python), "-m", "pip", "uninstall", "--yes", "--quiet", "tutorial_lib"], cwd=ROOT
    )


def _tutorial_lib_state(python: Path) -> dict:
    res = _run([str(python), "-c", _INSTALLED], cwd=ROOT / "notebooks", check=True)
    return json.loads(res.stdout)


def test_colab_like_env_has_the_stack_and_not_tutorial_lib(colab_python):
    modules = ("tensorflow", "keras", "numpy", "skimage", "sklearn", "matplotlib", "nbval")
    code = f"import importlib.util as u; print([m for m in {modules!r} if u.find_spec(m) is None])"
    res = _run([str(colab_python), "-c", code], cwd=ROOT / "notebooks", check=True)
    assert res.stdout.strip() == "[]"
    _uninstall_tutorial_lib(colab_python)
    assert _tutorial_lib_state(colab_python) == {"importable": False, "direct_url": None}


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_runs_in_a_colab_like_environment(notebook, colab_python):
    uninstall = _uninstall_tutorial_lib(colab_python)
    before = _tutorial_lib_state(colab_python)
    assert not before["importable"], (
        f"tutorial_lib still importable in {COLAB_VENV}:\n{uninstall.stderr}"
    )

    res = _run(
        [
            str(colab_python),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            "--nbval-lax",
            "--nbval-current-env",
            f"--nbval-cell-timeout={CELL_TIMEOUT}",
            str(notebook),
        ],
        cwd=ROOT,
        timeout=20 * CELL_TIMEOUT,
    )
    output = (res.stdout + res.stderr)[-20_000:]
    assert res.returncode == 0, (
        f"{notebook.name} failed in the Colab-like environment {COLAB_VENV}:\n{output}"
    )
    assert " passed" in res.stdout and " failed" not in res.stdout, output

    after = _tutorial_lib_state(colab_python)
    assert after["importable"], (
        f"the setup cell of {notebook.name} did not install tutorial_lib:\n{output}"
    )
    assert after["direct_url"]["url"] == ROOT.as_uri(), after
    assert not after["direct_url"].get("dir_info", {}).get("editable", False), after
