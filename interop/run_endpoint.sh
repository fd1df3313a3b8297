#!/usr/bin/env bash
# quic-interop-runner endpoint (INTEROP-RUNNER.md §2): ROLE, TESTCASE, REQUESTS, SSLKEYLOGFILE,
# QLOGDIR from the environment; /www, /downloads, /certs, /logs (WWW, DOWNLOADS, CERTS, LOGS
# override them; PORT the server port, default 443). Exit 0 success, 1 failure, 127 unsupported.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Inside the runner's endpoint image: network setup, then (client) wait for the simulator.
if [ -x /setup.sh ]; then /setup.sh; fi
if [ "${ROLE:-}" = "client" ] && [ -x /wait-for-it.sh ] && [ -z "${NO_WAIT_FOR_SIM:-}" ]; then
  /wait-for-it.sh sim:57832 -s -t 30
fi

# Relative paths are taken from the caller's directory.
for v in WWW DOWNLOADS CERTS LOGS; do
  if [ -n "${!v:-}" ]; then export "$v=$(realpath -m "${!v}")"; fi
done

exec node --import "file://$ROOT/node_modules/tsx/dist/loader.mjs" "$ROOT/interop/endpoint/main.ts"
