# The README's two commands: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test test-docker lint typecheck e2e bench check-examples regen-examples clean

$(STAMP): pyproject.toml tests/node/package.json
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	npm ci --prefix tests/node --no-audit --no-fund --loglevel=error || npm install --prefix tests/node --no-audit --no-fund --loglevel=error
	touch $(STAMP)

install: $(STAMP)

## Generate the stack for the bundled example into ./demo-out and validate it.
demo: $(STAMP)
	$(BIN)/cloudexit-ci migrate examples/serverless-items/terraform --output demo-out --domain api.example.com
	$(BIN)/docker-compose --env-file demo-out/.env.example -f demo-out/docker-compose.yml config -q
	@echo "demo-out/ holds the generated stack; see demo-out/README.md"

## Lint, type-check, check the examples' generated stacks (dogfooding) and run every test.
test: $(STAMP) lint typecheck check-examples
	$(BIN)/pytest -q

## Container suite: every example stack built and run in a real Docker Engine (installed and
## started if missing, stopped if started here), requests through the Traefik container.
## See docs/CONTAINER-TESTS.md.
test-docker: $(STAMP)
	$(BIN)/pytest -q -m docker tests/docker

## The project's own drift check: every stack of .cloudexit.yml must be in sync.
check-examples: $(STAMP)
	$(BIN)/cloudexit-ci check

## Regenerate every example stack after changing the generator.
regen-examples: $(STAMP)
	$(BIN)/cloudexit-ci migrate || true

lint: $(STAMP)
	$(BIN)/ruff check cloudexit_ci tests bench
	$(BIN)/ruff format --check cloudexit_ci tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) demo-out tests/node/node_modules
