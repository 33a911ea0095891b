# Two commands for a fresh machine with Python 3.11+ and pip:
#   make book   -- build the HTML book into _build/html, executing the notebooks whose code changed
#                  since the last build (all of them the first time; execution cache in _build)
#   make test   -- unit, property and doctests of tutorial_lib, and nbval over every notebook run
#                  as in Colab: in .venv-colab (tools/colab-requirements.txt, without tutorial_lib,
#                  which each chapter's setup cell installs from this checkout; tests/book/test_colab_like.py),
#                  after `make lint` (ruff: lint and format check of the code and the chapters)
# Both create the virtual environment .venv and install everything on first use.
# make compat -- the same tests against the oldest supported TensorFlow, a middle one and the newest,
#                and the Keras behaviour page re-measured on every pinned Keras release (by hand; PyPI).
# make book-fresh -- empty _build (and its execution cache), then make book: every notebook executed
#                    anew (CI, .ci/run; also after changing tutorial_lib, which the cache does not see).
# make sync-url -- write the repository URL (pyproject.toml, [project.urls]) into every file naming it.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Use the kernel of this environment, never a kernel installed elsewhere.
export JUPYTER_PATH := $(abspath $(VENV))/share/jupyter
export JUPYTER_PLATFORM_DIRS := 1
export TF_CPP_MIN_LOG_LEVEL := 3
export PYTHONHASHSEED := 0

# The Colab-like environment: only tools/colab-requirements.txt (COLAB_PINS narrows it, for
# make compat), made anew (venv --clear) whenever that file changes; never tutorial_lib.
COLAB_VENV ?= .venv-colab
COLAB_PINS ?=
COLAB_STAMP = $(COLAB_VENV)/.installed

.PHONY: book book-fresh sync-url test lint install clean clean-book colab-venv compat compat-run compat-keras

install: $(STAMP)

$(STAMP): requirements.txt tools/colab-requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3" > /dev/null
	touch $(STAMP)

colab-venv: $(COLAB_STAMP)

