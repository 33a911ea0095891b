# Two commands for a fresh machine with Python 3.11+ and pip:
#   make book   -- build the HTML book (executes every notebook) into _build/html
#   make test   -- unit, property and doctests of tutorial_lib, then nbval over every notebook
# Both create the virtual environment .venv and install everything on first use.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Use the kernel of this environment, never a kernel installed elsewhere.
export JUPYTER_PATH := $(abspath $(VENV))/share/jupyter
export JUPYTER_PLATFORM_DIRS := 1
export TF_CPP_MIN_LOG_LEVEL := 3
export PYTHONHASHSEED := 0

.PHONY: book test install clean clean-book

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3" > /dev/null
	touch $(STAMP)

book: $(STAMP)
	$(VENV)/bin/jupyter-book build . --all -W --keep-going
	$(PY) tools/check_book.py _build/html
	@echo "Book built: open _build/html/index.html"

test: $(STAMP)
	$(PY) -m pytest tests tutorial_lib notebooks --doctest-modules --nbval-lax --nbval-current-env --nbval-cell-timeout=300 -p no:randomly

clean-book:
	rm -rf _build

clean: clean-book
	rm -rf $(VENV)
