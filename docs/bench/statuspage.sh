#!/usr/bin/env bash
# Renders monitoring status pages (internal/statuspage) of 10, 100 and 1,000
# domains, each with a week of checks every 15 minutes (672 samples), and
# prints the time per page, the page size and the heap allocated per page.
# Usage: docs/bench/statuspage.sh [benchtime]   (default 2s)
set -euo pipefail
cd "$(dirname "$0")/../.."
go test -run '^$' -bench 'Render' -benchmem -benchtime "${1:-2s}" ./internal/statuspage/ |
  awk '/^Benchmark/ { printf "%-34s %9.1f ms/page %8s KiB/page %8.1f MiB alloc/page\n", $1, $3/1e6, $5, $7/1048576 }'
