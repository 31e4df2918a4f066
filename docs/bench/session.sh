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

# Round after round, each command once; wall and CPU (user+sys, from the
# child's rusage) per run. CPU time barely moves with the machine's load,
# so on a busy machine compare it, and the minimum wall time, first.
python3 - "$bin" "$runs" <<'PY' >"$work/figures"
import os, statistics, subprocess, sys, time
bin, runs = sys.argv[1], int(sys.argv[2])
cmds = [["version"], ["whoami"], ["users", "list"]]
def run(c):
    t0 = time.perf_counter()
    p = subprocess.Popen([bin] + c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    if status != 0:
        sys.exit(f"approov {' '.join(c)} failed")
    return wall * 1e3, (ru.ru_utime + ru.ru_stime) * 1e3
for c in cmds:
    run(c)  # warm the page cache
res = {i: [] for i in range(len(cmds))}
for _ in range(runs):
    for i, c in enumerate(cmds):
        res[i].append(run(c))
base = statistics.median(w for w, _ in res[0])
base_cpu = statistics.median(u for _, u in res[0])
for i, c in enumerate(cmds):
    walls = sorted(w for w, _ in res[i]); cpus = [u for _, u in res[i]]
    med, cpu = statistics.median(walls), statistics.median(cpus)
    print(f"{'approov ' + ' '.join(c):<20} runs={runs}  wall median={med:5.1f} ms (min {walls[0]:4.1f}, p90 {walls[int(runs*0.9)-1]:5.1f}) "
          f"vs version {med-base:+5.1f} ms  cpu median={cpu:4.1f} ms vs version {cpu-base_cpu:+4.1f} ms")
PY

# fdatasync and fsync calls of one run of each command
syncs() {
  if command -v strace >/dev/null; then
    strace -f -c -e trace=fdatasync,fsync -o "$work/strace" "$bin" "$@" >/dev/null
    awk '$NF ~ /^f(data)?sync$/ { n += $4 } END { print n + 0 }' "$work/strace"
  else
    echo "n/a (no strace)"
  fi
}
n=0
while read -r line; do
  case $n in 0) c=(version) ;; 1) c=(whoami) ;; *) c=(users list) ;; esac
  echo "$line  fsyncs=$(syncs "${c[@]}")"
  n=$((n + 1))
done <"$work/figures"
