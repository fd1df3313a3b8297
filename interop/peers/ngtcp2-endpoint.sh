#!/usr/bin/env bash
# ngtcp2 endpoint for the local interop runner: maps the runner's endpoint environment
# (/work/shared/INTEROP-RUNNER.md §2.1: ROLE, TESTCASE, REQUESTS, SSLKEYLOGFILE, QLOGDIR, plus the
# local overrides WWW DOWNLOADS CERTS LOGS PORT that interop/run_endpoint.sh also takes) onto
# Debian's ngtcp2 0.12 example programs gtlsserver / gtlsclient (packages ngtcp2-server /
# ngtcp2-client, installed by interop/peers/setup.sh). Exit codes: 0 ok, 1 error, 127 unsupported.
#
# Debian ships only the h3 examples (no hq-interop programs), so this peer supports the runner's
# `http3` test case only (ALPN h3, INTEROP-RUNNER.md §2.3); every other TESTCASE exits 127, as a
# real endpoint does for a test case it does not implement.
#   ROLE=server TESTCASE=http3 WWW=dir CERTS=dir LOGS=dir PORT=4433 bash interop/peers/ngtcp2-endpoint.sh
#   ROLE=client TESTCASE=http3 REQUESTS="https://127.0.0.1:4433/f ..." DOWNLOADS=dir LOGS=dir bash ...
set -u
case "${TESTCASE:-}" in
  http3) ;;
  *) echo "unsupported test case: ${TESTCASE:-} (ngtcp2 peer: http3 only)"; exit 127 ;;
esac
LOGS=${LOGS:-/logs}
mkdir -p "$LOGS"
QLOG=()
if [ -n "${QLOGDIR:-}" ]; then mkdir -p "$QLOGDIR" && QLOG=(--qlog-dir="$QLOGDIR"); fi
# SSLKEYLOGFILE is honoured by the examples themselves (NSS key log format, appended).
case "${ROLE:-}" in
  server)
    command -v gtlsserver >/dev/null || { echo "gtlsserver missing: run bash interop/peers/setup.sh" >&2; exit 1; }
    CERTS=${CERTS:-/certs}
    # priv.key is `openssl ecparam -genkey` output (EC PARAMETERS + SEC1 key): hand GnuTLS PKCS#8.
    openssl pkey -in "$CERTS/priv.key" -out "$LOGS/priv.pkcs8.pem" || exit 1
    # --max-gso-dgrams=1: no UDP GSO super-datagrams on lo, so tshark sees (and decrypts) real
    # datagrams and the relay forwards datagrams of normal size (/work/shared/peers/README.md).
    # Windows raised from 1M/256K so 500 KiB files are not flow-control bound.
    exec gtlsserver -q --max-gso-dgrams=1 --max-data=16M --max-stream-data-bidi-local=8M \
      "${QLOG[@]}" -d "${WWW:-/www}" '*' "${PORT:-443}" "$LOGS/priv.pkcs8.pem" "$CERTS/cert.pem" ;;
  client)
    command -v gtlsclient >/dev/null || { echo "gtlsclient missing: run bash interop/peers/setup.sh" >&2; exit 1; }
    DOWNLOADS=${DOWNLOADS:-/downloads}
    mkdir -p "$DOWNLOADS"
    # shellcheck disable=SC2206 # REQUESTS is a space-separated URL list
    URLS=(${REQUESTS:-})
    [ "${#URLS[@]}" -gt 0 ] || { echo "REQUESTS is empty" >&2; exit 1; }
    # host and port of the first URL: https://HOST:PORT/..., HOST possibly [v6]
    AUTH=${URLS[0]#https://}
    AUTH=${AUTH%%/*}
    if [[ "$AUTH" == \[* ]]; then HOST=${AUTH%%]*}; HOST=${HOST#[}; REST=${AUTH##*]}; PORT_=${REST#:}
    else HOST=${AUTH%%:*}; PORT_=${AUTH##*:}; [ "$PORT_" = "$AUTH" ] && PORT_=""; fi
    PORT_=${PORT_:-443}
    exec gtlsclient -q --exit-on-all-streams-close --download "$DOWNLOADS" "${QLOG[@]}" \
      "$HOST" "$PORT_" "${URLS[@]}" ;;
  *) echo "ROLE must be client or server" >&2; exit 1 ;;
esac
