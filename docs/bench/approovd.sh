#!/usr/bin/env bash
# Measures approovd on loopback (issue 11's load figures), each figure with
# the load average beside it (the machine may be shared):
#   1. signed reads (whoami) with the repo's load generator, which signs like
#      the CLI (a fresh nonce and an Ed25519 signature per request, every
#      answer verified): unpaced from 16 and from 128 workers (throughput),
#      then paced at 1,000 req/s (p50, p99: an open loop, so queueing shows),
#      over HTTP/2 (as the CLI) and again over HTTP/1.1 (--http1: a
#      connection per worker, which costs approovd less CPU per request);
#   2. the public configuration endpoint with wrk (Debian's): If-None-Match
#      with the current ETag (304s), then a fresh random challenge per
#      request (a Lua script), so every answer carries a signature;
#   3. approovd's RSS over a soak of signed reads paced at 800 req/s,
#      sampled every 10 s: first, last and max, anonymous memory (heap and
#      stacks: must stay flat) apart from the mapped store file (grows
#      until the replay window, 5 minutes, is full, then expiry keeps it).
# Targets: >= 5,000 req/s signed; p99 <= 10 ms at 1,000 req/s; >= 20,000
# req/s with If-None-Match; >= 5,000 req/s with a challenge.
# Bounded: loopback only, fixed counts and durations; it stops by itself.
# Beside each signed-read run: approovd's CPU time per request (user+sys
# from /proc), which other jobs on a shared machine barely change: on an
# idle machine, 2 cores / (approovd's + the load generator's CPU per
# request) bounds the throughput.
# Usage: docs/bench/approovd.sh [requests] [soak seconds]   (default 20000 300; 0: no soak)
#        APPROOVD_BIN=path: bench that approovd binary (e.g. an older build)
set -euo pipefail
cd "$(dirname "$0")/../.."
requests=${1:-20000}
soak=${2:-300}
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
work=$(mktemp -d)
approovd=${APPROOVD_BIN:-$work/approovd}
[ -n "${APPROOVD_BIN:-}" ] || go build -o "$approovd" ./cmd/approovd
go build -o "$work/approov-load" ./cmd/approov-load
go build -o "$work/approov" ./cmd/approov
store="bolt://$work/srv/approovd.db"
# Rate limits out of the way: one client address sends everything.
"$approovd" serve --dev --listen 127.0.0.1:0 --store "$store" --addr-file "$work/addr" \
  --rate-per-address 1e6 --burst-per-address 1000000 --rate-per-account 1e6 --burst-per-account 1000000 \
  2>"$work/approovd.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$work/addr" ] && break; sleep 0.05; done
addr=$(cat "$work/addr")
load() { echo "[load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs]"; }
code() {
  "$approovd" account create --store "$store" --name "$1" --user a@example.com --url "https://$addr" >"$work/$1.code" 2>/dev/null
  echo "$work/$1.code"
}
# rss: "anon file" KiB: the heap and stacks, and the store's mapped pages
# (bbolt maps the file; it grows while the replay window fills).
rss() { awk '/^RssAnon/ { a = $2 } /^RssFile/ { f = $2 } END { print a, f }' "/proc/$pid/status"; }
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
# signed ARGS...: one load-generator run, then approovd's CPU per request.
signed() {
  local before out n
  before=$(ticks)
  out=$("$work/approov-load" "$@")
  echo "$out"
  n=$(echo "$out" | awk '{ for (i = 1; i < NF; i++) if ($(i+1) == "requests") { print $i; exit } }')
  awk -v t="$(( $(ticks) - before ))" -v hz="$(getconf CLK_TCK)" -v n="$n" \
    'BEGIN { printf "  approovd CPU: %.0f us per request (its logins included)\n", t / hz * 1e6 / n }'
}
echo "approovd on $addr, pid $pid; $(load)"

echo "== signed reads"
signed --code "$(code unpaced16)" --workers 16 --requests "$requests"; load
signed --code "$(code unpaced128)" --workers 128 --sessions 16 --requests "$requests"; load
signed --code "$(code paced)" --workers 32 --requests "$requests" --rate 1000; load
signed --http1 --code "$(code unpaced16h1)" --workers 16 --requests "$requests"; load
signed --http1 --code "$(code unpaced128h1)" --workers 128 --sessions 16 --requests "$requests"; load
signed --http1 --code "$(code pacedh1)" --workers 32 --requests "$requests" --rate 1000; load

echo "== public configuration endpoint (wrk, 2 threads, 64 connections, 10 s)"
export APPROOV_HOME="$work/home" HOME="$work" DBUS_SESSION_BUS_ADDRESS= APPROOV_ROLE= APPROOV_MANAGEMENT_TOKEN=
echo 'bench password for approovd.sh' | "$work/approov" init "$(code public)" --password-stdin >/dev/null 2>&1
"$work/approov" api add tokens.example.test --no-pins --no-token --yes >/dev/null 2>&1
url="https://$addr/v1/accounts/public/sdk-config"
etag=$(curl -sk -o /dev/null -D - "$url" | tr -d '\r' | awk 'tolower($1) == "etag:" { print $2 }')
[ -n "$etag" ] || { echo "no ETag from $url" >&2; exit 1; }
wrk -t2 -c64 -d10s -H "If-None-Match: $etag" "$url" | awk '/Requests\/sec|Latency|Non-2xx/ { print "If-None-Match: " $0 }'; load
cat >"$work/challenge.lua" <<'LUA'
-- A fresh 32-byte challenge per request, base64url without padding.
local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
math.randomseed(os.time())
request = function()
  local t = {}
  for i = 1, 43 do
    local n = math.random(1, 64)
    t[i] = alphabet:sub(n, n)
  end
  t[43] = "A" -- 43 characters carry 256 bits: the last one's low bits are zero
  wrk.headers["Approov-Challenge"] = table.concat(t)
  return wrk.format()
end
LUA
wrk -t2 -c64 -d10s -s "$work/challenge.lua" "$url" | awk '/Requests\/sec|Latency|Non-2xx/ { print "challenge: " $0 }'; load
code=$(curl -sk -o /dev/null -w '%{http_code}' -H "Approov-Challenge: $(head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=')" "$url")
echo "challenge answer status: $code (200 expected)"

[ "$soak" -gt 0 ] || exit 0 # 0: no soak
echo "== memory over a ${soak}s soak of signed reads at 800 req/s (RSS sampled every 10 s)"
"$work/approov-load" --code "$(code soak)" --workers 32 --sessions 32 --rate 800 \
  --requests $((soak * 800)) --duration "${soak}s" >"$work/soak.out" &
soakpid=$!
samples=()
while kill -0 "$soakpid" 2>/dev/null; do samples+=("$(rss)"); sleep 10; done
wait "$soakpid"
cat "$work/soak.out"
printf '%s\n' "${samples[@]}" | awk '
  NR == 1 { fa = $1; ff = $2 } { la = $1; lf = $2; if ($1 > ma) ma = $1; if ($2 > mf) mf = $2; n++ }
  END {
    printf "approovd RSS over %d samples, anonymous (heap, stacks): first %.1f MiB, last %.1f MiB, max %.1f MiB\n", n, fa/1024, la/1024, ma/1024
    printf "approovd RSS, the mapped store file: first %.1f MiB, last %.1f MiB, max %.1f MiB\n", ff/1024, lf/1024, mf/1024
  }'
printf '%s\n' "${samples[@]}" | awk 'NR % 6 == 1 { line = line sprintf(" %.0f/%.0f", $1/1024, $2/1024) }
  END { print "  each minute, anonymous/file MiB:" line }'
load
