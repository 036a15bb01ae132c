# The two set-up commands of the README. Both create .venv and install first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := HF_HUB_OFFLINE=1 $(BIN)/flask --app matchmaker
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: install run test bench evaluate clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/activate requirements.txt requirements-dev.txt
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

run: install
	$(FLASK) seed-demo
	$(FLASK) reindex
	@echo "Serving on http://$(HOST):$(PORT)  — demo logins above (password demo-pass-2026)"
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install
	HF_HUB_OFFLINE=1 TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python -m pytest -q $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
