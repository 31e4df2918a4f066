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

run() { # command... -> "wall-ms cpu-ms" of one run (GNU time)
	/usr/bin/time -f '%e %U %S' -o "$WORK/time.out" "$@" >/dev/null 2>&1
	awk '{printf "%d %d\n", $1 * 1000, ($2 + $3) * 1000}' "$WORK/time.out"
}

pick() { awk NF | sort -n | awk -v min="${STAT:-}" '{a[NR]=$1} END {print (min == "min") ? a[1] : a[int((NR+1)/2)]}'; }

stat_of() { # RUNS runs of command... -> "wall cpu": medians (or minima) in ms
	local walls="" cpus="" w c i
	"$@" >/dev/null 2>&1 # warm
	for ((i = 0; i < RUNS; i++)); do
		read -r w c < <(run "$@")
		walls+="$w"$'\n' cpus+="$c"$'\n'
	done
	echo "$(pick <<<"$walls") $(pick <<<"$cpus")"
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

read -r iw ic < <(stat_of "$WORK/approov" app inspect "$apk")
read -r aw ac < <(stat_of "$WORK/approov" registration add "$apk")
printf '%-44s %7s %7s\n' "(ms; wall and CPU user+sys)" wall CPU
printf '%-44s %7d %7d\n' "app inspect $SIZE MiB APK" "$iw" "$ic"
printf '%-44s %7d %7d   = %.3fx / %.3fx app inspect (target <= 1.1x)\n' "registration add, same APK" "$aw" "$ac" "$(echo "$aw / $iw" | bc -l)" "$(echo "$ac / $ic" | bc -l)"
for args in "registration list" "registration list --json" "registration list --package com.example.app7" "whoami"; do
	read -r w c < <(stat_of "$WORK/approov" $args)
	printf '%-44s %7d %7d\n' "$args" "$w" "$c"
done
echo "(registration list: $N registrations, target < 200 ms; --package keeps 1/50 of them; whoami: one signed request, for scale)"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
