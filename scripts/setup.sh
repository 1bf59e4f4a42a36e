#!/usr/bin/env bash
# Idempotent setup: the Debian packages spanwatch uses, then the npm dependencies.
# Safe to run again; it installs only what is missing. Needs root (or sudo) for apt.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  libpcap-dev      # live capture: our libpcap binding (capture/io/native) links against libpcap
  tcpdump          # reference counts and benchmarks
  tcpreplay        # live-capture tests replay captures onto a veth pair
  tshark           # reference counts (conformance) and benchmarks
  nfdump           # nfpcapd, nfdump's C flow meter: a peer in the capture benchmark
  influxdb         # the store: a real influxd, started by spanwatch itself
  influxdb-client  # the `influx` shell, for people poking at the data
  chromium         # the UI tests drive a real browser
  iproute2         # veth pairs and network namespaces for live tests
  ethtool          # live tests turn veth offloads off so every packet is one ring slot
  python3 make g++ # g++ builds the libpcap binding; node-gyp any native npm package
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
  # through env: sudo's env_reset would drop a variable set in front of it
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The libpcap binding is compiled against this machine's Node headers (Debian/NodeSource install
# them in /usr/include/node, official tarballs beside the binary); nothing is downloaded.
node_include="$(dirname "$(command -v node)")/../include/node"
if [ ! -f /usr/include/node/node_api.h ] && [ ! -f "$node_include/node_api.h" ]; then
  echo "setup: Node headers not found (/usr/include/node or $node_include)." >&2
  echo "       Install them (Debian: apt-get install libnode-dev, or the nodejs package that ships them)." >&2
  exit 1
fi

stamp=node_modules/.spanwatch-setup
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ ! -d node_modules/tsx ]; then
  echo "setup: installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
  touch "$stamp"
fi

echo "setup: building the UI"
npm run --silent build:ui

node --import tsx scripts/build-native.ts

echo "setup: done"
