#!/usr/bin/env bash
# Measures approovd's public configuration endpoint (GET
# /v1/accounts/{id}/sdk-config) in-process over loopback TLS, keep-alive
# connections, 16 parallel clients sharing the machine with the server:
#   - NotModified: If-None-Match with the current ETag (304), no challenge;
#   - Challenge: the same with a fresh 32-byte challenge, so each answer
#     carries an ES256 signature (what internal/sdkclient sends when polling).
# Targets (issue 11): >= 20,000 req/s with If-None-Match, >= 5,000 with a challenge.
# Usage: docs/bench/sdkconfig.sh [benchtime]   (default 3s)
set -euo pipefail
cd "$(dirname "$0")/../.."
go test -run '^$' -bench 'PublicConfig' -benchtime "${1:-3s}" ./internal/sdkclient/ |
  awk '/^Benchmark/ { printf "%-40s %10s req/s\n", $1, int($5) }'
