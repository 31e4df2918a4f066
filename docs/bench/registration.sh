#!/usr/bin/env bash
# Figures of issue 10 for registrations, on the embedded (local) backend:
#  1. `registration add` of a 256 MiB APK against `app inspect` of it
#     (target: add <= 1.1x inspect; the difference is one signed request);
#  2. `registration list` with 10,000 registrations (target: < 200 ms),
#     seeded through the service by docs/bench/regseed, listed by a dev who
#     joined with approov init, as a table and as --json.
# Each figure is the median (or minimum with STAT=min) of RUNS runs of wall time.
#
# Usage: docs/bench/registration.sh [size-MiB]          (default 256)
# Env:   RUNS=7  N=10000  BENCH_DIR=dir (keep and reuse the APK)
#        WORKDIR=dir  where the account lives (default: a temp dir on the
#                     disk; seeding 10,000 signed, audited adds costs two
#                     fsyncs each, minutes on a slow disk: WORKDIR=/dev/shm/x
#                     seeds in seconds, and then lists from tmpfs too)
# Needs: go, openssl, apksigner, zip.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SIZE=${1:-256}
RUNS=${RUNS:-7}
N=${N:-10000}
WORK=$(mktemp -d ${WORKDIR:+-p "$WORKDIR"})
trap 'rm -rf "$WORK"' EXIT
DIR=${BENCH_DIR:-$WORK}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
. "$ROOT/docs/bench/bigapk.sh"
(cd "$ROOT" && go build -o "$WORK/approov" ./cmd/approov && go build -o "$WORK/regseed" ./docs/bench/regseed)
export HOME=$WORK APPROOV_HOME=$WORK/home DBUS_SESSION_BUS_ADDRESS= APPROOV_ROLE= APPROOV_MANAGEMENT_TOKEN= NO_COLOR=1

ms() { # command... -> wall milliseconds of one run
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}

stat_of() { # RUNS runs of command... -> median (or min) ms
	local out="" i
	"$@" >/dev/null 2>&1 # warm
	for ((i = 0; i < RUNS; i++)); do out+="$(ms "$@")"$'\n'; done
	awk NF <<<"$out" | sort -n | awk -v min="${STAT:-}" '{a[NR]=$1} END {print (min == "min") ? a[1] : a[int((NR+1)/2)]}'
}

echo "$(date -u +%FT%TZ), $(nproc) CPUs, $RUNS runs (${STAT:-median}), load $(cut -d' ' -f1-3 /proc/loadavg), work dir on $(df --output=fstype "$WORK" | tail -1)"
make_key
make_apk "$SIZE"
apk=$DIR/big-$SIZE.apk
t0=$(date +%s)
code=$("$WORK/regseed" -home "$APPROOV_HOME" -n "$N")
echo "seeded $N registrations through the service in $(($(date +%s) - t0)) s"
echo "$code" >"$WORK/dev.code"
echo 'bench dev password 1' | "$WORK/approov" init "$WORK/dev.code" --password-stdin >/dev/null 2>"$WORK/init.err" || { cat "$WORK/init.err" >&2; exit 1; }
[ "$("$WORK/approov" registration list --json --jq length)" = "$N" ] || { echo "the list does not hold $N registrations" >&2; exit 1; }

inspect=$(stat_of "$WORK/approov" app inspect "$apk")
add=$(stat_of "$WORK/approov" registration add "$apk")
printf 'app inspect %s MiB APK:        %6d ms\n' "$SIZE" "$inspect"
printf 'registration add (same APK):   %6d ms  = %.3fx app inspect (target <= 1.1x)\n' "$add" "$(echo "$add / $inspect" | bc -l)"
printf 'registration list, %d:      %6d ms  (target < 200 ms)\n' "$N" "$(stat_of "$WORK/approov" registration list)"
printf 'registration list --json, %d: %6d ms\n' "$N" "$(stat_of "$WORK/approov" registration list --json)"
printf 'registration list --package (1/50 of them): %d ms\n' "$(stat_of "$WORK/approov" registration list --package com.example.app7)"
printf 'whoami (a signed request, for scale): %d ms\n' "$(stat_of "$WORK/approov" whoami)"
