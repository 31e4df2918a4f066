#!/usr/bin/env bash
# Measures approovd on loopback with the repo's load generator, which signs
# like the CLI (a fresh nonce and an Ed25519 signature per request, every
# answer verified): signed reads (whoami) as fast as 16 workers can send
# them, then paced at 1,000 req/s for p99. Bounded: loopback, a fixed count.
# Usage: docs/bench/approovd.sh [requests]
set -euo pipefail
cd "$(dirname "$0")/../.."
requests=${1:-20000}
work=$(mktemp -d)
go build -o "$work/approovd" ./cmd/approovd
go build -o "$work/approov-load" ./cmd/approov-load
store="bolt://$work/srv/approovd.db"
# Rate limits out of the way: one client address sends everything.
"$work/approovd" serve --dev --listen 127.0.0.1:0 --store "$store" --addr-file "$work/addr" \
  --rate-per-address 1e6 --burst-per-address 1000000 --rate-per-account 1e6 --burst-per-account 1000000 \
  2>"$work/approovd.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$work/addr" ] && break; sleep 0.05; done
addr=$(cat "$work/addr")
echo "load average: $(cut -d" " -f1-3 /proc/loadavg) on $(nproc) CPUs; approovd on $addr"
"$work/approovd" account create --store "$store" --name bench1 --user a@example.com --url "https://$addr" >"$work/code1" 2>/dev/null
"$work/approovd" account create --store "$store" --name bench2 --user a@example.com --url "https://$addr" >"$work/code2" 2>/dev/null
"$work/approov-load" --code "$work/code1" --workers 16 --requests "$requests"
"$work/approov-load" --code "$work/code1" --workers 64 --sessions 16 --requests "$requests"
"$work/approov-load" --code "$work/code2" --workers 32 --requests "$requests" --rate 1000
