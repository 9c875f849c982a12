#!/bin/sh
# Produces node_modules from the committed lock file; the e2e suite runs this before pushing the app,
# so the artifact carries the real many-small-files tree and the runtime image needs no network.
set -eu
cd "$(dirname "$0")"
exec npm ci --omit=dev --no-audit --no-fund
