# Two commands for a fresh machine with Python 3.11+ and pip:
#   make book   -- build the HTML book (executes every notebook) into _build/html
#   make test   -- unit, property and doctests of tutorial_lib, and nbval over every notebook run
#                  as in Colab: in .venv-colab (tools/colab-requirements.txt, without tutorial_lib,
#                  which each chapter's setup cell installs from this checkout; tests/book/test_colab_like.py),
#                  after `make lint` (ruff: lint and format check of the code and the chapters)
# Both create the virtual environment .venv and install everything on first use.
# make compat -- the same tests against the oldest supported TensorFlow, a middle one and the newest (by hand).

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

.PHONY: book test lint install clean clean-book colab-venv compat compat-run

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
	$(VENV)/bin/jupyter-book build . --all -W --keep-going
	$(PY) tools/check_book.py _build/html
	@echo "Book built: open _build/html/index.html"

# make lint -- ruff (configured in pyproject.toml; chapters in notebooks/ruff.toml): lint and
# format check of the library, tests, benchmarks, tools and every chapter notebook.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: $(STAMP) $(COLAB_STAMP) lint
	COLAB_VENV=$(COLAB_VENV) $(PY) -m pytest tests tutorial_lib --doctest-modules -p no:randomly

# make compat -- the unit tests and every chapter (Colab-like, as in make test) against the oldest
# supported TensorFlow, with the Keras and NumPy of its time (Keras 3.3: the preprocessing layers
# take no {"images", "segmentation_masks"} dict), a middle one (Keras 3.10: they take it but blend
# mask labels, as every Keras from 3.6 to 3.13) and the newest in tools/colab-requirements.txt's
# range; each in its own Colab-like venv plus hypothesis, pyyaml, jinja2 and JAX for the unit tests, which
# import tutorial_lib from this checkout (PYTHONPATH), not installed. About 10 minutes each.
COMPAT_OLDEST := "tensorflow==2.16.2" "keras~=3.3.0" "numpy<2" "jax[cpu]==0.4.30"
COMPAT_MIDDLE := "tensorflow~=2.19.0" "keras~=3.10.0"
compat:
	status=0; \
	$(MAKE) compat-run COLAB_VENV=.venv-compat-oldest COLAB_PINS='$(COMPAT_OLDEST)' || status=1; \
	$(MAKE) compat-run COLAB_VENV=.venv-compat-middle COLAB_PINS='$(COMPAT_MIDDLE)' || status=1; \
	$(MAKE) compat-run COLAB_VENV=.venv-compat-newest COLAB_PINS= || status=1; \
	exit $$status

compat-run: $(COLAB_STAMP)
	$(COLAB_VENV)/bin/python -m pip install --quiet --upgrade -r tools/colab-requirements.txt $(COLAB_PINS) "hypothesis>=6.100" pyyaml "jinja2>=3.1" $(if $(findstring jax,$(COLAB_PINS)),,"jax[cpu]")
	PYTHONPATH=$(CURDIR) $(COLAB_VENV)/bin/python -c "import tutorial_lib as tl; print('compat:', tl.versions())"
	PYTHONPATH=$(CURDIR) COLAB_VENV=$(COLAB_VENV) $(COLAB_VENV)/bin/python -m pytest tests tutorial_lib --doctest-modules -p no:randomly

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
	rm -rf $(VENV) $(COLAB_VENV) .venv-compat-* build
