#!/usr/bin/env bash
# Idempotent setup: the Debian packages spanwatch uses, then the npm dependencies.
# Safe to run again; it installs only what is missing. Needs root (or sudo) for apt.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  libpcap-dev      # capture: the `cap` addon links against libpcap
  tcpdump          # reference counts and benchmarks
  tcpreplay        # live-capture tests replay captures onto a veth pair
  tshark           # reference counts (conformance) and benchmarks
  influxdb         # the store: a real influxd, started by spanwatch itself
  influxdb-client  # the `influx` shell, for people poking at the data
  chromium         # the UI tests drive a real browser
  iproute2         # veth pairs and network namespaces for live tests
  ethtool          # live tests turn veth offloads off so every packet is one ring slot
  python3 make g++ # node-gyp builds the `cap` addon
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  # tshark asks whether non-root users may capture; answer for it.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The `cap` addon is built by node-gyp against this machine's Node headers (nodedir in .npmrc
# points at /usr, where Debian/NodeSource install them), so nothing is downloaded.
if [ ! -f /usr/include/node/node.h ]; then
  echo "setup: Node headers not found in /usr/include/node; node-gyp would have to download them." >&2
  echo "       Install them (Debian: apt-get install libnode-dev, or the nodejs package that ships them)." >&2
  exit 1
fi

stamp=node_modules/.spanwatch-setup
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ ! -f node_modules/cap/build/Release/cap.node ]; then
  echo "setup: installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
  touch "$stamp"
fi

echo "setup: building the UI"
npm run --silent build:ui

node --import tsx scripts/build-native.ts

echo "setup: done"
