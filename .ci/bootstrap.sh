#!/usr/bin/env bash
# Creates .venv from the lock file with uv (installed into .tools/ when not on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."

export UV_PYTHON_DOWNLOADS=never
PYTHON=${PYTHON:-python3}

if command -v uv >/dev/null 2>&1; then
  UV=uv
else
  if [ ! -x .tools/bin/uv ]; then
    if ! "$PYTHON" -m venv .tools >/dev/null 2>&1; then
      # Debian ships venv apart from Python itself.
      apt-get -o DPkg::Lock::Timeout=600 update -qq \
        && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq python3-venv >/dev/null
      rm -rf .tools && "$PYTHON" -m venv .tools
    fi
    .tools/bin/pip install -q --disable-pip-version-check uv
  fi
  UV=.tools/bin/uv
fi
"$UV" sync --frozen --python "$PYTHON" --quiet
