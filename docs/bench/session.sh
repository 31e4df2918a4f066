#!/usr/bin/env bash
# Measures commands run inside a live session on the local backend: the
# Argon2id cost is paid once at login, so each later command should take
# well under 30 ms (median). Usage: docs/bench/session.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-50}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/approov" ./cmd/approov
export APPROOV_HOME="$work/home" HOME="$work" DBUS_SESSION_BUS_ADDRESS= APPROOV_ROLE= APPROOV_MANAGEMENT_TOKEN=
echo 'bench password 1' | "$work/approov" account create --local --name bench --init --password-stdin 2>/dev/null
"$work/approov" users add dev@example.com --role dev >/dev/null 2>&1
echo "load average: $(cut -d" " -f1-3 /proc/loadavg) on $(nproc) CPUs"

# median and 90th percentile, in milliseconds, of $runs runs of "approov $*"
measure() {
  local times=()
  "$work/approov" "$@" >/dev/null # warm the page cache
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s%N)
    "$work/approov" "$@" >/dev/null
    t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v cmd="approov $*" -v n="$runs" '
    { v[NR] = $1 }
    END { printf "%-22s runs=%d  median=%.1f ms  p90=%.1f ms  min=%.1f ms\n", cmd, n, v[int((n+1)/2)]/1000, v[int(n*0.9)]/1000, v[1]/1000 }'
}
measure whoami
measure users list
measure version
