# Every target bootstraps .venv itself, so a fresh clone needs only Python 3.10+.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: demo test lint typecheck unit bench samples clean help

help:
	@echo "make demo   scan samples/, plan the follow-up, export, report (creates .venv)"
	@echo "make test   lint, type-check and run the whole test suite (creates .venv)"
	@echo "make bench  accuracy, flags, targets and speed on samples/ and ../shared/cards, cards2 if present"

# Reinstall when the dependencies change; the stamp keeps repeat runs instant.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/cardscan doctor
	@# Exit code 6 means some photos failed; the demo still shows the table.
	@# The demo's invented people go to a store of its own, not the user's contacts.
	rm -f out/demo.db out/demo.db-wal out/demo.db-shm
	CARDSCAN_DB=out/demo.db $(BIN)/cardscan event create "Sample mixer"
	CARDSCAN_DB=out/demo.db $(BIN)/cardscan scan samples --out out/demo --fresh \
	  --event "Sample mixer" || test $$? -eq 6
	@# After the mixer: the plan (3 contacts get the coffee), a CRM file, the review page.
	CARDSCAN_DB=out/demo.db $(BIN)/cardscan followup --event "Sample mixer" --top 3 --out out/demo/plan
	CARDSCAN_DB=out/demo.db $(BIN)/cardscan export --format hubspot --event "Sample mixer" -o out/demo/hubspot.csv
	CARDSCAN_DB=out/demo.db $(BIN)/cardscan export --format vcard --event "Sample mixer" -o out/demo/contacts.vcf
	CARDSCAN_DB=out/demo.db $(BIN)/cardscan report --event "Sample mixer" -o out/demo/report.html

lint: $(STAMP)
	$(BIN)/ruff check cardscan tests scripts
	$(BIN)/ruff format --check cardscan tests scripts

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -m "not tesseract" $(PYTEST_ARGS)

test: lint typecheck
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python scripts/bench.py samples $(wildcard ../shared/cards ../shared/cards2) --jobs 1,2

samples: $(STAMP)
	$(BIN)/python scripts/make_samples.py --out samples --count 24 --seed 78

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
