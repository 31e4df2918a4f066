#!/usr/bin/env bash
# Figures of issue 12 (first part): requests per second of one signed
# service request in a live admin session, in-process (no HTTP), on the
# embedded bbolt store and on PostgreSQL (a private cluster the benchmark
# starts, fsync and synchronous commit on, as bbolt syncs each commit):
#   whoami     read-only for the caller (its writes are the replay cache's)
#   users.add  read-write: a user, a code, audit
# with 1 and 2 concurrent clients (a session each). conflicts/op is the share
# of requests that lost every retry to a concurrent one (exit 3 at the CLI).
#
# Usage: docs/bench/store-postgres.sh        Env: N=2000 (requests per figure)
# Needs: go, PostgreSQL binaries (/usr/lib/postgresql/*/bin), or
#        APPROOV_TEST_POSTGRES=postgres://… of a role that may create databases.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-2000}
echo "$(date -u +%FT%TZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $N requests per figure"
cd "$ROOT"
APPROOV_TEST_POSTGRES_DURABLE=1 go test -run '^$' -bench '^BenchmarkStores$' -benchtime "${N}x" -cpu 1,2 ./internal/service/ |
	awk '/^BenchmarkStores\// {
		split($1, p, "/"); sub(/-2$/, "", p[3]); clients = ($1 ~ /-2$/) ? 2 : 1
		printf "%-9s %-10s %d client(s): %7.0f req/s  %.4f conflicts/op\n", p[2], p[3], clients, 1e9 / $3, $5
	}'
