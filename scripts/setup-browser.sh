#!/usr/bin/env bash
# scripts/setup-browser.sh -- make sure Debian's Chromium (/usr/bin/chromium) is installed for the
# browser tests (spec-tests/browser: headless Chromium driven by playwright-core, a devDependency).
# Idempotent and fast when Chromium is present (one `test -x`); otherwise installs the `chromium`
# package with apt-get (as root, or through sudo), running `apt-get update` only when the package
# is not installable from the current lists. Used by `npm test` (pretest), `npm run test:browser`
# and CI (`.ci/run`: npm ci && npm test, as root).
#
# Env: CHROMIUM=/path/to/chromium   use another binary (then nothing is installed)
set -euo pipefail
BIN=${CHROMIUM:-/usr/bin/chromium}
if [ -x "$BIN" ]; then exit 0; fi
if [ -n "${CHROMIUM:-}" ]; then
  echo "[setup-browser] CHROMIUM=$BIN is not an executable" >&2; exit 1
fi
if ! command -v apt-get > /dev/null; then
  echo "[setup-browser] $BIN is missing and apt-get is not available: install Chromium, or set CHROMIUM=/path/to/chromium" >&2; exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo > /dev/null; then SUDO="sudo"; else
    echo "[setup-browser] $BIN is missing: run 'apt-get install -y chromium' as root" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
echo "[setup-browser] installing Debian's chromium (for spec-tests/browser)" >&2
LOG=$(mktemp)
# Update the package lists only if chromium is not installable from the current ones.
if ! apt-cache show chromium > /dev/null 2>&1 || ! $SUDO apt-get install -y -qq --no-install-recommends chromium > "$LOG" 2>&1; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends chromium > "$LOG" 2>&1 || { tail -20 "$LOG" >&2; rm -f "$LOG"; exit 1; }
fi
rm -f "$LOG"
[ -x "$BIN" ] || { echo "[setup-browser] chromium installed but $BIN is missing" >&2; exit 1; }
echo "[setup-browser] $("$BIN" --version 2>/dev/null || echo chromium) ready" >&2
