#!/usr/bin/env bash
# interop/peers/setup.sh -- install the third-party peers and tools the local interop runner
# (interop/runner, `npm run interop`) needs, from Debian packages only, and build the quic-go
# endpoint offline. Idempotent: when everything is present it only checks and exits (~1 s).
#
#   apt (system, bookworm): tshark (capture/decode), openssl (runner cert chains), ngtcp2-client /
#         ngtcp2-server (gtlsclient / gtlsserver: h3-only peers, used for the http3 test via
#         ngtcp2-endpoint.sh), chromium only with WITH_CHROMIUM=1
#   trixie + trixie-backports (private, never installed): quic-go 0.59.0 from trixie-backports
#         (golang-github-lucas-clemente-quic-go-dev, pinned to 0.59.0-2~bpo13+1: QGO_DEB_VERSION), Go
#         1.24 from trixie (golang-1.24-go, golang-1.24-src; quic-go 0.59's go.mod says go 1.24) and
#         the Go source packages the endpoint's import graph needs, fetched with a private apt
#         configuration under $PEERS_DIR/trixie (own sources list naming trixie main and
#         trixie-backports main on the system's mirror, own preferences, state, cache and status, no
#         system apt.conf.d hooks; InRelease verified against the system's
#         debian-archive-keyring.gpg, which in bookworm's debian-archive-keyring 2023.3+deb12u2
#         already holds the trixie keys; both Release files are current, nothing needs
#         check-valid-until) and unpacked with `dpkg -x` into $PEERS_DIR/trixie-root. Nothing is
#         installed into the system: /etc/apt, /var/lib/dpkg and /usr/share/gocode are untouched.
#   bin:  $PEERS_DIR/bin/qgo-interop, built in GOPATH mode from interop/peers/go/qgo-interop/main.go
#         inside a copy of that quic-go tree (github.com/quic-go/quic-go/interop/qgo-interop:
#         the keyupdate client sets internal/handshake.FirstKeyUpdateInterval and chacha20 calls
#         internal/qtls.SetCipherSuite, which only code under the quic-go tree may import), with
#         trixie's Go 1.24 as GOROOT.
#
# Which versions: apt resolves quic-go -dev's Depends closure itself (`apt-get -s install` into the
# empty private status). trixie-backports is NotAutomatic, so everything comes from trixie unless
# pinned: quic-go at exactly QGO_DEB_VERSION, and each package whose trixie version fails a
# versioned Depends of the closure (today only qpack: quic-go 0.59 needs >= 0.6.0, trixie has
# 0.4.0, trixie-backports 0.6.0-2~bpo13+1); the x/ packages stay trixie's (x/crypto 0.25, x/net
# 0.27, x/sync 0.7, x/sys 0.22, x/text 0.22), which build quic-go 0.59 in GOPATH mode although
# its go.mod names newer ones.
# Which packages: the toolchain, the quic-go -dev package, and each further package that a
# non-standard import of the endpoint's import graph (`go list -e -deps`) is missing, named by
# Debian's Go naming rule (golang.org/x/text -> golang-golang-x-text-dev, github.com/a/b ->
# golang-github-a-b-dev, virtual names resolved to their provider) and accepted only if it is in
# quic-go -dev's resolved Depends closure (41 packages with the toolchain, mostly prometheus/aws SDK
# dependencies that the endpoint never imports; 9 are fetched).
#
# Usage: bash interop/peers/setup.sh        Env: PEERS_DIR=/tmp/quic-multistream-peers WITH_CHROMIUM=0
#                                                 QGO_DEB_VERSION=0.59.0-2~bpo13+1
# `apt-get update` (system or private) runs only when a package is missing. A private root holding
# another quic-go version (e.g. 0.50.1 from an older setup.sh) is discarded and refetched. Prints the peer
# versions at the end ($PEERS_DIR/versions.txt, read by the runner).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
P=${PEERS_DIR:-/tmp/quic-multistream-peers}
WITH_CHROMIUM=${WITH_CHROMIUM:-0}
export DEBIAN_FRONTEND=noninteractive
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
log() { echo "[interop-peers] $*" >&2; }
mkdir -p "$P/bin" "$P/logs"

# ---------------------------------------------------------------- 1. system apt packages (only if missing)
PKGS="tshark openssl ngtcp2-client ngtcp2-server"
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

