# Shortcuts; scripts/test is what CI runs.
.PHONY: test lint check bench

test:
	scripts/test

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check ingest storage
	.venv/bin/lint-imports
	.venv/bin/mypy

check: lint test

bench:
	.venv/bin/python bench/run.py --sizes 300 --runs 3
