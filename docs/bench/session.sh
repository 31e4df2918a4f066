#!/usr/bin/env bash
# Measures commands run inside a live session on the local backend: the
# Argon2id cost is paid once at login, so each later command should take
# well under 30 ms (median), and a read-only command (whoami, users list)
# should cost at most 3 ms more than `approov version`, which opens no
# store (issue 9). The commands run in turn, round after round, so a load
# change on a shared machine affects each of them alike.
# Usage: docs/bench/session.sh [runs]   (APPROOV_BIN=path: bench that binary)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-50}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin=${APPROOV_BIN:-$work/approov}
[ -n "${APPROOV_BIN:-}" ] || go build -o "$bin" ./cmd/approov
export APPROOV_HOME="$work/home" HOME="$work" DBUS_SESSION_BUS_ADDRESS= APPROOV_ROLE= APPROOV_MANAGEMENT_TOKEN=
echo 'bench password 1' | "$bin" account create --local --name bench --init --password-stdin >/dev/null 2>&1
"$bin" users add dev@example.com --role dev >/dev/null 2>&1
echo "load average: $(cut -d" " -f1-3 /proc/loadavg) on $(nproc) CPUs; $(df -T "$work" | awk 'NR==2 {print $2}') at $work"

cmds=("version" "whoami" "users list")
for c in "${cmds[@]}"; do "$bin" $c >/dev/null; done # warm the page cache
for _ in $(seq "$runs"); do
  for i in "${!cmds[@]}"; do
    t0=$(date +%s%N)
    "$bin" ${cmds[$i]} >/dev/null
    t1=$(date +%s%N)
    echo "$i $(( (t1 - t0) / 1000 ))" >>"$work/times"
  done
done

# median, 90th percentile and minimum in milliseconds of command $1's runs
stats() {
  awk -v i="$1" '$1 == i { print $2 }' "$work/times" | sort -n | awk -v n="$runs" '
    { v[NR] = $1 } END { printf "%.1f %.1f %.1f", v[int((n+1)/2)]/1000, v[int(n*0.9)]/1000, v[1]/1000 }'
}
syncs() {
  if command -v strace >/dev/null; then
    strace -f -c -e trace=fdatasync,fsync -o "$work/strace" "$bin" $1 >/dev/null
    awk '$NF ~ /^f(data)?sync$/ { n += $4 } END { print n + 0 }' "$work/strace"
  else
    echo "n/a (no strace)"
  fi
}
read -r base _ _ <<<"$(stats 0)"
for i in "${!cmds[@]}"; do
  read -r med p90 min <<<"$(stats "$i")"
  printf '%-20s runs=%d  median=%5.1f ms  p90=%5.1f ms  min=%5.1f ms  vs version %+5.1f ms  fsyncs=%s\n' \
    "approov ${cmds[$i]}" "$runs" "$med" "$p90" "$min" "$(echo "$med - $base" | bc)" "$(syncs "${cmds[$i]}")"
done