# ---------------------------------------------------------------- 2. trixie(-backports) quic-go + Go into a private root
SUITE=trixie                       # Go 1.24 and every package that needs no newer version
BPO=trixie-backports               # quic-go, and whatever its versioned Depends need (qpack >= 0.6.0)
QGO_PKG=golang-github-lucas-clemente-quic-go-dev
# The peer's quic-go, pinned: a later upload to trixie-backports must not silently change it. When
# the archive drops this version (superseded backports disappear from the mirrors), setup fails and
# says so; update the pin (and port go/qgo-interop/main.go if the API moved), or set QGO_DEB_VERSION.
QGO_DEB_VERSION=${QGO_DEB_VERSION:-0.59.0-2~bpo13+1}
GO_MINOR=1.24
TOOLCHAIN_PKGS="golang-$GO_MINOR-go golang-$GO_MINOR-src"
T="$P/$SUITE"                      # private apt configuration, state, cache and downloaded .debs
ROOT="$P/$SUITE-root"              # dpkg -x target
MANIFEST="$ROOT/.packages"         # "package version" of every .deb unpacked into ROOT
PLAN="$T/plan"                     # "package version" of quic-go -dev's resolved Depends closure
GOROOT_T="$ROOT/usr/lib/go-$GO_MINOR"
GOCODE_T="$ROOT/usr/share/gocode"
QGO_IMPORT=github.com/quic-go/quic-go
SRC="$HERE/go/qgo-interop/main.go"
GP="$P/go"                         # private GOPATH: a copy of the quic-go tree + our endpoint
TREE="$GP/src/$QGO_IMPORT"

# apt with nothing of the system's apt configuration: APT_CONFIG names our own main file, which
# points Dir::Etc::Parts (system apt.conf.d: update hooks, packagekit, appstream) at an empty dir.
tapt_setup() {
  mkdir -p "$T/etc/apt.conf.d" "$T/etc/preferences.d" "$T/etc/sources.list.d" "$T/etc/trusted.gpg.d" \
    "$T/state/lists/partial" "$T/cache/archives/partial" "$T/debs"
  [ -f "$T/state/status" ] || : > "$T/state/status"
  local mirror keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  # The system's Debian mirror, read at run time (first URIs: line of the bookworm deb822 source).
  mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$mirror" ] || { log "no URIs: line in /etc/apt/sources.list.d/debian.sources"; exit 1; }
  [ -r "$keyring" ] || { log "missing $keyring (package debian-archive-keyring)"; exit 1; }
  printf 'deb [signed-by=%s] %s %s main\n' "$keyring" "$mirror" "$SUITE" "$keyring" "$mirror" "$BPO" > "$T/etc/sources.list"
  # trixie-backports' Release says NotAutomatic/ButAutomaticUpgrades (priority 100): nothing comes from
  # it unless pinned. Pinned: quic-go at exactly QGO_DEB_VERSION, and (resolve_plan) each package
  # whose trixie version does not satisfy a versioned Depends of the closure.
  printf 'Package: %s\nPin: version %s\nPin-Priority: 990\n' "$QGO_PKG" "$QGO_DEB_VERSION" > "$T/etc/preferences"
  rm -f "$T/etc/preferences.d/"*
  cat > "$T/etc/apt.conf" <<EOF
Dir::Etc::main "$T/etc/apt.conf";
Dir::Etc::Parts "$T/etc/apt.conf.d";
Dir::Etc::SourceList "$T/etc/sources.list";
Dir::Etc::SourceParts "$T/etc/sources.list.d";
Dir::Etc::Preferences "$T/etc/preferences";
Dir::Etc::PreferencesParts "$T/etc/preferences.d";
Dir::Etc::Trusted "$T/etc/trusted.gpg";
Dir::Etc::TrustedParts "$T/etc/trusted.gpg.d";
Dir::State "$T/state";
Dir::State::Lists "$T/state/lists";
Dir::State::status "$T/state/status";
Dir::Cache "$T/cache";
Dir::Cache::archives "$T/cache/archives";
Dir::Log "$T/log";
APT::Architecture "$(dpkg --print-architecture)";
APT::Architectures { "$(dpkg --print-architecture)"; };
APT::Sandbox::User "root";
Acquire::Languages "none";
Debug::NoLocking "true";
EOF
}
tapt() { APT_CONFIG="$T/etc/apt.conf" apt-get -q "$@"; }
tcache() { APT_CONFIG="$T/etc/apt.conf" apt-cache "$@"; }
# has_version PKG VERSION: the private index has exactly that version.
has_version() { tcache madison "$1" 2>/dev/null | awk -F' [|] ' -v v="$2" '$2 == v { f = 1 } END { exit !f }'; }

