#!/usr/bin/env bash
# interop/peers/setup.sh -- install the third-party peers and tools the local interop runner
# (interop/runner, `npm run interop`) needs, from Debian packages only, and build the quic-go
# endpoint offline. Idempotent: when everything is present it only checks and exits (~1 s).
#
#   apt:  golang-go (Go 1.19) + golang-github-lucas-clemente-quic-go-dev (quic-go 0.29), tshark
#         (capture/decode), openssl (runner cert chains), ngtcp2-client/ngtcp2-server (gtlsclient /
#         gtlsserver: h3-only peers, used for the http3 test via ngtcp2-endpoint.sh), chromium only
#         with WITH_CHROMIUM=1
#   bin:  $PEERS_DIR/bin/qgo-interop, built in GOPATH mode from interop/peers/go/qgo-interop/main.go
#         inside a copy of Debian's quic-go tree (the keyupdate client sets
#         internal/handshake.KeyUpdateInterval, which only code under the quic-go tree may import)
#
# Usage: bash interop/peers/setup.sh        Env: PEERS_DIR=/tmp/quic-multistream-peers WITH_CHROMIUM=0
# `apt-get update` runs only when a package is missing. Prints the peer versions at the end.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
P=${PEERS_DIR:-/tmp/quic-multistream-peers}
WITH_CHROMIUM=${WITH_CHROMIUM:-0}
export DEBIAN_FRONTEND=noninteractive
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
log() { echo "[interop-peers] $*" >&2; }
mkdir -p "$P/bin" "$P/logs"

# ---------------------------------------------------------------- 1. apt packages (only if missing)
PKGS="golang-go golang-github-lucas-clemente-quic-go-dev tshark openssl ngtcp2-client ngtcp2-server"
[ "$WITH_CHROMIUM" = 1 ] && PKGS="$PKGS chromium"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  log "installing:$missing"
  # tshark asks whether non-root users may capture; answer no (the runner captures as root).
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections 2>/dev/null || true
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq $missing > "$P/logs/apt-install.log" 2>&1 || { tail -20 "$P/logs/apt-install.log"; exit 1; }
fi

# ---------------------------------------------------------------- 2. quic-go endpoint (offline build)
QGO_VERSION=$(dpkg-query -W -f='${Version}' golang-github-lucas-clemente-quic-go-dev)
GO_VERSION=$(go version | cut -d' ' -f3)
SRC="$HERE/go/qgo-interop/main.go"
STAMP="$P/bin/qgo-interop.stamp"
WANT="$QGO_VERSION $GO_VERSION $(sha256sum "$SRC" | cut -c1-16)"
if [ ! -x "$P/bin/qgo-interop" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
  log "building qgo-interop (quic-go $QGO_VERSION, $GO_VERSION)"
  TREE="$P/go/src/github.com/lucas-clemente/quic-go"
  rm -rf "$P/go/src"
  mkdir -p "$(dirname "$TREE")"
  cp -r /usr/share/gocode/src/github.com/lucas-clemente/quic-go "$TREE"
  mkdir -p "$TREE/interop/qgo-interop"
  cp "$SRC" "$TREE/interop/qgo-interop/main.go"
  (cd "$TREE/interop/qgo-interop" && GO111MODULE=off GOPATH="$P/go:/usr/share/gocode" GOCACHE="$P/go/cache" \
     GOFLAGS= GOPROXY=off timeout 600 go build -o "$P/bin/qgo-interop" .)
  echo "$WANT" > "$STAMP"
fi

# ---------------------------------------------------------------- 3. versions (read by the runner)
{
  echo "quic-go $QGO_VERSION ($GO_VERSION)"
  echo "ngtcp2 $(dpkg-query -W -f='${Version}' ngtcp2-client) (gtlsclient/gtlsserver, h3 only)"
  echo "tshark $(dpkg-query -W -f='${Version}' tshark)"
  echo "openssl $(openssl version | cut -d' ' -f2)"
} > "$P/versions.txt"
log "ready in $P: $(tr '\n' ';' < "$P/versions.txt")"
