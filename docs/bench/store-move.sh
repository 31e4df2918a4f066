#!/usr/bin/env bash
# Figures of issue 12 (moving a store): for one account of N records of
# 1 KiB (registration-sized) on the embedded bbolt store, the time of
#   dump     approovd store dump's work: export in one snapshot, encode
#   restore  approovd store restore's into PostgreSQL: parse, check, import
#            in one transaction
#   copy     approovd store copy bolt → PostgreSQL: every record in one
#            transaction, then read back and compared (SHA-256)
# on a private PostgreSQL cluster with fsync and synchronous commit on.
#
# Usage: docs/bench/store-move.sh        Env: N=10000
# Needs: go, PostgreSQL binaries (/usr/lib/postgresql/*/bin), or
#        APPROOV_TEST_POSTGRES=postgres://… of a role that may create databases.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-10000}
echo "$(date -u +%FT%TZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $N records of 1 KiB"
cd "$ROOT"
MOVE_RECORDS=$N APPROOV_TEST_POSTGRES_DURABLE=1 go test -run '^$' -bench '^BenchmarkStoreMove$' -benchtime 1x ./internal/service/ |
	awk '/^BenchmarkStoreMove/ {
		for (i = 3; i < NF; i += 2) v[$(i + 1)] = $i
		printf "dump    %6d ms  %8.0f records/s  (%.1f MiB)\n", v["dump-ms"], v["dump-records/s"], v["dump-MiB"]
		printf "restore %6d ms  %8.0f records/s\n", v["restore-ms"], v["restore-records/s"]
		printf "copy    %6d ms  %8.0f records/s  (verified)\n", v["copy-ms"], v["copy-records/s"]
	}'