# The closure, resolved by apt itself: simulate installing quic-go -dev (pinned) and the toolchain
# into the empty private status. apt 2.6 does not reach into a NotAutomatic suite for a dependency
# ("Depends: X (>= V) but W is to be installed"), so each such X is pinned to trixie-backports and
# the simulation repeated. PLAN gets "package version" of every package apt would install.
resolve_plan() {
  local out x round
  for round in 1 2 3 4 5 6 7 8 9 10; do
    out=$(tapt -s install --no-install-recommends "$QGO_PKG" $TOOLCHAIN_PKGS 2>&1) || true
    if grep -q '^Inst ' <<< "$out" && ! grep -q '^E:' <<< "$out"; then
      awk '/^Inst / { v = $3; sub(/^\(/, "", v); print $2, v }' <<< "$out" | sort > "$PLAN"
      grep -qxF "$QGO_PKG $QGO_DEB_VERSION" "$PLAN" || { log "apt did not plan $QGO_PKG $QGO_DEB_VERSION"; exit 1; }
      return
    fi
    x=$(sed -nE 's/.* Depends: ([^ ]+) \([<>=]+ [^)]+\) but .*/\1/p' <<< "$out" | head -1)
    if [ -z "$x" ] || [ -f "$T/etc/preferences.d/$x.pref" ] || ! grep -q " $BPO/" <<< "$(tcache madison "$x" 2>/dev/null)"; then
      echo "$out" | tail -15 >&2
      log "cannot resolve $QGO_PKG $QGO_DEB_VERSION's Depends from $SUITE + $BPO"; exit 1
    fi
    log "  $x: $SUITE's version is too old for the closure, taking $BPO's"
    printf 'Package: %s\nPin: release n=%s\nPin-Priority: 990\n' "$x" "$BPO" > "$T/etc/preferences.d/$x.pref"
  done
  log "cannot resolve $QGO_PKG's Depends in 10 rounds"; exit 1
}

# fetch PKG...: the PLAN version of each, `apt-get download`ed (hashes checked against the signed
# index) and `dpkg -x`ed into ROOT.
fetch() {
  local p deb ver arch
  for p in "$@"; do
    ver=$(awk -v p="$p" '$1 == p { print $2 }' "$PLAN")
    [ -n "$ver" ] || { log "$p is not in the resolved closure of $QGO_PKG"; exit 1; }
    grep -qxF "$p $ver" "$MANIFEST" 2>/dev/null && continue
    arch=$(tcache show "$p=$ver" 2>/dev/null | awk '/^Architecture:/ { print $2; exit }')
    deb="$T/debs/${p}_${ver//:/%3a}_$arch.deb"   # apt-get download's file name (epoch colon escaped)
    [ -f "$deb" ] || (cd "$T/debs" && tapt download "$p=$ver" >> "$P/logs/trixie-apt.log" 2>&1) ||
      { tail -5 "$P/logs/trixie-apt.log"; exit 1; }
    [ -f "$deb" ] || { log "apt-get download $p=$ver did not produce $deb"; exit 1; }
    log "  $p $ver ($(du -k "$deb" | cut -f1) KiB)"
    dpkg -x "$deb" "$ROOT"
    echo "$p $ver" >> "$MANIFEST"
  done
}

