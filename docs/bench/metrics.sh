#!/usr/bin/env bash
# Figures of the attestation metrics (issue 14, docs/metrics.md), in-process
# (no HTTP), on the embedded bbolt store and on PostgreSQL (a private cluster
# the benchmark starts, fsync and synchronous commit on):
#   record  recordAttestation alone, one transaction per attestation, with 1
#           and 2 concurrent writers; conflicts/op is the share that lost
#           every retry (0 is the design: no shared rows)
#   query   one `metrics` query of 30 days by day over Q attestations spread
#           over them, after the roll-up that the first query runs (timed too)
#
# Usage: docs/bench/metrics.sh        Env: N=2000 (attestations per record figure),
#        Q=10000 (attestations behind the query figure), QN=50 (queries timed)
# Needs: go, PostgreSQL binaries (/usr/lib/postgresql/*/bin), or
#        APPROOV_TEST_POSTGRES=postgres://… of a role that may create databases.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-2000} Q=${Q:-10000} QN=${QN:-50}
echo "$(date -u +%FT%TZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
cd "$ROOT"
export APPROOV_TEST_POSTGRES_DURABLE=1 METRICS_BENCH_N=$Q
go test -run '^$' -bench '^BenchmarkMetricsRecord$' -benchtime "${N}x" -cpu 1,2 ./internal/service/ |
	awk -v n="$N" '/^BenchmarkMetricsRecord\// {
		split($1, p, "/"); sub(/-2$/, "", p[2]); w = ($1 ~ /-2$/) ? 2 : 1
		printf "record %-9s %d writer(s): %6.0f attestations/s  %.4f conflicts/op  (%d attestations)\n", p[2], w, 1e9 / $3, $5, n
	}'
go test -run '^$' -bench '^BenchmarkMetricsQuery$' -benchtime "${QN}x" -cpu 1 ./internal/service/ |
	awk -v q="$Q" '/^BenchmarkMetricsQuery\// {
		split($1, p, "/")
		printf "query  %-9s 30 days over %d attestations: %6.1f ms per query; first query with roll-up %d ms\n", p[2], q, $3 / 1e6, $5
	}'
