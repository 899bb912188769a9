#!/usr/bin/env bash
# Installs the test suite's OpenID provider (Node's certified oidc-provider, from the lock file).
set -euo pipefail
cd "$(dirname "$0")/../tests/oidc_provider"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund --silent
fi
