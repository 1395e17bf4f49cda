PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
REFERENCE := tests/reference/node_modules/.installed
CHROMIUM := /usr/bin/chromium
MYPY_TARGETS := campaign audiences scheduler tests bench
DEMO_EDITOR := editor@demo.example.org

.PHONY: setup test run bench clean reset

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -e '.[dev]'
	touch $@

# Twilio's own SMS segment calculator, the reference for our segment counts.
$(REFERENCE): tests/reference/package.json tests/reference/package-lock.json
	npm ci --prefix tests/reference --no-audit --no-fund
	touch $@

# Debian's Chromium for the browser tests; Playwright drives it and never downloads its own.
$(CHROMIUM):
	$$( [ "$$(id -u)" -eq 0 ] || echo sudo ) apt-get update
	$$( [ "$$(id -u)" -eq 0 ] || echo sudo ) env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends chromium

test: $(STAMP) $(REFERENCE) $(CHROMIUM)
	$(BIN)/ruff check
	$(BIN)/ruff format --check
	$(BIN)/mypy $(MYPY_TARGETS)
	$(BIN)/pytest

run: $(STAMP)
	$(BIN)/campaign db upgrade
	$(BIN)/campaign demo --if-new
# The demo key is kept in .campaign/ (0600, git-ignored) and reused while it still works.
	@out=$$($(BIN)/campaign api-keys create --role editor --name make-run --user $(DEMO_EDITOR) \
		--keep-in .campaign/make-run.key) || exit 1; \
	key=$$(printf '%s\n' "$$out" | tail -n 1); \
	url=http://$${CAMPAIGN_HOST:-127.0.0.1}:$${CAMPAIGN_PORT:-8080}; \
	echo "Demo API key: $$key (acting for $(DEMO_EDITOR))"; \
	echo "Service: $$url  API: $$url/api/v1/campaigns (described at $$url/api/v1/openapi.json)"; \
	echo "  curl -H 'Authorization: Bearer $$key' $$url/api/v1/campaigns"
	exec $(BIN)/campaign run

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache tests/reference/node_modules
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

reset:
	rm -f campaign.db campaign.db-wal campaign.db-shm campaign.db.secret