# The endpoint's tree: the fetched quic-go + our main.go at interop/qgo-interop.
make_tree() {
  rm -rf "$GP/src"
  mkdir -p "$(dirname "$TREE")"
  cp -r "$GOCODE_T/src/$QGO_IMPORT" "$TREE"
  mkdir -p "$TREE/interop/qgo-interop"
  cp "$SRC" "$TREE/interop/qgo-interop/main.go"
}
goenv() {
  env GO111MODULE=off GOPATH="$GP:$GOCODE_T" GOROOT="$GOROOT_T" GOTOOLCHAIN=local GOPROXY=off GOFLAGS= \
    GOCACHE="$GP/cache" GOENV=off GOTELEMETRY=off PATH="$GOROOT_T/bin:$PATH" "$@"
}
# Non-standard import paths of the endpoint's graph that GOPATH cannot find.
missing_imports() {
  (cd "$TREE/interop/qgo-interop" && goenv go list -e -deps \
     -f '{{if and (not .Standard) .Error}}{{.ImportPath}}{{end}}' . 2>/dev/null) | sort -u
}
# Debian's Go naming rule: the repository root of an import path -> golang-<host-ish>-<owner>-<repo>-dev.
debian_name() {
  local ip=$1
  case "$ip" in
    golang.org/x/*) ip=${ip#golang.org/x/}; echo "golang-golang-x-${ip%%/*}-dev" ;;
    github.com/*)   ip=${ip#github.com/}; local o=${ip%%/*} r=${ip#*/}; r=${r%%/*}
                    echo "golang-github-${o,,}-${r,,}-dev" | tr '_' '-' ;;
    gopkg.in/*)     ip=${ip#gopkg.in/}; echo "golang-gopkg-${ip%%/*}-dev" ;;
    *)              echo "" ;;
  esac
}

# ROOT is complete once the import loop below found nothing missing (marker written last), and it
# holds the pinned quic-go (a root of another quic-go version, e.g. 0.50.1 from trixie, is rebuilt
# from scratch rather than unpacked over).
root_ok() { [ -f "$ROOT/.complete" ] && [ -x "$GOROOT_T/bin/go" ] && [ -d "$GOCODE_T/src/$QGO_IMPORT" ] &&
  grep -qxF "$QGO_PKG $QGO_DEB_VERSION" "$MANIFEST" 2>/dev/null; }

if ! root_ok; then
  t0=$(date +%s)
  if [ -e "$ROOT" ]; then log "discarding the incomplete or other-version root $ROOT"; rm -rf "$ROOT"; fi
  tapt_setup
  if ! has_version "$QGO_PKG" "$QGO_DEB_VERSION"; then
    log "apt-get update ($SUITE + $BPO main, private configuration in $T)"
    tapt update > "$P/logs/trixie-apt.log" 2>&1 || {
      tail -20 "$P/logs/trixie-apt.log"
      log "private apt update failed; if the signature is not verifiable, the system keyring lacks the $SUITE keys (needs debian-archive-keyring >= 2023.3+deb12u2)"
      exit 1; }
    has_version "$QGO_PKG" "$QGO_DEB_VERSION" || {
      log "$BPO no longer has $QGO_PKG $QGO_DEB_VERSION (the index has: $(tcache madison "$QGO_PKG" | awk -F'[|]' '{ split($3, w, " "); gsub(/ /, "", $2); printf "%s (%s) ", $2, w[2] }'))"
      log "update QGO_DEB_VERSION in $0 (and check go/qgo-interop/main.go against that quic-go), or set QGO_DEB_VERSION"
      exit 1; }
  fi
  resolve_plan
  mkdir -p "$ROOT"
  log "fetching into $ROOT ($(wc -l < "$PLAN") packages in the closure, only the imported ones are fetched):"
  fetch $TOOLCHAIN_PKGS "$QGO_PKG"
  # Virtual name -> the closure's provider (qpack's import path names golang-github-quic-go-qpack-dev,
  # which golang-github-marten-seemann-qpack-dev provides).
  providers=$(tcache show $(awk '{ print $1 "=" $2 }' "$PLAN") 2>/dev/null | awk '
    /^Package:/ { p = $2 } /^Provides:/ { sub(/^Provides: */, ""); n = split($0, a, /, */)
      for (i = 1; i <= n; i++) { split(a[i], w, " "); print w[1], p } }' | sort -u)
  make_tree
  for round in 1 2 3 4 5 6 7 8 9 10; do
    need=""
    for ip in $(missing_imports); do
      d=$(debian_name "$ip")
      prov=$(awk -v v="$d" '$1 == v { print $2; exit }' <<< "$providers")
      [ -n "$prov" ] && d=$prov
      if [ -z "$d" ] || ! awk -v d="$d" '$1 == d { f = 1 } END { exit !f }' "$PLAN"; then
        log "import $ip: no package ${d:-?} in $QGO_PKG's Depends closure"; exit 1
      fi
      case " $need " in *" $d "*) ;; *) need="$need $d" ;; esac
    done
    [ -z "$need" ] && break
    fetch $need
    make_tree
  done
  [ -z "$(missing_imports)" ] || { log "still missing imports: $(missing_imports | tr '\n' ' ')"; exit 1; }
  date -u +%FT%TZ > "$ROOT/.complete"
  log "private root ready: $(wc -l < "$MANIFEST") packages, $(du -sh "$T/debs" | cut -f1) of .debs, $(du -sh "$ROOT" | cut -f1) unpacked, $(( $(date +%s) - t0 )) s"
fi

# ---------------------------------------------------------------- 3. quic-go endpoint (offline build)
QGO_VERSION=$QGO_DEB_VERSION
GO_VERSION=$(goenv go version | cut -d' ' -f3)
STAMP="$P/bin/qgo-interop.stamp"
WANT="$QGO_VERSION $GO_VERSION $(sha256sum "$SRC" "$MANIFEST" | cut -c1-16 | tr '\n' ' ')"
if [ ! -x "$P/bin/qgo-interop" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
  log "building qgo-interop (quic-go $QGO_VERSION, $GO_VERSION)"
  t0=$(date +%s)
  make_tree
  (cd "$TREE/interop/qgo-interop" && goenv timeout 900 go build -o "$P/bin/qgo-interop" .)
  echo "$WANT" > "$STAMP"
  log "built in $(( $(date +%s) - t0 )) s"
fi

# ---------------------------------------------------------------- 4. versions (read by the runner)
{
  echo "quic-go $QGO_VERSION ($BPO, pinned; $GO_VERSION from $SUITE)"
  echo "ngtcp2 $(dpkg-query -W -f='${Version}' ngtcp2-client) (gtlsclient/gtlsserver, h3 only)"
  echo "tshark $(dpkg-query -W -f='${Version}' tshark)"
  echo "openssl $(openssl version | cut -d' ' -f2)"
} > "$P/versions.txt"
log "ready in $P: $(tr '\n' ';' < "$P/versions.txt")"
