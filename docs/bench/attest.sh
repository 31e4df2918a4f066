#!/usr/bin/env bash
# Figure of issue 14: attestations per second of the token service,
# in-process (no HTTP), on the embedded bbolt store (commits batched as
# approovd serve runs it) and on PostgreSQL (a private cluster the benchmark
# starts, fsync and synchronous commit on), for an app that passes (a
# registered build) and one that fails (unregistered), with 4 concurrent
# apps per CPU at -cpu 1 and 2. Each attestation verifies the installation
# signature, writes the replay cache, the latest-installation rows and the
# metrics, and signs a token. conflicts/op is the share of attestations
# that lost every retry to concurrent ones (the app would get an error).
#
# Then the timing class of a failing app (BenchmarkAttestPassFail): one
# installation of one build attesting alone, in turns of 10 that pass and 10
# that fail, the outcome switched between turns outside the timing by its
# registration (registered or not) or by the policy (a rooted device under
# a root-allowing policy or under strict); median and 90th percentile of the
# wall-clock time of each outcome and the mean CPU time (user+sys) of the
# process per attestation (all the work on bolt; the client's share on
# PostgreSQL), on each store. The account has a runtime secret and two
# auto-register certificates that cover other builds.
#
# Usage: docs/bench/attest.sh        Env: N=1000 (attestations per figure)
# Needs: go, PostgreSQL binaries (/usr/lib/postgresql/*/bin), or
#        APPROOV_TEST_POSTGRES=postgres://… of a role that may create databases.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-1000}
echo "$(date -u +%FT%TZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $N attestations per figure"
cd "$ROOT"
APPROOV_TEST_POSTGRES_DURABLE=1 go test -run '^$' -bench '^BenchmarkAttest$' -benchtime "${N}x" -cpu 1,2 ./internal/service/ |
	awk '/^BenchmarkAttest\// {
		split($1, p, "/"); sub(/-2$/, "", p[3]); cpus = ($1 ~ /-2$/) ? 2 : 1
		printf "%-9s %-5s %d CPU(s), %d apps: %7.0f attestations/s  %.4f conflicts/op\n", p[2], p[3], cpus, 4 * cpus, 1e9 / $3, $5
	}'
echo "pass vs fail, one installation, turns of 10 (per attestation):"
APPROOV_TEST_POSTGRES_DURABLE=1 go test -run '^$' -bench '^BenchmarkAttestPassFail$' -benchtime "${N}x" ./internal/service/ |
	awk '/^BenchmarkAttestPassFail\// {
		split($1, p, "/"); sub(/-[0-9]+$/, "", p[3])
		for (i = 3; i < NF; i += 2) v[$(i + 1)] = $i
		printf "%-9s by %-12s fail p50 %5.0f µs p90 %5.0f µs cpu %4.0f µs   pass p50 %5.0f µs p90 %5.0f µs cpu %4.0f µs\n", p[2], p[3],
			v["fail-p50-us"], v["fail-p90-us"], v["fail-cpu-us"], v["pass-p50-us"], v["pass-p90-us"], v["pass-cpu-us"]
	}'
