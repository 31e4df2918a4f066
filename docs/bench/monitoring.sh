#!/usr/bin/env bash
# One monitoring round over 1,000 pinned API domains (one account's whole
# pin set) served by 10 loopback TLS servers, every domain due, at the
# default concurrency (32 checks at once): the work of one interval. Prints
# the time per round, the peak heap in use during a round, and the
# allocations per round. A round must stay well within the interval (15
# minutes by default, 1 minute at least).
# Usage: docs/bench/monitoring.sh [rounds]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/../.."
go test -run '^$' -bench 'MonitorRound' -benchmem -benchtime "${1:-5}x" ./internal/service/ |
  awk '/^Benchmark/ { for (i = 1; i <= NF; i++) { if ($i == "ms/round") ms = $(i-1); if ($i == "peak-heap-MiB") heap = $(i-1); if ($i == "B/op") b = $(i-1); if ($i == "allocs/op") a = $(i-1) }
    printf "1,000 domains: %s ms/round (%.1f checks/s), peak heap %s MiB, %.1f MiB and %d allocations per round\n", ms, 1000000/ms, heap, b/1048576, a }'
