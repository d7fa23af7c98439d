# `make run`: set up, find (or download) the data, then `asl compare`: train and score both models, write reports/;
# then train the photo model (Sign Language MNIST + ASL-HG), the one `asl predict` reads with.
# `make test`: set up and run the tests.
PYTHON ?= $(firstword $(foreach p,python3.12 python3.11,$(if $(shell $(p) -c 'import sys; print(sys.version_info[:2] in [(3, 11), (3, 12)])' 2>/dev/null | grep True),$(p))))
VENV := .venv
ASL := $(VENV)/bin/asl
SHARED_DATA := ../shared/data/sign-language-mnist
PHOTOS ?= ../shared/data/asl-photos-dev
SHARED_HG := ../shared/data/asl-hg
# data/raw if it holds the CSVs, else the shared copy beside this clone, else data/raw (downloaded).
DATA_DIR ?= $(if $(wildcard data/raw/sign_mnist_train.csv),data/raw,$(if $(wildcard $(SHARED_DATA)/sign_mnist_train.csv),$(SHARED_DATA),data/raw))
# ASL-HG (photos of ten signers): data/raw/asl-hg if there, else the shared copy, else data/raw/asl-hg (downloaded).
HG_DIR ?= $(if $(wildcard data/raw/asl-hg/A),data/raw/asl-hg,$(if $(wildcard $(SHARED_HG)/A),$(SHARED_HG),data/raw/asl-hg))

.PHONY: run test data hg benchmark clean

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: Python 3.11 or 3.12 is needed (mediapipe 0.10.21 supports no other)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test,cluster]'
	touch $@

data: $(VENV)/.installed
	@test -f $(DATA_DIR)/sign_mnist_train.csv -a -f $(DATA_DIR)/sign_mnist_test.csv || $(ASL) download --data-dir $(DATA_DIR)

hg: $(VENV)/.installed
	@test -d $(HG_DIR)/A || $(ASL) download asl-hg --dest $(HG_DIR)

run: data hg
	$(ASL) compare --data-dir $(DATA_DIR) $(if $(wildcard $(PHOTOS)),--photos $(PHOTOS))
	$(ASL) train-rf --data-dir $(DATA_DIR) --extra $(HG_DIR) --model models/rf-photos.skops

test: $(VENV)/.installed
	$(VENV)/bin/pytest -q

benchmark: data
	ASL_DATA_DIR=$(DATA_DIR) $(VENV)/bin/python benchmarks/run_benchmarks.py

clean:
	rm -rf $(VENV) build *.egg-info
