#!/usr/bin/env bash
# quic-go endpoint for the local interop runner: maps the runner's endpoint environment
# (/work/shared/INTEROP-RUNNER.md §2.1, plus the local overrides WWW DOWNLOADS CERTS LOGS PORT that
# interop/run_endpoint.sh also takes) onto the flags of $PEERS_DIR/bin/qgo-interop
# (built by interop/peers/setup.sh: quic-go 0.59.0 from trixie-backports). Exit codes: 0 ok,
# 1 error, 127 unsupported test case. SSLKEYLOGFILE and QLOGDIR are read by qgo-interop itself.
# PREFERRED_* (our server's preferred-address settings) mean nothing to quic-go's server, which
# cannot offer one (connectionmigration exits 127 as server); as a client, qgo-interop migrates every
# hq-interop connection to a preferred_address the server offers, whatever TESTCASE says.
#   ROLE=server TESTCASE=transfer WWW=dir CERTS=dir LOGS=dir PORT=4433 bash interop/peers/quic-go-endpoint.sh
#   ROLE=client TESTCASE=transfer REQUESTS="https://127.0.0.1:4433/f ..." DOWNLOADS=dir LOGS=dir bash ...
set -u
P=${PEERS_DIR:-/tmp/quic-multistream-peers}
BIN="$P/bin/qgo-interop"
[ -x "$BIN" ] || { echo "qgo-interop not built: run bash interop/peers/setup.sh" >&2; exit 1; }
LOGS=${LOGS:-/logs}
mkdir -p "$LOGS"
[ -n "${QLOGDIR:-}" ] && mkdir -p "$QLOGDIR"
case "${ROLE:-}" in
  server)
    exec "$BIN" -role server -testcase "${TESTCASE:-}" -listen ":${PORT:-443}" \
      -www "${WWW:-/www}" -certs "${CERTS:-/certs}" -log "$LOGS/log.txt" ;;
  client)
    mkdir -p "${DOWNLOADS:-/downloads}"
    # shellcheck disable=SC2086 # REQUESTS is a space-separated URL list
    exec "$BIN" -role client -testcase "${TESTCASE:-}" -downloads "${DOWNLOADS:-/downloads}" \
      -log "$LOGS/log.txt" ${REQUESTS:-} ;;
  *) echo "ROLE must be client or server" >&2; exit 1 ;;
esac