$(COLAB_STAMP): tools/colab-requirements.txt
	$(PYTHON) -m venv --clear $(COLAB_VENV)
	$(COLAB_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(COLAB_VENV)/bin/python -m pip install --quiet -r tools/colab-requirements.txt $(COLAB_PINS)
	$(COLAB_VENV)/bin/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3" > /dev/null
	touch $(COLAB_STAMP)

book: $(STAMP)
	$(PY) tools/render_keras_versions.py
	$(VENV)/bin/jupyter-book build . --all -W --keep-going
	$(PY) tools/check_book.py _build/html
	@echo "Book built: open _build/html/index.html"

book-fresh: $(STAMP)
	rm -rf _build
	$(MAKE) book

sync-url: $(STAMP)
	$(PY) tools/sync_project_url.py

# make lint -- ruff (configured in pyproject.toml; chapters in notebooks/ruff.toml): lint and
# format check of the library, tests, benchmarks, tools and every chapter notebook; actionlint
# (its PyPI wheel) on the GitHub Actions workflows in .github/workflows.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/actionlint -no-color .github/workflows/*.yml

test: $(STAMP) $(COLAB_STAMP) lint
	COLAB_VENV=$(COLAB_VENV) $(PY) -m pytest tests tutorial_lib --doctest-modules -p no:randomly

# make compat -- the unit tests and every chapter (Colab-like, as in make test) against the oldest
# supported TensorFlow, with the Keras and NumPy of its time (Keras 3.3: the preprocessing layers
# take no {"images", "segmentation_masks"} dict), a middle one (Keras 3.10: they take it but blend
# mask labels, as every Keras from 3.6 to 3.13) and the newest in tools/colab-requirements.txt's
# range; each in its own Colab-like venv plus hypothesis, pyyaml, jinja2 and JAX for the unit tests, which
# import tutorial_lib from this checkout (PYTHONPATH), not installed. About 10 minutes each.
# Then compat-keras (below) re-measures the appendix "Keras behaviour by version".
COMPAT_OLDEST := "tensorflow==2.16.2" "keras~=3.3.0" "numpy<2" "jax[cpu]==0.4.30"
COMPAT_MIDDLE := "tensorflow~=2.19.0" "keras~=3.10.0"
compat:
	status=0; \
	$(MAKE) compat-keras || status=1; \
	$(MAKE) compat-run COLAB_VENV=.venv-compat-oldest COLAB_PINS='$(COMPAT_OLDEST)' || status=1; \
	$(MAKE) compat-run COLAB_VENV=.venv-compat-middle COLAB_PINS='$(COMPAT_MIDDLE)' || status=1; \
	$(MAKE) compat-run COLAB_VENV=.venv-compat-newest COLAB_PINS= || status=1; \
	exit $$status

compat-run: $(COLAB_STAMP)
	$(COLAB_VENV)/bin/python -m pip install --quiet --upgrade -r tools/colab-requirements.txt $(COLAB_PINS) "hypothesis>=6.100" pyyaml "jinja2>=3.1" $(if $(findstring jax,$(COLAB_PINS)),,"jax[cpu]") $$(grep -E '^actionlint' requirements.txt)
	PYTHONPATH=$(CURDIR) $(COLAB_VENV)/bin/python -c "import tutorial_lib as tl; print('compat:', tl.versions())"
	PYTHONPATH=$(CURDIR) COLAB_VENV=$(COLAB_VENV) $(COLAB_VENV)/bin/python -m pytest tests tutorial_lib --doctest-modules -p no:randomly

# make compat-keras -- (part of make compat; needs PyPI) measure the Keras behaviours the chapters
# assert, with tools/keras_behaviour.py, once for every Keras release pinned in tools/keras_versions.txt,
# each in its own venv $(KERAS_VENVS)/keras-<release> (made on first use: about 2.2 GB and one to two
# minutes each; TensorFlow first, then the pins), into book/keras_versions/keras-<version>.json (a new
# patch release replaces the file of its minor one), then regenerate book/keras_versions.md from those
# files. Once the venvs exist, all ten releases take about 2 minutes. `make compat-keras KERAS_ONLY="3.14 3.15"` measures only those.
# CI and make test never install these releases: the page and tests/book/test_keras_versions.py read
# the committed files.
KERAS_VENVS ?= .venv-keras
KERAS_ONLY ?=
compat-keras: $(STAMP)
	$(PY) tools/keras_behaviour.py --refresh --venvs $(KERAS_VENVS) $(if $(KERAS_ONLY),--only $(KERAS_ONLY))
	$(PY) tools/render_keras_versions.py

# make bench -- rerun every benchmark (each writes benchmarks/results/<name>.json; several minutes, best on a
# quiet machine), then regenerate the performance appendix book/performance.md and its plots from the results.
# `make bench BENCH_ZCA_ARGS=--large` adds the long 224x224x3 ZCA run.
BENCH_ZCA_ARGS ?=
.PHONY: bench
bench: $(STAMP)
	$(PY) -m pip install --quiet -e ".[bench]"
	$(PY) benchmarks/bench_crop.py
	$(PY) benchmarks/bench_paired.py
	$(PY) benchmarks/bench_pipelines.py
	$(PY) benchmarks/bench_generator_augment.py
	$(PY) benchmarks/bench_modern.py
	$(PY) benchmarks/bench_zca.py $(BENCH_ZCA_ARGS)
	$(PY) benchmarks/bench_input_pipeline.py
	$(PY) benchmarks/bench_zca_transform.py
	$(PY) benchmarks/bench_data_service.py
	$(PY) tools/render_performance.py

# make check-html -- after `make book`: every page of _build/html in headless Chromium (Debian's
# `chromium` package, no browser download): images, links, JS console errors, figures, Colab links, search.
# Screenshots go to _build/screenshots/.
CHROMIUM ?= /usr/bin/chromium
.PHONY: check-html
check-html: $(STAMP)
	@test -f _build/html/index.html || { echo "check-html: no built book in _build/html -- run 'make book' first"; exit 1; }
	@command -v $(CHROMIUM) > /dev/null || { echo "check-html: $(CHROMIUM) not found -- install Debian's Chromium: sudo apt-get install -y --no-install-recommends chromium (or set CHROMIUM=/path/to/chromium)"; exit 1; }
	CHROMIUM=$(CHROMIUM) $(PY) -m pytest browser_tests -p no:randomly -q

clean-book:
	rm -rf _build

clean: clean-book
	rm -rf $(VENV) $(COLAB_VENV) .venv-compat-* $(KERAS_VENVS) build
